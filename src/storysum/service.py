"""The HTTP API: submit articles, get back a job, then its Brief as JSON or as an HTML page.

    POST /v1/briefs               articles as JSON, or files as multipart -> 202 + job
    GET  /v1/briefs/{id}          the job's status and, once done, the Brief
    GET  /v1/briefs/{id}/html     the Brief as one self-contained page
    DELETE /v1/briefs/{id}        forget a job that is not running
    GET  /healthz                 liveness and job counts (no auth)
    GET  /openapi.json, /docs     the API described

Jobs are kept in SQLite and run in the background (``jobs``), with the same ``Settings`` as
the CLI. Every ``/v1`` route wants ``Authorization: Bearer $STORYSUM_API_TOKEN``. A body over
the size limit is refused with 413 before it is read whole; a bad payload gets a 422 that
names the field; an error of ours is a 500 whose body says nothing of the code, never a
traceback.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import secrets
import tempfile
from collections.abc import AsyncIterator, Awaitable, Callable, MutableMapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException

from .articles import SUFFIXES, make_article, read_file
from .config import Settings
from .errors import ConfigError, InputError
from .html import CSP, to_html
from .jobs import Job, JobRunner, JobStatus, JobStore, QueueFull
from .llm.base import StructuredLLM
from .models import Article

__all__ = ["ServiceConfig", "create_app"]

log = logging.getLogger(__name__)

API_TOKEN_ENV = "STORYSUM_API_TOKEN"
DB_ENV = "STORYSUM_DB"
JOBS_ENV = "STORYSUM_JOBS"
MAX_REQUEST_ENV = "STORYSUM_MAX_REQUEST_BYTES"
MAX_ARTICLES = 500
# Longer than clients keep an idle connection (httpx: 5 s), so the server never closes one
# just as a client sends on it: a poll would fail with a reset instead of an answer.
KEEP_ALIVE_SECONDS = 30


def default_db_path() -> Path:
    from platformdirs import user_data_dir

    return Path(user_data_dir("storysum")) / "jobs.sqlite3"


@dataclass(frozen=True)
class ServiceConfig:
    """What the service needs besides the pipeline's ``Settings``."""

    db_path: Path
    token: str | None
    workers: int = 2
    max_request_bytes: int = 20 * 1024 * 1024
    max_pending: int = 1000

    @classmethod
    def resolve(
        cls,
        *,
        db_path: Path | None = None,
        token: str | None = None,
        workers: int | None = None,
        max_request_bytes: int | None = None,
        require_token: bool = True,
        default_workers: int = 2,
        env: MutableMapping[str, str] | None = None,
    ) -> ServiceConfig:
        """Arguments win over the environment; no token is an error unless not required."""
        environ = os.environ if env is None else env
        token = token or environ.get(API_TOKEN_ENV) or None
        if require_token and not token:
            raise ConfigError(
                f"set {API_TOKEN_ENV} to the bearer token clients must send "
                "(or serve without auth on purpose: --no-auth)",
                variable=API_TOKEN_ENV,
            )
        try:
            jobs = workers or int(environ.get(JOBS_ENV) or default_workers)
            limit = max_request_bytes or int(environ.get(MAX_REQUEST_ENV) or 20 * 1024 * 1024)
        except ValueError:
            raise ConfigError(
                f"{JOBS_ENV} and {MAX_REQUEST_ENV} must be whole numbers", variable=JOBS_ENV
            ) from None
        if jobs < 1 or limit < 1:
            raise ConfigError("jobs and the request size limit must be positive")
        path = db_path or (Path(environ[DB_ENV]) if environ.get(DB_ENV) else default_db_path())
        return cls(db_path=path, token=token, workers=jobs, max_request_bytes=limit)


# --- the API's own models ------------------------------------------------------------------


class ArticleIn(BaseModel):
    """One article to summarize: its text exactly as published, and what is known of it."""

    model_config = ConfigDict(extra="forbid")

    text: str = Field(min_length=1, description="The article's text; every span points into it.")
    outlet: str | None = Field(
        None, min_length=1, max_length=200, description="Who published it; default article-N."
    )
    title: str | None = Field(None, max_length=1000)
    url: str | None = Field(None, max_length=4000)
    published: str | None = Field(None, max_length=100, description="Publication date or time.")
    source: str | None = Field(
        None, max_length=1000, description="Where it came from; default the outlet."
    )


class BriefRequest(BaseModel):
    """The articles of one story."""

    model_config = ConfigDict(extra="forbid")

    articles: list[ArticleIn] = Field(min_length=1, max_length=MAX_ARTICLES)


class JobView(BaseModel):
    """A job: its state and, when done, its Brief."""

    id: str
    status: Literal["queued", "running", "done", "failed"]
    created: float = Field(description="Unix time of submission.")
    started: float | None = None
    finished: float | None = None
    attempts: int = Field(description="Runs started; a restart mid-run makes another.")
    articles: int
    chunks_total: int | None = Field(None, description="Chunks to extract, once known.")
    chunks_done: int = 0
    error: str | None = Field(None, description="Why it failed.")
    links: dict[str, str] = Field(description="Where to poll, and where the page will be.")
    brief: dict[str, Any] | None = Field(
        None, description="The Brief (schemas/brief.schema.json) once the job is done."
    )


class ErrorBody(BaseModel):
    error: str
    detail: list[dict[str, Any]] | None = None


def _view(job: Job, brief: dict[str, Any] | None = None) -> JobView:
    return JobView(
        id=job.id,
        status=job.status.value,
        created=job.created,
        started=job.started,
        finished=job.finished,
        attempts=job.attempts,
        articles=job.article_count,
        chunks_total=job.chunks_total,
        chunks_done=job.chunks_done,
        error=job.error,
        links={"self": f"/v1/briefs/{job.id}", "html": f"/v1/briefs/{job.id}/html"},
        brief=brief,
    )


# --- request size ----------------------------------------------------------------------------

ASGIApp = Callable[
    [MutableMapping[str, Any], Callable[[], Awaitable[Any]], Callable[[Any], Awaitable[None]]],
    Awaitable[None],
]


class _TooLarge(Exception):
    pass


class BodyLimit:
    """413 for a body over ``max_bytes``: by its Content-Length at once, or while it streams.

    A body not much over the limit is read to its end and thrown away before the 413 goes
    out: closing a socket with unread data resets it, and the client would see a reset
    instead of the answer. One far over the limit is answered at once and the connection
    closed; its client may see only the reset.
    """

    DRAIN_BYTES = 8 * 1024 * 1024  # how far over the limit a body is still read to its end

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    @staticmethod
    async def _drain(receive: Callable[[], Awaitable[Any]], budget: int) -> None:
        while budget > 0:
            message = await receive()
            if message["type"] != "http.request":
                return
            budget -= len(message.get("body", b""))
            if not message.get("more_body", False):
                return

    async def _refuse(self, send: Callable[[Any], Awaitable[None]]) -> None:
        body = b'{"error":"request body over the limit of %d bytes"}' % self.max_bytes
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                    (b"connection", b"close"),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})

    async def __call__(
        self,
        scope: MutableMapping[str, Any],
        receive: Callable[[], Awaitable[Any]],
        send: Callable[[Any], Awaitable[None]],
    ) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        for name, value in scope.get("headers", []):
            if name == b"content-length":
                try:
                    declared = int(value)
                except ValueError:
                    declared = -1
                if declared > self.max_bytes:
                    if declared <= self.max_bytes + self.DRAIN_BYTES:
                        await self._drain(receive, declared)
                    await self._refuse(send)
                    return
        seen = 0
        started = False
        ended = False

        async def counted_receive() -> Any:
            nonlocal seen, ended
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                ended = not message.get("more_body", False)
                if seen > self.max_bytes:
                    raise _TooLarge
            return message

        async def tracked_send(message: Any) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counted_receive, tracked_send)
        except _TooLarge:
            if started:
                raise
            if not ended:
                await self._drain(receive, self.max_bytes + self.DRAIN_BYTES - seen)
            await self._refuse(send)


class CatchAll:
    """A bug becomes a 500 whose body says nothing of it; the traceback goes to the log.

    Caught here, inside Starlette's own last-resort handler, the error is not raised on to
    the server, which would drop the connection (and a client's next keep-alive request).
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(
        self,
        scope: MutableMapping[str, Any],
        receive: Callable[[], Awaitable[Any]],
        send: Callable[[Any], Awaitable[None]],
    ) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracked_send(message: Any) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, tracked_send)
        except _TooLarge:
            raise
        except Exception:
            log.exception("unhandled error on %s %s", scope.get("method"), scope.get("path"))
            if started:
                raise
            await _error(500, "internal error; see the server log")(scope, receive, send)


# --- the app -------------------------------------------------------------------------------

_REQUEST_BODY_DOC: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {"schema": {"$ref": "#/components/schemas/BriefRequest"}},
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["files"],
                    "properties": {
                        "files": {
                            "type": "array",
                            "items": {"type": "string", "format": "binary"},
                            "description": "Article files: .txt, .md, .html or .jsonl. The "
                            "outlet is the file name without its suffix (JSON Lines: each "
                            "line's own).",
                        }
                    },
                }
            },
        },
    }
}

_ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorBody, "description": "Missing or wrong bearer token."},
    404: {"model": ErrorBody, "description": "No such job."},
    413: {"model": ErrorBody, "description": "Request body too large."},
    415: {"model": ErrorBody, "description": "Neither JSON nor multipart."},
    422: {"model": ErrorBody, "description": "The payload is not what the schema says."},
    429: {"model": ErrorBody, "description": "Too many jobs pending; retry later."},
}

# The page's route answers text/html, but its errors are JSON like every other route's.
_HTML_ERRORS: dict[int | str, dict[str, Any]] = {
    code: {
        "description": doc["description"],
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorBody"}}},
    }
    for code, doc in {
        **_ERRORS,
        409: {"description": "The job is not done (yet): no page."},
    }.items()
    if code in (401, 404, 409)
}


def _error(status: int, message: str, **extra: Any) -> JSONResponse:
    headers = extra.pop("headers", None)
    return JSONResponse({"error": message, **extra}, status_code=status, headers=headers)


def _unprocessable(errors: Sequence[Any], prefix: Sequence[str | int] = ("body",)) -> None:
    raise RequestValidationError(
        [
            {"loc": (*prefix, *e["loc"]), "msg": e["msg"], "type": e["type"]}
            for e in errors
        ]
    )


async def _json_articles(request: Request, settings: Settings) -> list[Article]:
    raw = await request.body()
    try:
        payload = BriefRequest.model_validate_json(raw)
    except ValidationError as exc:
        _unprocessable(exc.errors(include_url=False, include_input=False))
        raise AssertionError("unreachable") from None
    articles: list[Article] = []
    problems: list[dict[str, Any]] = []
    for n, item in enumerate(payload.articles):
        outlet = item.outlet or f"article-{n + 1}"
        if len(item.text.encode("utf-8")) > settings.max_article_bytes:
            problems.append(
                {"loc": ("articles", n, "text"), "type": "too_long",
                 "msg": f"over the {settings.max_article_bytes:,}-byte article limit"}
            )
            continue
        try:
            articles.append(
                make_article(
                    item.text,
                    source=item.source or outlet,
                    outlet=outlet,
                    title=item.title,
                    url=item.url,
                    published=item.published,
                )
            )
        except InputError as exc:
            problems.append({"loc": ("articles", n, "text"), "msg": exc.reason, "type": "input"})
    if problems:
        _unprocessable(problems)
    return articles


async def _file_articles(request: Request, settings: Settings) -> list[Article]:
    try:
        form = await request.form(max_files=MAX_ARTICLES, max_fields=20)
    except _TooLarge:
        raise
    except Exception as exc:  # starlette's MultiPartException and the parser's own
        raise RequestValidationError(
            [{"loc": ("body",), "msg": f"unreadable multipart body: {exc}", "type": "multipart"}]
        ) from None
    try:
        uploads = [f for f in form.getlist("files") if isinstance(f, UploadFile)]
        if not uploads:
            raise RequestValidationError(
                [{"loc": ("body", "files"), "msg": "no files given in the 'files' field",
                  "type": "missing"}]
            )
        articles: list[Article] = []
        problems: list[dict[str, Any]] = []
        with tempfile.TemporaryDirectory(prefix="storysum-upload-") as tmp:
            for n, upload in enumerate(uploads):
                name = Path((upload.filename or f"article-{n + 1}.txt").replace("\\", "/")).name
                loc = ("body", "files", n)
                if Path(name).suffix.lower() not in SUFFIXES:
                    problems.append({"loc": loc, "type": "file_type",
                                     "msg": f"{name}: not one of {', '.join(sorted(SUFFIXES))}"})
                    continue
                folder = Path(tmp) / str(n)
                folder.mkdir()
                path = folder / name
                path.write_bytes(await upload.read())
                try:
                    found = read_file(path, max_bytes=settings.max_article_bytes)
                except InputError as exc:
                    problems.append({"loc": loc, "msg": f"{name}: {exc.reason}", "type": "input"})
                    continue
                for item in found:
                    if isinstance(item, InputError):
                        problems.append({"loc": loc, "type": "input",
                                         "msg": f"{name}:{item.line}: {item.reason}"})
                    else:
                        source = item.source.replace(str(folder) + os.sep, "")
                        articles.append(item.model_copy(update={"source": source}))
        if problems:
            raise RequestValidationError(problems)
        return articles
    finally:
        await form.close()


def create_app(
    config: ServiceConfig,
    *,
    settings: Settings | None = None,
    llm: StructuredLLM | None = None,
) -> FastAPI:
    """The service. ``settings`` default to the CLI's resolution; ``llm`` replaces the endpoint
    (a test double)."""
    settings = settings or Settings.resolve()
    store = JobStore(config.db_path)
    runner = JobRunner(
        store,
        settings=settings,
        render_html=to_html,
        workers=config.workers,
        max_pending=config.max_pending,
        llm=llm,
    )

    @contextlib.asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        await runner.start()
        try:
            yield
        finally:
            await runner.stop()
            store.close()

    app = FastAPI(
        title="storysum",
        version="1",
        summary="One checked brief from many articles about one story.",
        lifespan=lifespan,
        responses={500: {"model": ErrorBody, "description": "An error of ours."}},
    )
    app.state.store = store
    app.state.runner = runner
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        """FastAPI's document, plus the JSON body's schema: the route reads its body itself
        (JSON or multipart), so FastAPI does not know the model."""
        if app.openapi_schema is None:
            doc = generate()
            body = BriefRequest.model_json_schema(ref_template="#/components/schemas/{model}")
            schemas = doc.setdefault("components", {}).setdefault("schemas", {})
            schemas.update(body.pop("$defs", {}))
            schemas["BriefRequest"] = body
            app.openapi_schema = doc
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
    bearer = HTTPBearer(auto_error=False, description=f"The value of {API_TOKEN_ENV}.")

    def authorized(
        credentials: HTTPAuthorizationCredentials | None = Depends(bearer),  # noqa: B008
    ) -> None:
        if config.token is None:
            return
        given = credentials.credentials.encode("utf-8") if credentials else b""
        if not secrets.compare_digest(given, config.token.encode("utf-8")):
            raise HTTPException(
                401, "missing or wrong bearer token", headers={"WWW-Authenticate": "Bearer"}
            )

    @app.exception_handler(RequestValidationError)
    async def unprocessable(_: Request, exc: RequestValidationError) -> JSONResponse:
        detail = [
            {"loc": list(e.get("loc", ())), "msg": str(e.get("msg", "")), "type": e.get("type")}
            for e in exc.errors()
        ]
        return _error(422, "invalid request", detail=detail)

    @app.exception_handler(HTTPException)
    async def http_error(_: Request, exc: HTTPException) -> JSONResponse:
        return _error(exc.status_code, str(exc.detail), headers=exc.headers)

    @app.get("/healthz", tags=["service"])
    async def healthz() -> dict[str, Any]:
        """Alive, and how many jobs are in each state."""
        return {"status": "ok", "jobs": store.counts(), "pending": runner.pending}

    @app.post(
        "/v1/briefs",
        status_code=202,
        response_model=JobView,
        tags=["briefs"],
        openapi_extra=_REQUEST_BODY_DOC,
        responses=_ERRORS,
        dependencies=[Depends(authorized)],
    )
    async def submit(request: Request) -> Response:
        """Queue a brief of the given articles; poll the job's ``links.self``."""
        kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if kind == "application/json" or kind.endswith("+json"):
            articles = await _json_articles(request, settings)
        elif kind == "multipart/form-data":
            articles = await _file_articles(request, settings)
        else:
            raise HTTPException(415, "send application/json or multipart/form-data")
        try:
            job = runner.submit(articles)
        except QueueFull as exc:
            raise HTTPException(429, str(exc), headers={"Retry-After": "5"}) from None
        return JSONResponse(
            _view(job).model_dump(mode="json"),
            status_code=202,
            headers={"Location": f"/v1/briefs/{job.id}"},
        )

    def _job_or_404(job_id: str) -> Job:
        job = store.get(job_id)
        if job is None:
            raise HTTPException(404, f"no job {job_id!r}")
        return job

    @app.get(
        "/v1/briefs/{job_id}",
        response_model=JobView,
        tags=["briefs"],
        responses=_ERRORS,
        dependencies=[Depends(authorized)],
    )
    async def status(job_id: str) -> Response:
        """The job's state; ``brief`` is the Brief once ``status`` is ``done``."""
        job = _job_or_404(job_id)
        body = _view(job).model_dump(mode="json")
        raw = store.brief_json(job_id) if job.status is JobStatus.DONE else None
        if raw is None:
            return JSONResponse(body)
        # The stored JSON goes out as it was written: no re-validation against a newer
        # schema can fail it, and no second serialisation is paid for.
        del body["brief"]
        text = json.dumps(body, ensure_ascii=False)[:-1] + ', "brief": ' + raw + "}"
        return Response(text, media_type="application/json")

    @app.delete(
        "/v1/briefs/{job_id}",
        status_code=204,
        response_class=Response,
        tags=["briefs"],
        responses={**_ERRORS, 409: {"model": ErrorBody, "description": "The job is running."}},
        dependencies=[Depends(authorized)],
    )
    async def forget(job_id: str) -> Response:
        """Delete a job, its articles and its brief (a queued job is dropped unrun)."""
        job = _job_or_404(job_id)
        if not store.delete(job_id):
            return _error(409, f"job is {job.status.value}; delete it once it has finished")
        return Response(status_code=204)

    @app.get(
        "/v1/briefs/{job_id}/html",
        response_class=HTMLResponse,
        tags=["briefs"],
        responses=_HTML_ERRORS,
        dependencies=[Depends(authorized)],
    )
    async def page(job_id: str) -> Response:
        """The Brief as one self-contained HTML page (no external fetches)."""
        job = _job_or_404(job_id)
        if job.status is not JobStatus.DONE:
            why = f": {job.error}" if job.error else ""
            return _error(409, f"job is {job.status.value}{why}", job_status=job.status.value)
        return HTMLResponse(
            store.html(job_id) or "",
            headers={
                "Content-Security-Policy": CSP,
                "X-Content-Type-Options": "nosniff",
                "Referrer-Policy": "no-referrer",
            },
        )

    app.add_middleware(CatchAll)
    app.add_middleware(BodyLimit, max_bytes=config.max_request_bytes)
    return app


def serve(
    config: ServiceConfig,
    *,
    settings: Settings,
    host: str = "127.0.0.1",
    port: int = 8000,
    log_level: str = "info",
) -> None:
    """Run the service with uvicorn until interrupted."""
    import uvicorn

    app = create_app(config, settings=settings)
    uvicorn.run(
        app,
        host=host,
        port=port,
        log_level=log_level,
        server_header=False,
        timeout_keep_alive=KEEP_ALIVE_SECONDS,
    )

