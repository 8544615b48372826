"""The gold format: what a brief of one story should contain, written by hand.

One JSON file per story, ``gold/<story>.json``, in the format that ``gold/FORMAT.md``
describes. ``load_gold`` reads and validates one; every problem is one line naming the file
and the field (``gold/x.json: figures[2].value: no number the number grammar can read in
'lots'``), raised as :class:`GoldError` (an ``InputError``: exit code 3 on the command line).

Beyond the schema, a gold file must be consistent with itself: every article a figure,
discrepancy, quote or claim names is listed in ``articles``; every ``value`` (figures,
discrepancy values, ``absent``) reads as a number under storysum's own grammar; a
discrepancy has at least two values, a quote variant at least two texts, a claim at least
one keyword. Whether the named articles exist on disk is :func:`missing_articles`' business,
since a brief can be evaluated without them (it carries their text).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError

from ..errors import InputError
from ..models import DiscrepancyKind
from ..numbers import Quantity, parse_quantities

NonEmpty = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]


class GoldError(InputError):
    """A gold file (or a thresholds file) that cannot be used; one line naming it."""


class _Gold(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class GoldFigure(_Gold):
    """A figure that matters to the story, with every article that states it."""

    value: NonEmpty = Field(description="As a source writes it: '5,000', 'over 8 million'.")
    counted: NonEmpty = Field(description="What it counts or measures: 'missiles'.")
    articles: list[NonEmpty] = Field(min_length=1, description="Every article that states it.")


class GoldValue(_Gold):
    """One side of a discrepancy."""

    value: NonEmpty
    articles: list[NonEmpty] = Field(min_length=1)


class GoldDiscrepancy(_Gold):
    counted: NonEmpty
    kind: DiscrepancyKind
    values: list[GoldValue] = Field(min_length=2)


class GoldQuote(_Gold):
    """Words inside quotation marks; ``text`` is verbatim in every listed article."""

    speaker: NonEmpty
    text: NonEmpty
    articles: list[NonEmpty] = Field(min_length=1)


class GoldQuoteVariant(_Gold):
    """One quote rendered in different words by different articles."""

    speaker: NonEmpty
    texts: list[NonEmpty] = Field(min_length=2)


class GoldActor(_Gold):
    name: NonEmpty
    aliases: list[NonEmpty] = Field(default_factory=list)

    @property
    def names(self) -> list[str]:
        return [self.name, *self.aliases]


class GoldClaim(_Gold):
    """A claim exactly one article makes; found by all ``keywords`` in one brief claim."""

    keywords: list[NonEmpty] = Field(min_length=1)
    article: NonEmpty


class Gold(_Gold):
    """The hand-written truth about one story's brief."""

    story: NonEmpty
    articles_dir: NonEmpty = Field(description="Relative to the repository root.")
    articles: dict[NonEmpty, str] = Field(
        min_length=1, description="Article (file stem) -> outlet as a reader would say it."
    )
    figures: list[GoldFigure] = Field(default_factory=list)
    discrepancies: list[GoldDiscrepancy] = Field(default_factory=list)
    quotes: list[GoldQuote] = Field(default_factory=list)
    quote_variants: list[GoldQuoteVariant] = Field(default_factory=list)
    actors: list[GoldActor] = Field(default_factory=list)
    single_source_claims: list[GoldClaim] = Field(default_factory=list)
    absent: list[NonEmpty] = Field(default_factory=list)

    def named_articles(self) -> list[tuple[str, str]]:
        """(where, article) for every article reference in the file."""
        out: list[tuple[str, str]] = []
        for i, f in enumerate(self.figures):
            out += [(f"figures[{i}].articles", a) for a in f.articles]
        for i, d in enumerate(self.discrepancies):
            for j, v in enumerate(d.values):
                out += [(f"discrepancies[{i}].values[{j}].articles", a) for a in v.articles]
        for i, q in enumerate(self.quotes):
            out += [(f"quotes[{i}].articles", a) for a in q.articles]
        for i, c in enumerate(self.single_source_claims):
            out.append((f"single_source_claims[{i}].article", c.article))
        return out

    def values(self) -> list[tuple[str, str]]:
        """(where, value) for every number the file writes."""
        out = [(f"figures[{i}].value", f.value) for i, f in enumerate(self.figures)]
        for i, d in enumerate(self.discrepancies):
            out += [(f"discrepancies[{i}].values[{j}].value", v.value)
                    for j, v in enumerate(d.values)]
        out += [(f"absent[{i}]", a) for i, a in enumerate(self.absent)]
        return out


def first_quantity(value: str, counted: str | None = None) -> Quantity | None:
    """The quantity a gold or brief ``value`` writes, read with what it counts after it (so
    "6,000 meters" and "8 million" read as the sources' sentences do); None if no number."""
    text = f"{value} {counted}" if counted else value
    quantities = [q for q in parse_quantities(text) if q.start < len(value)]
    if not quantities and counted:
        quantities = parse_quantities(value)
    return quantities[0] if quantities else None


def _where(loc: tuple[int | str, ...]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(top level)"


def _first_error(exc: ValidationError) -> str:
    error = exc.errors()[0]
    more = exc.error_count() - 1
    tail = f" (and {more} more problem{'s' if more > 1 else ''})" if more else ""
    return f"{_where(tuple(error['loc']))}: {error['msg']}{tail}"


def parse_gold(text: str, name: str) -> Gold:
    """Validate the JSON ``text`` of a gold file called ``name``; GoldError if unusable."""
    try:
        raw = json.loads(text)
    except ValueError as exc:
        raise GoldError(f"not JSON ({exc})", path=name) from None
    if not isinstance(raw, dict):
        raise GoldError("a gold file is a JSON object", path=name)
    try:
        gold = Gold.model_validate(raw)
    except ValidationError as exc:
        raise GoldError(_first_error(exc), path=name) from None
    for where, article in gold.named_articles():
        if article not in gold.articles:
            raise GoldError(f"{where}: {article!r} is not listed in articles", path=name)
    for where, value in gold.values():
        if first_quantity(value) is None:
            raise GoldError(f"{where}: no number the number grammar can read in {value!r}",
                            path=name)
    return gold


def load_gold(path: Path) -> Gold:
    """Read and validate one gold file; GoldError (one line) if it cannot be used."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise GoldError("no such file", path=path) from None
    except IsADirectoryError:
        raise GoldError("is a directory, not a gold file", path=path) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise GoldError(f"cannot read it ({exc})", path=path) from None
    return parse_gold(text, str(path))


def missing_articles(gold: Gold, root: Path) -> list[str]:
    """The articles of ``gold`` with no file ``<root>/<articles_dir>/<stem>.*``."""
    folder = root / gold.articles_dir
    present = {p.stem for p in folder.iterdir() if p.is_file()} if folder.is_dir() else set()
    return [a for a in gold.articles if a not in present]
