"""summarize(): the one place the stages meet.

articles -> chunks -> extraction (LLM) -> validation -> merge -> Brief
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Callable, Sequence
from pathlib import Path
from typing import Any

from .articles import load_articles
from .chunking import chunk_article
from .config import Settings
from .extraction import ChunkResult, extract_all, prompt_version
from .llm.base import StructuredLLM
from .llm.openai_compat import OpenAICompatible
from .merging import merge_actors, merge_claims, merge_figures, merge_quotes, rejected
from .models import Article, ArticleRef, Brief, Chunk, Failure, RunFacts, Usage
from .validation import Checked, validate_chunk

Inputs = Sequence[Path | str | Article]


@contextlib.asynccontextmanager
async def open_llm(settings: Settings) -> AsyncIterator[StructuredLLM]:
    """The configured endpoint, or the embedded model served on 127.0.0.1 for the run."""
    common: dict[str, Any] = dict(
        model=settings.effective_model,
        timeout=settings.timeout,
        retries=settings.retries,
        reasks=settings.reasks,
        max_tokens=settings.max_tokens,
        temperature=settings.temperature,
        seed=settings.seed,
    )
    if settings.backend == "openai":
        base_url = settings.effective_base_url
        assert base_url is not None
        key = settings.api_key.get_secret_value() if settings.api_key else None
        llm = OpenAICompatible(base_url=base_url, api_key=key, **common)
        try:
            yield llm
        finally:
            await llm.aclose()
        return
    from .llm import embedded

    path = embedded.model_path(settings.local_model)
    with embedded.serve(path, alias=settings.effective_model) as base_url:
        llm = OpenAICompatible(base_url=base_url, **common)
        try:
            yield llm
        finally:
            await llm.aclose()


async def asummarize(
    inputs: Inputs,
    *,
    settings: Settings | None = None,
    llm: StructuredLLM | None = None,
    on_chunks: Callable[[int], None] | None = None,
    on_chunk_done: Callable[[ChunkResult], None] | None = None,
    **overrides: Any,
) -> Brief:
    """Read ``inputs``, extract, validate and merge; return the Brief.

    ``settings`` (or keyword overrides of them) choose the endpoint; ``llm`` replaces it
    altogether (a test double, or a client shared between runs).
    """
    started = time.perf_counter()
    settings = settings or Settings.resolve(**overrides)
    ingested = load_articles(inputs, max_bytes=settings.max_article_bytes)
    articles = ingested.articles
    chunks = {
        a.id: chunk_article(a, settings.chunk_chars, settings.overlap_chars) for a in articles
    }
    work: list[tuple[Article, Chunk]] = [(a, c) for a in articles for c in chunks[a.id]]
    if on_chunks:
        on_chunks(len(work))

    if llm is None:
        async with open_llm(settings) as opened:
            results = await extract_all(
                opened, work, concurrency=settings.effective_concurrency, on_done=on_chunk_done
            )
            model = opened.model
    else:
        results = await extract_all(
            llm, work, concurrency=settings.effective_concurrency, on_done=on_chunk_done
        )
        model = llm.model

    by_id = {a.id: a for a in articles}
    checked: list[Checked] = []
    failures: list[Failure] = list(ingested.failures)
    usage = Usage()
    for result in results:
        usage = usage + result.usage
        if result.extraction is None:
            failures.append(
                Failure(
                    stage="extract", subject=result.chunk.id, reason=result.error or "unknown error"
                )
            )
            continue
        checked += validate_chunk(by_id[result.chunk.article_id], result.chunk, result.extraction)

    figures = merge_figures(checked, articles)
    actors = merge_actors(checked)
    quotes = merge_quotes(checked)
    claims = merge_claims(checked)
    rejects = rejected(checked)
    verified = sum(1 for c in checked if c.verdict.accepted)
    run = RunFacts(
        model=model,
        backend=settings.backend if llm is None else "custom",
        prompt_version=prompt_version(),
        articles=len(articles),
        chunks=len(work),
        calls=usage.calls,
        prompt_tokens=usage.prompt_tokens,
        completion_tokens=usage.completion_tokens,
        seconds=round(time.perf_counter() - started, 2),
        verified=verified,
        rejected=len(rejects),
        failed_chunks=sum(1 for r in results if r.extraction is None),
    )
    refs = [
        ArticleRef(
            id=a.id,
            source=a.source,
            outlet=a.outlet,
            title=a.title,
            chars=len(a.text),
            kept_chars=sum(e - s for s, e in a.segments),
            chunks=len(chunks[a.id]),
        )
        for a in articles
    ]
    return Brief(
        articles=refs,
        figures=figures,
        actors=actors,
        quotes=quotes,
        claims=claims,
        rejected=rejects,
        failures=failures,
        run=run,
    )


def summarize(inputs: Inputs, **kwargs: Any) -> Brief:
    """Synchronous ``asummarize``."""
    return asyncio.run(asummarize(inputs, **kwargs))
