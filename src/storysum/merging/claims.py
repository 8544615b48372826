"""The claim ledger: equivalent claims clustered across articles, each with its outlets.

Claims are compared through rapidfuzz (token-set similarity of their folded words), only
within blocks of claims that share rare words, so the cost grows with the number of claims,
not its square. Each cluster is then looked for in every other article: a sentence that says
the same (similar wording, and every number in the claim supported by that sentence) credits
that outlet too. That scan goes through an index of the sentences' words (the sentences
sharing enough of the claim's rarer words), and what is compared of a sentence (its sorted
words, its numbers) is computed once per sentence, not once per claim that looks at it. A
claim carried by one outlet only is marked single-source.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from rapidfuzz import fuzz

from ..chunking import sentences
from ..models import Article, BriefClaim, ExtractedClaim, Source, Span, Support, Verdict
from ..number_checks import numbers_supported
from ..numbers import parse_quantities
from ..validation import Checked
from .text import content_words, fold

# Two statements say the same when their meaningful words overlap this much (rapidfuzz
# token_set_ratio over content words, 0-100), or SAME_WITH_NUMBER when they also state the
# same number. Measured on the seeds: paraphrases across outlets score 53-100 (59 and 53 for
# "has sent 4,500 Marines ..." vs "has deployed 4,500 Marines ..."); different statements of
# one story 38-42.
SAME_CLAIM = 75.0
SAME_WITH_NUMBER = 55.0
MAX_POSTINGS = 200  # words shared by more claims than this are too common to block on


def _key(text: str) -> str:
    return " ".join(sorted(content_words(text)))


def _numbers(text: str) -> frozenset[str]:
    return frozenset(str(q.value) for q in parse_quantities(text))


def same_statement(
    a_key: str, a_numbers: frozenset[str], b_key: str, b_numbers: frozenset[str]
) -> bool:
    score = fuzz.token_set_ratio(a_key, b_key)
    return score >= SAME_CLAIM or (bool(a_numbers & b_numbers) and score >= SAME_WITH_NUMBER)


@dataclass
class _Sentence:
    article: Article
    start: int
    end: int
    words: frozenset[str]
    _key: str | None = None
    _numbers: frozenset[str] | None = None

    @property
    def text(self) -> str:
        return self.article.text[self.start : self.end]

    @property
    def key(self) -> str:
        """``_key(self.text)``, computed on first use: only candidate sentences need it."""
        if self._key is None:
            self._key = " ".join(sorted(self.words))
        return self._key

    @property
    def numbers(self) -> frozenset[str]:
        """``_numbers(self.text)``, computed on first use."""
        if self._numbers is None:
            self._numbers = _numbers(self.text)
        return self._numbers


def _sentences(articles: Sequence[Article]) -> list[_Sentence]:
    out = []
    for a in articles:
        for seg_start, seg_end in a.segments:
            for s, e in sentences(a.text, seg_start, seg_end):
                out.append(_Sentence(a, s, e, content_words(a.text[s:e])))
    return out


def _blocks(word_sets: Sequence[frozenset[str]], min_shared: int) -> list[tuple[int, int]]:
    """Pairs (i < j) that share at least ``min_shared`` reasonably rare words."""
    postings: dict[str, list[int]] = defaultdict(list)
    for i, words in enumerate(word_sets):
        for w in words:
            postings[w].append(i)
    shared: dict[tuple[int, int], int] = defaultdict(int)
    for ids in postings.values():
        if len(ids) > MAX_POSTINGS:
            continue
        for x in range(len(ids)):
            for y in range(x + 1, len(ids)):
                shared[(ids[x], ids[y])] += 1
    # Sorted: ``shared`` was filled in the order of a set's words (the hash order).
    return sorted(pair for pair, n in shared.items() if n >= min_shared)


def _states_all(text: str, text_numbers: frozenset[str], source: str) -> bool:
    """Does ``source`` state every number of ``text``? A text with no number (the parse
    ``text_numbers`` came from found none) needs no check."""
    return not text_numbers or numbers_supported(text, source)


def _numbers_agree(a: str, a_numbers: frozenset[str], b: str, b_numbers: frozenset[str]) -> bool:
    """Two claims are one only if each states every number of the other: "19 km northeast"
    and "some 21 kilometres northeast" are a discrepancy, never one claim."""
    # Strict on purpose: the ledger shows one text for every outlet it cites, so each side
    # must state every number of the other. "On April 16" added keeps two entries apart; a
    # looser rule credited outlets with numbers they never gave (5 on the Ecuador replay).
    return _states_all(a, a_numbers, b) and _states_all(b, b_numbers, a)


def merge_claims(items: Sequence[Checked], articles: Sequence[Article]) -> list[BriefClaim]:
    claims = [
        c
        for c in items
        if isinstance(c.item, ExtractedClaim) and c.verdict.accepted and c.span is not None
    ]
    raw = [c.item.text for c in claims if isinstance(c.item, ExtractedClaim)]
    words = [content_words(fold(t)) for t in raw]
    keys = [" ".join(sorted(w)) for w in words]
    numbers = [_numbers(t) for t in raw]
    parent = list(range(len(claims)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    # Claims grounded on the same sentence are the same claim.
    by_span: dict[tuple[str, int], int] = {}
    for i, c in enumerate(claims):
        assert c.span is not None
        key = (c.span.article_id, c.span.start)
        if key in by_span:
            parent[find(i)] = find(by_span[key])
        else:
            by_span[key] = i
    for i, j in _blocks(words, 2):
        if (
            find(i) != find(j)
            and same_statement(keys[i], numbers[i], keys[j], numbers[j])
            and _numbers_agree(raw[i], numbers[i], raw[j], numbers[j])
        ):
            parent[find(i)] = find(j)
    clusters: dict[int, list[int]] = defaultdict(list)
    for i in range(len(claims)):
        clusters[find(i)].append(i)

    sents = _sentences(articles)
    postings: dict[str, list[int]] = defaultdict(list)
    for k, s in enumerate(sents):
        for w in s.words:
            postings[w].append(k)

    out: list[BriefClaim] = []
    for members in clusters.values():
        checked = [claims[i] for i in members]
        first = checked[0].item
        assert isinstance(first, ExtractedClaim)
        sources: dict[tuple[str, int], Source] = {}
        for c in checked:
            assert c.span is not None
            sources.setdefault(
                (c.article.id, c.span.start),
                Source(
                    article_id=c.article.id,
                    outlet=c.article.outlet,
                    span=c.span,
                    verdict=c.match,
                    found_by="model",
                ),
            )
        credited = {c.article.id for c in checked}
        claim_words = words[members[0]]
        counts: dict[int, int] = defaultdict(int)
        for w in claim_words:
            if len(postings[w]) <= MAX_POSTINGS:
                for k in postings[w]:
                    counts[k] += 1
        need = max(2, (len(claim_words) + 1) // 2)
        # In the articles' order, sentence by sentence: the first sentence of an article that
        # says the same is the one credited. ``counts`` was filled in the order of a set's
        # words (the hash order), so it is not iterated as it stands.
        for k in sorted(counts):
            n, s = counts[k], sents[k]
            if n < need or s.article.id in credited:
                continue
            if not same_statement(keys[members[0]], numbers[members[0]], s.key, s.numbers):
                continue
            if not _states_all(first.text, numbers[members[0]], s.text):
                continue
            credited.add(s.article.id)
            sources[(s.article.id, s.start)] = Source(
                article_id=s.article.id,
                outlet=s.article.outlet,
                span=Span(article_id=s.article.id, start=s.start, end=s.end, text=s.text),
                verdict="similar",
                found_by="scan",
            )
        outlets = sorted({src.outlet for src in sources.values()})
        out.append(
            BriefClaim(
                text=first.text,
                claimant=next(
                    (
                        c.item.claimant
                        for c in checked
                        if isinstance(c.item, ExtractedClaim) and c.item.claimant
                    ),
                    None,
                ),
                verdict=Verdict.VERIFIED,
                support=Support.CORROBORATED if len(credited) > 1 else Support.SINGLE_SOURCE,
                outlets=outlets,
                sources=sorted(sources.values(), key=lambda s: (s.outlet, s.span.start)),
            )
        )
    return sorted(out, key=lambda c: (-len(c.outlets), c.text))
