"""Quotes across outlets: the same words merged, different renderings reported as variants.

Each verified quote is looked for in the other articles with ``verify_quote``: found
verbatim, it credits that outlet; found as a near-identical rendering ("We’re looking at land
now because we already have the sea under control" for "We are certainly looking at land now,
because we’ve got the sea very well under control"), it becomes a quote variant with both
texts, their outlets and spans.

Two things keep this growing with the number of articles rather than quotes x articles: each
article is prepared for ``verify_quote`` once (a ``PreparedSource``: its normalised text and
offset map, its sentences and quoted passages), and ``_Blocker`` -- inverted indexes of the
words and figures of the articles and of their sentences and quoted passages -- only hands
``verify_quote`` the articles that could hold the quote at all, by verify_quote's own
requirements.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Sequence
from functools import lru_cache
from typing import TypeVar

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

# verify_quote's own reading of quotes and sources (private to it): the blocking below states
# its requirements with the same helpers, so that it follows any change to them.
from ..quotes import (
    _COMPARE_WORD,
    _NEGATIONS,
    MIN_COVERAGE,
    PreparedSource,
    QuoteVerdict,
    _compare_words,
    _fragments,
    _numbers,
    find_quotations,
    verify_quote,
)
from ..validation import Checked
from .actors import name_key
from .text import STOP, WORD, WordIndex, fold

T = TypeVar("T")
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


_ALNUM = re.compile(r"[^\W_]+")  # a maximal run of letters and digits (str.isalnum)
_FIGURE = re.compile(r"\d[\d,.]*\d|\d")  # a figure, as verify_quote's _numbers reads them
_SEPARATOR = re.compile(r"[,.]")


def _figure_keys(figure: str) -> set[str]:
    """What a window of text can make of one figure, commas removed: the whole, or a run of
    its digit groups, since a window starts and ends on words ("12,500" -> "12500", "12",
    "500"; "3.5" -> "3.5", "3", "5")."""
    cuts = [m.start() for m in _SEPARATOR.finditer(figure)]
    starts = [0, *(c + 1 for c in cuts)]
    ends = [*cuts, len(figure)]
    keys = set()
    for a, start in enumerate(starts):
        for end in ends[a:]:
            piece = figure[start:end]
            if piece and piece[0].isdigit() and piece[-1].isdigit():
                keys.add(piece.replace(",", ""))
    return keys


class _Blocker:
    """Which articles could hold a quote, verbatim or as a rendering: inverted indexes.

    Without it every quote went through ``verify_quote`` against every article sharing a few
    of its words, quotes x articles calls of milliseconds each: most quotes share their frame
    with many articles ("We have sent 12 teams ..." / "We have sent 40 teams ...").
    ``verify_quote(quote, None, article)`` can only say verbatim or variant when the article
    meets requirements an index answers without reading the text:

    - verbatim: every fragment is in the normalised text at word boundaries, so every run of
      letters and digits in the quote is a whole run of the article's too. The candidates
      are the articles holding all of them (``tokens``) whose normalised text contains each
      fragment: no verbatim match can be lost.
    - variant: the rendering is a window of one sentence or quoted passage that keeps at
      least MIN_COVERAGE of the quote's words (with repeats, contractions expanded, as
      verify_quote compares them), with the same figures (commas aside) and negations. A
      passage that misses more than a fifth of the quote's words cannot hold one, so the
      candidates are the passages (``words``, ``figures``) holding one of the rarest few
      words whose count exceeds that allowance, then checked for the allowance, the figures
      and the negations. These are necessary conditions of a variant too.

    The recall trade-off, for variants only: a rendering must also hold two of the quote's
    three rarest words (by the articles' own words, ``WordIndex``; all of them when there are
    fewer than three) -- this scan's rule before the index, kept so that the brief stays what
    it was. It misses a rendering that rewords two of those three: "We’re looking at land now
    because we already have the sea under control" is not looked for where the articles say
    "We are certainly looking at land now, because we’ve got the sea very well under control"
    (no "already", no "we’re"). The pair is still reported when the other rendering's scan
    finds it (each rendering is scanned for in turn: the model's quotes, then every
    unattributed quotation); when neither keeps the other's rarest words, it is lost. Verbatim
    matches never go through this rule.
    """

    def __init__(self, sources: dict[str, PreparedSource], indexes: dict[str, WordIndex]) -> None:
        self.sources = sources
        self.tokens: dict[str, set[str]] = defaultdict(set)  # alnum run -> articles
        self.article_of: list[str] = []  # passage number -> article
        self.words: dict[str, set[int]] = defaultdict(set)  # compared word -> passages
        self.figures: dict[str, set[int]] = defaultdict(set)  # figure key -> passages
        for article_id, source in sources.items():
            for token in set(_ALNUM.findall(source.normalised)):
                self.tokens[token].add(article_id)
            # Each passage read the way verify_quote reads it: a quotation mark may cut a word
            # ("“a b”c") where the whole text does not.
            for passage in source.passages():
                k = len(self.article_of)
                self.article_of.append(article_id)
                for token in set(_COMPARE_WORD.findall(passage)):
                    for w in _expanded(token):
                        self.words[w].add(k)
                for figure in _FIGURE.findall(passage):
                    for key in _figure_keys(figure):
                        self.figures[key].add(k)
        self.holders: dict[str, set[str]] = defaultdict(set)  # WordIndex word -> articles
        for article_id, index in indexes.items():
            for w in index.positions:
                self.holders[w].add(article_id)

    def candidates(self, quote: str) -> set[str]:
        """The articles where ``verify_quote(quote, None, article)`` may find the quote."""
        frags = _fragments(quote)
        if not frags:
            return set()
        return self._verbatim(frags) | self._variant(" ".join(frags), quote)

    def _verbatim(self, frags: list[str]) -> set[str]:
        tokens = {t for f in frags for t in _ALNUM.findall(f)}
        if tokens:
            found = _all_of([self.tokens.get(t, set()) for t in tokens])
        else:
            found = set(self.sources)
        return {a for a in found if all(f in self.sources[a].normalised for f in frags)}

    def _variant(self, q: str, quote: str) -> set[str]:
        q_words = [w for w, _, _ in _compare_words(q)]
        if not q_words:
            return set()  # nothing to align: verify_quote finds no rendering
        need = MIN_COVERAGE * len(q_words)  # verify_quote: fewer kept words is not the quote
        counts = Counter(q_words)
        holders = {w: self.words.get(w, set()) for w in counts}
        # The fewest-held words first: a passage holding none of ``rarest`` misses more than
        # a rendering may, so every candidate holds one of them.
        rarest: list[str] = []
        missed = 0
        for w in sorted(counts, key=lambda w: (len(holders[w]), w)):
            rarest.append(w)
            missed += counts[w]
            if len(q_words) - missed < need:
                break
        found: set[int] = set().union(*(holders[w] for w in rarest))
        required = [holders[w] for w in set(q_words) & _NEGATIONS]
        required += [self.figures.get(key, set()) for key in set(_numbers(q))]
        if required:
            common: set[int] = _all_of(required)
            found &= common
        articles = {
            self.article_of[k]
            for k in found
            if sum(n for w, n in counts.items() if k in holders[w]) >= need
        }
        # The trade-off (see the class): two of the three rarest words of the quote as written.
        tokens = {fold(m).strip(".'’-") for m in WORD.findall(quote)} - STOP
        known = sorted((t for t in tokens if t in self.holders), key=self._rarity)[:3]
        spare = 1 if len(known) >= 3 else 0
        return {a for a in articles if sum(1 for t in known if a not in self.holders[t]) <= spare}

    def _rarity(self, word: str) -> tuple[int, str]:
        return len(self.holders[word]), word


@lru_cache(maxsize=1 << 16)
def _expanded(token: str) -> tuple[str, ...]:
    """The words verify_quote compares for one word of the text ("we’ve" -> "we", "have")."""
    return tuple(w for w, _, _ in _compare_words(token))


def _all_of(sets: list[set[T]]) -> set[T]:
    """The intersection of ``sets`` (at least one), smallest first."""
    ordered = sorted(sets, key=len)
    out = set(ordered[0])
    for s in ordered[1:]:
        if not out:
            break
        out &= s
    return out


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
        words = name_key(name)
        key = frozenset(words)
        # The name's words in the order written, not the set's (hash) order: which alias
        # is met first decides the actor when the name fits more than one.
        for w in dict.fromkeys(words):
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
    speaker_of = _Speakers(actors)
    by_id = {a.id: a for a in articles}
    prepared = {a.id: PreparedSource(a.text) for a in articles}
    blocker = _Blocker(prepared, indexes or {a.id: WordIndex(a.text) for a in articles})

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
        for article_id in sorted(blocker.candidates(quote) - credited):
            article = by_id[article_id]
            check = verify_quote(quote, None, prepared[article_id])
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
