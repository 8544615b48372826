"""Which gold file goes with which brief, reading both, and one evaluation run.

``GOLD BRIEF`` are a gold file and a brief (or a directory holding
``<gold stem>.json``), or two directories: every ``GOLD/<story>.json`` pairs with
``BRIEF/<story>.json`` (``thresholds*.json`` and names starting with ``.`` or ``_`` are not
gold files). A gold file without its brief is a problem named in the outcome (exit code 3
on the command line), a brief without a gold file a warning; neither is skipped silently.
Briefs are JSON as ``storysum summarize -f json`` writes them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from pydantic import ValidationError

from ..errors import InputError
from ..models import Brief
from .gold import GoldError, load_gold
from .metrics import StoryResult, evaluate
from .thresholds import Failure, Thresholds, check, load_thresholds


@dataclass(frozen=True, slots=True)
class Pair:
    story: str
    gold: Path
    brief: Path | None  # None: the brief is missing


@dataclass(slots=True)
class Outcome:
    results: list[StoryResult] = field(default_factory=list)
    failures: list[Failure] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)  # gold files with no brief
    warnings: list[str] = field(default_factory=list)
    checked_thresholds: bool = False


def _is_gold_file(path: Path) -> bool:
    return (path.is_file() and path.suffix == ".json" and not path.name.startswith((".", "_"))
            and not path.name.startswith("thresholds"))


def find_pairs(gold: Path, brief: Path) -> tuple[list[Pair], list[str]]:
    """(pairs, warnings) for the GOLD and BRIEF arguments; a pair's brief is None when the
    file it should be is missing."""
    if not gold.exists():
        raise GoldError("no such file or directory", path=gold)
    if not brief.exists():
        raise InputError("no such file or directory", path=brief)
    if gold.is_file():
        target = brief / f"{gold.stem}.json" if brief.is_dir() else brief
        return [Pair(gold.stem, gold, target if target.is_file() else None)], []
    if not brief.is_dir():
        raise InputError("must be a directory of briefs when GOLD is a directory", path=brief)
    golds = sorted(p for p in gold.iterdir() if _is_gold_file(p))
    if not golds:
        raise GoldError("holds no gold file (<story>.json)", path=gold)
    pairs = [
        Pair(g.stem, g, t if (t := brief / f"{g.stem}.json").is_file() else None) for g in golds
    ]
    stories = {g.stem for g in golds}
    warnings = [f"{p}: no gold file {gold / p.name}, not evaluated"
                for p in sorted(brief.glob("*.json")) if p.stem not in stories]
    return pairs, warnings


def load_brief(path: Path) -> Brief:
    """A brief as ``storysum summarize -f json`` writes it; InputError (one line) if not."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read it ({exc})", path=path) from None
    try:
        return Brief.model_validate_json(text)
    except ValidationError as exc:
        error = exc.errors()[0]
        where = ".".join(str(p) for p in error["loc"]) or "(top level)"
        if error["type"] == "json_invalid":
            raise InputError(f"not JSON ({error['msg']})", path=path) from None
        raise InputError(f"not a storysum brief ({where}: {error['msg']})", path=path) from None


def run_eval(gold: Path, brief: Path, thresholds: Path | None = None) -> Outcome:
    """Evaluate every pair; check the thresholds if given. Every gold file is validated,
    with or without its brief. Raises StorysumError (one line) for input that cannot be
    used at all."""
    bounds: Thresholds | None = load_thresholds(thresholds) if thresholds else None
    pairs, warnings = find_pairs(gold, brief)
    golds = [load_gold(p.gold) for p in pairs]
    outcome = Outcome(warnings=warnings)
    for pair, gold_file in zip(pairs, golds, strict=True):
        if pair.brief is None:
            where = brief / f"{pair.story}.json" if brief.is_dir() else brief
            outcome.missing.append(f"{pair.story}: no brief {where}")
            continue
        result = evaluate(gold_file, load_brief(pair.brief))
        result = result.model_copy(update={"story": pair.story})
        outcome.warnings += [f"{pair.story}: {note}" for note in result.notes]
        outcome.results.append(result)
    if bounds is not None:
        outcome.failures = check(outcome.results, bounds)
        outcome.checked_thresholds = True
    return outcome
