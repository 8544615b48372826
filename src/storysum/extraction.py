"""Extract: each chunk -> ``ChunkExtraction`` through the LLM, concurrently with a bound.

A chunk that fails for good is returned with its reason, never dropped: the pipeline lists it
in the brief's failures.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from .llm.base import LLMCallError, StructuredLLM
from .models import Article, Chunk, ChunkExtraction, Usage
from .numbers import parse_quantities
from .prompts import load_prompt
from .quotes import find_quotations

SYSTEM_PROMPT = "extract"
USER_PROMPT = "extract_user"


def prompt_version() -> str:
    return f"{load_prompt(SYSTEM_PROMPT).version}+{load_prompt(USER_PROMPT).version}"


def messages_for(article: Article, chunk: Chunk) -> list[dict[str, str]]:
    """The fixed instructions first (the server reuses their KV cache), then the chunk.

    The title is not sent: a small model extracts from it instead of the chunk, and the
    title is part of the first chunk's text anyway.
    """
    text = chunk.text(article)
    system = load_prompt(SYSTEM_PROMPT).render()
    user = load_prompt(USER_PROMPT).render(
        outlet=article.outlet, text=text, numbers=number_hints(text),
        quotations=quotation_hints(text),
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


def quotation_hints(text: str, *, min_words: int = 3, most: int = 6) -> str:
    """The quoted passages of ``text`` (a few words or more), for the model to attribute."""
    seen: list[str] = []
    for span in find_quotations(text):
        words = span.text.split()
        if len(words) >= min_words and span.text not in seen:
            seen.append(" ".join(words))
    return "; ".join(f"“{q}”" for q in seen[:most]) if seen else "none"


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
        value, usage = await llm.structured(messages_for(article, chunk), ChunkExtraction)
    except LLMCallError as exc:
        return ChunkResult(chunk, None, exc.usage, time.perf_counter() - started, str(exc))
    return ChunkResult(chunk, value, usage, time.perf_counter() - started)


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
