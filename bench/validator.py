"""Benchmark of the number validator: speed, scaling, false alarms and recall.

    python bench/validator.py

Measured in one run, on the same inputs for storysum's ``verify_numbers`` and for the naive
digit-set baseline (a claim is supported iff every digit string in it occurs in the source,
which is what most tools ship):

* throughput in MB/s of source text (each claim checked against the whole source);
* time at 1x, 10x and 100x source size (the cost must grow linearly);
* false-alarm rate on claims consistent with their source and recall on claims whose
  number was changed, on the labelled set in tests/data/number_claims.jsonl.

The source is the seed articles plus synthetic news sentences (seeded RNG, so every run
reads the same text): counts, money, percentages, dates, ranges and number words, at about
twice the density of figures in the seed articles.
"""

from __future__ import annotations

import json
import os
import random
import re
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from storysum.number_checks import verify_numbers  # noqa: E402

BASE_BYTES = 100_000  # the 1x source size
REPEAT = 3

# Written the fast way for the regex engine (a leading single class), so the baseline is
# not slowed by a needlessly slow pattern.
_DIGITS = re.compile(r"[0-9][0-9]*(?:[.,][0-9]+)*")


def digit_set(text: str) -> set[str]:
    """The baseline's view of a text: its digit strings with separators dropped."""
    return {m.group(0).replace(",", "") for m in _DIGITS.finditer(text)}


def baseline_supported(claim: str, source: str) -> bool:
    return digit_set(claim) <= digit_set(source)


def storysum_supported(claim: str, source: str) -> bool:
    return all(c.supported for c in verify_numbers(claim, source))


# --------------------------------------------------------------------------- source text

_ORGS = ["The ministry", "Police", "The company", "Officials", "The UN", "Analysts",
         "The central bank", "Organisers", "The council", "Rescue workers", "The regulator"]
_NOUNS = ["people", "homes", "vessels", "jobs", "students", "patients", "flights", "troops",
          "visitors", "workers", "cars", "schools", "acres", "tonnes of grain", "households"]
_VERBS = ["were affected", "were counted", "were reported", "were evacuated",
          "were added", "were lost", "were recorded", "were planned"]
_PLACES = ["in the capital", "across the region", "in the north", "along the coast",
           "in three provinces", "nationwide", "in the city centre"]
_MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December"]
_QUALS = ["", "", "", "about ", "more than ", "nearly ", "at least ", "some ", "up to "]
_SMALL = ["two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "a dozen",
          "twenty-five", "forty"]


def _amount(rng: random.Random) -> str:
    roll = rng.random()
    if roll < 0.35:
        return f"{rng.randint(2, 999_999):,}"
    if roll < 0.5:
        return f"{rng.randint(1, 99)}.{rng.randint(1, 9)} million"
    if roll < 0.6:
        return rng.choice(_SMALL)
    if roll < 0.7:
        return f"{rng.randint(2, 9)} thousand"
    return str(rng.randint(2, 500))


def synthetic_sentence(rng: random.Random) -> str:
    kind = rng.random()
    org = rng.choice(_ORGS)
    if kind < 0.45:
        return (f"{org} said {rng.choice(_QUALS)}{_amount(rng)} {rng.choice(_NOUNS)} "
                f"{rng.choice(_VERBS)} {rng.choice(_PLACES)}.")
    if kind < 0.6:
        cur = rng.choice(["$", "£", "€"])
        scale = rng.choice(["m", "bn", " million", " billion", ""])
        amount = f"{rng.randint(1, 999)}.{rng.randint(0, 9)}" if scale else \
            f"{rng.randint(1000, 999_999):,}"
        return f"{org} announced a {cur}{amount}{scale} plan to rebuild {rng.choice(_NOUNS)}."
    if kind < 0.72:
        return (f"Turnout rose {rng.randint(1, 30)}.{rng.randint(0, 9)}% to "
                f"{rng.randint(30, 90)}%, {org.lower()} said.")
    if kind < 0.82:
        return (f"{org} met on {rng.choice(_MONTHS)} {rng.randint(1, 28)}, "
                f"{rng.randint(1990, 2025)}, for the {rng.choice(['third', '14th', 'second'])} "
                f"time.")
    if kind < 0.9:
        lo = rng.randint(2, 50)
        return f"Between {lo} and {lo + rng.randint(1, 20)} {rng.choice(_NOUNS)} were hit."
    return prose_sentence(rng)


_SUBJECTS = ["The minister", "A spokesman for the army", "Opposition leaders", "Residents",
             "The White House", "Diplomats", "Local officials", "Critics of the plan",
             "The prime minister's office", "Human rights groups", "Economists"]
_PREDICATES = ["declined to comment on the decision", "warned that the talks could collapse",
               "called for calm after a night of protests", "said the plan was unworkable",
               "urged both sides to return to negotiations", "described the move as a setback",
               "denied any involvement in the attack", "promised a full investigation",
               "questioned the legality of the strikes", "welcomed the announcement"]
_TAILS = ["on Tuesday", "in a statement", "late on Friday", "according to state media",
          "speaking to reporters", "in an interview", "after an emergency meeting", ""]


def prose_sentence(rng: random.Random) -> str:
    """A sentence with no figure in it, as most sentences of a news article are."""
    tail = rng.choice(_TAILS)
    return (f"{rng.choice(_SUBJECTS)} {rng.choice(_PREDICATES)}"
            f"{' ' + tail if tail else ''}.")


def build_source(size: int, seeds: list[str], rng: random.Random) -> str:
    parts = list(seeds)
    total = sum(len(p) for p in parts)
    while total < size:
        # About one figure per 200 bytes: twice the density of the seed articles.
        paragraph = " ".join(synthetic_sentence(rng) if rng.random() < 0.25
                             else prose_sentence(rng) for _ in range(6))
        parts.append(paragraph)
        total += len(paragraph) + 2
    return "\n\n".join(parts)[:size]


CLAIMS = [
    "Maduro says Venezuela has 5,000 Russian-made Igla-S missiles.",
    "The US sent 4,500 Marines and sailors to the Caribbean.",
    "Maduro claims to have mobilized over 8 million reservists.",
    "Maduro activated 4.5 million militia members.",
    "The Igla-S has a range of up to 6,000 meters and reaches 3,500 meters.",
    "US forces have destroyed at least eight vessels.",
    "Maduro spoke on March 13, 2024.",
    "Maduro says Venezuela has 6,000 Russian-made Igla-S missiles.",
    "The US sent 5,400 troops to the Caribbean.",
    "Turnout rose 12.5% to about 64%.",
    "Officials said nearly 45.2 million people were affected.",
    "The council announced a £12.5m plan.",
]


def timed(fn: Callable[[], object]) -> float:
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def throughput(check: Callable[[str, str], bool], source: str) -> tuple[float, float]:
    """(MB/s of source text, seconds) for checking every claim against ``source``.

    Best of three runs: the machine is shared, and the minimum is the least disturbed.
    """
    seconds = min(timed(lambda: [check(c, source) for c in CLAIMS]) for _ in range(REPEAT))
    mb = len(source.encode()) * len(CLAIMS) / 1e6
    return mb / seconds, seconds


def labelled() -> list[dict[str, str]]:
    path = ROOT / "tests" / "data" / "number_claims.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def rates(check: Callable[[str, str], bool], rows: list[dict[str, str]]) -> tuple[float, float]:
    consistent = [r for r in rows if r["label"] == "consistent"]
    errors = [r for r in rows if r["label"] == "number_error"]
    false_alarms = sum(not check(r["claim"], r["source"]) for r in consistent)
    caught = sum(not check(r["claim"], r["source"]) for r in errors)
    return false_alarms / max(1, len(consistent)), caught / max(1, len(errors))


def main() -> None:
    seeds = [p.read_text() for p in sorted((ROOT / "seeds").glob("*.txt"))]
    rng = random.Random(1121)
    biggest = build_source(BASE_BYTES * 100, seeds, rng)
    sizes = {1: biggest[:BASE_BYTES], 10: biggest[:BASE_BYTES * 10], 100: biggest}

    verify_numbers(CLAIMS[0], sizes[1])  # warm the regex caches once
    print("number validator benchmark")
    print(f"  source: seeds + synthetic news sentences; {len(CLAIMS)} claims per size, "
          f"best of {REPEAT} runs")
    if hasattr(os, "getloadavg"):
        print(f"  machine: {os.cpu_count()} cores, load average before the run "
              f"{os.getloadavg()[0]:.2f}")
    print()
    print(f"  {'size':>6} {'bytes':>11}  {'storysum s':>11} {'MB/s':>8}   "
          f"{'baseline s':>11} {'MB/s':>8}")
    results: dict[int, tuple[float, float, float, float]] = {}
    for mult, source in sizes.items():
        s_rate, s_sec = throughput(storysum_supported, source)
        b_rate, b_sec = throughput(baseline_supported, source)
        results[mult] = (s_rate, s_sec, b_rate, b_sec)
        print(f"  {mult:>5}x {len(source.encode()):>11,}  {s_sec:>11.3f} {s_rate:>8.1f}   "
              f"{b_sec:>11.3f} {b_rate:>8.1f}")
    s1, s10, s100 = (results[m][1] for m in (1, 10, 100))
    print()
    print(f"  storysum scaling: 10x input -> {s10 / s1:.1f}x time, "
          f"100x input -> {s100 / s1:.1f}x time (linear: ~10x, ~100x)")
    print(f"  throughput at 100x: storysum {results[100][0]:.1f} MB/s, "
          f"baseline {results[100][2]:.1f} MB/s (target >= 20 MB/s)")

    rows = labelled()
    print()
    print(f"  labelled claims: {len(rows)} "
          f"({sum(r['label'] == 'consistent' for r in rows)} consistent, "
          f"{sum(r['label'] == 'number_error' for r in rows)} with a changed number)")
    print(f"  {'split':>8} {'checker':>9} {'false alarms':>13} {'recall':>8}")
    for split in ("dev", "holdout", "all"):
        subset = [r for r in rows if split == "all" or r.get("split", "dev") == split]
        for name, check in (("storysum", storysum_supported), ("baseline", baseline_supported)):
            fa, rec = rates(check, subset)
            print(f"  {split:>8} {name:>9} {fa:>12.1%} {rec:>8.1%}")
    print("  targets: false alarms <= 2%, recall >= 80%")


if __name__ == "__main__":
    main()
