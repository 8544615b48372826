"""Brief jobs for the service: a SQLite store that survives restarts, and a bounded runner.

A job is the articles of one request and, once run, its Brief (JSON) and HTML page. Every
state change is written to SQLite before it is acted on, so a restart loses nothing:

    queued ──> running ──> done
       ^          │   └──> failed      (a StorysumError, or a bug: the reason is kept)
       └──────────┘                    (the server stopped mid-run: queued again on start)

A job interrupted ``MAX_ATTEMPTS`` times is failed rather than retried for ever: it may be
the job that brings the server down.

The runner keeps ``workers`` jobs in flight, each on a thread with its own event loop, each
running the pipeline with the same ``Settings`` as the CLI (so its own LLM calls are bounded
by ``settings.concurrency``, and it uses the same cache), and refuses new jobs once
``max_pending`` are queued or running.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import sqlite3
import threading
import time
import uuid
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

from .config import Settings
from .errors import StorysumError, redact
from .llm.base import StructuredLLM
from .models import Article, Brief

__all__ = ["Job", "JobRunner", "JobStatus", "JobStore", "QueueFull"]

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 3

_SCHEMA = """
CREATE TABLE IF NOT EXISTS jobs (
    id TEXT PRIMARY KEY,
    status TEXT NOT NULL,
    created REAL NOT NULL,
    started REAL,
    finished REAL,
    attempts INTEGER NOT NULL DEFAULT 0,
    articles TEXT NOT NULL,
    article_count INTEGER NOT NULL,
    chunks_total INTEGER,
    chunks_done INTEGER NOT NULL DEFAULT 0,
    error TEXT,
    brief TEXT,
    html TEXT
);
CREATE INDEX IF NOT EXISTS jobs_status ON jobs (status, created);
"""


class JobStatus(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


class QueueFull(StorysumError):
    """Too many jobs are queued or running to take another."""


@dataclass(frozen=True)
class Job:
    """One job's state; the Brief and the page are read separately (they can be large)."""

    id: str
    status: JobStatus
    created: float
    started: float | None
    finished: float | None
    attempts: int
    article_count: int
    chunks_total: int | None
    chunks_done: int
    error: str | None


_JOB_COLUMNS = (
    "id, status, created, started, finished, attempts, article_count, chunks_total, "
    "chunks_done, error"
)


def _job(row: Sequence[Any]) -> Job:
    return Job(
        id=row[0],
        status=JobStatus(row[1]),
        created=row[2],
        started=row[3],
        finished=row[4],
        attempts=row[5],
        article_count=row[6],
        chunks_total=row[7],
        chunks_done=row[8],
        error=row[9],
    )


class JobStore:
    """Jobs in one SQLite file. Thread-safe: one connection behind a lock.

    Every call is one short statement; WAL with ``synchronous=NORMAL`` keeps a commit to a
    write of the log, which is what lets hundreds of submissions a second through.
    """

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        if str(path) != ":memory:":
            self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._db = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.execute("PRAGMA busy_timeout=5000")
        self._db.executescript(_SCHEMA)

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def _run(self, sql: str, args: Sequence[Any] = ()) -> sqlite3.Cursor:
        with self._lock:
            return self._db.execute(sql, args)

    # --- writes ------------------------------------------------------------------------

    def create(self, articles: Sequence[Article]) -> Job:
        job_id = uuid.uuid4().hex
        payload = json.dumps([a.model_dump(mode="json") for a in articles], ensure_ascii=False)
        self._run(
            "INSERT INTO jobs (id, status, created, articles, article_count) "
            "VALUES (?, ?, ?, ?, ?)",
            (job_id, JobStatus.QUEUED, time.time(), payload, len(articles)),
        )
        job = self.get(job_id)
        assert job is not None
        return job

    def start(self, job_id: str) -> bool:
        """Mark a queued job running; False when it is not queued (taken or gone)."""
        cur = self._run(
            "UPDATE jobs SET status = ?, started = ?, attempts = attempts + 1, "
            "chunks_done = 0, chunks_total = NULL WHERE id = ? AND status = ?",
            (JobStatus.RUNNING, time.time(), job_id, JobStatus.QUEUED),
        )
        return cur.rowcount == 1

    def progress(self, job_id: str, *, done: int | None = None, total: int | None = None) -> None:
        if total is not None:
            self._run("UPDATE jobs SET chunks_total = ? WHERE id = ?", (total, job_id))
        if done is not None:
            self._run("UPDATE jobs SET chunks_done = ? WHERE id = ?", (done, job_id))

    def finish(self, job_id: str, brief_json: str, html: str) -> None:
        self._run(
            "UPDATE jobs SET status = ?, finished = ?, brief = ?, html = ?, error = NULL "
            "WHERE id = ?",
            (JobStatus.DONE, time.time(), brief_json, html, job_id),
        )

    def fail(self, job_id: str, reason: str) -> None:
        self._run(
            "UPDATE jobs SET status = ?, finished = ?, error = ? WHERE id = ?",
            (JobStatus.FAILED, time.time(), reason, job_id),
        )

    def delete(self, job_id: str) -> bool:
        """Remove a job that is not running; False when there is no such job or it runs."""
        cur = self._run(
            "DELETE FROM jobs WHERE id = ? AND status != ?", (job_id, JobStatus.RUNNING)
        )
        return cur.rowcount == 1

    def requeue(self, job_id: str) -> None:
        self._run(
            "UPDATE jobs SET status = ?, started = NULL WHERE id = ? AND status = ?",
            (JobStatus.QUEUED, job_id, JobStatus.RUNNING),
        )

    def recover(self) -> list[str]:
        """After a restart: interrupted jobs queued again (or failed, if tried too often);
        the ids of every queued job, oldest first."""
        self._run(
            "UPDATE jobs SET status = ?, finished = ?, error = ? "
            "WHERE status = ? AND attempts >= ?",
            (
                JobStatus.FAILED,
                time.time(),
                f"interrupted {MAX_ATTEMPTS} times; not retried again",
                JobStatus.RUNNING,
                MAX_ATTEMPTS,
            ),
        )
        self._run(
            "UPDATE jobs SET status = ?, started = NULL WHERE status = ?",
            (JobStatus.QUEUED, JobStatus.RUNNING),
        )
        rows = self._run(
            "SELECT id FROM jobs WHERE status = ? ORDER BY created", (JobStatus.QUEUED,)
        ).fetchall()
        return [r[0] for r in rows]

    # --- reads -------------------------------------------------------------------------

    def get(self, job_id: str) -> Job | None:
        row = self._run(f"SELECT {_JOB_COLUMNS} FROM jobs WHERE id = ?", (job_id,)).fetchone()
        return _job(row) if row else None

    def articles(self, job_id: str) -> list[Article]:
        row = self._run("SELECT articles FROM jobs WHERE id = ?", (job_id,)).fetchone()
        if row is None:
            raise KeyError(job_id)
        return [Article.model_validate(a) for a in json.loads(row[0])]

    def brief_json(self, job_id: str) -> str | None:
        row = self._run("SELECT brief FROM jobs WHERE id = ?", (job_id,)).fetchone()
        return row[0] if row else None

    def html(self, job_id: str) -> str | None:
        row = self._run("SELECT html FROM jobs WHERE id = ?", (job_id,)).fetchone()
        return row[0] if row else None

    def counts(self) -> dict[str, int]:
        rows = self._run("SELECT status, count(*) FROM jobs GROUP BY status").fetchall()
        counts = {s.value: 0 for s in JobStatus}
        counts.update({r[0]: r[1] for r in rows})
        return counts


Render = Callable[[Brief], str]


class JobRunner:
    """Runs queued jobs in the background, ``workers`` at a time.

    Each job runs on a thread of its own with its own event loop, so the pipeline's CPU-bound
    stages (the number grammar, quote checks, merging) never stall the server's loop: a
    status poll is answered while a brief is being written.

    ``llm`` replaces the configured endpoint (a test double; it must not be bound to one
    event loop). Without it, the embedded backend is started once, on first need, and every
    job talks to that one server; an OpenAI-compatible endpoint is used as the CLI uses it.
    """

    def __init__(
        self,
        store: JobStore,
        *,
        settings: Settings,
        render_html: Render,
        workers: int = 2,
        max_pending: int = 1000,
        llm: StructuredLLM | None = None,
    ) -> None:
        if workers < 1:
            raise ValueError("workers must be at least 1")
        self.store = store
        self.settings = settings
        self.render_html = render_html
        self.workers = workers
        self.max_pending = max_pending
        self._llm = llm
        self._queue: asyncio.Queue[str] = asyncio.Queue()
        self._tasks: list[asyncio.Task[None]] = []
        self._executor = ThreadPoolExecutor(workers, thread_name_prefix="storysum-job")
        self._threads: set[asyncio.Future[None]] = set()
        self._running: dict[str, tuple[asyncio.AbstractEventLoop, asyncio.Task[None]]] = {}
        self._lock = threading.Lock()
        self._pending = 0
        self._embedded: contextlib.ExitStack | None = None
        self._run_settings: Settings | None = None

    @property
    def pending(self) -> int:
        """Jobs queued or running in this process."""
        return self._pending

    async def start(self) -> None:
        for job_id in self.store.recover():
            self._enqueue(job_id)
        self._tasks = [
            asyncio.create_task(self._work(), name=f"storysum-job-worker-{n}")
            for n in range(self.workers)
        ]

    async def stop(self) -> None:
        """Stop taking jobs and cut the running ones short: they go back to the queue, for
        the next start."""
        for task in self._tasks:
            task.cancel()
        with self._lock:
            for loop, job in self._running.values():
                loop.call_soon_threadsafe(job.cancel)
        await asyncio.gather(*self._tasks, *self._threads, return_exceptions=True)
        self._tasks = []
        self._executor.shutdown(wait=True)
        if self._embedded is not None:
            self._embedded.close()
            self._embedded = None

    def submit(self, articles: Sequence[Article]) -> Job:
        if self._pending >= self.max_pending:
            raise QueueFull(f"{self._pending} jobs are queued or running; try again later")
        job = self.store.create(articles)
        self._enqueue(job.id)
        return job

    def _enqueue(self, job_id: str) -> None:
        self._pending += 1
        self._queue.put_nowait(job_id)

    async def _work(self) -> None:
        while True:
            job_id = await self._queue.get()
            thread = asyncio.get_running_loop().run_in_executor(
                self._executor, self._run_on_thread, job_id
            )
            self._threads.add(thread)
            thread.add_done_callback(self._threads.discard)
            try:
                # Shielded: cancelling the worker must not orphan the thread; stop() cancels
                # the job inside it, and waits for the thread to put the job back.
                await asyncio.shield(thread)
            finally:
                self._pending -= 1

    def _settings_for_run(self) -> Settings:
        """The CLI's settings; for the embedded backend, pointed at its one shared server."""
        if self._llm is not None or self.settings.backend != "embedded":
            return self.settings
        with self._lock:
            if self._run_settings is None:
                from .llm import embedded

                stack = contextlib.ExitStack()
                path = embedded.model_path(self.settings.local_model)
                url = stack.enter_context(
                    embedded.serve(path, alias=self.settings.effective_model)
                )
                self._embedded = stack
                self._run_settings = self.settings.model_copy(
                    update={
                        "base_url": url,
                        "model": self.settings.effective_model,
                        "concurrency": self.settings.effective_concurrency,
                    }
                )
            return self._run_settings

    def _run_on_thread(self, job_id: str) -> None:
        loop = asyncio.new_event_loop()
        try:
            job = loop.create_task(self._run(job_id))
            with self._lock:
                self._running[job_id] = (loop, job)
            with contextlib.suppress(asyncio.CancelledError):
                loop.run_until_complete(job)
        finally:
            with self._lock:
                self._running.pop(job_id, None)
            loop.close()

    async def _run(self, job_id: str) -> None:
        from .pipeline import asummarize

        if not self.store.start(job_id):
            return
        secret = self.settings.api_key.get_secret_value() if self.settings.api_key else None
        done = 0

        def on_chunks(total: int) -> None:
            self.store.progress(job_id, total=total)

        def on_chunk_done(_: object) -> None:
            nonlocal done
            done += 1
            self.store.progress(job_id, done=done)

        try:
            articles = self.store.articles(job_id)
            settings = self._settings_for_run()
            brief = await asummarize(
                articles,
                settings=settings,
                llm=self._llm,
                on_chunks=on_chunks,
                on_chunk_done=on_chunk_done,
            )
            self.store.finish(job_id, brief.model_dump_json(), self.render_html(brief))
        except asyncio.CancelledError:
            self.store.requeue(job_id)
            raise
        except StorysumError as exc:
            self.store.fail(job_id, redact(str(exc), secret))
        except Exception as exc:  # a bug: kept out of the response, logged in full here
            log.exception("job %s failed", job_id)
            self.store.fail(job_id, f"internal error ({type(exc).__name__}); see the server log")
