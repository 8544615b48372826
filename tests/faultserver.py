"""A fault-injecting OpenAI-compatible endpoint for tests, over real sockets on 127.0.0.1.

A small ASGI app served by uvicorn in a thread. ``POST /v1/chat/completions`` answers in
instructor's TOOLS shape (one ``ChunkFacts`` tool call), or with the fault its plan
picks for that request:

    ok         a valid extraction of the article text in the prompt
    invent     a valid extraction plus a figure and claim of 9,999 casualties
    429        Too Many Requests with ``Retry-After: <retry_after>``
    500/502/503
    reset      the TCP connection reset (RST) before any answer
    slow       the answer after ``slow_seconds`` (set it past the client's timeout)
    truncated  half the tool-call JSON with finish_reason "length"
    schema     JSON that breaks the schema (``figures`` not a list, no claims)

A model that obeys prompt injection is simulated too: an ``ok`` answer to a prompt that
says "ignore previous instructions" reports what the injection asked for.

Every request is recorded with its arrival and finish times and the requests in flight on
arrival, so tests can draw the timeline and check concurrency, rpm and tpm against it.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import json
import multiprocessing
import random
import re
import socket
import struct
import threading
import time
import urllib.request
from collections.abc import Awaitable, Callable, Iterator, MutableMapping
from dataclasses import dataclass, field
from typing import Any

import uvicorn

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

FAULTS = ("429", "500", "502", "503", "reset", "slow", "truncated", "schema", "invent")
INJECTION = re.compile(r"ignore (?:all )?previous instructions", re.IGNORECASE)
_ARTICLE = re.compile(r"From [^\n]*:\n\n(.*?)\n\nNumbers: ", re.DOTALL)
_FIGURE = re.compile(r"(\d[\d,]*(?:\.\d+)?) ([a-z]+)")


@dataclass
class Hit:
    """One request as the server saw it."""

    n: int
    kind: str
    start: float
    end: float = 0.0
    in_flight: int = 0
    body: dict[str, Any] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)
    max_tokens: int | None = None


def article_text(body: dict[str, Any]) -> str:
    """The article text inside the extraction prompt (the whole user message if not found)."""
    user = next((m["content"] for m in body.get("messages", []) if m["role"] == "user"), "")
    found = _ARTICLE.search(user)
    return found.group(1) if found else user


def sentence_of(text: str) -> str:
    return re.split(r"(?<=[.!?])\s", text.strip(), maxsplit=1)[0][:300] or "Nothing happened."


def extract(text: str) -> dict[str, Any]:
    """What a faithful model would answer: the numbers, the first sentence, nothing made up."""
    figures = [{"value": m.group(1), "counts": m.group(2)} for m in _FIGURE.finditer(text)][:3]
    return {"figures": figures, "quotes": [], "actors": []}


INVENTED = {"value": "9,999", "counts": "casualties"}


def invent(answer: dict[str, Any]) -> dict[str, Any]:
    """A model obeying an injection: a made-up figure and a quotation the text does not have."""
    return {
        **answer,
        "figures": [*answer["figures"], INVENTED],
        "quotes": [{"quotation": 9, "speaker": "the agency"}],
    }


def completion(
    arguments: str, tool: str = "ChunkFacts", *, prompt: int, finish: str = "tool_calls"
) -> dict[str, Any]:
    completion_tokens = max(1, len(arguments) // 4)
    return {
        "id": "c1",
        "object": "chat.completion",
        "created": 0,
        "model": "fault",
        "choices": [
            {
                "index": 0,
                "finish_reason": finish,
                "message": {
                    "role": "assistant",
                    "content": None,
                    "tool_calls": [
                        {
                            "id": "t1",
                            "type": "function",
                            "function": {"name": tool, "arguments": arguments},
                        }
                    ],
                },
            }
        ],
        "usage": {
            "prompt_tokens": prompt,
            "completion_tokens": completion_tokens,
            "total_tokens": prompt + completion_tokens,
        },
    }


Plan = Callable[[int, dict[str, Any]], str]


def scripted(kinds: list[str], then: str = "ok") -> Plan:
    """Answer the first requests with ``kinds`` in order, every later one with ``then``."""
    return lambda n, _body: kinds[n] if n < len(kinds) else then


def random_faults(rate: float, seed: int, kinds: tuple[str, ...] = FAULTS) -> Plan:
    """Each request faults with probability ``rate``, the fault drawn from ``kinds``."""
    rng = random.Random(seed)
    return lambda _n, _body: rng.choice(kinds) if rng.random() < rate else "ok"


def share_of_faults(share: float, kinds: tuple[str, ...] = FAULTS) -> Plan:
    """Exactly ``share`` of the requests (give or take one) fault, spread evenly, the kinds
    taken in turn: the same fault mix on every run, however the requests interleave."""

    def plan(n: int, _body: dict[str, Any]) -> str:
        faulted = int((n + 1) * share) - int(n * share)
        return kinds[int(n * share) % len(kinds)] if faulted else "ok"

    return plan


class FaultApp:
    """The ASGI app; ``plan`` decides each request's fate."""

    def __init__(self) -> None:
        self.url = ""  # set once served
        self.plan: Plan = scripted([])
        self.retry_after = "0"
        self.slow_seconds = 1.0
        self.echo_auth = False  # error bodies quote the key, as some real endpoints do
        self.delay = 0.0  # every 200 answer takes this long (errors come back at once)
        self.hits: list[Hit] = []
        self.in_flight = 0
        self.peak = 0
        self.on_request: Callable[[Hit], None] | None = None
        self._lock = threading.Lock()

    def reset(self) -> None:
        with self._lock:
            self.hits.clear()
            self.peak = 0

    def kinds(self) -> list[str]:
        return [h.kind for h in self.hits]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        if scope["method"] == "GET" and scope["path"].endswith("/_hits"):
            with self._lock:
                record = [dataclasses.asdict(h) for h in self.hits]
            await _json(send, 200, record)
            return
        chunks = []
        while True:
            message = await receive()
            chunks.append(message.get("body", b""))
            if not message.get("more_body"):
                break
        raw = b"".join(chunks)
        body = json.loads(raw) if raw else {}
        with self._lock:
            n = len(self.hits)
            hit = Hit(
                n=n,
                kind=self.plan(n, body),
                start=time.monotonic(),
                in_flight=self.in_flight + 1,
                body=body,
                headers={k.decode().lower(): v.decode() for k, v in scope["headers"]},
                max_tokens=body.get("max_tokens"),
            )
            self.hits.append(hit)
            self.in_flight += 1
            self.peak = max(self.peak, self.in_flight)
        try:
            if self.on_request is not None:
                self.on_request(hit)
            await self._answer(hit, raw, send)
        finally:
            with self._lock:
                self.in_flight -= 1
                hit.end = time.monotonic()

    async def _answer(self, hit: Hit, raw: bytes, send: Send) -> None:
        kind = hit.kind
        if kind == "reset":
            _reset(send)
            return
        if kind == "slow":
            await asyncio.sleep(self.slow_seconds)
        if kind in ("429", "500", "502", "503"):
            headers = {"retry-after": self.retry_after} if kind == "429" else {}
            message = f"injected {kind}"
            if self.echo_auth:
                message += f"; key used: {hit.headers.get('authorization', '')}"
            await _json(send, int(kind), {"error": {"message": message}}, headers)
            return
        if self.delay:
            await asyncio.sleep(self.delay)
        tool = hit.body.get("tool_choice", {}).get("function", {}).get("name", "ChunkFacts")
        if tool == "ChunkFacts":
            answer = extract(article_text(hit.body))
            if kind == "invent" or INJECTION.search(json.dumps(hit.body["messages"])):
                answer = invent(answer)
        else:  # the run's summary: one sentence of the facts it was given
            answer = {"sentences": [sentence_of(article_text(hit.body))]}
        arguments = json.dumps(answer)
        finish = "tool_calls"
        if kind == "truncated":
            arguments, finish = arguments[: len(arguments) // 2], "length"
        elif kind == "schema":
            arguments = json.dumps({"figures": "not a list", "quotes": [], "actors": []})
        await _json(send, 200, completion(arguments, tool, prompt=len(raw) // 4, finish=finish))


async def _json(send: Send, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
    data = json.dumps(body).encode()
    head = [(b"content-type", b"application/json"), (b"content-length", str(len(data)).encode())]
    head += [(k.encode(), v.encode()) for k, v in (headers or {}).items()]
    await send({"type": "http.response.start", "status": status, "headers": head})
    await send({"type": "http.response.body", "body": data})


def _reset(send: Send) -> None:
    """Abort the connection with an RST: uvicorn's h11 cycle holds the asyncio transport."""
    transport = send.__self__.transport  # type: ignore[attr-defined]
    sock = transport.get_extra_info("socket")
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    transport.abort()


def _config(app: FaultApp) -> uvicorn.Config:
    return uvicorn.Config(
        app,
        http="h11",
        lifespan="off",
        log_level="critical",
        access_log=False,
        timeout_graceful_shutdown=0.2,  # type: ignore[arg-type]
    )


def _serve_forever(app: FaultApp, sock: socket.socket) -> None:
    uvicorn.Server(_config(app)).run(sockets=[sock])


class FaultServer:
    """The app served on a free port of 127.0.0.1 for the length of a test.

    In a thread of the test process by default, so a test can change the plan as it goes.
    ``separate_process=True`` forks it into its own process, with the plan fixed at start:
    under heavy client load a thread would compete for the GIL, and a request could time
    out before the server even read it. ``hits()`` then fetches the record over HTTP.
    """

    def __init__(self, app: FaultApp | None = None, *, separate_process: bool = False) -> None:
        self.app = app or FaultApp()
        self._separate = separate_process
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._sock.bind(("127.0.0.1", 0))
        self._sock.listen(128)
        port = self._sock.getsockname()[1]
        self.url = self.app.url = f"http://127.0.0.1:{port}/v1"
        self._server = uvicorn.Server(_config(self.app))
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [self._sock]}, daemon=True
        )
        self._process: Any = None

    def __enter__(self) -> FaultServer:
        if self._separate:
            fork = multiprocessing.get_context("fork")
            self._process = fork.Process(
                target=_serve_forever, args=(self.app, self._sock), daemon=True
            )
            self._process.start()
            deadline = time.monotonic() + 10
            while True:
                try:
                    self.hits()
                    break
                except OSError:
                    if time.monotonic() > deadline:
                        raise RuntimeError("fault server did not start") from None
                    time.sleep(0.02)
            return self
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError("fault server did not start")
            time.sleep(0.01)
        return self

    def hits(self) -> list[Hit]:
        if not self._separate:
            return list(self.app.hits)
        with urllib.request.urlopen(self.url + "/_hits", timeout=10) as answer:
            return [Hit(**h) for h in json.load(answer)]

    def __exit__(self, *exc: object) -> None:
        if self._process is not None:
            self._process.terminate()
            self._process.join(timeout=5)
        else:
            self._server.should_exit = True
            self._thread.join(timeout=5)
        self._sock.close()


@contextlib.contextmanager
def serving() -> Iterator[FaultApp]:
    """A fresh fault server for one test (each module's ``fault_server`` fixture); the app
    it yields carries the ``url`` clients use."""
    with FaultServer() as server:
        yield server.app
