"""The scores of one brief against its gold file. Matching rules are in ``matching``.

Rates are ``hits / total`` (None when total is 0: nothing to score, and no threshold is
checked against it); counts are the number of failures (``total`` is how many were checked).

- ``figure_recall``: gold figures matched by at least one brief figure (same canonical value
  and kind, counted thing matching).
- ``figure_precision``: brief figures that match a gold figure, or a gold discrepancy value
  (with the discrepancy's counted thing). A true but unimportant number the brief lists as a
  key figure counts against it.
- ``figure_article_recall``: (gold figure, article) pairs, one per article the gold lists,
  where a brief figure matching the gold figure cites that article.
- ``figure_article_precision``: (brief figure, cited article) pairs of the brief figures that
  match a gold figure, where a matching gold figure lists that article (the brief credits
  only articles that state it).
- ``unverified_as_verified`` (count, must be 0): see ``recheck``.
- ``discrepancy_recall``: gold discrepancies for which one brief discrepancy holds every gold
  value, each as a different brief value (by canonical value; for ``qualifier``
  discrepancies, by value and qualifier, since the values are equal). The counted thing is
  not compared: the pair of values identifies the disagreement.
- ``discrepancy_kind_accuracy``: of the discrepancies found, those of the gold's kind.
- ``quote_verbatim_rate``: brief quotes whose text (outer quotation marks and end
  punctuation removed, whitespace runs collapsed) occurs character for character in the
  text of every article the quote cites.
- ``quote_recall``: gold quotes matched by a brief quote: its speaker is the gold speaker
  (or one of that actor's gold names) and its text matches (``matching.quote_match``).
- ``quote_variant_recall``: gold variants for which one brief variant with the speaker has,
  for every gold text, a different rendering matching it.
- ``actor_recall``: gold actors some brief actor carries a name of (its name, an alias, or
  the text of a mention).
- ``actor_merge_accuracy``: gold actors whose names are all carried by exactly one brief
  actor, which carries no name of another gold actor. A gold actor not found is not
  correctly merged; ``actor_recall`` tells the two failures apart.
- ``single_source_claim_recall``: gold single-source claims for which one brief claim
  contains every keyword (case- and accent-insensitive), is marked single-source and cites
  the gold article.
- ``boilerplate_leaks`` (count, must be 0): gold ``absent`` numbers whose canonical value is
  that of a brief figure.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Literal

from pydantic import BaseModel, Field

from ..models import Brief, BriefActor, DiscrepancyValue, Support
from ..numbers import Qualifier
from .gold import Gold, GoldActor, GoldQuote, first_quantity
from .matching import (
    Canon,
    article_map,
    canon_value,
    counted_match,
    figure_canon,
    fold,
    name_key,
    quote_match,
    speaker_match,
    verbatim_in,
)
from .recheck import recheck

Goal = Literal["min", "max"]

# name -> (goal, one line for the table). "min": a rate, higher is better, thresholds are
# minimums; "max": a count of failures, thresholds are maximums.
METRICS: dict[str, tuple[Goal, str]] = {
    "figure_recall": ("min", "gold figures found"),
    "figure_precision": ("min", "brief figures that are gold figures"),
    "figure_article_recall": ("min", "gold (figure, article) pairs credited"),
    "figure_article_precision": ("min", "brief (figure, article) credits the gold lists"),
    "unverified_as_verified": ("max", "numbers shown as verified but not in the source"),
    "discrepancy_recall": ("min", "gold discrepancies found with both values"),
    "discrepancy_kind_accuracy": ("min", "found discrepancies of the gold's kind"),
    "quote_verbatim_rate": ("min", "brief quotes verbatim in every cited article"),
    "quote_recall": ("min", "gold quotes found with their speaker"),
    "quote_variant_recall": ("min", "gold quote variants found"),
    "actor_recall": ("min", "gold actors found"),
    "actor_merge_accuracy": ("min", "gold actors merged into exactly one brief actor"),
    "single_source_claim_recall": ("min", "single-source claims found and marked so"),
    "boilerplate_leaks": ("max", "absent numbers among the figures"),
}


class Metric(BaseModel):
    goal: Goal
    value: int | float | None = Field(description="The rate, or the count of failures.")
    hits: int = Field(description="Rates: items that passed. Counts: failures.")
    total: int = Field(description="Items scored or checked.")

    @classmethod
    def rate(cls, hits: int, total: int) -> Metric:
        return cls(goal="min", value=hits / total if total else None, hits=hits, total=total)

    @classmethod
    def count(cls, failures: int, checked: int) -> Metric:
        return cls(goal="max", value=failures, hits=failures, total=checked)


class StoryResult(BaseModel):
    story: str
    metrics: dict[str, Metric]
    details: dict[str, list[str]] = Field(
        description="What each metric missed, in words: the items to look at."
    )
    notes: list[str] = Field(default_factory=list)


# --- figures -------------------------------------------------------------------------------


class _GoldNumber:
    """A gold figure or discrepancy value, read once."""

    def __init__(self, value: str, counted: str, articles: Iterable[str]) -> None:
        self.label = f"{value} {counted}"
        self.counted = counted
        self.canon = canon_value(value, counted)
        self.articles = set(articles)

    def matches(self, canon: Canon, counted: str) -> bool:
        return self.canon == canon and counted_match(self.counted, counted, canon.kind)


def _figures(gold: Gold, brief: Brief, ids: dict[str, str],
             metrics: dict[str, Metric], details: dict[str, list[str]]) -> None:
    figures = [_GoldNumber(f.value, f.counted, f.articles) for f in gold.figures]
    values = [_GoldNumber(v.value, d.counted, v.articles)
              for d in gold.discrepancies for v in d.values]
    canons = [figure_canon(b) for b in brief.figures]
    matched: list[list[int]] = [
        [i for i, g in enumerate(figures) if g.matches(c, b.counted)]
        for b, c in zip(brief.figures, canons, strict=True)
    ]
    precise = [
        bool(m) or any(v.matches(c, b.counted) for v in values)
        for b, c, m in zip(brief.figures, canons, matched, strict=True)
    ]
    found = {i for m in matched for i in m}
    metrics["figure_recall"] = Metric.rate(len(found), len(figures))
    metrics["figure_precision"] = Metric.rate(sum(precise), len(brief.figures))
    details["figures_missed"] = [g.label for i, g in enumerate(figures) if i not in found]
    details["figures_not_in_gold"] = [
        f"{b.value} {b.counted}" for b, ok in zip(brief.figures, precise, strict=True) if not ok
    ]

    credited: dict[int, set[str]] = {i: set() for i in range(len(figures))}
    extra: list[str] = []
    pairs = 0
    good_pairs = 0
    for b, m in zip(brief.figures, matched, strict=True):
        if not m:
            continue
        listed = set().union(*(figures[i].articles for i in m))
        for article_id in sorted({s.article_id for s in b.sources}):
            name = ids.get(article_id)
            pairs += 1
            if name is not None and name in listed:
                good_pairs += 1
            else:
                extra.append(f"{b.value} {b.counted} @ {name or article_id}")
            for i in m:
                if name is not None and name in figures[i].articles:
                    credited[i].add(name)
    wanted = sum(len(g.articles) for g in figures)
    metrics["figure_article_recall"] = Metric.rate(sum(len(c) for c in credited.values()),
                                                   wanted)
    metrics["figure_article_precision"] = Metric.rate(good_pairs, pairs)
    details["figure_articles_missed"] = [
        f"{g.label} @ {a}" for i, g in enumerate(figures)
        for a in sorted(g.articles - credited[i])
    ]
    details["figure_articles_not_in_gold"] = extra

    leaks: list[str] = []
    for absent in gold.absent:
        canon = canon_value(absent)
        hits = [b for b, c in zip(brief.figures, canons, strict=True) if c == canon]
        leaks += [f"{absent}: figure {b.value} {b.counted}" for b in hits[:1]]
    metrics["boilerplate_leaks"] = Metric.count(len(leaks), len(gold.absent))
    details["boilerplate_leaks"] = leaks


# --- discrepancies -------------------------------------------------------------------------


def _value_key(value: str, counted: str | None, qualifier: str | None,
               with_qualifier: bool) -> tuple[Canon | None, str | None]:
    return canon_value(value, counted), (qualifier if with_qualifier else None)


def _gold_qualifier(value: str) -> str | None:
    q = first_quantity(value)
    return None if q is None or q.qualifier is Qualifier.EXACT else str(q.qualifier)


def _brief_qualifier(v: DiscrepancyValue) -> str | None:
    if v.qualifier:
        return v.qualifier
    return _gold_qualifier(v.value)


def _covers(gold_keys: list[tuple[Canon | None, str | None]],
            brief_keys: list[tuple[Canon | None, str | None]]) -> bool:
    """Every gold key matched by a different brief key."""
    left = list(brief_keys)
    for key in gold_keys:
        if key not in left:
            return False
        left.remove(key)
    return True


def _discrepancies(gold: Gold, brief: Brief, metrics: dict[str, Metric],
                   details: dict[str, list[str]]) -> None:
    found = 0
    same_kind = 0
    missed: list[str] = []
    wrong_kind: list[str] = []
    for d in gold.discrepancies:
        by_qualifier = d.kind == "qualifier"
        gold_keys = [_value_key(v.value, d.counted, _gold_qualifier(v.value), by_qualifier)
                     for v in d.values]
        label = f"{d.kind}: {' vs '.join(v.value for v in d.values)} {d.counted}"
        hits = [
            b for b in brief.discrepancies
            if _covers(gold_keys, [_value_key(v.value, b.counted, _brief_qualifier(v),
                                              by_qualifier) for v in b.values])
        ]
        if not hits:
            missed.append(label)
            continue
        found += 1
        if any(b.kind == d.kind for b in hits):
            same_kind += 1
        else:
            wrong_kind.append(f"{label} (found as {hits[0].kind})")
    metrics["discrepancy_recall"] = Metric.rate(found, len(gold.discrepancies))
    metrics["discrepancy_kind_accuracy"] = Metric.rate(same_kind, found)
    details["discrepancies_missed"] = missed
    details["discrepancies_wrong_kind"] = wrong_kind


# --- quotes --------------------------------------------------------------------------------


def _aliases(gold: Gold, speaker: str) -> list[str]:
    key = name_key(speaker)
    for actor in gold.actors:
        if any(name_key(n) == key for n in actor.names):
            return actor.names
    return []


def _quote_found(gold: Gold, brief: Brief, q: GoldQuote) -> bool:
    aliases = _aliases(gold, q.speaker)
    return any(
        speaker_match(b.speaker, q.speaker, aliases) and quote_match(b.quote, q.text)
        for b in brief.quotes
    )


def _quotes(gold: Gold, brief: Brief, metrics: dict[str, Metric],
            details: dict[str, list[str]]) -> None:
    texts = {a.id: a.text for a in brief.articles}
    not_verbatim = [
        b.quote for b in brief.quotes
        if not b.sources
        or not all(verbatim_in(b.quote, texts.get(s.article_id, "")) for s in b.sources)
    ]
    metrics["quote_verbatim_rate"] = Metric.rate(len(brief.quotes) - len(not_verbatim),
                                                 len(brief.quotes))
    details["quotes_not_verbatim"] = not_verbatim

    missed = [f"{q.speaker}: {q.text}" for q in gold.quotes if not _quote_found(gold, brief, q)]
    metrics["quote_recall"] = Metric.rate(len(gold.quotes) - len(missed), len(gold.quotes))
    details["quotes_missed"] = missed

    variants_missed: list[str] = []
    for v in gold.quote_variants:
        aliases = _aliases(gold, v.speaker)
        found = False
        for b in brief.quote_variants:
            if not speaker_match(b.speaker, v.speaker, aliases):
                continue
            left = [r.text for r in b.renderings]
            for text in v.texts:
                hit = next((r for r in left if quote_match(r, text)), None)
                if hit is None:
                    break
                left.remove(hit)
            else:
                found = True
                break
        if not found:
            variants_missed.append(f"{v.speaker}: " + " | ".join(v.texts))
    metrics["quote_variant_recall"] = Metric.rate(
        len(gold.quote_variants) - len(variants_missed), len(gold.quote_variants)
    )
    details["quote_variants_missed"] = variants_missed


# --- actors --------------------------------------------------------------------------------


def _carried(actor: BriefActor) -> set[str]:
    names = [actor.name, *actor.aliases, *(m.text for m in actor.mentions)]
    return {name_key(n) for n in names}


def _actors(gold: Gold, brief: Brief, metrics: dict[str, Metric],
            details: dict[str, list[str]]) -> None:
    carried = [_carried(b) for b in brief.actors]
    holders: dict[int, list[int]] = {}  # gold actor -> brief actors carrying any of its names
    for i, actor in enumerate(gold.actors):
        keys = {name_key(n) for n in actor.names}
        holders[i] = [j for j, names in enumerate(carried) if names & keys]
    held_by: dict[int, list[int]] = {}  # brief actor -> gold actors it carries names of
    for i, js in holders.items():
        for j in js:
            held_by.setdefault(j, []).append(i)

    def label(a: GoldActor) -> str:
        return a.name

    missing = [label(a) for i, a in enumerate(gold.actors) if not holders[i]]
    split = [
        f"{label(a)} -> " + ", ".join(repr(brief.actors[j].name) for j in holders[i])
        for i, a in enumerate(gold.actors) if len(holders[i]) > 1
    ]
    merged = [
        f"{brief.actors[j].name!r} holds " + " and ".join(label(gold.actors[i]) for i in gs)
        for j, gs in sorted(held_by.items()) if len(gs) > 1
    ]
    correct = [
        i for i in range(len(gold.actors))
        if len(holders[i]) == 1 and len(held_by[holders[i][0]]) == 1
    ]
    metrics["actor_recall"] = Metric.rate(len(gold.actors) - len(missing), len(gold.actors))
    metrics["actor_merge_accuracy"] = Metric.rate(len(correct), len(gold.actors))
    details["actors_missing"] = missing
    details["actors_split"] = split
    details["actors_merged"] = merged


# --- claims --------------------------------------------------------------------------------


def _claims(gold: Gold, brief: Brief, ids: dict[str, str], metrics: dict[str, Metric],
            details: dict[str, list[str]]) -> None:
    missed: list[str] = []
    for c in gold.single_source_claims:
        keywords = [fold(k) for k in c.keywords]
        found = any(
            b.support is Support.SINGLE_SOURCE
            and all(k in fold(b.text) for k in keywords)
            and any(ids.get(s.article_id) == c.article for s in b.sources)
            for b in brief.claims
        )
        if not found:
            missed.append(f"{' + '.join(c.keywords)} @ {c.article}")
    total = len(gold.single_source_claims)
    metrics["single_source_claim_recall"] = Metric.rate(total - len(missed), total)
    details["single_source_claims_missed"] = missed


# --- all -----------------------------------------------------------------------------------


def evaluate(gold: Gold, brief: Brief) -> StoryResult:
    """Score ``brief`` against ``gold``; every metric of ``METRICS``, with what it missed."""
    ids = article_map(brief.articles, gold.articles)
    metrics: dict[str, Metric] = {}
    details: dict[str, list[str]] = {}
    notes = [
        f"gold article {name!r} is not among the brief's articles"
        for name in gold.articles if name not in ids.values()
    ]
    _figures(gold, brief, ids, metrics, details)
    checked = recheck(brief)
    metrics["unverified_as_verified"] = Metric.count(len(checked.findings), checked.checked)
    details["unverified_as_verified"] = [
        f"{f.item} {f.text!r}: {f.number} @ {ids.get(f.article, f.article) if f.article else 'all'}"
        f": {f.reason}"
        for f in checked.findings
    ]
    _discrepancies(gold, brief, metrics, details)
    _quotes(gold, brief, metrics, details)
    _actors(gold, brief, metrics, details)
    _claims(gold, brief, ids, metrics, details)
    return StoryResult(
        story=gold.story,
        metrics={name: metrics[name] for name in METRICS},
        details=details,
        notes=notes,
    )


def pooled(results: Iterable[StoryResult]) -> dict[str, Metric]:
    """Every metric over several stories: hits and totals summed (counts: failures summed)."""
    out: dict[str, Metric] = {}
    results = list(results)
    for name, (goal, _) in METRICS.items():
        hits = sum(r.metrics[name].hits for r in results)
        total = sum(r.metrics[name].total for r in results)
        out[name] = Metric.rate(hits, total) if goal == "min" else Metric.count(hits, total)
    return out
