"""Chunk: an article's kept text -> runs of whole sentences sized for one LLM call.

Chunks break at paragraph ends where they can, at sentence ends where they must, and inside a
sentence only when one sentence alone is over the budget. Consecutive chunks share their last
sentences (``overlap_chars``) so a figure and the words that explain it are seen together at
least once. Every chunk keeps offsets into the article's original text, and the chunks of an
article cover all of its kept text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .models import Article, Chunk

_ABBREVIATIONS = frozenset(
    [
        "mr",
        "mrs",
        "ms",
        "dr",
        "st",
        "gen",
        "sen",
        "rep",
        "gov",
        "lt",
        "col",
        "sgt",
        "capt",
        "prof",
        "jr",
        "sr",
        "vs",
        "inc",
        "ltd",
        "co",
        "corp",
        "jan",
        "feb",
        "mar",
        "apr",
        "jun",
        "jul",
        "aug",
        "sep",
        "sept",
        "oct",
        "nov",
        "dec",
        "u.s",
        "u.k",
        "u.n",
        "e.g",
        "i.e",
        "a.m",
        "p.m",
    ]
)
# Abbreviations only when a number follows ("No. 10", "Fig. 3"); elsewhere "no." ends a sentence.
_BEFORE_NUMBER = frozenset(["no", "nos", "fig", "vol", "pp", "art"])
# A sentence ends at . ! ? (and any closing quote or bracket) before white space and a
# character that can start a sentence.
_BOUNDARY = re.compile(r"[.!?…][\"'”’)\]]*(?=\s+[\"'“‘(\[A-Z0-9¿¡])")


def sentences(text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
    """(start, end) of each sentence of ``text[start:end]``, white space trimmed."""
    end = len(text) if end is None else end
    out: list[tuple[int, int]] = []
    begin = start
    for match in _BOUNDARY.finditer(text, start, end):
        word = re.search(r"([\w.]+)[.!?…]?[\"'”’)\]]*$", text[begin : match.end()])
        if word and word.group(1).rstrip(".").lower() in _ABBREVIATIONS:
            continue
        if (
            word
            and word.group(1).rstrip(".").lower() in _BEFORE_NUMBER
            and re.match(r"\s+\d", text[match.end() : match.end() + 3])
        ):
            continue
        if (
            text[match.start()] == "."
            and match.start() > 0
            and text[match.start() - 1].isupper()
            and (match.start() < 2 or not text[match.start() - 2].isalpha())
        ):
            continue  # an initial, as in "Donald J. Trump"
        out.append((begin, match.end()))
        begin = match.end()
        while begin < end and text[begin].isspace():
            begin += 1
    if begin < end:
        out.append((begin, end))
    return [(s, e) for s, e in out if e > s]


@dataclass(frozen=True, slots=True)
class _Unit:
    paragraph: int
    start: int
    end: int

    @property
    def size(self) -> int:
        return self.end - self.start


def _units(article: Article, max_chars: int) -> list[_Unit]:
    units: list[_Unit] = []
    for p, (seg_start, seg_end) in enumerate(article.segments):
        for s, e in sentences(article.text, seg_start, seg_end):
            # One sentence over the budget: cut it at white space.
            while e - s > max_chars:
                cut = article.text.rfind(" ", s, s + max_chars)
                cut = cut if cut > s else s + max_chars
                units.append(_Unit(p, s, cut))
                s = cut
                while s < e and article.text[s].isspace():
                    s += 1
            if e > s:
                units.append(_Unit(p, s, e))
    return units


def _pieces(units: list[_Unit]) -> list[tuple[int, int]]:
    """Contiguous sentences of one paragraph become one piece."""
    pieces: list[tuple[int, int]] = []
    last_paragraph = -1
    for unit in units:
        if pieces and unit.paragraph == last_paragraph:
            pieces[-1] = (pieces[-1][0], unit.end)
        else:
            pieces.append((unit.start, unit.end))
        last_paragraph = unit.paragraph
    return pieces


def chunk_article(article: Article, max_chars: int = 1400, overlap_chars: int = 200) -> list[Chunk]:
    """Split one article into chunks of at most ``max_chars`` characters of text."""
    units = _units(article, max_chars)
    chunks: list[list[_Unit]] = []
    current: list[_Unit] = []
    size = 0
    i = 0
    while i < len(units):
        unit = units[i]
        join = 2 if current else 0
        starts_paragraph = not current or current[-1].paragraph != unit.paragraph
        if current and starts_paragraph:
            rest = sum(u.size + 2 for u in units[i:] if u.paragraph == unit.paragraph)
            # Break before a paragraph that would not fit, once the chunk is half full.
            if size + rest > max_chars and size >= max_chars // 2:
                chunks.append(current)
                current, size = _overlap(current, overlap_chars), 0
                size = sum(u.size for u in current) + 2 * max(0, len(current) - 1)
                continue
        if current and size + join + unit.size > max_chars:
            chunks.append(current)
            current = _overlap(current, overlap_chars)
            size = sum(u.size for u in current) + 2 * max(0, len(current) - 1)
            if current and size + 2 + unit.size > max_chars:
                current, size = [], 0
            continue
        current.append(unit)
        size += join + unit.size
        i += 1
    if current and (not chunks or current[-1] is not chunks[-1][-1]):
        chunks.append(current)
    return [
        Chunk(id=f"{article.id}#{n}", article_id=article.id, index=n, pieces=_pieces(c))
        for n, c in enumerate(chunks)
    ]


def _overlap(previous: list[_Unit], overlap_chars: int) -> list[_Unit]:
    """The last sentences of ``previous`` that fit in ``overlap_chars`` (never all of them)."""
    kept: list[_Unit] = []
    total = 0
    for unit in reversed(previous[1:]):
        if total + unit.size > overlap_chars:
            break
        kept.insert(0, unit)
        total += unit.size + 2
    return kept
