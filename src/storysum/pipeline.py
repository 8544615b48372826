"""summarize(): the one place the stages meet.

articles -> chunks -> extraction (LLM) -> validation -> merge -> summary (LLM, checked) -> Brief
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .articles import load_articles
from .cache import Cache, CachedLLM, scope
from .chunking import chunk_article
from .config import Settings
from .extraction import ChunkResult, extract_all, prompt_version
from .llm.base import StructuredLLM
from .llm.limits import RateLimiter
from .llm.openai_compat import OpenAICompatible
from .merging import Merged, merge
from .models import (
    Article,
    ArticleRef,
    Brief,
    Chunk,
    Failure,
    RunFacts,
    Summary,
    Usage,
)
from .summary import write_summary
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
        backoff_max=settings.backoff_max,
        retry_after_max=settings.retry_after_max,
        limiter=(
            RateLimiter(rpm=settings.rpm, tpm=settings.tpm, period=settings.rate_period)
            if settings.rpm or settings.tpm
            else None
        ),
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
    # The instructions' KV state is kept beside the answer cache, and only where that is on:
    # a library call writes nothing to disk it did not ask for (storysum.llm.prefix_store).
    prefix_dir = settings.prefix_path if settings.cache else None
    with embedded.serve(
        path, alias=settings.effective_model, log=settings.server_log, prefix_dir=prefix_dir
    ) as base_url:
        llm = OpenAICompatible(base_url=base_url, **common)
        try:
            yield llm
        finally:
            await llm.aclose()


@dataclass
class _Stages:
    """What the stages that need the LLM produced."""

    results: list[ChunkResult]
    checked: list[Checked]
    merged: Merged
    summary: tuple[Summary | None, Usage, str | None] | None


async def _llm_stages(
    client: StructuredLLM,
    work: Sequence[tuple[Article, Chunk]],
    articles: Sequence[Article],
    settings: Settings,
    on_chunk_done: Callable[[ChunkResult], None] | None,
) -> _Stages:
    """extract -> validate -> merge -> summary, with one client open throughout.

    Each chunk is validated as soon as its answer is in, while the other calls are still
    out, so checking costs no wall time of its own while the model is the slower part. It
    runs on one worker thread, not on the event loop: a request the rate limiter has let go
    must not wait for a chunk's checks before it is sent.
    """
    by_id = {a.id: a for a in articles}
    loop = asyncio.get_running_loop()
    checking: dict[str, asyncio.Future[list[Checked]]] = {}
    pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="storysum-validate")
    closed = False

    def done(result: ChunkResult) -> None:
        if result.extraction is not None and not closed:
            article = by_id[result.chunk.article_id]
            checking[result.chunk.id] = loop.run_in_executor(
                pool, validate_chunk, article, result.chunk, result.extraction
            )
        if on_chunk_done is not None:
            on_chunk_done(result)

    try:
        results = await extract_all(
            client, work, concurrency=settings.effective_concurrency, on_done=done
        )
        # In the order of the work, not of the answers: the brief must not depend on timing.
        checked = [c for r in results if r.chunk.id in checking for c in await checking[r.chunk.id]]
    finally:
        # On failure or cancellation: drop the checks not started, and never block the loop
        # waiting for the one running.
        closed = True
        for future in checking.values():
            future.cancel()
        pool.shutdown(wait=False, cancel_futures=True)
    merged = merge(checked, articles)
    summary = await write_summary(client, merged, articles) if settings.summary else None
    return _Stages(results, checked, merged, summary)


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

    model = settings.effective_model if llm is None else llm.model
    price = settings.price(model)  # a bad price table fails before any call is paid for
    cache = _open_cache(settings, model) if settings.cache else None
    try:
        if llm is None:
            async with open_llm(settings) as opened:
                client = CachedLLM(opened, cache) if cache else opened
                stages = await _llm_stages(client, work, articles, settings, on_chunk_done)
        else:
            client = CachedLLM(llm, cache) if cache else llm
            stages = await _llm_stages(client, work, articles, settings, on_chunk_done)
    finally:
        if cache is not None:
            cache.close()
    results, checked, merged = stages.results, stages.checked, stages.merged

    failures: list[Failure] = list(ingested.failures)
    usage = Usage()
    for result in results:
        usage = usage + result.usage
        if result.extraction is None:
            failures.append(
                Failure(stage="extract", subject=result.chunk.id, reason=result.error or "unknown")
            )
    summary = None
    if stages.summary is not None:
        summary, summary_usage, summary_error = stages.summary
        usage = usage + summary_usage
        if summary_error:
            failures.append(Failure(stage="summary", subject="summary", reason=summary_error))
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
        rejected=len(merged.rejected),
        failed_chunks=sum(1 for r in results if r.extraction is None),
        cache_hits=cache.hits if cache else 0,
        retries=sum(max(0, r.usage.calls - 1) for r in results),
        cost_usd=_cost(price, usage),
    )
    refs = [
        ArticleRef(
            id=a.id,
            source=a.source,
            outlet=a.outlet,
            title=a.title,
            url=a.url,
            published=a.published,
            chars=len(a.text),
            kept_chars=sum(e - s for s, e in a.segments),
            chunks=len(chunks[a.id]),
            text=a.text,
            segments=a.segments,
        )
        for a in articles
    ]
    return Brief(
        summary=summary,
        articles=refs,
        figures=merged.figures,
        discrepancies=merged.discrepancies,
        actors=merged.actors,
        quotes=merged.quotes,
        quote_variants=merged.quote_variants,
        claims=merged.claims,
        rejected=merged.rejected,
        failures=failures,
        notices=ingested.notices,
        run=run,
    )


def _open_cache(settings: Settings, model: str) -> Cache:
    """The run's cache, scoped to what besides the messages decides an answer."""
    params = {"temperature": settings.temperature, "seed": settings.seed,
              "max_tokens": settings.max_tokens}
    return Cache(
        settings.cache_path,
        scope=scope(model=model, prompt_version=prompt_version(), params=params),
    )


def _cost(price: tuple[float, float] | None, usage: Usage) -> float | None:
    """USD at ``price`` (per million prompt and completion tokens), when the table had one."""
    if price is None:
        return None
    return round((usage.prompt_tokens * price[0] + usage.completion_tokens * price[1]) / 1e6, 6)


def summarize(inputs: Inputs, **kwargs: Any) -> Brief:
    """Synchronous ``asummarize``."""
    return asyncio.run(asummarize(inputs, **kwargs))
