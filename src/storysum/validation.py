"""Validate: every extracted item checked against its chunk's source text, no LLM involved.

Figures go through ``check_figure`` (the number grammar), quotes through ``verify_quote``,
the numbers inside claims through ``verify_numbers``; actors and claims are grounded on the
sentence that names or states them. The model's evidence is only a hint: spans are located
here, by code, in the article's original text. Every item leaves with a verdict; only
``verified`` items reach the brief as fact, the others are listed as rejected with a reason.
"""

from __future__ import annotations

import bisect
import re
import unicodedata
from dataclasses import dataclass
from typing import Literal

from rapidfuzz import fuzz

from .chunking import sentences
from .models import (
    Article,
    Chunk,
    ChunkExtraction,
    ExtractedActor,
    ExtractedClaim,
    ExtractedFigure,
    ExtractedQuote,
    Span,
    Verdict,
)
from .number_checks import NumberVerdict, check_figure, verify_numbers
from .numbers import Quantity, QuantityKind
from .quotes import QuoteVerdict, verify_quote
from .spans import TextSpan

ItemKind = Literal["actor", "figure", "quote", "claim"]
Item = ExtractedActor | ExtractedFigure | ExtractedQuote | ExtractedClaim

# A claim is grounded on a sentence of its chunk when they share this much wording
# (rapidfuzz token_set_ratio, 0-100). Paraphrases by a small model land at 70-100;
# unrelated sentences of the same story at 30-60.
CLAIM_GROUNDING = 70.0


class SourceText:
    """A chunk's text as the model saw it, mapped back to the article's original offsets."""

    def __init__(self, article: Article, chunk: Chunk) -> None:
        self.article = article
        self.pieces = chunk.pieces
        self.text = chunk.text(article)
        self._starts: list[int] = []
        offset = 0
        for start, end in chunk.pieces:
            self._starts.append(offset)
            offset += end - start + 2

    def original(self, local: int) -> int:
        k = max(0, bisect.bisect_right(self._starts, local) - 1)
        return self.pieces[k][0] + min(
            local - self._starts[k], self.pieces[k][1] - self.pieces[k][0]
        )

    def span(self, start: int, end: int) -> Span:
        s, e = self.original(start), self.original(end)
        return Span(article_id=self.article.id, start=s, end=e, text=self.article.text[s:e])

    def from_text_span(self, ts: TextSpan) -> Span:
        return self.span(ts.start, ts.end)


@dataclass(frozen=True)
class Checked:
    """One extracted item and what the validator found."""

    kind: ItemKind
    item: Item
    article: Article
    chunk_id: str
    verdict: Verdict
    reason: str
    span: Span | None = None
    match: str = ""  # exact, equivalent, rounded, verbatim, ...: how the source states it
    quantity: Quantity | None = None  # figures: the quantity in the source that supports it

    @property
    def label(self) -> str:
        item = self.item
        if isinstance(item, ExtractedFigure):
            return f"{item.qualifier + ' ' if item.qualifier else ''}{item.value} {item.counted}"
        if isinstance(item, ExtractedQuote):
            return f"“{item.quote}” ({item.speaker})"
        if isinstance(item, ExtractedClaim):
            return item.text
        return item.name


def _fold(text: str) -> str:
    """Case- and accent-insensitive form with the same length as ``text``."""
    out = []
    for ch in text:
        base = unicodedata.normalize("NFD", ch)[0]
        out.append(base.lower() if len(base.lower()) == 1 else ch)
    return "".join(out).replace("’", "'")


# A line that dates the page, not the story: "Publication date: August 4, 2014".
_PAGE_DATE = re.compile(
    r"^\W*(?:publication date|published|first published|posted|updated|last updated|"
    r"last modified|date)\b\W*(?:on\b)?[^\n]{0,60}$",
    re.IGNORECASE,
)


def page_date_line(text: str, at: int) -> str | None:
    """The line holding offset ``at`` when it is a publication/update stamp, else None."""
    start = text.rfind("\n", 0, at) + 1
    end = text.find("\n", at)
    line = text[start : end if end >= 0 else len(text)].strip()
    return line if _PAGE_DATE.match(line) else None


def check_figure_item(
    fig: ExtractedFigure, src: SourceText
) -> tuple[Verdict, str, Span | None, str, Quantity | None]:
    value = (
        f"{fig.qualifier} {fig.value}"
        if fig.qualifier and fig.qualifier.lower() not in fig.value.lower()
        else fig.value
    )
    if (
        fig.unit
        and fig.unit.lower() not in value.lower()
        and not any(c.isalpha() for c in fig.value)
    ):
        value = f"{value} {fig.unit}"
    result = check_figure(value, fig.counted, src.text, hint=fig.evidence)
    span = src.from_text_span(result.evidence[0]) if result.evidence else None
    match = str(result.verdict)
    if result.verdict in (NumberVerdict.EXACT, NumberVerdict.EQUIVALENT, NumberVerdict.ROUNDED):
        quantity = result.source_quantity
        if (
            quantity is not None
            and quantity.kind is QuantityKind.DATE
            and result.evidence
            and (line := page_date_line(src.text, result.evidence[0].start))
        ):
            return (
                Verdict.UNSUPPORTED,
                f"the page's own date, not the story's: {line!r}",
                span,
                ("page-date"),
                None,
            )
        return Verdict.VERIFIED, result.reason, span, match, result.source_quantity
    if result.verdict is NumberVerdict.MISMATCH:
        return Verdict.MISMATCH, result.reason, span, match, result.source_quantity
    return Verdict.UNSUPPORTED, result.reason, span, match, None


def check_quote_item(q: ExtractedQuote, src: SourceText) -> tuple[Verdict, str, Span | None, str]:
    result = verify_quote(q.quote, q.speaker, src.text)
    span = src.from_text_span(result.span) if result.span else None
    verdict = {
        QuoteVerdict.VERBATIM: Verdict.VERIFIED,
        QuoteVerdict.VARIANT: Verdict.VARIANT,
        QuoteVerdict.SPEAKER_UNCONFIRMED: Verdict.SPEAKER_UNCONFIRMED,
    }.get(result.verdict, Verdict.UNSUPPORTED)
    return verdict, result.reason, span, str(result.verdict)


_OPENERS = frozenset("\"'“‘([")
_CLOSERS = frozenset("\"'”’)]")


def _stands_in(text: str, segment: str) -> bool:
    """``text`` occurs in ``segment`` with nothing but a space, a line end, a quotation mark
    or a bracket on either side."""
    at = segment.find(text) if text else -1
    while at >= 0:
        before = segment[at - 1] if at else " "
        end = at + len(text)
        after = segment[end] if end < len(segment) else " "
        if (before.isspace() or before in _OPENERS) and (after.isspace() or after in _CLOSERS):
            return True
        at = segment.find(text, at + 1)
    return False


def check_claim_item(c: ExtractedClaim, src: SourceText) -> tuple[Verdict, str, Span | None, str]:
    best, best_score = None, 0.0
    for s, e in sentences(src.text):
        score = fuzz.token_set_ratio(c.text, src.text[s:e])
        if score > best_score:
            best, best_score = (s, e), score
    span = src.span(*best) if best else None
    # Numbers are checked against the whole article (the rule), the wording against
    # the chunk the model read. A claim that stands word for word in the kept text, between
    # spaces or line ends, is its own source: the article states its numbers exactly there,
    # and checking against those words alone saves a scan of the article per claim. Only
    # standing alone: "2,000 people" inside "12,000 people" must fail the full check.
    story = [src.article.text[s:e] for s, e in src.article.segments]
    if any(_stands_in(c.text, segment) for segment in story):
        story = [c.text]
    bad = [check for check in verify_numbers(c.text, story) if not check.supported]
    if bad:
        reasons = "; ".join(f"{b.quantity.text!r}: {b.reason}" for b in bad)
        return (
            Verdict.UNSUPPORTED,
            f"number not supported by the source: {reasons}",
            span,
            "numbers",
        )
    if best is None or best_score < CLAIM_GROUNDING:
        return (
            Verdict.UNSUPPORTED,
            f"no sentence of the source states it (best overlap {best_score:.0f}/100)",
            span,
            "ungrounded",
        )
    return (
        Verdict.VERIFIED,
        f"stated in the source (overlap {best_score:.0f}/100)",
        span,
        "grounded",
    )


# Lower-case words a personal or organisation name may contain ("Nicolás de la Cruz").
_NAME_PARTICLES = frozenset(
    "de da das del della der di do dos du la le van von al el bin ibn and of the for y".split()
)


# A name ends with the name, not a title: "Venezuelan Defense Minister" alone is nobody.
_TITLES = frozenset(
    "president minister governor mayor secretary senator spokesman spokeswoman spokesperson "
    "chancellor premier director chief commander general official officials leader king queen "
    "prince ambassador envoy representative deputy chairman chairwoman ceo".split()
)


def looks_like_name(name: str) -> bool:
    """A name, not a description or a bare title: every word capitalised or a particle, one
    capital at least, and the last word not a title.

    "Venezuelan President Nicolás Maduro" and "Bank of England" are names; "reservists
    claimed by Maduro", "powerful countries" and "Venezuelan President" are what a small model
    lists as actors.
    """
    words = [w.strip("().,'’\"") for w in name.split()]
    words = [w for w in words if w]
    return (
        bool(words)
        and any(w[0].isupper() for w in words)
        and all(
            w[0].isupper() or not w[0].isalpha() or w.split("-")[0].lower() in _NAME_PARTICLES
            for w in words
        )
        and words[-1].lower() not in _TITLES
    )


def find_name(name: str, text: str) -> tuple[int, int] | None:
    """Where ``name`` is mentioned, case and accents folded.

    Failing the whole name, its last word ("Maduro" for "President Nicolás Maduro") - only
    for something that looks like a name, so a description ending in a name is not grounded
    on that name. Initials are matched with or without spaces ("U. S." = "U.S.").
    """
    folded, target = _fold(text), _fold(name.strip())
    needles = [target, re.sub(r"(?<=\b\w\.) (?=\w\.)", "", target)]
    if looks_like_name(name) and target.split():
        needles.append(target.split()[-1])
    for needle in dict.fromkeys(needles):
        if len(needle) < 2 or (len(needle) < 3 and not name.strip().isupper()):
            continue
        at = folded.find(needle)
        while at >= 0:
            before = folded[at - 1] if at else " "
            after = folded[at + len(needle)] if at + len(needle) < len(folded) else " "
            if not before.isalnum() and not after.isalnum():
                return at, at + len(needle)
            at = folded.find(needle, at + 1)
    return None


def check_actor_item(a: ExtractedActor, src: SourceText) -> tuple[Verdict, str, Span | None, str]:
    if not looks_like_name(a.name):
        return Verdict.UNSUPPORTED, "not a name: a description of a group or thing", None, "no-name"
    found = find_name(a.name, src.text)
    if found is None:
        return Verdict.UNSUPPORTED, "the name does not appear in the source", None, "absent"
    return Verdict.VERIFIED, "named in the source", src.span(*found), "named"


def validate_chunk(article: Article, chunk: Chunk, extraction: ChunkExtraction) -> list[Checked]:
    """Check every item the model extracted from ``chunk``."""
    src = SourceText(article, chunk)
    out: list[Checked] = []
    for fig in extraction.figures:
        verdict, reason, span, match, quantity = check_figure_item(fig, src)
        out.append(
            Checked("figure", fig, article, chunk.id, verdict, reason, span, match, quantity)
        )
    for q in extraction.quotes:
        verdict, reason, span, match = check_quote_item(q, src)
        out.append(Checked("quote", q, article, chunk.id, verdict, reason, span, match))
    for c in extraction.claims:
        verdict, reason, span, match = check_claim_item(c, src)
        out.append(Checked("claim", c, article, chunk.id, verdict, reason, span, match))
    for a in extraction.actors:
        verdict, reason, span, match = check_actor_item(a, src)
        out.append(Checked("actor", a, article, chunk.id, verdict, reason, span, match))
    return out
