"""The pipeline against the fake endpoint (bench/fakeserver.py): overhead and concurrency.

    python bench/pipeline.py [--articles 1000] [--chunks 100] [--latency 0.5]
                                                  (or as rows of: python -m bench)

* overhead: ``storysum.summarize`` on synthetic articles (bench/corpus.py) written to a
  temporary folder, against the fake server answering at once. Every stage but the model
  runs for real: ingest, chunk, extraction (prompts, HTTP, instructor's parsing and
  checking, the expansion of the answer), validate, merge, the Brief, and then writing it in
  every format. No summary call (``summary=False``). Result: articles per second and
  seconds per article, with the time of each stage (measured by wrapping the functions
  ``storysum.pipeline`` calls; what is left, "rest", is the checks still queued after the
  last answer and building the Brief).
* concurrency: one-chunk articles against the fake server answering each call after a fixed
  latency, at concurrency 1, 4 and 16. The ideal wall time is ceil(chunks / c) * latency;
  the result is the measured wall time over it (target: within 1.3x), twice: for the whole
  ``summarize`` call, every stage included, and for the extraction stage alone (every call,
  with each chunk validated on a worker thread as its answer lands; what is left after it
  is the merge of all articles, which the pipeline row measures).

Both run one one-article warm-up first (not timed), so what is measured is the steady cost,
not the process's one-time imports.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import inspect
import math
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if __package__ in (None, ""):
    sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "src"))

import storysum  # noqa: E402
from bench import corpus  # noqa: E402
from bench.fakeserver import FakeServer  # noqa: E402
from storysum import pipeline as _pipeline  # noqa: E402

CONCURRENCY_TARGET = 1.3
# The stages storysum.pipeline calls, by the names it calls them.
STAGES = {
    "load_articles": "ingest",
    "chunk_article": "chunk",
    "extract_all": "extract",
    "validate_chunk": "validate",
    "merge": "merge",
}


def settings(url: str, **overrides: Any) -> storysum.Settings:
    """The run's settings: the fake endpoint, no environment, no summary call."""
    values: dict[str, Any] = dict(base_url=url, model="fake", api_key="bench-key")
    if "summary" in storysum.Settings.model_fields:
        values["summary"] = False
    values.update(overrides)
    return storysum.Settings.resolve(env={}, **values)


@contextlib.contextmanager
def stage_timers() -> Iterator[dict[str, float]]:
    """Seconds spent in each stage function ``storysum.pipeline`` calls, while inside."""
    spent: dict[str, float] = {}
    saved: dict[str, Any] = {}

    def timed(name: str, fn: Callable[..., Any]) -> Callable[..., Any]:
        if inspect.iscoroutinefunction(fn):
            @functools.wraps(fn)
            async def wrapper_async(*args: Any, **kwargs: Any) -> Any:
                started = time.perf_counter()
                try:
                    return await fn(*args, **kwargs)
                finally:
                    spent[name] = spent.get(name, 0.0) + time.perf_counter() - started
            return wrapper_async

        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                spent[name] = spent.get(name, 0.0) + time.perf_counter() - started
        return wrapper

    for attr, name in STAGES.items():
        fn = getattr(_pipeline, attr, None)
        if callable(fn):  # a stage renamed in storysum is simply not broken down
            saved[attr] = fn
            setattr(_pipeline, attr, timed(name, fn))
    try:
        yield spent
    finally:
        for attr, fn in saved.items():
            setattr(_pipeline, attr, fn)


def render_all(brief: storysum.Brief) -> dict[str, float]:
    """Seconds to write the brief in every format storysum has."""
    from storysum import brief as briefs

    formats = getattr(briefs, "FORMATS", ("json", "md", "html"))
    seconds = {}
    for fmt in formats:
        started = time.perf_counter()
        text = briefs.render(brief, fmt)
        seconds[fmt] = time.perf_counter() - started
        assert text
    return seconds


def warm_up(run_settings: storysum.Settings) -> float:
    """One one-article run first, so one-time imports and compiled patterns are not timed."""
    with tempfile.TemporaryDirectory(prefix="storysum-bench-") as tmp:
        article = corpus.short_articles(1, seed=99)[0]
        (Path(tmp) / article.name).write_text(article.text, encoding="utf-8")
        started = time.perf_counter()
        storysum.summarize([Path(tmp)], settings=run_settings)
        return time.perf_counter() - started


def overhead(n_articles: int = 1000) -> dict[str, Any]:
    """Every non-LLM stage on ``n_articles`` synthetic articles, the model answering at once."""
    with tempfile.TemporaryDirectory(prefix="storysum-bench-") as tmp:
        folder = Path(tmp)
        corpus.write(folder, n_articles)
        source_bytes = sum(p.stat().st_size for p in folder.iterdir())
        with FakeServer(latency=0.0) as server:
            run_settings = settings(server.url)
            warmup = warm_up(run_settings)
            with stage_timers() as spent:
                started = time.perf_counter()
                brief = storysum.summarize([folder], settings=run_settings)
                summarize_s = time.perf_counter() - started
            render = render_all(brief)
            stats = server.stats()
    total = summarize_s + sum(render.values())
    stages = dict(spent)
    # Validation runs on a worker thread while extraction goes on: its time overlaps
    # extract's. "rest" is the wall time less the stages taken in turn: the checks still
    # queued when the last answer is in (with the model answering at once, validation cannot
    # keep up), and building the Brief.
    in_turn = sum(sec for name, sec in spent.items() if name != "validate")
    stages["rest"] = max(0.0, summarize_s - in_turn)
    stages["write"] = sum(render.values())
    run = brief.run
    return {
        "articles": run.articles,
        "source_bytes": source_bytes,
        "chunks": run.chunks,
        "calls": run.calls,
        "failed_chunks": run.failed_chunks,
        "failures": [f.reason for f in brief.failures][:5],
        "verified": run.verified,
        "rejected": run.rejected,
        "figures": len(brief.figures),
        "claims": len(brief.claims),
        "actors": len(brief.actors),
        "concurrency": run_settings.effective_concurrency,
        "warmup_seconds": warmup,
        "summarize_seconds": summarize_s,
        "render_seconds": render,
        "seconds": total,
        "articles_per_second": run.articles / total,
        "seconds_per_article": total / max(1, run.articles),
        "stages": stages,
        "server": stats,
    }


def concurrency(n_chunks: int = 100, latency: float = 0.5,
                levels: tuple[int, ...] = (1, 4, 16)) -> dict[str, Any]:
    """Wall time over the ideal for ``n_chunks`` one-chunk articles at each concurrency."""
    rows = []
    with tempfile.TemporaryDirectory(prefix="storysum-bench-") as tmp:
        folder = Path(tmp)
        for article in corpus.short_articles(n_chunks):
            (folder / article.name).write_text(article.text, encoding="utf-8")
        for level in levels:
            with FakeServer(latency=latency) as server:
                run_settings = settings(server.url, concurrency=level)
                warm_up(run_settings)
                with stage_timers() as spent:
                    started = time.perf_counter()
                    brief = storysum.summarize([folder], settings=run_settings)
                    wall = time.perf_counter() - started
                stats = server.stats()
            chunks = brief.run.chunks
            ideal = math.ceil(chunks / level) * latency
            rows.append({
                "concurrency": level,
                "chunks": chunks,
                "calls": brief.run.calls,
                "failed_chunks": brief.run.failed_chunks,
                "wall_seconds": wall,
                "ideal_seconds": ideal,
                "ratio": wall / ideal,
                "extract_seconds": spent.get("extract", wall),
                "extract_ratio": spent.get("extract", wall) / ideal,
                "peak_in_flight": stats["peak_in_flight"],
                "met": wall / ideal <= CONCURRENCY_TARGET,
            })
    return {"latency": latency, "target": CONCURRENCY_TARGET, "rows": rows}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--articles", type=int, default=1000)
    parser.add_argument("--chunks", type=int, default=100)
    parser.add_argument("--latency", type=float, default=0.5)
    args = parser.parse_args()
    result = overhead(args.articles)
    print(f"overhead: {result['articles']} articles, {result['chunks']} chunks, "
          f"{result['seconds']:.2f} s -> {result['articles_per_second']:.1f} articles/s, "
          f"{result['seconds_per_article'] * 1000:.1f} ms per article")
    for stage, seconds in result["stages"].items():
        print(f"  {stage:<10} {seconds:8.2f} s")
    conc = concurrency(args.chunks, args.latency)
    for row in conc["rows"]:
        print(f"concurrency {row['concurrency']:>2}: {row['wall_seconds']:.2f} s, ideal "
              f"{row['ideal_seconds']:.2f} s -> {row['ratio']:.2f}x "
              f"(target <= {CONCURRENCY_TARGET}x)")


if __name__ == "__main__":
    main()
