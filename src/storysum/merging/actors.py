"""Actors: one entry per person or organisation across chunks and articles.

Names are reduced to the words that name (titles, possessives and descriptors dropped:
"Venezuela's President Nicolás Maduro" -> "Nicolás Maduro") and compared with case and accents
folded. A shorter name joins the one longer name that contains it ("Maduro", "Vladimir
Padrino"); when two longer names contain it (Donald Trump, Melania Trump) it stays apart, as it
does in the mention scan. An acronym joins the name whose initials it spells ("CIA").
Every merged actor's mentions are then found in every article, by code: only in the articles
whose words include the first word of one of its names (an index of the articles' words), so
the cost grows with the mentions, not with actors x articles.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Sequence
from functools import lru_cache

from ..models import Article, BriefActor, ExtractedActor, Span
from ..validation import Checked
from .text import WORD, WordIndex, fold

TITLES = frozenset(
    """president vice prime minister secretary defense defence foreign interior general gen
    sen senator rep representative gov governor mayor chief leader ambassador spokesman
    spokeswoman spokesperson commander admiral colonel col mr mrs ms dr the former acting
    deputy state us u.s. un king queen prince pope""".split()
)


def name_tokens(name: str) -> list[str]:
    """The words that name an actor: possessives and leading titles removed."""
    raw = WORD.findall(name)
    # "Colombia's Gustavo Petro": the possessor describes whoever follows it.
    owners = [i for i, w in enumerate(raw[:-1]) if re.search(r"['’]s$", w)]
    if owners:
        raw = raw[owners[-1] + 1 :]
    words = [re.sub(r"['’]s$", "", w).strip(".'’-") for w in raw]
    words = [w for w in words if w]
    while len(words) > 1 and (
        words[0].lower() in TITLES
        or words[0][:1].islower()
        or words[1].lower() in TITLES  # "Venezuelan President ...", "Defense Minister ..."
    ):
        words.pop(0)
    return words


@lru_cache(maxsize=1 << 16)
def name_key(name: str) -> tuple[str, ...]:
    """What two spellings of one name share: its words, case and accents folded."""
    return tuple(fold(t) for t in name_tokens(name))


def _initials(key: tuple[str, ...]) -> str:
    return "".join(w[0] for w in key if w not in ("of", "the", "and", "for"))


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


def _cluster(keys: list[tuple[str, ...]]) -> dict[tuple[str, ...], int]:
    """Each distinct key -> a cluster number.

    Keys are taken longest first, equal lengths in input order (a stable sort of the keys as
    first given, never of a set): a one-word key may join two clusters, which changes what a
    later one-word key sees, so the order must be a function of the input alone."""
    distinct = sorted(dict.fromkeys(k for k in keys if k), key=len, reverse=True)
    index = {k: i for i, k in enumerate(distinct)}
    uf = _UnionFind(len(distinct))
    by_word: dict[str, list[tuple[str, ...]]] = defaultdict(list)
    for key in distinct:
        for w in set(key):
            by_word[w].append(key)
    by_initials: dict[str, list[tuple[str, ...]]] = defaultdict(list)
    for key in distinct:
        if len(key) >= 2:
            by_initials[_initials(key)].append(key)
    for short in distinct:
        containing = [
            long
            for long in by_word[short[-1]]
            if len(long) > len(short) and set(short) <= set(long)
        ]
        roots = {uf.find(index[long]) for long in containing}
        if len(roots) == 1:
            uf.union(index[short], roots.pop())
        if len(short) == 1 and len(short[0]) >= 2:
            spelled = {uf.find(index[k]) for k in by_initials.get(short[0], [])}
            if len(spelled) == 1:
                uf.union(index[short], spelled.pop())
    return {k: uf.find(index[k]) for k in distinct}


def merge_actors(
    items: Sequence[Checked],
    articles: Sequence[Article],
    indexes: dict[str, WordIndex] | None = None,
) -> list[BriefActor]:
    actors = [c for c in items if isinstance(c.item, ExtractedActor) and c.verdict.accepted]
    names = [c.item.name for c in actors if isinstance(c.item, ExtractedActor)]
    keys = [name_key(n) for n in names]
    cluster_of = _cluster(keys)
    groups: dict[int, list[int]] = defaultdict(list)
    for i, key in enumerate(keys):
        if key:
            groups[cluster_of[key]].append(i)

    # Which surnames belong to more than one actor: those are only matched in full.
    surname_owners: dict[str, set[int]] = defaultdict(set)
    for cluster, members in groups.items():
        for i in members:
            if len(keys[i]) > 1:
                surname_owners[keys[i][-1]].add(cluster)

    indexes = indexes or {a.id: WordIndex(a.text) for a in articles}
    holders: dict[str, set[str]] = defaultdict(set)  # word -> the articles that have it
    for article_id, index in indexes.items():
        for w in index.positions:
            holders[w].add(article_id)
    outlets = {a.id: a.outlet for a in articles}
    position = {a.id: k for k, a in enumerate(articles)}
    out: list[BriefActor] = []
    for members in groups.values():
        checked = [actors[i] for i in members]
        display = [" ".join(name_tokens(names[i])) for i in members]
        canonical = max(display, key=lambda n: (len(n.split()), len(n), n))
        mentions: dict[tuple[str, int], Span] = {
            (c.span.article_id, c.span.start): c.span for c in checked if c.span
        }
        # The names to look for, longest first, equal lengths in input order: where two of
        # them start at one place ("Donald", "Donald Trump") the longer one is the mention.
        # A list, not a set, so that neither this nor ``full`` follows the hash order.
        needles = list(dict.fromkeys(keys[i] for i in members))
        full = max(needles, key=len)  # the first of the longest
        if len(full) > 1 and len(surname_owners[full[-1]]) == 1:
            needles.append((full[-1],))
        needles = sorted(dict.fromkeys(needles), key=len, reverse=True)
        # A run of a name's words starts with its first word: other articles have no mention.
        holding = set().union(*(holders.get(needle[0], set()) for needle in needles))
        for k in sorted(position[a] for a in holding if a in position):
            article = articles[k]
            spans = _kept(article)
            for needle in needles:
                for start, end in indexes[article.id].find(list(needle)):
                    if any(s <= start and end <= e for s, e in spans):
                        mentions.setdefault(
                            (article.id, start),
                            Span(
                                article_id=article.id,
                                start=start,
                                end=end,
                                text=article.text[start:end],
                            ),
                        )
        spans_sorted = sorted(mentions.values(), key=lambda s: (s.article_id, s.start))
        own = {c.article.id: c.article.outlet for c in checked}
        out.append(
            BriefActor(
                name=canonical,
                aliases=sorted({names[i] for i in members} - {canonical}),
                roles=sorted(
                    {
                        c.item.role
                        for c in checked
                        if isinstance(c.item, ExtractedActor) and c.item.role
                    }
                ),
                mentions=spans_sorted,
                outlets=sorted(
                    {
                        own[s.article_id] if s.article_id in own else outlets[s.article_id]
                        for s in spans_sorted
                    }
                ),
            )
        )
    return sorted(out, key=lambda a: (-len(a.outlets), -len(a.mentions), a.name))


def _kept(article: Article) -> list[tuple[int, int]]:
    return article.segments
