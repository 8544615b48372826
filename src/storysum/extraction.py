"""Extract: each chunk -> ``ChunkExtraction`` through the LLM, concurrently with a bound.

A chunk that fails for good is returned with its reason, never dropped: the pipeline lists it
in the brief's failures.
"""

from __future__ import annotations

import asyncio
import functools
import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from pydantic import ValidationError

from .chunking import sentences
from .llm.base import LLMCallError, StructuredLLM
from .models import (
    Article,
    Chunk,
    ChunkExtraction,
    ChunkFacts,
    ExtractedActor,
    ExtractedClaim,
    ExtractedFigure,
    ExtractedQuote,
    Usage,
)
from .numbers import parse_quantities
from .prompts import load_prompt
from .quotes import find_quotations

SYSTEM_PROMPT = "extract"
USER_PROMPT = "extract_user"


def prompt_version() -> str:
    return f"{load_prompt(SYSTEM_PROMPT).version}+{load_prompt(USER_PROMPT).version}"


@dataclass(frozen=True)
class NumberedText:
    """A chunk's text with its sentences and numbered quotations located.

    The model refers to quotations by number; ``expand`` maps them back to the very same
    text, so a quote's words and every claim are located by code, never copied by the model.
    Offsets are into the chunk's text (``Chunk.text``).
    """

    text: str
    sentences: list[tuple[int, int]]
    quotations: list[tuple[int, int]]

    @classmethod
    def of(
        cls, article: Article, chunk: Chunk, *, min_words: int = 3, most: int = 12
    ) -> NumberedText:
        text = chunk.text(article)
        spans: list[tuple[int, int]] = []
        offset = 0
        for piece in chunk.texts(article):
            spans.extend((offset + s, offset + e) for s, e in sentences(piece))
            offset += len(piece) + 2
        quoted: list[tuple[int, int]] = []
        seen: set[str] = set()
        for span in find_quotations(text):
            words = " ".join(span.text.split())
            if (
                min_words <= len(words.split())
                and len(span.text) <= QUOTE_CHARS
                and (words not in seen)
            ):
                seen.add(words)
                # "... knows the power of the Igla-S," said Maduro: the comma is the writer's.
                end = span.end
                while end > span.start and text[end - 1] in ",;: " and text[end - 1] != "…":
                    end -= 1
                quoted.append((span.start, end))
        return cls(text, spans, quoted[:most])

    def quotation(self, number: int) -> str | None:
        if 1 <= number <= len(self.quotations):
            s, e = self.quotations[number - 1]
            return self.text[s:e]
        return None

    def texts(self) -> list[str]:
        return [self.text[s:e] for s, e in self.sentences]

    def render_quotations(self) -> str:
        if not self.quotations:
            return "none"
        return " ".join(
            f"Q{k} “{' '.join(self.text[s:e].split())}”"
            for k, (s, e) in enumerate(self.quotations, 1)
        )


def messages_for(article: Article, chunk: Chunk) -> list[dict[str, str]]:
    """The fixed instructions first (the server reuses their KV cache), then the chunk.

    The title is not sent: a small model extracts from it instead of the chunk, and the
    title is part of the first chunk's text anyway.
    """
    view = NumberedText.of(article, chunk)
    system = load_prompt(SYSTEM_PROMPT).render()
    user = load_prompt(USER_PROMPT).render(
        outlet=article.outlet,
        text=view.text,
        numbers=number_hints(view.text),
        quotations=view.render_quotations(),
    )
    return [{"role": "system", "content": system}, {"role": "user", "content": user}]


def number_hints(text: str) -> str:
    """The numbers the grammar finds in ``text``, to point a small model at every figure.

    Only a hint: what the model makes of them is validated like everything else.
    """
    seen: list[str] = []
    for q in parse_quantities(text):
        if q.text not in seen:
            seen.append(q.text)
    return "; ".join(seen) if seen else "none"


_SAYING = (
    r"(?:said|says|say|told|stated|states|claimed|claims|announced|announces|added|insisted|"
    r"insists|warned|warns|asserted|asserts|argued|argues|noted|notes|reported|reports)"
)


def claimant(sentence: str, names: Sequence[str]) -> str | None:
    """Who a sentence attributes itself to, among ``names``: "X said", "said X", "according
    to X". None when the sentence names no speaker (the outlet's own statement)."""
    # Longest first (the fullest name wins), ties in the order given: never hash order.
    for name in sorted(dict.fromkeys(n.strip() for n in names if n.strip()), key=len, reverse=True):
        if name in sentence and _attribution(name).search(sentence):
            return name
    return None


@functools.lru_cache(maxsize=4096)
def _attribution(name: str) -> re.Pattern[str]:
    """ "NAME ... said", "said ... NAME", "according to ... NAME", compiled once per name: a
    story's names recur in every sentence of every article (re's own cache holds 512)."""
    n = re.escape(name)
    return re.compile(
        rf"\b{n}\b[^.;:]{{0,40}}?\b{_SAYING}\b"
        rf"|\b{_SAYING}\s+(?:[A-Z]\w+\s+){{0,3}}{n}\b"
        rf"|\b(?i:according) to\s+(?:\w+\s+){{0,4}}{n}\b"
    )


def is_statement(sentence: str, *, min_words: int = 5) -> bool:
    """A sentence that states something: not a heading, a question, a fragment or a quote
    standing alone (quotes are attributed on their own)."""
    text = sentence.strip()
    if len(text.split()) < min_words or text[-1:] not in ".!”\"’'" or text.endswith("?"):
        return False
    quoted = sum(len(q.text) for q in find_quotations(text))
    return quoted < 0.6 * len(text)


# The expanded items' limits (models.ChunkExtraction): text located by code is kept within
# them, so no chunk's answer can fail to expand.
EVIDENCE_CHARS = 300
CLAIM_CHARS = 2000
MAX_CLAIMS = 200
NAME_CHARS = 120
QUOTE_CHARS = 600


def expand(facts: ChunkFacts, view: NumberedText) -> ChunkExtraction:
    """The model's compact answer with the text it refers to filled in from the chunk.

    A reference to a sentence or quotation the chunk does not have is kept, worded so the
    validator rejects it with a reason that says so: nothing the model said disappears.
    """
    figures = []
    for f in facts.figures:
        at = view.text.find(f.value)
        evidence = next(
            (view.text[s:e] for s, e in view.sentences if at >= 0 and s <= at < e), f.value
        )
        if len(evidence) > EVIDENCE_CHARS:  # a long sentence: the words around the value
            lo = max(0, at - EVIDENCE_CHARS // 2)
            evidence = view.text[lo : lo + EVIDENCE_CHARS].strip() or f.value
        figures.append(ExtractedFigure(value=f.value, counted=f.counts, evidence=evidence))
    quotes = [
        ExtractedQuote(
            quote=view.quotation(q.quotation)
            or f"(quotation Q{q.quotation}: the text has {len(view.quotations)})",
            speaker=q.speaker.strip() or q.speaker,
        )
        for q in facts.quotes
    ]
    claims = [
        ExtractedClaim(text=sentence, claimant=claimant(sentence, facts.actors))
        for sentence in view.texts()
        if is_statement(sentence) and len(sentence) <= CLAIM_CHARS
    ][:MAX_CLAIMS]
    # Whoever the model says is quoted is an actor too, whether or not it listed them.
    names = dict.fromkeys(n.strip() for n in [*facts.actors, *(q.speaker for q in facts.quotes)])
    actors = [ExtractedActor(name=name) for name in names if 0 < len(name) <= NAME_CHARS]
    return ChunkExtraction(figures=figures, quotes=quotes, claims=claims, actors=actors)


@dataclass(frozen=True)
class ChunkResult:
    chunk: Chunk
    extraction: ChunkExtraction | None
    usage: Usage
    seconds: float
    error: str | None = None


async def extract_chunk(llm: StructuredLLM, article: Article, chunk: Chunk) -> ChunkResult:
    started = time.perf_counter()
    try:
        facts, usage = await llm.structured(messages_for(article, chunk), ChunkFacts)
    except LLMCallError as exc:
        return ChunkResult(chunk, None, exc.usage, time.perf_counter() - started, str(exc))
    try:
        extraction = expand(facts, NumberedText.of(article, chunk))
    except ValidationError as exc:  # never expected: the chunk fails, not the run
        why = f"the answer could not be expanded: {exc.error_count()} errors, first: "
        why += str(exc.errors()[0].get("msg", ""))
        return ChunkResult(chunk, None, usage, time.perf_counter() - started, why)
    return ChunkResult(chunk, extraction, usage, time.perf_counter() - started)


async def extract_all(
    llm: StructuredLLM,
    work: Sequence[tuple[Article, Chunk]],
    *,
    concurrency: int,
    on_done: Callable[[ChunkResult], None] | None = None,
) -> list[ChunkResult]:
    """Extract every chunk, at most ``concurrency`` calls in flight; results in input order."""
    gate = asyncio.Semaphore(concurrency)

    async def one(article: Article, chunk: Chunk) -> ChunkResult:
        async with gate:
            result = await extract_chunk(llm, article, chunk)
        if on_done is not None:
            on_done(result)
        return result

    return list(await asyncio.gather(*(one(a, c) for a, c in work)))
