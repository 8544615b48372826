"""The stages around the LLM, driven by a scripted model: what the validator lets through."""

from __future__ import annotations

import asyncio
import re

import pytest

from storysum.articles import make_article
from storysum.config import Settings
from storysum.extraction import extract_all
from storysum.llm.fake import FakeLLM
from storysum.models import Verdict
from storysum.pipeline import asummarize

A = (
    "Venezuelan President Nicolás Maduro said on Wednesday that the country has 5,000 Russian-made "
    "Igla-S missiles. “Any military force in the world knows the power of the Igla-S,” Maduro said.\n\n"
    "The U.S. has sent 4,500 Marines and sailors to the Caribbean. Maduro claims his militias have "
    "grown to over 8 million reservists."
)
B = (
    "Nicolás Maduro has activated 4.5 million militia members, he said. Venezuela has 5,000 "
    "Igla-S anti-aircraft missiles, Maduro said on state television.\n\n"
    "The Igla-S missile has a range of up to 6,000 meters, according to Rosoboronexport."
)


def answer(messages):
    text = messages[-1]["content"]
    if "Verified facts:" in text:
        return {"sentences": [
            "Venezuela says it has 5,000 Igla-S missiles.",
            "The U.S. has sent 4,500 Marines and sailors.",
            "Maduro says 12 million reservists are ready.",  # invented: must be removed
        ]}
    # The compact wire answer (ChunkFacts): sentences and quotations by number.
    figures, quotes, actors = [], [], []
    if "4,500 Marines" in text:
        figures += [
            {"value": "4,500", "counts": "Marines and sailors"},
            {"value": "over 9 million", "counts": "reservists"},  # invented: the text says 8
            {"value": "8,000,000", "counts": "reservists"},  # right, but written in digits
        ]
        quotes += [
            {"quotation": 1, "speaker": "Maduro"},
            {"quotation": 5, "speaker": "Maduro"},  # the chunk has one quotation
        ]
        actors += ["Venezuelan President Nicolás Maduro", "Hugo Chávez", "militias of Maduro"]
    if "4.5 million" in text:
        figures.append({"value": "5,000", "counts": "Igla-S missiles"})
        actors.append("Maduro")
    return {"figures": figures, "quotes": quotes, "actors": actors}


@pytest.fixture
def brief():
    articles = [
        make_article(A, source="a.txt", outlet="Alpha"),
        make_article(B, source="b.txt", outlet="Beta"),
    ]
    return asyncio.run(asummarize(articles, llm=FakeLLM(answer), settings=Settings.resolve(env={})))


def test_invented_number_is_rejected_not_lost(brief):
    invented = [r for r in brief.rejected if "9 million" in r.item]
    assert len(invented) == 1 and invented[0].verdict in (Verdict.UNSUPPORTED, Verdict.MISMATCH)
    assert all("9 million" not in f.value and f.normalized != "9000000" for f in brief.figures)


def test_digits_for_words_is_verified_equivalent(brief):
    [fig] = [f for f in brief.figures if f.normalized == "8000000"]
    assert fig.sources[0].span.text.endswith("8 million") or "8 million" in fig.sources[0].span.text


def test_figure_credited_to_every_article_that_states_it(brief):
    [fig] = [f for f in brief.figures if f.normalized == "5000"]
    assert sorted(s.outlet for s in fig.sources) == ["Alpha", "Beta"]
    assert {s.found_by for s in fig.sources} == {"model", "scan"}
    for source in fig.sources:
        assert re.search(r"5,000", source.span.text)


def test_quotes_are_the_texts_words_and_a_bad_reference_is_rejected(brief):
    [quote] = brief.quotes
    assert quote.quote == "Any military force in the world knows the power of the Igla-S"
    assert quote.speaker.endswith("Maduro") and quote.sources[0].span.text == quote.quote
    [bad] = [r for r in brief.rejected if r.kind == "quote"]
    assert "Q5" in bad.item and bad.verdict is Verdict.UNSUPPORTED


def test_every_statement_is_in_the_ledger_with_its_claimant_and_a_lone_quote_is_not(brief):
    stated = sorted(s.span.text for c in brief.claims for s in c.sources)
    assert stated == sorted([
        "Venezuelan President Nicolás Maduro said on Wednesday that the country has 5,000 "
        "Russian-made Igla-S missiles.",
        "The U.S. has sent 4,500 Marines and sailors to the Caribbean.",
        "Maduro claims his militias have grown to over 8 million reservists.",
        "Nicolás Maduro has activated 4.5 million militia members, he said.",
        "Venezuela has 5,000 Igla-S anti-aircraft missiles, Maduro said on state television.",
        "The Igla-S missile has a range of up to 6,000 meters, according to Rosoboronexport.",
    ])
    # The two outlets' missile sentences are one entry of the ledger, carried by both.
    [missiles] = [c for c in brief.claims if len(c.sources) == 2]
    assert missiles.outlets == ["Alpha", "Beta"] and missiles.claimant.endswith("Maduro")
    [marines] = [c for c in brief.claims if c.text.startswith("The U.S. has sent")]
    assert marines.claimant is None and marines.support == "single-source"
    assert not [r for r in brief.rejected if r.kind == "claim"]


def test_actors_merged_and_unknown_actor_rejected(brief):
    [maduro] = [a for a in brief.actors if "Maduro" in a.name]
    assert maduro.name == "Nicolás Maduro"
    assert maduro.outlets == ["Alpha", "Beta"]
    assert any(r.kind == "actor" and "Chávez" in r.item for r in brief.rejected)
    [described] = [r for r in brief.rejected if r.kind == "actor" and "militias" in r.item]
    assert "not a name" in described.reason


def test_an_answer_missing_a_list_is_a_failure_not_an_empty_list():
    articles = [make_article(A, source="a.txt", outlet="Alpha")]
    brief = asyncio.run(asummarize(articles, llm=FakeLLM(lambda m: {"figures": []}),
                                   settings=Settings.resolve(env={})))
    assert brief.run.failed_chunks == 1 and "quotes" in brief.failures[0].reason


def test_summary_sentence_with_an_invented_number_is_removed(brief):
    assert brief.summary.sentences == [
        "Venezuela says it has 5,000 Igla-S missiles.",
        "The U.S. has sent 4,500 Marines and sailors.",
    ]
    [removed] = brief.summary.removed
    assert "12 million" in removed.text and "unsupported" in removed.reason


def test_failed_chunk_is_listed_and_others_go_on():
    articles = [
        make_article(A, source="a.txt", outlet="Alpha"),
        make_article(B, source="b.txt", outlet="Beta"),
    ]

    def flaky(messages):
        return (
            RuntimeError("endpoint said no")
            if "4.5 million" in messages[-1]["content"]
            else answer(messages)
        )

    brief = asyncio.run(asummarize(articles, llm=FakeLLM(flaky), settings=Settings.resolve(env={})))
    assert [(f.stage, f.reason) for f in brief.failures] == [("extract", "endpoint said no")]
    assert brief.run.failed_chunks == 1
    assert any(f.normalized == "4500" for f in brief.figures)


def test_concurrency_is_bounded():
    in_flight, peak = 0, 0

    class Slow(FakeLLM):
        async def structured(self, messages, response_model):
            nonlocal in_flight, peak
            in_flight += 1
            peak = max(peak, in_flight)
            await asyncio.sleep(0.01)
            in_flight -= 1
            return await super().structured(messages, response_model)

    text = " ".join(f"Paragraph {i} says 12 people were there on the day." for i in range(200))
    article = make_article(text, source="x", outlet="x")
    from storysum.chunking import chunk_article

    work = [(article, c) for c in chunk_article(article, 300, 0)]
    llm = Slow(lambda m: {"figures": [], "quotes": [], "background": [], "actors": []})
    results = asyncio.run(extract_all(llm, work, concurrency=3))
    assert len(results) == len(work) > 10
    assert peak == 3
    assert [r.chunk.id for r in results] == [c.id for _, c in work]


def test_claims_stating_different_numbers_are_never_one_entry():
    from storysum.merging.claims import _numbers, _numbers_agree

    base = "The epicenter was about 19 kilometers northeast of Bogo, officials said."
    same = "The epicenter was about 19 kilometers northeast of Bogo, the agency said."
    other = "The epicenter was some 21 kilometres northeast of Bogo, officials said."
    none = "The epicenter was northeast of Bogo, officials said."

    def agree(a: str, b: str) -> bool:
        return _numbers_agree(a, _numbers(a), b, _numbers(b))

    assert agree(base, same)
    assert not agree(base, other)
    # A side without numbers is not excused the other side's numbers.
    assert not agree(base, none) and not agree(none, base)
    assert agree(none, "Officials said the epicenter was northeast of Bogo.")
