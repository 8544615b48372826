"""The same articles and the same model answers give the same brief, whatever the hash seed.

Python randomises ``str`` hashes per process (PYTHONHASHSEED), so anything in the merge that
follows the iteration order of a set -- which sentence a claim credits, which alias a
speaker resolves to, which name a mention is read as -- changes between runs on the same
input. Each brief here is built through the public pipeline, with a scripted model, in a
subprocess per seed, and the dumps (run timing aside) must be identical.

Run as a script (``python tests/test_determinism.py``), this module prints the briefs.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import subprocess
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

TESTS = Path(__file__).resolve().parent
ROOT = TESTS.parent
SEEDS = ("0", "1", "12345")

Respond = Callable[[list[dict[str, str]]], dict[str, Any]]

# Two people named Moore, and "Moore" alone: the surname stays an actor of its own, so a
# speaker named "Wes Moore" fits two actors. Two outlets state Alpha Post's claims only in
# lines that are not statements (no full stop: the model is not asked about them), two such
# lines each, either of which the claim scan may credit.
CRAFTED = {
    "Alpha Post": (
        "Governor Wes Moore toured the flooded district on Tuesday. “We will rebuild every "
        "single home in this district, whatever it takes,” Governor Wes Moore said. Senator "
        "Kate Moore called for federal aid. Rescue crews evacuated frightened families from "
        "flooded riverside houses near the old mill. Volunteers handed out blankets, bottled "
        "water and hot meals at the school gym."
    ),
    "Beta News": (
        "Flood relief\n\n"
        "Rescue crews evacuated frightened families near the old mill\n\n"
        "Crews evacuated flooded riverside houses and frightened families\n\n"
        "Volunteers handed out blankets at the school gym\n\n"
        "Bottled water and hot meals were handed out by volunteers\n\n"
        "Governor Wes Moore said: “We will rebuild every single home in this district, "
        "whatever it takes.” Senator Kate Moore agreed with Moore."
    ),
    "Gamma Wire": (
        "Flood relief\n\n"
        "Crews evacuated flooded riverside houses and frightened families\n\n"
        "Rescue crews evacuated frightened families near the old mill\n\n"
        "Bottled water and hot meals were handed out by volunteers\n\n"
        "Volunteers handed out blankets at the school gym\n\n"
        "Moore, the governor, toured the district with Senator Kate Moore."
    ),
}
_CLAIMS = ("Rescue crews evacuated frightened families from", "Volunteers handed out blankets,")


def _text(messages: list[dict[str, str]]) -> str:
    """The chunk's text inside the extraction prompt (after "From <outlet>:")."""
    content = messages[-1]["content"]
    return content.split(":\n\n", 1)[-1].split("\n\nNumbers: ")[0]


def crafted(messages: list[dict[str, str]]) -> dict[str, Any]:
    if "Verified facts:" in messages[-1]["content"]:
        return {"sentences": ["Governor Wes Moore toured the flooded district."]}
    own = "Governor Wes Moore toured" in messages[-1]["content"]  # Alpha Post
    return {
        "figures": [],
        "quotes": [{"quotation": 1, "speaker": "Wes Moore"}] if own else [],
        "actors": ["Governor Wes Moore", "Senator Kate Moore", "Moore"]
        if own
        else ["Wes Moore", "Moore"],
    }


_NUMBER = re.compile(r"\b\d{1,3}(?:,\d{3})+\b|\b\d+(?:\.\d+)?(?: million| billion)?\b")
_RUN = re.compile(r"(?:[A-Z][\w’'.-]+ ){0,3}[A-Z][\w’'.-]+")  # capitalised words: names


def scripted(messages: list[dict[str, str]]) -> dict[str, Any]:
    """A model that "extracts" by pattern, so that a brief has real content: numbers with the
    two words after them, every run of capitalised words as an actor (titles, surnames
    alone: actors merge and have aliases), quotes given to full names and surnames in turn,
    and one invented figure to reject."""
    content = messages[-1]["content"]
    if "Verified facts:" in content:
        facts = [line[2:] for line in content.split("Verified facts:")[-1].splitlines()]
        return {"sentences": [re.sub(r"\s*\(sources?:[^)]*\)", "", f) for f in facts[:3]]}
    text = " ".join(_text(messages).split())
    figures = [
        {"value": m.group(0), "counts": " ".join(text[m.end() : m.end() + 25].split()[:2])}
        for m in _NUMBER.finditer(text)
        if text[m.end() : m.end() + 25].split()
    ][:11]
    figures.append({"value": "987,654", "counts": "invented things"})
    runs = list(dict.fromkeys(m.group(0) for m in _RUN.finditer(text)))
    names = [n for n in runs if " " in n] or ["someone"]
    quotations = re.search(r"^Quotations: (.*)$", content, re.M)
    count = len(re.findall(r"\bQ\d+ ", quotations.group(1))) if quotations else 0
    quotes = []
    for k in range(1, min(4, count) + 1):
        name = names[k % len(names)]
        quotes.append({"quotation": k, "speaker": name.split()[-1] if k % 2 else name})
    return {
        "figures": figures,
        "quotes": quotes,
        "actors": runs[:12],
    }


def _brief(inputs: Sequence[Any], respond: Respond) -> dict[str, Any]:
    from storysum.config import Settings
    from storysum.llm.fake import FakeLLM
    from storysum.pipeline import asummarize

    brief = asyncio.run(asummarize(inputs, llm=FakeLLM(respond), settings=Settings.resolve(env={})))
    data: dict[str, Any] = json.loads(brief.model_dump_json())
    data["run"].pop("seconds")  # the run's only timing field
    return data


def briefs() -> dict[str, dict[str, Any]]:
    """Every brief of this test, by name."""
    sys.path.insert(0, str(TESTS))
    from storysum.articles import make_article
    from test_merge_stories import BRIDGE, FLOOD, model_for

    def made(story: dict[str, str]) -> list[Any]:
        return [make_article(t, source=f"{o}.txt", outlet=o) for o, t in story.items()]

    out = {
        story.name: _brief(sorted((story / "articles").glob("*.txt")), scripted)
        for story in sorted((ROOT / "stories").iterdir())
    }
    out["seeds"] = _brief(sorted((ROOT / "seeds").glob("*.txt")), scripted)
    out["bridge"] = _brief(made(BRIDGE), model_for(BRIDGE).respond)
    out["flood"] = _brief(made(FLOOD), model_for(FLOOD).respond)
    out["crafted"] = _brief(made(CRAFTED), crafted)
    return out


def _briefs_under(seed: str) -> dict[str, dict[str, Any]]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("STORYSUM_")}
    env["PYTHONHASHSEED"] = seed
    done = subprocess.run(
        [sys.executable, __file__],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-4000:]
    found: dict[str, dict[str, Any]] = json.loads(done.stdout)
    return found


def _first_difference(a: object, b: object, path: str = "") -> str:
    if isinstance(a, dict) and isinstance(b, dict):
        for k in sorted(set(a) | set(b)):
            if a.get(k) != b.get(k):
                return _first_difference(a.get(k), b.get(k), f"{path}.{k}")
    if isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        for k, (x, y) in enumerate(zip(a, b, strict=True)):
            if x != y:
                return _first_difference(x, y, f"{path}[{k}]")
    return f"{path}: {a!r:.300} vs {b!r:.300}"


def test_brief_is_the_same_under_every_hash_seed():
    runs = {seed: _briefs_under(seed) for seed in SEEDS}
    base = runs[SEEDS[0]]
    assert sorted(base) == [
        "bridge",
        "cebu-earthquake-2025",
        "crafted",
        "ecuador-earthquake-2016",
        "flood",
        "ludian-earthquake-2014",
        "seeds",
    ]
    for name, brief in base.items():  # the briefs have content to differ in
        assert brief["claims"] and not brief["failures"], name
        assert brief["actors"] or name == "flood", name  # the flood's model names no one
        assert brief["figures"] or name == "crafted", name
    crafted = base["crafted"]
    assert [q["speaker"] for q in crafted["quotes"]] == ["Wes Moore"]
    scanned = [c for c in crafted["claims"] if c["text"].startswith(_CLAIMS)]
    assert [len(c["outlets"]) for c in scanned] == [3, 3]
    for seed in SEEDS[1:]:
        for name in base:
            assert runs[seed][name] == base[name], (
                f"{name}, PYTHONHASHSEED={seed} vs {SEEDS[0]}: "
                + _first_difference(base[name], runs[seed][name])
            )


if __name__ == "__main__":
    print(json.dumps(briefs(), ensure_ascii=False, sort_keys=True))
