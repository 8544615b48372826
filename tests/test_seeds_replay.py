"""The whole pipeline on the five seeds, the LLM replayed from real recorded HTTP traffic.

The cassette was recorded against the embedded model (Qwen2.5-Coder-1.5B-Instruct, Q4_K_M)
served by llama-cpp-python on 127.0.0.1. Nothing here may depend on the model being right:
the assertions are about what the validator lets through.
"""

from __future__ import annotations

import re
from decimal import Decimal

import pytest

from recording import seeds_brief
from storysum.models import Brief, DiscrepancyKind, Support, Verdict


@pytest.fixture(scope="module")
def brief(seeds_dir, record_mode) -> Brief:
    """The brief of the seeds, computed once for the module from the cassette; in replay,
    every recorded call is asked for again and none is missing (``story_brief``)."""
    return seeds_brief(seeds_dir, record_mode)


def _figure(brief: Brief, value: str, word: str):
    wanted = Decimal(value)
    found = [
        f for f in brief.figures if Decimal(f.normalized) == wanted and word in f.counted.lower()
    ]
    assert found, (
        f"no verified figure {value} {word}: {[(f.value, f.counted) for f in brief.figures]}"
    )
    return found[0]


@pytest.mark.parametrize(
    "value,word,outlets",
    [
        ("5000", "missile", 5),  # every seed states it
        ("4500", "marine", 5),
        ("6000", "", 5),  # range, in metres
        ("3500", "", 4),  # altitude: 002 does not give it
    ],
)
def test_key_figures_verified_in_every_article_that_states_them(brief, value, word, outlets):
    figure = _figure(brief, value, word)
    assert figure.verdict is Verdict.VERIFIED
    assert len({s.article_id for s in figure.sources}) == outlets
    texts = {a.id: a for a in brief.articles}
    for source in figure.sources:
        # The span is really there, and it holds the number in one of its written forms.
        assert source.span.article_id in texts
        assert re.search(r"5,000|4,500|6,000|3,500|five thousand", source.span.text)


def test_spans_point_into_the_original_files(brief, seeds_dir):
    originals = {
        a.id: (seeds_dir / a.source.split("/")[-1]).read_text(encoding="utf-8")
        for a in brief.articles
    }
    spans = [s.span for f in brief.figures for s in f.sources]
    spans += [s.span for q in brief.quotes for s in q.sources]
    spans += [m for a in brief.actors for m in a.mentions]
    assert spans
    for span in spans:
        assert originals[span.article_id][span.start : span.end] == span.text


def test_no_boilerplate_number_reaches_the_brief(brief):
    shown = [f.value for f in brief.figures] + [r.item for r in brief.rejected]
    for value in shown:
        assert "2%" not in value and "3 months" not in value


def test_every_item_is_either_verified_or_rejected_with_a_reason(brief):
    assert brief.run.verified > 0
    assert brief.run.rejected == len(brief.rejected)
    for item in brief.rejected:
        assert item.verdict is not Verdict.VERIFIED
        assert item.reason


def test_run_facts_count_the_calls(brief):
    run = brief.run
    assert run.articles == 5
    assert run.calls >= run.chunks >= 5
    assert run.prompt_tokens > 1000 and run.completion_tokens > 100


# --- issue 4: the merger and the brief on the seeds ---------------------------------------


def test_militia_figure_is_a_conflict_between_outlets(brief):
    conflicts = [d for d in brief.discrepancies if d.kind is DiscrepancyKind.CONFLICT
                 and {v.normalized for v in d.values} >= {"4500000", "8000000"}]
    assert conflicts, [(d.kind, [v.value for v in d.values]) for d in brief.discrepancies]
    values = {v.normalized: v for v in conflicts[0].values}
    assert len(values["4500000"].outlets) == 1
    assert len(values["8000000"].outlets) >= 3
    for v in values.values():
        for s in v.sources:
            assert s.span.text.endswith(("4.5 million", "8 million"))


def test_over_8_million_vs_8_million_is_a_qualifier_discrepancy(brief):
    assert any(
        d.kind is DiscrepancyKind.QUALIFIER
        and {v.value for v in d.values} == {"8 million", "over 8 million"}
        for d in brief.discrepancies
    )


def test_the_date_is_single_source(brief):
    [date] = [f for f in brief.figures if f.kind == "date" and f.normalized == "20240313"]
    assert date.support is Support.SINGLE_SOURCE and len(date.sources) == 1
    assert date.sources[0].span.text == "March 13, 2024"


def test_5000_missiles_corroborated_by_all_five(brief):
    figure = _figure(brief, "5000", "missile")
    assert figure.support is Support.CORROBORATED
    assert len({s.article_id for s in figure.sources}) == 5


def test_looking_at_land_renderings_are_variants(brief):
    [variant] = [v for v in brief.quote_variants
                 if any("looking at land" in r.text for r in v.renderings)]
    texts = " | ".join(r.text for r in variant.renderings)
    assert "We are certainly looking at land now" in texts
    assert "We’re looking at land now because we already have the sea under control" in texts
    outlets = [set(r.outlets) for r in variant.renderings]
    assert len(outlets[0] | outlets[1]) == 4 and not outlets[0] & outlets[1]


def test_maduro_is_one_actor_across_all_five_outlets(brief):
    [maduro] = [a for a in brief.actors if "Maduro" in a.name]
    assert maduro.name == "Nicolás Maduro"
    assert len(maduro.outlets) == 5


def test_claim_ledger_credits_every_outlet_that_states_a_claim(brief):
    marines = max((c for c in brief.claims if "4,500 Marines" in c.text),
                  key=lambda c: len(c.outlets))
    assert marines.support is Support.CORROBORATED and len(marines.outlets) >= 3
    for source in marines.sources:
        assert "4,500 Marines" in source.span.text


def test_colombian_ambassador_recall_is_a_single_source_claim(brief):
    [only] = {a.id for a in brief.articles if a.source.endswith("003_6b499b955b184096.txt")}
    recalls = [c for c in brief.claims
               if "Colombia" in c.text and "ambassador" in c.text]
    assert recalls, "the ledger lost the Colombian ambassador's recall"
    for claim in recalls:
        assert claim.support is Support.SINGLE_SOURCE
        assert {s.article_id for s in claim.sources} == {only}
        for source in claim.sources:
            assert "ambassador" in source.span.text


def test_summary_numbers_are_all_supported(brief):
    from storysum.number_checks import verify_numbers

    assert brief.summary is not None
    texts = [a.text for a in brief.articles]
    for sentence in brief.summary.sentences:
        assert all(c.supported for c in verify_numbers(sentence, texts)), sentence
