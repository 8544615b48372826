"""Quotes across outlets: the same words merged, different renderings reported as variants.

Each verified quote is looked for in every other article with ``verify_quote`` (only in
articles that share most of its rarer words): found verbatim, it credits that outlet; found
as a near-identical rendering ("We’re looking at land now because we already have the sea
under control" for "We are certainly looking at land now, because we’ve got the sea very well
under control"), it becomes a quote variant with both texts, their outlets and spans.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Sequence

from rapidfuzz import fuzz

from ..models import (
    Article,
    BriefActor,
    BriefQuote,
    ExtractedQuote,
    QuoteRendering,
    QuoteVariant,
    Source,
    Span,
    Support,
    Verdict,
)
from ..quotes import QuoteVerdict, find_quotations, verify_quote
from ..validation import Checked
from .actors import name_key
from .text import STOP, WORD, WordIndex, fold

UNATTRIBUTED = "(speaker not attributed)"
MIN_QUOTATION_WORDS = 6  # shorter quoted passages are scare quotes and names, not quotes


def _quotations(article: Article) -> list[Span]:
    """The quoted passages of the article's kept text long enough to be someone's words."""
    out = []
    for seg_start, seg_end in article.segments:
        for q in find_quotations(article.text[seg_start:seg_end]):
            text = q.text.strip(" ,.;:")
            if len(text.split()) >= MIN_QUOTATION_WORDS:
                start = seg_start + q.start + q.text.index(text)
                out.append(
                    Span(article_id=article.id, start=start, end=start + len(text), text=text)
                )
    return out


def _norm(text: str) -> str:
    return re.sub(r"\W+", " ", fold(text)).strip()


class _Speakers:
    """Speaker names -> the merged actor's name, by the words of any of its names."""

    def __init__(self, actors: Sequence[BriefActor]) -> None:
        self.by_word: dict[str, list[tuple[frozenset[str], str]]] = defaultdict(list)
        for actor in actors:
            for alias in (actor.name, *actor.aliases):
                key = frozenset(name_key(alias))
                for w in key:
                    self.by_word[w].append((key, actor.name))

    def __call__(self, name: str) -> str:
        key = frozenset(name_key(name))
        for w in key:
            for other, canonical in self.by_word.get(w, []):
                if key <= other or other <= key:
                    return canonical
        return name


def merge_quotes(
    items: Sequence[Checked],
    articles: Sequence[Article],
    actors: Sequence[BriefActor],
    indexes: dict[str, WordIndex] | None = None,
) -> tuple[list[BriefQuote], list[QuoteVariant]]:
    groups: dict[str, list[Checked]] = defaultdict(list)
    for c in items:
        if isinstance(c.item, ExtractedQuote) and c.verdict.accepted and c.span:
            groups[_norm(c.item.quote)].append(c)
    indexes = indexes or {a.id: WordIndex(a.text) for a in articles}
    speaker_of = _Speakers(actors)
    # How many articles use each word: a quote is only looked for in articles that have its
    # rarest words, so near-identical boilerplate quotes do not make the scan quadratic.
    holders: dict[str, set[str]] = defaultdict(set)
    for article_id, index in indexes.items():
        for w in index.positions:
            holders[w].add(article_id)
    df = {w: len(ids) for w, ids in holders.items()}
    by_id = {a.id: a for a in articles}

    quotes: list[BriefQuote] = []
    # normalised text -> rendering sources; and which renderings belong together
    renderings: dict[str, dict[tuple[str, int], Source]] = defaultdict(dict)
    texts: dict[str, str] = {}
    parent: dict[str, str] = {}

    def find(k: str) -> str:
        parent.setdefault(k, k)
        while parent[k] != k:
            k = parent[k]
        return k

    speakers: dict[str, str] = {}

    def scan(
        norm: str, quote: str, sources: dict[tuple[str, int], Source], credited: set[str]
    ) -> None:
        """Credit the articles that carry ``quote`` verbatim; record those that reword it."""
        tokens = {fold(m).strip(".'’-") for m in WORD.findall(quote)} - STOP
        rarest = sorted((t for t in tokens if t in df), key=lambda t: (df[t], t))[:3]
        # Variants reword, so one of the three rarest words may be missing, not two: every
        # candidate holds one of the two rarest.
        candidates = set().union(*(holders[w] for w in rarest[:2])) if rarest else set(by_id)
        for article_id in sorted(candidates - credited):
            article = by_id[article_id]
            positions = indexes[article_id].positions
            if sum(1 for w in rarest if w not in positions) > (1 if len(rarest) >= 3 else 0):
                continue
            check = verify_quote(quote, None, article.text)
            if check.span is None:
                continue
            span = Span(
                article_id=article.id,
                start=check.span.start,
                end=check.span.end,
                text=article.text[check.span.start : check.span.end],
            )
            if check.verdict is QuoteVerdict.VERBATIM:
                sources[(article.id, span.start)] = Source(
                    article_id=article.id,
                    outlet=article.outlet,
                    span=span,
                    verdict="verbatim",
                    found_by="scan",
                )
                credited.add(article.id)
            elif check.verdict is QuoteVerdict.VARIANT:
                other = _norm(span.text)
                texts.setdefault(other, span.text)
                renderings[other][(article.id, span.start)] = Source(
                    article_id=article.id,
                    outlet=article.outlet,
                    span=span,
                    verdict="variant",
                    found_by="scan",
                )
                parent[find(other)] = find(norm)
        texts.setdefault(norm, quote)
        renderings[norm].update(sources)
        find(norm)

    covered: dict[str, list[tuple[int, int]]] = defaultdict(list)
    for norm, members in groups.items():
        first = members[0].item
        assert isinstance(first, ExtractedQuote)
        speaker = speaker_of(first.speaker)
        sources: dict[tuple[str, int], Source] = {}
        for c in members:
            assert c.span is not None
            covered[c.article.id].append((c.span.start, c.span.end))
            sources.setdefault(
                (c.article.id, c.span.start),
                Source(
                    article_id=c.article.id,
                    outlet=c.article.outlet,
                    span=c.span,
                    verdict="verbatim",
                    found_by="model",
                ),
            )
        credited = {c.article.id for c in members}
        scan(norm, first.quote, sources, credited)
        for src in sources.values():
            covered[src.article_id].append((src.span.start, src.span.end))
        speakers[norm] = speaker
        quotes.append(
            BriefQuote(
                quote=first.quote,
                speaker=speaker,
                verdict=Verdict.VERIFIED,
                support=Support.CORROBORATED if len(credited) > 1 else Support.SINGLE_SOURCE,
                sources=sorted(sources.values(), key=lambda s: (s.outlet, s.span.start)),
            )
        )

    # Quotations the model did not attribute: still compared across outlets, so a quote
    # rendered two ways is reported even when the model missed it. Their speaker is unknown.
    for article in articles:
        for quotation in _quotations(article):
            norm = _norm(quotation.text)
            if norm in texts or any(s <= quotation.start < e for s, e in covered[article.id]):
                continue
            sources = {
                (article.id, quotation.start): Source(
                    article_id=article.id,
                    outlet=article.outlet,
                    span=quotation,
                    verdict="verbatim",
                    found_by="scan",
                )
            }
            credited = {article.id}
            scan(norm, quotation.text, sources, credited)
            if len(credited) > 1:
                quotes.append(
                    BriefQuote(
                        quote=quotation.text,
                        speaker=UNATTRIBUTED,
                        verdict=Verdict.SPEAKER_UNCONFIRMED,
                        support=Support.CORROBORATED,
                        sources=sorted(sources.values(), key=lambda s: (s.outlet, s.span.start)),
                    )
                )

    families: dict[str, list[str]] = defaultdict(list)
    for norm in parent:
        families[find(norm)].append(norm)
    variants = []
    for family in families.values():
        if len(family) < 2:
            continue
        rendered = [
            QuoteRendering(
                text=texts[m],
                outlets=sorted({s.outlet for s in renderings[m].values()}),
                sources=sorted(renderings[m].values(), key=lambda s: (s.outlet, s.span.start)),
            )
            for m in sorted(family, key=lambda m: -len(renderings[m]))
        ]
        speaker = next((speakers[m] for m in family if m in speakers), UNATTRIBUTED)
        similarity = fuzz.ratio(_norm(rendered[0].text), _norm(rendered[1].text)) / 100
        variants.append(
            QuoteVariant(speaker=speaker, renderings=rendered, similarity=round(similarity, 3))
        )
    quotes.sort(key=lambda q: (-len({s.article_id for s in q.sources}), q.quote))
    return quotes, variants
