"""Figures: every number the sources state, grouped by what it counts; discrepancies typed.

The grammar inventories each article's numbers, so a figure is credited to every article that
states it, whether or not the model extracted it there; verified model figures add what they
count. Occurrences group when they have the same value, kind and unit and are about the same
thing: one's head noun ("missile", "range", "militia" in "militia members") is among the
other's words. Groups about the same thing with different values are discrepancies:

- qualifier: the same number bounded differently ("over 8 million" vs "8 million"), or values
  a qualifier makes consistent ("over 5,000" vs "6,000");
- rounding: one value is a rounding of the other at its written precision;
- scope: the sentences give different periods ("in seven years" vs "over eight years");
- conflict: anything else ("4.5 million" vs "8 million" militia members).
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache

from ..chunking import sentences
from ..models import (
    Article,
    BriefFigure,
    Discrepancy,
    DiscrepancyKind,
    DiscrepancyValue,
    ExtractedFigure,
    Source,
    Span,
    Support,
    Verdict,
)
from ..numbers import Qualifier, Quantity, QuantityKind, parse_quantities
from ..validation import Checked, page_date_line
from .text import content_words, fold, heads, singular

# Kinds that are figures about the story; ordinals ("third") are not.
FIGURE_KINDS = frozenset(k for k in QuantityKind if k is not QuantityKind.ORDINAL)
PERIOD_KINDS = frozenset({QuantityKind.DURATION, QuantityKind.YEAR, QuantityKind.DATE})
# "a range of up to 6,000 meters", "at altitudes up to 3,500 meters": the noun before.
_OF_BEFORE = re.compile(
    r"([A-Za-z][\w-]*)\s+(?:of\s+)?(?:up\s+to\s+|about\s+|around\s+|over\s+|some\s+)?$"
)
_IN_AFTER = re.compile(r"^\s+(?:in|of)\s+(?:the\s+)?([A-Za-z][\w-]*)")
_AFTER_LINK = re.compile(r"^[\s,]*(?:in|of|from|among)\s+((?:[\w-]+\s+){0,2}[\w-]+)")
# "984 feet long", "a 30-metre-high wall": the adjective names what is measured.
_DIMENSION_ADJ = {
    "long": "length",
    "tall": "height",
    "high": "height",
    "wide": "width",
    "deep": "depth",
    "thick": "thickness",
    "away": "range",
}
# Names of one dimension: a weapon's "range" is the "distance" it reaches.
_DIMENSION_SYNONYMS = {
    "distance": "range",
    "reach": "range",
    "altitude": "height",
    "elevation": "height",
    "ceiling": "height",
}
_ADJ_AFTER = re.compile(r"^[\s-]*(long|tall|high|wide|deep|thick|away)\b")
# What happened to the people counted: two counts of "people" are about the same thing only
# when the same thing happened to them ("41 people died" vs "12,000 people displaced").
_EVENTS = {
    "death": r"died|dead|deaths?|killed|killing|death toll|fatalities|lost their lives|perished",
    "injury": r"injured|wounded|hurt|injuries|casualties",
    "displacement": r"displaced|evacuated|fled|homeless|left (?:their|his|her) homes?|"
    r"forced from (?:their|his|her) homes?|evacuees",
    "arrest": r"arrested|detained|in custody",
    "missing": r"missing|unaccounted",
    "rescue": r"rescued|saved",
}
_EVENT_RES = {
    name: re.compile(rf"\b(?:{pattern})\b", re.IGNORECASE) for name, pattern in _EVENTS.items()
}
# Periods a count covers, written without a number: "in the past week", "last month".
_PERIOD_WORDS = re.compile(
    r"\b(?:past|last|previous|this|coming|next)\s+(day|week|fortnight|month|quarter|year|decade)\b",
    re.IGNORECASE,
)
_PERIOD_DAYS = {
    "day": 1,
    "week": 7,
    "fortnight": 14,
    "month": 30,
    "quarter": 91,
    "year": 365,
    "decade": 3652,
}
_DURATION_DAYS: dict[str, Decimal] = {
    "days": Decimal(1),
    "day": Decimal(1),
    "weeks": Decimal(7),
    "week": Decimal(7),
    "months": Decimal(30),
    "month": Decimal(30),
    "years": Decimal(365),
    "year": Decimal(365),
    "hours": Decimal(1) / 24,
    "hour": Decimal(1) / 24,
}


@dataclass
class Occurrence:
    """One number in one article, with what it is about."""

    article: Article
    quantity: Quantity  # offsets into article.text
    sentence: tuple[int, int]
    model_counted: list[str] = field(default_factory=list)
    heads: frozenset[str] = frozenset()
    words: frozenset[str] = frozenset()
    events: frozenset[str] = frozenset()

    @property
    def extracted(self) -> bool:
        return bool(self.model_counted)

    def span(self) -> Span:
        q = self.quantity
        return Span(
            article_id=self.article.id,
            start=q.start,
            end=q.end,
            text=self.article.text[q.start : q.end],
        )

    def source(self) -> Source:
        q = self.quantity
        return Source(
            article_id=self.article.id,
            outlet=self.article.outlet,
            span=self.span(),
            verdict="exact",
            found_by="model" if self.extracted else "scan",
            qualifier=None if q.qualifier is Qualifier.EXACT else str(q.qualifier),
        )


def _dimension(q: Quantity) -> str:
    return q.currency or q.unit or ""


def _shift(q: Quantity, offset: int) -> Quantity:
    from dataclasses import replace

    return replace(q, start=q.start + offset, end=q.end + offset)


def inventory(article: Article) -> list[Occurrence]:
    """Every figure-like quantity in the article's kept text, with its sentence."""
    out: list[Occurrence] = []
    for seg_start, seg_end in article.segments:
        text = article.text[seg_start:seg_end]
        bounds = [(s + seg_start, e + seg_start) for s, e in sentences(text)]
        for q in parse_quantities(text):
            if q.kind not in FIGURE_KINDS:
                continue
            q = _shift(q, seg_start)
            if q.kind is QuantityKind.DATE and page_date_line(article.text, q.start):
                continue  # "Publication date: August 4, 2014" dates the page, not the story
            sentence = next(((s, e) for s, e in bounds if s <= q.start < e), (seg_start, seg_end))
            out.append(Occurrence(article, q, sentence))
    return out


def _describe(o: Occurrence) -> None:
    """Fill the occurrence's heads and words from its own text, then from the model."""
    q, text = o.quantity, o.article.text
    s, e = o.sentence
    before, after = text[s : q.start], text[q.end : e]
    hd: set[str] = set()
    words: set[str] = set()
    if q.kind is QuantityKind.MEASURE:
        # "a range of up to 6,000 meters", "3,500 meters in altitude"
        m = _OF_BEFORE.search(before)
        if m:
            hd.add(singular(fold(m.group(1))))
        m = _IN_AFTER.match(after)
        if m:
            hd.add(singular(fold(m.group(1))))
        m = _ADJ_AFTER.match(after)
        if m:
            hd.add(_DIMENSION_ADJ[m.group(1).lower()])
        hd = {_DIMENSION_SYNONYMS.get(h, h) for h in hd}
        words |= hd
    else:
        hd |= heads(q.counted)
        words |= content_words(q.counted)
        rest = after.lstrip()
        if q.counted and rest.startswith(q.counted):
            rest = rest[len(q.counted) :]
        m = _AFTER_LINK.match(rest)
        if m:  # "8 million reservists in volunteer militias"
            words |= content_words(m.group(1))
    if not hd:  # nothing in the text itself: the model's description is all there is
        for counted in o.model_counted:
            hd |= {_DIMENSION_SYNONYMS.get(h, h) for h in heads(counted)}
    for counted in o.model_counted:
        words |= content_words(counted)
        if "length" in counted.lower():
            words.add("length")
    o.heads, o.words = frozenset(hd), frozenset(words | hd)
    if q.kind is not QuantityKind.MEASURE:
        o.events = frozenset(n for n, rx in _EVENT_RES.items() if rx.search(text[s:e]))


def _link(items: Sequence[Occurrence | _Group]) -> list[list[int]]:
    """Connected components where one's head is among the other's words and the same thing
    happened to what they count (same events). Indexed, never pairwise."""
    by_events: dict[frozenset[str], list[int]] = defaultdict(list)
    for i, item in enumerate(items):
        by_events[item.events].append(i)
    components: list[list[int]] = []
    for ids in by_events.values():
        for comp in _link_words([items[i] for i in ids]):
            components.append([ids[j] for j in comp])
    return components


def _link_words(items: Sequence[Occurrence | _Group]) -> list[list[int]]:
    parent = list(range(len(items)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    by_word: dict[str, int] = {}
    by_head: dict[str, int] = {}
    for i, item in enumerate(items):
        for h in item.heads:
            if h in by_word:
                parent[find(i)] = find(by_word[h])
        for w in item.words:
            if w in by_head:
                parent[find(i)] = find(by_head[w])
        for h in item.heads:
            by_head.setdefault(h, i)
        for w in item.words:
            by_word.setdefault(w, i)
    groups: dict[int, list[int]] = defaultdict(list)
    for i in range(len(items)):
        groups[find(i)].append(i)
    return list(groups.values())


@dataclass
class _Group:
    members: list[Occurrence]
    heads: frozenset[str]
    words: frozenset[str]
    events: frozenset[str]
    periods: frozenset[tuple[str, Decimal]] | None = None

    @property
    def quantity(self) -> Quantity:
        return self.members[0].quantity

    @property
    def key(self) -> tuple[str, str]:
        q = self.quantity
        return str(q.kind), _dimension(q)


def _group(occurrences: list[Occurrence]) -> list[_Group]:
    buckets: dict[tuple[str, Decimal, Decimal | None, str], list[Occurrence]] = defaultdict(list)
    for o in occurrences:
        q = o.quantity
        buckets[(str(q.kind), q.value, q.high, _dimension(q))].append(o)
    groups: list[_Group] = []
    for bucket in buckets.values():
        described = [o for o in bucket if o.words]
        bare = [o for o in bucket if not o.words]
        parts = [[described[i] for i in comp] for comp in _link(described)] if described else []
        if bare:
            if parts:
                max(parts, key=len).extend(bare)
            else:
                parts.append(bare)
        for part in parts:
            groups.append(
                _Group(
                    part,
                    frozenset().union(*(o.heads for o in part)),
                    frozenset().union(*(o.words for o in part)),
                    part[0].events,
                )
            )
    return groups


def _counted_label(group: _Group) -> str:
    model = Counter(c for o in group.members for c in o.model_counted)
    if model:
        return model.most_common(1)[0][0]
    grammar = Counter(o.quantity.counted for o in group.members if o.quantity.counted)
    if grammar:
        return grammar.most_common(1)[0][0]
    if group.heads:
        return " ".join(sorted(group.heads))
    return group.quantity.unit or group.quantity.currency or str(group.quantity.kind)


def _value_label(group: _Group) -> str:
    return Counter(o.quantity.text for o in group.members).most_common(1)[0][0]


def _figure(group: _Group) -> BriefFigure:
    q = group.quantity
    sources = sorted(
        {(o.article.id, o.quantity.start): o.source() for o in group.members}.values(),
        key=lambda s: (s.outlet, s.span.start),
    )
    articles = {s.article_id for s in sources}
    return BriefFigure(
        value=_value_label(group),
        normalized=str(q.value),
        kind=str(q.kind),
        counted=_counted_label(group),
        unit=_dimension(q) or None,
        verdict=Verdict.VERIFIED,
        support=Support.CORROBORATED if len(articles) > 1 else Support.SINGLE_SOURCE,
        extracted=any(o.extracted for o in group.members),
        sources=sources,
    )


def _attach_model(items: Sequence[Checked], occurrences: list[Occurrence]) -> None:
    by_article: dict[str, list[Occurrence]] = defaultdict(list)
    for o in occurrences:
        by_article[o.article.id].append(o)
    for c in items:
        if not (isinstance(c.item, ExtractedFigure) and c.verdict.accepted and c.span):
            continue
        for o in by_article[c.article.id]:
            if o.quantity.start < c.span.end and c.span.start < o.quantity.end:
                o.model_counted.append(c.item.counted)
                break


def merge_figures(
    items: Sequence[Checked], articles: Sequence[Article]
) -> tuple[list[BriefFigure], list[Discrepancy]]:
    occurrences = [o for a in articles for o in inventory(a)]
    _attach_model(items, occurrences)
    for o in occurrences:
        _describe(o)
    groups = _group(occurrences)
    figures = [_figure(g) for g in groups]
    discrepancies = _qualifier_discrepancies(groups) + _value_discrepancies(groups)
    order = sorted(
        range(len(figures)),
        key=lambda i: (
            not figures[i].extracted,
            -len({s.article_id for s in figures[i].sources}),
            figures[i].counted,
            figures[i].normalized,
        ),
    )
    return [figures[i] for i in order], discrepancies


# --- discrepancies -----------------------------------------------------------------------


def _dvalue(members: Sequence[Occurrence]) -> DiscrepancyValue:
    q = members[0].quantity
    sources = [o.source() for o in members]
    return DiscrepancyValue(
        value=Counter(o.quantity.text for o in members).most_common(1)[0][0],
        normalized=str(q.value),
        qualifier=None if q.qualifier is Qualifier.EXACT else str(q.qualifier),
        outlets=sorted({o.article.outlet for o in members}),
        sources=sorted(sources, key=lambda s: (s.outlet, s.span.start)),
    )


def _qualifier_discrepancies(groups: Sequence[_Group]) -> list[Discrepancy]:
    out = []
    for g in groups:
        by_qualifier: dict[Qualifier, list[Occurrence]] = defaultdict(list)
        for o in g.members:
            by_qualifier[o.quantity.qualifier].append(o)
        if len(by_qualifier) > 1 and not g.quantity.vague:
            values = [_dvalue(m) for _, m in sorted(by_qualifier.items(), key=lambda kv: kv[0])]
            out.append(
                Discrepancy(
                    kind=DiscrepancyKind.QUALIFIER,
                    counted=_counted_label(g),
                    values=values,
                    note="the sources bound the same number differently: "
                    + " vs ".join(f"{v.value!r} ({', '.join(v.outlets)})" for v in values),
                )
            )
    return out


_CONSISTENT_IF_HIGHER = {Qualifier.OVER, Qualifier.AT_LEAST}
_CONSISTENT_IF_LOWER = {Qualifier.UNDER, Qualifier.AT_MOST, Qualifier.NEARLY}


def _pair_kind(a: _Group, b: _Group) -> DiscrepancyKind:
    qa, qb = a.quantity, b.quantity
    lo, hi = (a, b) if qa.value < qb.value else (b, a)
    if (
        lo.quantity.qualifier in _CONSISTENT_IF_HIGHER
        or hi.quantity.qualifier in _CONSISTENT_IF_LOWER
    ):
        return DiscrepancyKind.QUALIFIER
    diff = abs(qa.value - qb.value)
    if diff * 2 <= max(qa.precision, qb.precision):
        return DiscrepancyKind.ROUNDING
    if _periods(a) and _periods(b) and not (_periods(a) & _periods(b)):
        return DiscrepancyKind.SCOPE
    return DiscrepancyKind.CONFLICT


def _periods(g: _Group) -> frozenset[tuple[str, Decimal]]:
    """The periods the group's sentences give: durations in days, years, dates."""
    if g.periods is not None:
        return g.periods
    found: set[tuple[str, Decimal]] = set()
    for o in g.members:
        s, e = o.sentence
        found |= _sentence_periods(o.article.text[s:e])
    g.periods = frozenset(found)
    return g.periods


@lru_cache(maxsize=8192)
def _sentence_periods(sentence: str) -> frozenset[tuple[str, Decimal]]:
    found: set[tuple[str, Decimal]] = set()
    for q in parse_quantities(sentence):
        if q.kind is QuantityKind.DURATION and q.unit in _DURATION_DAYS:
            found.add(("days", q.value * _DURATION_DAYS[q.unit]))
        elif q.kind in PERIOD_KINDS and q.kind is not QuantityKind.DURATION:
            found.add((str(q.kind), q.value))
    for m in _PERIOD_WORDS.finditer(sentence):
        found.add(("days", Decimal(_PERIOD_DAYS[m.group(1).lower()])))
    return frozenset(found)


_RANK = {
    DiscrepancyKind.CONFLICT: 0,
    DiscrepancyKind.SCOPE: 1,
    DiscrepancyKind.ROUNDING: 2,
    DiscrepancyKind.QUALIFIER: 3,
}


def _value_discrepancies(groups: Sequence[_Group]) -> list[Discrepancy]:
    by_key: dict[tuple[str, str], list[_Group]] = defaultdict(list)
    for g in groups:
        if not g.quantity.vague and g.heads and g.quantity.kind not in PERIOD_KINDS:
            by_key[g.key].append(g)
    out = []
    for candidates in by_key.values():
        for component in _link(candidates):
            members = [candidates[i] for i in component]
            if len({m.quantity.value for m in members}) < 2:
                continue
            members.sort(key=lambda m: m.quantity.value)
            kinds = [_pair_kind(a, b) for i, a in enumerate(members) for b in members[i + 1 :]]
            kind = min(kinds, key=lambda k: _RANK[k])
            values = [_dvalue(m.members) for m in members]
            label = _counted_label(max(members, key=lambda m: len(m.members)))
            out.append(
                Discrepancy(
                    kind=kind,
                    counted=label,
                    values=values,
                    note=f"{kind.value}: "
                    + " vs ".join(f"{v.value} ({', '.join(v.outlets)})" for v in values),
                )
            )
    return out


__all__ = ["inventory", "merge_figures"]
