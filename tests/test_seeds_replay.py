"""The whole pipeline on the five seeds, the LLM replayed from real recorded HTTP traffic.

The cassette was recorded against the embedded model (Qwen2.5-Coder-1.5B-Instruct, Q4_K_M)
served by llama-cpp-python on 127.0.0.1. Nothing here may depend on the model being right:
the assertions are about what the validator lets through.
"""

from __future__ import annotations

import re
from decimal import Decimal

import pytest

from storysum import summarize
from storysum.config import EMBEDDED_MODEL_NAME, Settings
from storysum.models import Brief, Verdict

pytestmark = pytest.mark.vcr("seeds.yaml")


@pytest.fixture
def brief(llm_base_url, seeds_dir, vcr) -> Brief:
    settings = Settings.resolve(
        env={},
        base_url=llm_base_url,
        model=EMBEDDED_MODEL_NAME,
        concurrency=1 if vcr.record_mode != "none" else 4,
    )
    result = summarize([seeds_dir], settings=settings)
    # Every recorded call was asked for again, and none was missing from the cassette.
    assert [f.reason for f in result.failures] == []
    assert vcr.all_played, f"{vcr.play_count} of {len(vcr.data)} recorded calls replayed"
    return result


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
    assert run.calls >= run.chunks > 5
    assert run.prompt_tokens > 1000 and run.completion_tokens > 100
