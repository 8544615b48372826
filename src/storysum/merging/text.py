"""Word-level helpers the mergers share: folding, plurals, what a phrase is about."""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from functools import lru_cache

WORD = re.compile(r"[\w][\w'’.-]*\w|\w")
STOP = frozenset(
    """a an the of and or in on at to for with by from as its their his her our your this that
    these those it is are was were be been has have had will would can could may might not no
    than then there here who whom which what when where while also about into over under up
    down out more most less some any all each other such only just very said says say
    them they he she him we us you i me my mine theirs""".split()
)
# Heads that say little on their own: "militia members" is about the militia.
WEAK_HEADS = frozenset(
    """member members people person personnel staff unit units number numbers total figure
    figures amount amounts force forces strong level levels count""".split()
)
UNIT_WORDS = frozenset(
    """meter meters metre metres m km kilometer kilometers kilometre kilometres mile miles
    foot feet ft inch inches kg kilogram kilograms ton tons tonne tonnes pound pounds lb lbs
    percent per cent dollar dollars euro euros year years month months day days week weeks
    hour hours minute minutes""".split()
)


def fold(text: str) -> str:
    """Lower case, accents removed, typographic apostrophes straightened."""
    if len(text) <= 40:
        return _fold_short(text)  # words and names repeat: remember them
    return _fold(text)


def _fold(text: str) -> str:
    if text.isascii():
        return text.lower()
    decomposed = unicodedata.normalize("NFD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower().replace("’", "'")


@lru_cache(maxsize=1 << 17)
def _fold_short(text: str) -> str:
    return _fold(text)


@lru_cache(maxsize=65536)
def singular(word: str) -> str:
    w = word.lower().strip(".'’-")
    if w.endswith("'s"):
        w = w[:-2]
    if len(w) > 4 and w.endswith("ies"):
        return w[:-3] + "y"
    if len(w) > 4 and w.endswith(("ches", "shes", "sses", "xes")):
        return w[:-2]
    if len(w) > 3 and w.endswith("s") and not w.endswith(("ss", "us", "is")):
        return w[:-1]
    return w


def content_words(text: str | None) -> frozenset[str]:
    """The words of ``text`` that carry meaning, folded and singular."""
    if not text:
        return frozenset()
    return frozenset(
        singular(w)
        for w in WORD.findall(fold(text))
        if w not in STOP and len(w) > 1 and not w.replace(",", "").replace(".", "").isdigit()
    )


def heads(phrase: str | None) -> frozenset[str]:
    """What a counted phrase is about: its head noun ("range" in "range of the missile"),
    plus the modifier when the head is weak ("militia" in "militia members")."""
    if not phrase:
        return frozenset()
    text = fold(phrase)
    text = (
        re.split(r"\b(?:of|in|on|at|to|for|from|with|by|that|which|who)\b", text)[0]
        if not re.match(r"\s*(?:number|total|amount|figure|count)s?\s+of\b", text)
        else re.sub(r"^\s*\w+\s+of\s+", "", text)
    )
    words = [w for w in WORD.findall(text) if w not in STOP and w not in UNIT_WORDS]
    words = [w for w in words if not w.replace(",", "").replace(".", "").isdigit()]
    if not words:
        return frozenset()
    out = {singular(words[-1])}
    if singular(words[-1]) in {singular(w) for w in WEAK_HEADS} and len(words) > 1:
        out.add(singular(words[-2]))
    return frozenset(out)


class WordIndex:
    """Where each folded word occurs in one text; built once per article."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.positions: dict[str, list[tuple[int, int]]] = defaultdict(list)
        for m in WORD.finditer(text):
            word = fold(m.group()).strip(".'’-")
            if word.endswith("'s"):  # "Maduro’s" is a mention of Maduro
                word = word[:-2]
            self.positions[word].append((m.start(), m.end()))

    def find(self, words: list[str]) -> list[tuple[int, int]]:
        """(start, end) of every run of ``words`` (folded) in the text, in order."""
        if not words:
            return []
        first = self.positions.get(words[0], [])
        if len(words) == 1:
            return list(first)
        hits = []
        for start, end in first:
            pos, ok = end, True
            for w in words[1:]:
                nxt = [p for p in self.positions.get(w, []) if pos < p[0] <= pos + 3]
                if not nxt:
                    ok = False
                    break
                pos = nxt[0][1]
            if ok:
                hits.append((start, pos))
        return hits
