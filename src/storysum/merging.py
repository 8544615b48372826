"""Merge: validated items from every chunk and article -> one entry per thing.

First version: actors deduplicated by normalised name (titles, accents and possessives
folded; a shorter name joins the one longer name that contains it); figures grouped by value,
kind and unit, then by what they count; quotes and claims by their normalised text. Each
figure is then looked for in *every* article by the validator itself, so an article that
states it is credited even where the model missed it there.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Sequence

from .models import (
    Article,
    BriefActor,
    BriefClaim,
    BriefFigure,
    BriefQuote,
    Chunk,
    ExtractedActor,
    ExtractedClaim,
    ExtractedFigure,
    ExtractedQuote,
    Rejected,
    Source,
    Span,
    Verdict,
)
from .number_checks import NumberVerdict, check_figure
from .validation import Checked, SourceText

# Words that describe a person rather than name them; dropped from the front of a name.
TITLES = frozenset(
    [
        "president",
        "vice",
        "prime",
        "minister",
        "secretary",
        "defense",
        "defence",
        "foreign",
        "interior",
        "general",
        "gen",
        "sen",
        "senator",
        "rep",
        "representative",
        "gov",
        "governor",
        "mayor",
        "chief",
        "leader",
        "ambassador",
        "spokesman",
        "spokeswoman",
        "spokesperson",
        "commander",
        "admiral",
        "colonel",
        "col",
        "mr",
        "mrs",
        "ms",
        "dr",
        "the",
        "former",
        "acting",
        "deputy",
        "state",
        "us",
        "u.s.",
        "un",
    ]
)
_WORD = re.compile(r"[\w.'’-]+")


def _strip_accents(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFD", text) if not unicodedata.combining(c))


def name_tokens(name: str) -> list[str]:
    """The words that name an actor: possessives and leading titles removed."""
    raw = _WORD.findall(name)
    # "Colombia's Gustavo Petro": the possessor describes whoever follows it.
    owners = [i for i, w in enumerate(raw[:-1]) if re.search(r"['’]s$", w)]
    if owners:
        raw = raw[owners[-1] + 1 :]
    words = [re.sub(r"['’]s$", "", w).strip(".'’-") for w in raw]
    words = [w for w in words if w]
    while len(words) > 1 and (
        words[0].lower() in TITLES
        or words[0][:1].islower()
        or words[1].lower() in TITLES  # "Venezuelan President ...", "Venezuela's Defense ..."
    ):
        words.pop(0)
    return words


def name_key(name: str) -> tuple[str, ...]:
    """What two spellings of one name share: its words, case and accents folded."""
    return tuple(_strip_accents(t).lower() for t in name_tokens(name))


def _singular(word: str) -> str:
    w = word.lower()
    if len(w) > 4 and w.endswith("ies"):
        return w[:-3] + "y"
    if len(w) > 3 and w.endswith("s") and not w.endswith("ss"):
        return w[:-1]
    return w


_STOP = frozenset(
    [
        "a",
        "an",
        "the",
        "of",
        "and",
        "or",
        "in",
        "on",
        "at",
        "to",
        "for",
        "with",
        "by",
        "from",
        "its",
        "their",
        "his",
        "her",
    ]
)


def content_words(text: str) -> set[str]:
    return {_singular(w) for w in _WORD.findall(text.lower()) if w not in _STOP and len(w) > 2}


class _UnionFind:
    def __init__(self, n: int) -> None:
        self.parent = list(range(n))

    def find(self, i: int) -> int:
        while self.parent[i] != i:
            self.parent[i] = self.parent[self.parent[i]]
            i = self.parent[i]
        return i

    def union(self, a: int, b: int) -> None:
        self.parent[self.find(a)] = self.find(b)


def _source(c: Checked, verdict: str, found_by: str) -> Source:
    assert c.span is not None
    return Source(
        article_id=c.article.id,
        outlet=c.article.outlet,
        span=c.span,
        verdict=verdict,
        found_by=found_by,
    )


def merge_actors(items: Sequence[Checked]) -> list[BriefActor]:
    actors = [c for c in items if isinstance(c.item, ExtractedActor) and c.verdict.accepted]
    keys = [name_key(c.item.name) for c in actors]  # type: ignore[union-attr]
    distinct = sorted({k for k in keys if k}, key=len, reverse=True)
    index = {k: i for i, k in enumerate(distinct)}
    uf = _UnionFind(len(distinct))
    for short in distinct:
        # A shorter name joins the longer names that contain all its words, if just one does
        # (two people who share a surname stay apart).
        containing = [
            long
            for long in distinct
            if len(long) > len(short) and set(short) <= set(long) and short[-1] in long
        ]
        roots = {uf.find(index[long]) for long in containing}
        if len(roots) == 1:
            uf.union(index[short], roots.pop())
    groups: dict[int, list[int]] = defaultdict(list)
    for i, key in enumerate(keys):
        if key:
            groups[uf.find(index[key])].append(i)
    out: list[BriefActor] = []
    for members in groups.values():
        checked = [actors[i] for i in members]
        names = [" ".join(name_tokens(c.item.name)) for c in checked]  # type: ignore[union-attr]
        canonical = max(names, key=lambda n: (len(n.split()), len(n), n))
        out.append(
            BriefActor(
                name=canonical,
                aliases=sorted({c.item.name for c in checked} - {canonical}),  # type: ignore[union-attr]
                roles=sorted({c.item.role for c in checked if c.item.role}),  # type: ignore[union-attr]
                mentions=_unique_spans(c.span for c in checked if c.span),
                outlets=sorted({c.article.outlet for c in checked}),
            )
        )
    return sorted(out, key=lambda a: (-len(a.outlets), -len(a.mentions), a.name))


def _unique_spans(spans: Iterable[Span]) -> list[Span]:
    seen: dict[tuple[str, int, int], Span] = {}
    for s in spans:
        seen.setdefault((s.article_id, s.start, s.end), s)
    return sorted(seen.values(), key=lambda s: (s.article_id, s.start))


def _whole(article: Article) -> SourceText:
    return SourceText(
        article,
        Chunk(
            id=f"{article.id}#all", article_id=article.id, index=-1, pieces=list(article.segments)
        ),
    )


def merge_figures(items: Sequence[Checked], articles: Sequence[Article]) -> list[BriefFigure]:
    figures = [
        c
        for c in items
        if isinstance(c.item, ExtractedFigure)
        and c.verdict.accepted
        and c.quantity is not None
        and c.span is not None
    ]
    # Same value, kind and unit first; then what is counted must share a word.
    buckets: dict[tuple[str, str, str], list[Checked]] = defaultdict(list)
    for c in figures:
        q = c.quantity
        assert q is not None
        buckets[(str(q.kind), str(q.value), q.unit or q.currency or "")].append(c)
    groups: list[list[Checked]] = []
    for members in buckets.values():
        clusters: list[tuple[set[str], list[Checked]]] = []
        for c in members:
            words = content_words(c.item.counted)  # type: ignore[union-attr]
            for cluster_words, cluster in clusters:
                if words & cluster_words or not words or not cluster_words:
                    cluster.append(c)
                    cluster_words |= words
                    break
            else:
                clusters.append((set(words), [c]))
        groups.extend(cluster for _, cluster in clusters)

    wholes = {a.id: _whole(a) for a in articles}
    out: list[BriefFigure] = []
    for group in groups:
        first = group[0]
        fig = first.item
        assert isinstance(fig, ExtractedFigure) and first.quantity is not None
        sources = {
            (c.article.id, c.span.start): _source(c, c.match, "model") for c in group if c.span
        }
        credited = {c.article.id for c in group}
        for article in articles:
            if article.id in credited:
                continue
            src = wholes[article.id]
            check = check_figure(first.quantity.text, fig.counted, src.text)
            if check.verdict in (NumberVerdict.EXACT, NumberVerdict.EQUIVALENT) and check.evidence:
                span = src.from_text_span(check.evidence[0])
                sources[(article.id, span.start)] = Source(
                    article_id=article.id,
                    outlet=article.outlet,
                    span=span,
                    verdict=str(check.verdict),
                    found_by="scan",
                )
        q = first.quantity
        out.append(
            BriefFigure(
                value=q.text,
                normalized=str(q.value),
                kind=str(q.kind),
                counted=max((c.item.counted for c in group), key=len),  # type: ignore[union-attr]
                unit=q.unit or q.currency,
                qualifier=str(q.qualifier) if str(q.qualifier) != "exact" else None,
                verdict=Verdict.VERIFIED,
                sources=sorted(sources.values(), key=lambda s: (s.outlet, s.span.start)),
            )
        )
    return sorted(out, key=lambda f: (-len({s.article_id for s in f.sources}), f.counted))


def _norm_text(text: str) -> str:
    text = _strip_accents(text).lower().replace("’", "'").replace("“", '"').replace("”", '"')
    return re.sub(r"\W+", " ", text).strip()


def merge_quotes(items: Sequence[Checked]) -> list[BriefQuote]:
    groups: dict[str, list[Checked]] = defaultdict(list)
    for c in items:
        if isinstance(c.item, ExtractedQuote) and c.verdict.accepted and c.span:
            groups[_norm_text(c.item.quote)].append(c)
    out = []
    for members in groups.values():
        q = members[0].item
        assert isinstance(q, ExtractedQuote)
        out.append(
            BriefQuote(
                quote=q.quote,
                speaker=q.speaker,
                verdict=Verdict.VERIFIED,
                sources=_sources(members),
            )
        )
    return sorted(out, key=lambda q: (-len(q.sources), q.quote))


def merge_claims(items: Sequence[Checked]) -> list[BriefClaim]:
    groups: dict[str, list[Checked]] = defaultdict(list)
    for c in items:
        if isinstance(c.item, ExtractedClaim) and c.verdict.accepted and c.span:
            groups[_norm_text(c.item.text)].append(c)
    out = []
    for members in groups.values():
        claim = members[0].item
        assert isinstance(claim, ExtractedClaim)
        out.append(
            BriefClaim(
                text=claim.text,
                claimant=claim.claimant,
                verdict=Verdict.VERIFIED,
                sources=_sources(members),
            )
        )
    return sorted(out, key=lambda c: (-len(c.sources), c.text))


def _sources(members: Sequence[Checked]) -> list[Source]:
    seen: dict[tuple[str, int], Source] = {}
    for c in members:
        if c.span:
            seen.setdefault((c.article.id, c.span.start), _source(c, c.match, "model"))
    return sorted(seen.values(), key=lambda s: (s.outlet, s.span.start))


def rejected(items: Sequence[Checked]) -> list[Rejected]:
    """Every item that failed validation, once per article (overlapping chunks repeat them)."""
    seen: dict[tuple[str, str, str, str], Rejected] = {}
    for c in items:
        if c.verdict.accepted:
            continue
        key = (c.kind, c.label, c.article.id, str(c.verdict))
        seen.setdefault(key, Rejected(
            kind=c.kind, item=c.label, article_id=c.article.id, outlet=c.article.outlet,
            chunk_id=c.chunk_id, verdict=c.verdict, reason=c.reason, span=c.span,
        ))
    return list(seen.values())
