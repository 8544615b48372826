"""The merger on multi-outlet stories other than the seeds, written from real reporting.

Each story is a handful of short articles in the outlets' own wording, with the kinds of
disagreement real coverage has: a misprinted number, a rounded one, a qualified one, a
different period, one quote rendered two ways, a claim only one outlet carries.
"""

from __future__ import annotations

import asyncio

import pytest

from storysum.articles import make_article
from storysum.config import Settings
from storysum.llm.fake import FakeLLM
from storysum.models import Brief, DiscrepancyKind, Support
from storysum.pipeline import asummarize

BRIDGE = {
    "Harbor Daily": (
        "The container ship Dali, which is 984 feet long, struck the Francis Scott Key Bridge "
        "early on March 26, 2024, collapsing the span into the Patapsco River. Six construction "
        "workers were presumed dead, officials said. Maryland Governor Wes Moore said the crew's "
        "mayday call gave police time to stop traffic. “These people are heroes. They saved lives "
        "last night,” Moore said."
    ),
    "Capital Wire": (
        "The 948-foot Dali lost power moments before it hit the bridge. Eight workers were on "
        "the span; two were rescued and six are presumed dead. Gov. Wes Moore told reporters: "
        "“These people are heroes. They saved lives last night.” The bridge carried about "
        "11.3 million vehicles a year."
    ),
    "Coast Ledger": (
        "The nearly 1,000-foot cargo ship Dali hit a support pillar of the Key Bridge. Six "
        "workers are presumed dead. Moore said, “These folks are heroes, they saved lives last "
        "night.” The "
        "port handled a record 52.3 million tons of foreign cargo last year. Officials said "
        "the channel would be closed for weeks."
    ),
}

FLOOD = {
    "Valley Post": (
        "Flooding has displaced 12,000 residents in the province over the past three days, the "
        "regional emergency agency said. The agency said 41 people had died."
    ),
    "Northern Times": (
        "More than 12,000 people have been displaced by the floods, officials said on Sunday. "
        "The death toll rose to 43, according to the emergency agency."
    ),
    "River Courier": (
        "Some 15,000 residents have left their homes in the province in the past week, the "
        "emergency agency said. At least 41 people have died."
    ),
}


def model_for(story: dict[str, str]):
    """A scripted model that extracts what a careful model would, and one invented figure."""

    def respond(messages):
        text = messages[-1]["content"]
        if "Verified facts:" in text:
            return {"sentences": ["Six workers are presumed dead."]}
        figures, quotes, actors = [], [], []
        if "984 feet" in text:
            figures.append({"value": "984 feet", "counts": "length of the ship"})
            quotes.append({"quotation": 1, "speaker": "Wes Moore"})
            actors.append("Maryland Governor Wes Moore")
        if "948-foot" in text:
            figures.append({"value": "948-foot", "counts": "length of the Dali"})
            actors.append("Gov. Wes Moore")
        if "nearly 1,000-foot" in text:
            figures.append({"value": "1,000-foot", "counts": "length of the ship"})
            actors.append("Moore")
        for n in ("12,000", "15,000", "41", "43"):
            if n in text:
                figures.append({"value": n, "counts": "people"})
        return {"figures": figures, "quotes": quotes, "actors": actors}

    return FakeLLM(respond)


def run(story: dict[str, str]) -> Brief:
    articles = [make_article(t, source=f"{o}.txt", outlet=o) for o, t in story.items()]
    return asyncio.run(
        asummarize(articles, llm=model_for(story), settings=Settings.resolve(env={}))
    )


@pytest.fixture(scope="module")
def bridge() -> Brief:
    return run(BRIDGE)


@pytest.fixture(scope="module")
def flood() -> Brief:
    return run(FLOOD)


def test_misprinted_length_is_a_conflict_with_both_values_and_outlets(bridge):
    [d] = [d for d in bridge.discrepancies if d.kind is DiscrepancyKind.CONFLICT]
    assert "length" in d.counted
    values = {v.normalized: v.outlets for v in d.values}
    assert values["984"] == ["Harbor Daily"] and values["948"] == ["Capital Wire"]
    for v in d.values:
        for s in v.sources:
            assert s.span.text in (v.value, "984 feet", "948-foot", "nearly 1,000-foot")


def test_six_dead_is_corroborated_by_three_outlets(bridge):
    [six] = [f for f in bridge.figures if f.normalized == "6" and "worker" in f.counted]
    assert six.support is Support.CORROBORATED
    assert six.outlets == ["Capital Wire", "Coast Ledger", "Harbor Daily"]


def test_governor_merged_across_outlets(bridge):
    [moore] = [a for a in bridge.actors if "Moore" in a.name]
    assert moore.name == "Wes Moore"
    assert moore.outlets == ["Capital Wire", "Coast Ledger", "Harbor Daily"]


def test_quote_rendered_differently_is_a_variant(bridge):
    [variant] = bridge.quote_variants
    texts = [r.text for r in variant.renderings]
    assert "These people are heroes" in texts[0]
    assert any("folks" in t for t in texts)
    assert variant.speaker == "Wes Moore"
    [quote] = [q for q in bridge.quotes if q.quote.startswith("These people are heroes")]
    assert sorted({s.outlet for s in quote.sources}) == ["Capital Wire", "Harbor Daily"]


def test_claim_only_one_outlet_carries_is_single_source(bridge):
    [pillar] = [c for c in bridge.claims if "support pillar" in c.text]
    assert pillar.support is Support.SINGLE_SOURCE and pillar.outlets == ["Coast Ledger"]


def test_qualified_and_plain_number_is_a_qualifier_discrepancy(flood):
    kinds = {(d.kind, tuple(v.normalized for v in d.values)) for d in flood.discrepancies}
    assert (DiscrepancyKind.QUALIFIER, ("12000", "12000")) in kinds


def test_death_toll_41_vs_43_is_a_conflict(flood):
    conflicts = [
        d
        for d in flood.discrepancies
        if d.kind is DiscrepancyKind.CONFLICT and {v.normalized for v in d.values} >= {"41", "43"}
    ]
    assert conflicts, [(d.kind, [v.value for v in d.values]) for d in flood.discrepancies]


def test_displaced_over_a_different_period_is_scope(flood):
    scope = [
        d for d in flood.discrepancies if {v.normalized for v in d.values} >= {"12000", "15000"}
    ]
    assert scope and scope[0].kind is DiscrepancyKind.SCOPE


def test_nothing_rejected_silently(bridge, flood):
    for brief in (bridge, flood):
        assert brief.run.verified > 0
        assert brief.failures == []
