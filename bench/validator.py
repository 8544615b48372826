"""Benchmark of the number validator: speed, scaling, false alarms and recall.

    python bench/validator.py        (or as one row of: python -m bench)

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
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from storysum.number_checks import verify_numbers  # noqa: E402

BASE_BYTES = 100_000  # the 1x source size
REPEAT = 3
# The targets this benchmark was written against.
TARGET_MB_S = 20.0
TARGET_FALSE_ALARMS = 0.02
TARGET_RECALL = 0.80

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


def throughput(
    check: Callable[[str, str], bool], source: str, repeat: int = REPEAT
) -> tuple[float, float]:
    """(MB/s of source text, seconds) for checking every claim against ``source``.

    Best of ``repeat`` runs: the machine is shared, and the minimum is the least disturbed.
    """
    seconds = min(timed(lambda: [check(c, source) for c in CLAIMS]) for _ in range(repeat))
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


def run(base_bytes: int = BASE_BYTES, repeat: int = REPEAT) -> dict[str, Any]:
    """Measure everything this benchmark reports and return the numbers (nothing printed).

    ``sizes`` maps each multiple of ``base_bytes`` (1, 10, 100) to the seconds and MB/s of
    storysum and of the baseline; ``scaling`` is the time at 10x and 100x over the time at
    1x; ``labelled`` holds false-alarm rate and recall per split and checker.
    """
    seeds = [p.read_text() for p in sorted((ROOT / "seeds").glob("*.txt"))]
    rng = random.Random(1121)
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else None
    biggest = build_source(base_bytes * 100, seeds, rng)
    sources = {1: biggest[:base_bytes], 10: biggest[: base_bytes * 10], 100: biggest}

    verify_numbers(CLAIMS[0], sources[1])  # warm the regex caches once
    sizes: dict[int, dict[str, float]] = {}
    for mult, source in sources.items():
        s_rate, s_sec = throughput(storysum_supported, source, repeat)
        b_rate, b_sec = throughput(baseline_supported, source, repeat)
        sizes[mult] = {
            "bytes": len(source.encode()),
            "storysum_s": s_sec,
            "storysum_mb_s": s_rate,
            "baseline_s": b_sec,
            "baseline_mb_s": b_rate,
        }
    s1 = sizes[1]["storysum_s"]
    rows = labelled()
    rate_table: dict[str, dict[str, dict[str, float]]] = {}
    for split in ("dev", "holdout", "all"):
        subset = [r for r in rows if split == "all" or r.get("split", "dev") == split]
        rate_table[split] = {}
        for name, check in (("storysum", storysum_supported), ("baseline", baseline_supported)):
            fa, rec = rates(check, subset)
            rate_table[split][name] = {"false_alarms": fa, "recall": rec}
    return {
        "claims": len(CLAIMS),
        "repeat": repeat,
        "cores": os.cpu_count(),
        "load_before": load,
        "sizes": sizes,
        "scaling": {
            "10x": sizes[10]["storysum_s"] / s1,
            "100x": sizes[100]["storysum_s"] / s1,
        },
        "labelled": {
            "rows": len(rows),
            "consistent": sum(r["label"] == "consistent" for r in rows),
            "number_error": sum(r["label"] == "number_error" for r in rows),
            "rates": rate_table,
        },
        "targets": {"mb_s": TARGET_MB_S, "false_alarms": TARGET_FALSE_ALARMS,
                    "recall": TARGET_RECALL},
    }


def main() -> None:
    result = run()
    print("number validator benchmark")
    print(f"  source: seeds + synthetic news sentences; {result['claims']} claims per size, "
          f"best of {result['repeat']} runs")
    if result["load_before"] is not None:
        print(f"  machine: {result['cores']} cores, load average before the run "
              f"{result['load_before']:.2f}")
    print()
    print(f"  {'size':>6} {'bytes':>11}  {'storysum s':>11} {'MB/s':>8}   "
          f"{'baseline s':>11} {'MB/s':>8}")
    sizes = result["sizes"]
    for mult, row in sizes.items():
        print(f"  {mult:>5}x {row['bytes']:>11,}  {row['storysum_s']:>11.3f} "
              f"{row['storysum_mb_s']:>8.1f}   {row['baseline_s']:>11.3f} "
              f"{row['baseline_mb_s']:>8.1f}")
    print()
    print(f"  storysum scaling: 10x input -> {result['scaling']['10x']:.1f}x time, "
          f"100x input -> {result['scaling']['100x']:.1f}x time (linear: ~10x, ~100x)")
    print(f"  throughput at 100x: storysum {sizes[100]['storysum_mb_s']:.1f} MB/s, "
          f"baseline {sizes[100]['baseline_mb_s']:.1f} MB/s (target >= {TARGET_MB_S:g} MB/s)")

    lab = result["labelled"]
    print()
    print(f"  labelled claims: {lab['rows']} ({lab['consistent']} consistent, "
          f"{lab['number_error']} with a changed number)")
    print(f"  {'split':>8} {'checker':>9} {'false alarms':>13} {'recall':>8}")
    for split, checkers in lab["rates"].items():
        for name, r in checkers.items():
            print(f"  {split:>8} {name:>9} {r['false_alarms']:>12.1%} {r['recall']:>8.1%}")
    print(f"  targets: false alarms <= {TARGET_FALSE_ALARMS:.0%}, recall >= {TARGET_RECALL:.0%}")


if __name__ == "__main__":
    main()
