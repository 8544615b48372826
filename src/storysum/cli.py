"""The ``storysum`` command line: summarize, verify, schema.

Every error storysum raises on purpose becomes one line on stderr and a non-zero exit code
(see ``errors``); a traceback means a bug.
"""

from __future__ import annotations

import asyncio
import json
import logging
import sys
from pathlib import Path
from typing import Annotated, NoReturn

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from .brief import FORMATS, render
from .cache import Cache
from .config import Settings
from .errors import StorysumError, redact
from .extraction import ChunkResult

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="A verified brief of many articles about one story.",
    pretty_exceptions_enable=False,
)
err = Console(stderr=True, highlight=False, soft_wrap=True)

EXIT_PARTIAL = 6  # the brief was written, but some chunks or articles could not be processed


def fail(message: str, code: int) -> NoReturn:
    err.print(f"storysum: error: {message}", markup=False)
    raise typer.Exit(code)


def _logging(verbose: bool) -> None:
    """Libraries' own error logs repeat what the brief's failures say: show them on -v only."""
    logging.basicConfig(
        level=logging.INFO if verbose else logging.CRITICAL,
        format="%(asctime)s %(name)s %(levelname)s %(message)s",
        stream=sys.stderr,
    )
    for name in ("instructor", "openai", "httpx2", "httpx", "httpcore"):
        logging.getLogger(name).setLevel(logging.INFO if verbose else logging.CRITICAL)


@app.command()
def summarize(
    paths: Annotated[list[Path], typer.Argument(help="Article files or directories.")],
    fmt: Annotated[str, typer.Option("--format", "-f", help="json, md or html.")] = "md",
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write here, not stdout.")
    ] = None,
    model: Annotated[str | None, typer.Option(help="Model name [env: STORYSUM_MODEL].")] = None,
    base_url: Annotated[
        str | None, typer.Option(help="OpenAI-compatible endpoint [env: OPENAI_BASE_URL].")
    ] = None,
    api_key: Annotated[str | None, typer.Option(help="API key [env: OPENAI_API_KEY].")] = None,
    concurrency: Annotated[int | None, typer.Option(help="LLM calls in flight.")] = None,
    chunk_chars: Annotated[int | None, typer.Option(help="Chunk size in characters.")] = None,
    cache: Annotated[
        bool, typer.Option("--cache/--no-cache", help="Reuse LLM results stored on disk.")
    ] = True,
    rpm: Annotated[
        int | None, typer.Option(help="Requests per minute, at most (env STORYSUM_RPM).")
    ] = None,
    tpm: Annotated[
        int | None, typer.Option(help="Tokens per minute, at most (env STORYSUM_TPM).")
    ] = None,
    max_bytes: Annotated[
        int | None,
        typer.Option("--max-bytes", help="Largest article file in bytes (env STORYSUM_MAX_BYTES)."),
    ] = None,
    strict: Annotated[
        bool, typer.Option(help="Exit non-zero and write nothing if anything failed.")
    ] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")] = False,
    verbose: Annotated[
        bool, typer.Option("--verbose", "-v", help="Log each LLM call and retry.")
    ] = False,
) -> None:
    """Write the brief of the articles in PATHS."""
    from .pipeline import asummarize

    _logging(verbose)
    if fmt not in FORMATS:
        fail(f"--format must be one of {', '.join(FORMATS)}, not {fmt!r}", 2)
    secret = api_key
    try:
        settings = Settings.resolve(
            model=model,
            base_url=base_url,
            api_key=api_key,
            concurrency=concurrency,
            chunk_chars=chunk_chars,
            cache=cache,
            rpm=rpm,
            tpm=tpm,
            max_article_bytes=max_bytes,
        )
        secret = settings.api_key.get_secret_value() if settings.api_key else None
        progress = Progress(
            TextColumn("[bold]extracting"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[status]}"),
            TimeElapsedColumn(),
            console=err,
            disable=quiet or not err.is_terminal,
            transient=True,
        )
        task = progress.add_task("chunks", total=None, status="")

        def on_chunks(n: int) -> None:
            progress.update(task, total=n)

        def on_done(result: ChunkResult) -> None:
            status = "failed" if result.error else f"{result.seconds:.0f}s"
            progress.update(task, advance=1, status=f"last: {status}")

        with progress:
            brief = asyncio.run(
                asummarize(paths, settings=settings, on_chunks=on_chunks, on_chunk_done=on_done)
            )
    except StorysumError as exc:
        fail(redact(str(exc), secret), exc.exit_code)
    except KeyboardInterrupt:
        fail("interrupted", 130)

    run = brief.run
    if strict and brief.failures:
        for f in brief.failures:
            err.print(f"storysum: {f.stage} failed: {f.subject}: {f.reason}", markup=False)
        fail(f"{len(brief.failures)} failures and --strict: no brief written", EXIT_PARTIAL)
    text = render(brief, fmt)
    if output:
        try:
            output.write_text(text, encoding="utf-8")
        except OSError as exc:
            fail(f"cannot write {output}: {exc.strerror}", 2)
    else:
        sys.stdout.write(text)
    for f in brief.failures:
        err.print(f"storysum: warning: {f.stage} failed: {f.subject}: {f.reason}", markup=False)
    for notice in brief.notices:
        err.print(f"storysum: warning: {notice}", markup=False)
    err.print(
        f"{run.articles} articles, {run.chunks} chunks, {run.calls} calls"
        + (f" ({run.retries} retries and re-asks)" if run.retries else "")
        + (f", {run.cache_hits} from cache" if run.cache_hits else "")
        + ", "
        f"{run.prompt_tokens + run.completion_tokens:,} tokens "
        f"({run.prompt_tokens:,} prompt, {run.completion_tokens:,} completion)"
        + (f", ~${run.cost_usd:.4f}" if run.cost_usd is not None else "")
        + f", {run.seconds:.1f} s; {run.verified} verified, {run.rejected} rejected"
        + (f", {len(brief.failures)} failed" if brief.failures else "")
        + (f" -> {output}" if output else ""),
        markup=False,
    )
    if brief.failures:
        raise typer.Exit(EXIT_PARTIAL)


@app.command()
def verify(
    sources: Annotated[list[Path], typer.Argument(help="Source articles (files or directories).")],
    text: Annotated[str, typer.Option("--text", "-t", help="The text whose numbers to check.")],
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
) -> None:
    """Check every number in --text against the SOURCES, deterministically (no LLM)."""
    from rich.table import Table

    from .articles import load_articles
    from .number_checks import NumberCheck, verify_numbers

    try:
        ingested = load_articles(sources)
    except StorysumError as exc:
        fail(str(exc), exc.exit_code)
    articles = ingested.articles
    checks = verify_numbers(text, [a.text for a in articles])
    def where(check: NumberCheck) -> list[str]:
        return [
            f"{articles[e.source].outlet} [{e.start}:{e.end}] {e.text!r}" for e in check.evidence
        ]

    if as_json:
        rows = [
            {"quantity": c.quantity.text, "value": str(c.quantity.value),
             "kind": str(c.quantity.kind), "counted": c.quantity.counted,
             "verdict": str(c.verdict), "supported": c.supported, "reason": c.reason,
             "evidence": where(c)}
            for c in checks
        ]
        sys.stdout.write(json.dumps(rows, indent=2, ensure_ascii=False) + "\n")
    else:
        table = Table("quantity", "value", "kind", "verdict", "evidence / reason")
        for c in checks:
            style = "green" if c.supported else "red"
            table.add_row(c.quantity.text, str(c.quantity.value), str(c.quantity.kind),
                          f"[{style}]{c.verdict}[/]",
                          "\n".join(where(c)) if c.supported else c.reason)
        Console(soft_wrap=False).print(table)
        if not checks:
            err.print("no numbers found in the text", markup=False)
    for f in ingested.failures:
        err.print(f"storysum: warning: {f.subject}: {f.reason}", markup=False)
    if any(not c.supported for c in checks):
        raise typer.Exit(1)


@app.command("eval")
def evaluate(
    gold: Annotated[Path, typer.Argument(help="A gold file, or a directory of them.")],
    brief: Annotated[
        Path, typer.Argument(help="A JSON brief, or a directory of <story>.json briefs.")
    ],
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
    thresholds: Annotated[
        Path | None,
        typer.Option(help="JSON of metric -> minimum (maximum for the must-be-0 counts)."),
    ] = None,
) -> None:
    """Score briefs against hand-written gold; exit 1 if a threshold fails."""
    from .evaluation import report, run_eval

    try:
        outcome = run_eval(gold, brief, thresholds)
    except StorysumError as exc:
        fail(str(exc), exc.exit_code)
    if as_json:
        sys.stdout.write(report.to_json(outcome))
    else:
        report.print_table(outcome, Console(soft_wrap=False))
    for line in outcome.warnings:
        err.print(f"storysum: warning: {line}", markup=False)
    for failure in outcome.failures:
        err.print(f"storysum: threshold failed: {failure.line()}", markup=False)
    for line in outcome.missing:
        err.print(f"storysum: error: {line}", markup=False)
    if outcome.missing:
        raise typer.Exit(3)
    if outcome.failures:
        raise typer.Exit(1)


@app.command()
def schema(
    out_dir: Annotated[
        Path, typer.Option("--out", help="Folder to write the schemas into.")
    ] = Path("schemas"),
) -> None:
    """Write the JSON Schemas of the LLM-filled extraction and of the Brief."""
    from .schemas import write_schemas

    for path in write_schemas(out_dir):
        err.print(f"wrote {path}", markup=False)


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    db: Annotated[
        Path | None, typer.Option(help="Job database [env: STORYSUM_DB; default: user data dir].")
    ] = None,
    jobs: Annotated[
        int | None,
        typer.Option(help="Briefs written at once [env: STORYSUM_JOBS; default 2, embedded 1]."),
    ] = None,
    max_request_bytes: Annotated[
        int | None, typer.Option(help="Largest request body [env: STORYSUM_MAX_REQUEST_BYTES].")
    ] = None,
    no_auth: Annotated[
        bool, typer.Option("--no-auth", help="Serve without STORYSUM_API_TOKEN (local use only).")
    ] = False,
    model: Annotated[str | None, typer.Option(help="Model name [env: STORYSUM_MODEL].")] = None,
    base_url: Annotated[
        str | None, typer.Option(help="OpenAI-compatible endpoint [env: OPENAI_BASE_URL].")
    ] = None,
    api_key: Annotated[str | None, typer.Option(help="API key [env: OPENAI_API_KEY].")] = None,
    concurrency: Annotated[int | None, typer.Option(help="LLM calls in flight per job.")] = None,
    cache: Annotated[
        bool, typer.Option("--cache/--no-cache", help="Reuse LLM results stored on disk.")
    ] = True,
) -> None:
    """Serve the HTTP API: POST /v1/briefs, GET /v1/briefs/{id} and its /html, /healthz."""
    try:
        from .service import ServiceConfig
        from .service import serve as run_service
    except ImportError as exc:
        fail(f"the service needs its extra: pip install 'storysum[service]' ({exc.name})", 2)
    try:
        settings = Settings.resolve(
            model=model, base_url=base_url, api_key=api_key, concurrency=concurrency, cache=cache
        )
        config = ServiceConfig.resolve(
            db_path=db,
            workers=jobs,
            max_request_bytes=max_request_bytes,
            require_token=not no_auth,
            # The embedded server answers one request at a time: a second job only queues.
            default_workers=1 if settings.backend == "embedded" else 2,
        )
    except StorysumError as exc:
        fail(redact(str(exc), api_key), exc.exit_code)
    if no_auth and config.token is None:
        err.print("storysum: warning: serving without auth (--no-auth)", markup=False)
    err.print(f"storysum: jobs in {config.db_path}; http://{host}:{port}/docs", markup=False)
    run_service(config, settings=settings, host=host, port=port)


cache_app = typer.Typer(help="The on-disk cache of LLM results.", no_args_is_help=True)
app.add_typer(cache_app, name="cache")
CacheDir = Annotated[
    Path | None,
    typer.Option(help="Cache folder (env STORYSUM_CACHE_DIR; default: the user cache dir)."),
]


def _cache_settings(cache_dir: Path | None) -> Settings:
    try:
        return Settings.resolve(cache_dir=cache_dir)
    except StorysumError as exc:
        fail(str(exc), exc.exit_code)


def _open_cache(cache_dir: Path | None) -> Cache:
    try:
        return Cache(_cache_settings(cache_dir).cache_path)
    except StorysumError as exc:
        fail(str(exc), exc.exit_code)


def _prefix_states(cache_dir: Path | None) -> list[Path]:
    """The embedded model's saved instruction states (storysum.llm.prefix_store)."""
    folder = _cache_settings(cache_dir).prefix_path
    # *.tmp: a state a killed server was still writing
    return sorted([*folder.glob("*.kv"), *folder.glob("*.tmp")]) if folder.is_dir() else []


@cache_app.command("stats")
def cache_stats(cache_dir: CacheDir = None) -> None:
    """Where the cache is, how many results it holds and what they cost to make."""
    with _open_cache(cache_dir) as cache:
        stats = cache.stats()
    models = ", ".join(f"{m} {n}" for m, n in stats.models.items()) or "none"
    states = _prefix_states(cache_dir)
    sys.stdout.write(
        f"{stats.path}\n{stats.entries} results, {stats.bytes:,} bytes; they cost "
        f"{stats.prompt_tokens:,} prompt and {stats.completion_tokens:,} completion tokens\n"
        f"by model: {models}\n"
        f"embedded model's instruction states: {len(states)}, "
        f"{sum(p.stat().st_size for p in states):,} bytes\n"
    )


@cache_app.command("clear")
def cache_clear(cache_dir: CacheDir = None) -> None:
    """Delete every stored result, and the embedded model's saved instruction states."""
    with _open_cache(cache_dir) as cache:
        removed = cache.clear()
    states = _prefix_states(cache_dir)
    for path in states:
        path.unlink(missing_ok=True)
    err.print(
        f"removed {removed} results from {cache.path} and {len(states)} instruction states",
        markup=False,
    )


def main() -> None:
    try:
        app()
    except StorysumError as exc:  # raised outside a command's own handling
        err.print(f"storysum: error: {redact(str(exc))}", markup=False)
        sys.exit(exc.exit_code)


if __name__ == "__main__":
    main()
