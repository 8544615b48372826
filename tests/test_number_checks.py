"""Number verdicts against real sources: the seeds and other reporting."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest

from storysum.number_checks import (
    FigureCheck,
    NumberCheck,
    NumberVerdict,
    check_figure,
    verify_numbers,
)
from storysum.spans import TextSpan

ROOT = Path(__file__).resolve().parent.parent
SEEDS = [p.read_text() for p in sorted((ROOT / "seeds").glob("*.txt"))]
V = NumberVerdict

SEED_001 = SEEDS[1]
SEED_003 = SEEDS[3]

# claim, sources ("all" = every seed, or one text), expected verdict of each quantity
VERIFY = [
    ("Maduro says Venezuela has 5,000 Igla-S missiles.", "all", [V.EXACT]),
    ("Maduro says Venezuela has five thousand Igla-S missiles.", "all", [V.EQUIVALENT]),
    ("Maduro says Venezuela has 5k Igla-S missiles.", "all", [V.EQUIVALENT]),
    ("Maduro says Venezuela has 6,000 Igla-S missiles.", "all", [V.UNSUPPORTED]),
    ("Maduro says Venezuela has 500 Igla-S missiles.", "all", [V.UNSUPPORTED]),
    ("The US sent 4,500 Marines and sailors to the Caribbean.", "all", [V.EXACT]),
    ("The US sent 4,500 troops to the Caribbean.", "all", [V.EXACT]),
    ("The US sent 5,400 troops to the Caribbean.", "all", [V.UNSUPPORTED]),
    ("Maduro claims over 8 million reservists.", SEED_001, [V.EXACT]),
    ("Maduro activated 4.5 million militia members.", SEED_003, [V.EXACT]),
    ("Maduro activated 8 million militia members.", SEED_003[:400], [V.UNSUPPORTED]),
    # "over 8 million" is not supported by "4.5 million" when that is the only figure.
    ("Maduro claims over 8 million militia members.",
     "Maduro has activated 4.5 million militia members.", [V.UNSUPPORTED]),
    ("The Igla-S reaches 6 km.", SEED_001, [V.EQUIVALENT]),
    ("The Igla-S reaches 8 km.", SEED_001, [V.UNSUPPORTED]),
    ("The Igla-S reaches up to 8 km.", SEED_001, [V.UNSUPPORTED]),
    ("Maduro spoke on March 13, 2024.", SEED_001, [V.EXACT]),
    ("Maduro spoke on 13 March 2024.", SEED_001, [V.EQUIVALENT]),
    ("Maduro spoke on March 14, 2024.", SEED_001, [V.UNSUPPORTED]),
    ("Maduro spoke in 2024.", SEED_001, [V.EQUIVALENT]),
    ("US forces destroyed at least eight vessels.", SEED_003, [V.EXACT]),
    ("US forces destroyed at least 8 boats.", SEED_003, [V.EQUIVALENT]),
    ("US forces destroyed nine vessels.", SEED_003, [V.UNSUPPORTED]),
    # Context: the same digits counting something else are no support.
    ("The factory closed 30 years ago.", "Some 30 people were evacuated.", [V.UNSUPPORTED]),
    ("Some 30 people were evacuated.", "The factory closed 30 years ago.", [V.UNSUPPORTED]),
    ("The company hired 1,200 engineers.", "The company bought 1,200 trucks.",
     [V.UNSUPPORTED]),
    ("US forces destroyed at least eight vessels.", "Maduro spoke on March 13, 2024.",
     [V.UNSUPPORTED]),
    ("More than 2,000 crew were aboard.",
     "The ship was carrying 2,666 passengers and 1,045 crew.", [V.UNSUPPORTED]),
    ("More than 1,000 crew were aboard.",
     "The ship was carrying 2,666 passengers and 1,045 crew.", [V.ROUNDED]),
    ("Nearly 9 million people visited the museum.",
     "The museum attracted 8.9 million visitors in 2023.", [V.ROUNDED]),
    # "8m" alone is metres to the grammar; the source decides it meant millions.
    ("Maduro says militias number over 8m.", SEED_001, [V.EQUIVALENT]),
    ("Venezuela's 5000 Igla-S missiles are deployed.", SEED_001, [V.EQUIVALENT]),
    ("The missiles have a range of six kilometres.", SEED_001, [V.EQUIVALENT]),
    ("Deliveries fell for the first time in over ten years.",
     "Tesla had its first annual decline in more than a decade.", [V.EXACT, V.EQUIVALENT]),
    ("Tesla delivered almost 1.8 million cars.", "Tesla delivered 1.79 million vehicles.",
     [V.ROUNDED]),
    # Rounding consistent with the text's precision and qualifier.
    ("The film took roughly $141 million.",
     "The film grossed $140,937,785 in its opening weekend.", [V.ROUNDED]),
    ("The company lost nearly $44 million.",
     "The company reported a net loss of $43,885,310.", [V.ROUNDED]),
    ("The company lost nearly $43 million.",
     "The company reported a net loss of $43,885,310.", [V.UNSUPPORTED]),
    ("The company lost about $45 million.",
     "The company reported a net loss of $43,885,310.", [V.UNSUPPORTED]),
    ("Turnout was about 67%.", "Turnout was 67.3%.", [V.ROUNDED]),
    ("Turnout was about 76%.", "Turnout was 67.3%.", [V.UNSUPPORTED]),
    ("The film took roughly £141 million.",
     "The film grossed $140,937,785 in its opening weekend.", [V.UNSUPPORTED]),
    # Percent vs percentage points.
    ("Rates rose 0.25 percentage points.", "The bank raised rates by 0.25 percentage points.",
     [V.EXACT]),
    ("Rates rose by a quarter point.", "The bank raised rates by 0.25 percentage points.",
     [V.EQUIVALENT]),
    ("Rates rose 0.25%.", "The bank raised rates by 0.25 percentage points.",
     [V.UNSUPPORTED]),
    # Shares written three ways.
    ("A third of adults reported anxiety.", "About one in three adults reported anxiety.",
     [V.EQUIVALENT]),
    ("Half of the homes were flooded.", "50% of the homes were flooded.", [V.EQUIVALENT]),
    ("Two-thirds of voters backed it.", "A third of voters backed it.", [V.UNSUPPORTED]),
    # Money needs the same currency.
    ("The EU approved €1.2 billion.", "The EU approved a €1.2bn aid package.", [V.EQUIVALENT]),
    ("The EU approved $1.2 billion.", "The EU approved a €1.2bn aid package.",
     [V.UNSUPPORTED]),
    # Ordinals are not cardinals.
    ("It was the 14th rise in a row.", "It was the fourteenth consecutive increase.",
     [V.EQUIVALENT]),
    ("It was the 15th rise in a row.", "It was the fourteenth consecutive increase.",
     [V.UNSUPPORTED]),
    # Vague plurals.
    ("Tens of thousands marched.", "Tens of thousands of people marched.", [V.EXACT]),
    ("Tens of thousands marched.", "Police said 50,000 people marched.", [V.ROUNDED]),
    ("Hundreds of thousands marched.", "Police said 50,000 people marched.", [V.UNSUPPORTED]),
    ("Police said 50,000 people marched.", "Tens of thousands of people marched.",
     [V.UNSUPPORTED]),
    # Ages.
    ("The 81-year-old senator will retire.", "The senator, 81, said she would retire.",
     [V.EQUIVALENT]),
    ("The 79-year-old senator will retire.", "The senator, 81, said she would retire.",
     [V.UNSUPPORTED]),
    # Ranges.
    ("Firefighters rescued 10-12 people.", "Between 10 and 12 people were rescued.",
     [V.EQUIVALENT]),
    ("Firefighters rescued 10-15 people.", "Between 10 and 12 people were rescued.",
     [V.UNSUPPORTED]),
    # Magnitudes, however the scale word is glued (stories/*-earthquake-*).
    ("A magnitude 6.9 earthquake struck Cebu.",
     "A powerful magnitude-6.9 earthquake struck off Cebu.", [V.EXACT]),
    ("A 6.9-magnitude quake struck Cebu.",
     "A powerful magnitude-6.9 earthquake struck off Cebu.", [V.EXACT]),
    ("A 6.9 earthquake struck Cebu.",
     "A powerful magnitude-6.9 earthquake struck off Cebu.", [V.EXACT]),
    ("A magnitude-7.1 quake struck Cebu.",
     "A powerful magnitude-6.9 earthquake struck off Cebu.", [V.UNSUPPORTED]),
    ("Officials said 7 people were hurt.",
     "A powerful magnitude-7 earthquake struck off Cebu.", [V.UNSUPPORTED]),
    # A Title-Case headline states its figures.
    ("The quake killed 400 people.", "China Earthquake Kills 400, Injures 1,800", [V.EXACT]),
    # A time of day states no count.
    ("Some 830 people were evacuated.", "The disaster struck Sunday at 0830 UTC.",
     [V.UNSUPPORTED]),
    ("The reading was 9.59.", "The quake hit at 9.59pm.", [V.UNSUPPORTED]),
    ("The code was 830.", "The disaster struck Sunday at 0830 UTC.", [V.UNSUPPORTED]),
]


@pytest.mark.parametrize(("claim", "sources", "verdicts"), VERIFY)
def test_verify_numbers(claim: str, sources: str, verdicts: list[NumberVerdict]) -> None:
    srcs: str | list[str] = SEEDS if sources == "all" else sources
    checks = verify_numbers(claim, srcs)
    assert [c.verdict for c in checks] == verdicts, [(c.quantity.text, c.reason) for c in checks]
    for c in checks:
        assert c.supported == (c.verdict in (V.EXACT, V.EQUIVALENT, V.ROUNDED))
        assert c.reason
        texts = [srcs] if isinstance(srcs, str) else srcs
        for span in c.evidence:
            assert isinstance(span, TextSpan)
            assert texts[span.source][span.start:span.end] == span.text


def test_never_fuzzy_on_digits() -> None:
    source = "About 5,000 people attended the rally, organisers said."
    for wrong in ("6,000", "5,001", "4,000", "50,000", "500"):
        (check,) = verify_numbers(f"About {wrong} people attended the rally.", source)
        assert not check.supported, wrong


def test_reason_names_what_the_source_says() -> None:
    (check,) = verify_numbers("Maduro activated 8 million militia members.", SEED_003[:400])
    assert "4.5 million militia members" in check.reason


def test_evidence_points_at_each_supporting_source() -> None:
    (check,) = verify_numbers("The US sent 4,500 Marines and sailors.", SEEDS)
    assert {span.source for span in check.evidence} == {0, 1, 2, 3, 4}
    assert all(span.text == "4,500" for span in check.evidence)


def test_text_without_numbers() -> None:
    assert verify_numbers("Maduro spoke to the troops.", SEEDS) == []


def test_single_string_and_sequence_agree() -> None:
    a = verify_numbers("He has 5,000 missiles.", SEED_001)
    b = verify_numbers("He has 5,000 missiles.", [SEED_001])
    assert [c.verdict for c in a] == [c.verdict for c in b]
    assert isinstance(a[0], NumberCheck)


# value, counted, source, hint, verdict, value the source states
FIGURES = [
    ("5,000", "Igla-S missiles", SEED_001, None, V.EXACT, "5000"),
    ("5k", "missiles", SEED_001, None, V.EQUIVALENT, "5000"),
    ("8 million", "reservists", SEED_001,
     "He claims that his volunteer militias have grown to include over 8 million reservists",
     V.EXACT, "8000000"),
    ("over 8 million", "reservists", SEED_001, None, V.EXACT, "8000000"),
    ("eight million", "reservists", SEED_001, None, V.EQUIVALENT, "8000000"),
    ("4.5 million", "reservists", SEED_001, None, V.MISMATCH, "8000000"),
    ("6,000", "militia members", SEED_003, None, V.MISMATCH, "4500000"),
    ("4,500", "Marines and sailors", SEED_003, None, V.EXACT, "4500"),
    ("5,400", "Marines and sailors", SEED_003,
     "deploying 4,500 Marines and sailors, stealth warplanes, and Navy ships",
     V.MISMATCH, "4500"),
    # The hint cites the wrong sentence; the figure is still found by code.
    ("4,500", "Marines and sailors", SEED_003, "Colombia recalled its ambassador.", V.EXACT,
     "4500"),
    ("6,000 meters", None, SEED_001, None, V.EXACT, "6000"),
    ("$2.5bn", "aid", SEED_001, None, V.UNSUPPORTED, None),
    ("no figure here", None, SEED_001, None, V.UNSUPPORTED, None),
    # Real stories: the figure as the gold writes it, the sentence as the outlet wrote it.
    ("6.9", "magnitude of the earthquake",
     "At least 69 people are dead after a powerful magnitude-6.9 earthquake struck.", None,
     V.EXACT, "6.9"),
    ("7.8", "magnitude of the earthquake",
     "Survivors of a magnitude-7.8 earthquake that struck the coast.", None, V.EXACT, "7.8"),
    ("magnitude 6.1", None, "The magnitude-6.1 quake struck at 4:30 p.m.", None, V.EXACT,
     "6.1"),
    ("233", "people dead", "Officials said the death toll rose to 233 Sunday.", None,
     V.EXACT, "233"),
    ("400", "people killed", "China Earthquake Kills 400, Injures 1,800", None, V.EXACT,
     "400"),
    ("6", "provinces under a state of emergency",
     "He declared a state of emergency in 6 of the country’s 24 province, giving powers.",
     None, V.EXACT, "6"),
    ("1979", "year of the last stronger earthquake",
     "It was the strongest earthquake to strike the country since 1979.", None, V.EXACT,
     "1979"),
]


@pytest.mark.parametrize(("value", "counted", "source", "hint", "verdict", "stated"), FIGURES)
def test_check_figure(value: str, counted: str | None, source: str, hint: str | None,
                      verdict: NumberVerdict, stated: str | None) -> None:
    result = check_figure(value, counted, source, hint)
    assert isinstance(result, FigureCheck)
    assert result.verdict is verdict, result.reason
    if stated is None:
        assert result.source_quantity is None
    else:
        assert result.source_quantity is not None
        assert result.source_quantity.value == Decimal(stated)
        assert result.evidence
        span = result.evidence[0]
        assert source[span.start:span.end] == span.text
    assert result.reason


def test_check_figure_prefers_the_hinted_sentence() -> None:
    source = ("In 2019 the army had 5,000 soldiers. "
              "By 2024 the army had 5,000 soldiers and 200 tanks.")
    hint = "By 2024 the army had 5,000 soldiers and 200 tanks."
    result = check_figure("5,000", "soldiers", source, hint)
    assert result.verdict is V.EXACT
    assert result.evidence[0].start == source.index("5,000", 30)


def _claims() -> list[dict[str, str]]:
    path = ROOT / "tests" / "data" / "number_claims.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def test_labelled_claims_meet_the_targets() -> None:
    rows = _claims()
    consistent = [r for r in rows if r["label"] == "consistent"]
    errors = [r for r in rows if r["label"] == "number_error"]
    assert len(consistent) >= 50 and len(errors) >= 50

    def flagged(r: dict[str, str]) -> bool:
        return any(not c.supported for c in verify_numbers(r["claim"], r["source"]))

    false_alarms = sum(flagged(r) for r in consistent) / len(consistent)
    recall = sum(flagged(r) for r in errors) / len(errors)
    assert false_alarms <= 0.02
    assert recall >= 0.80
