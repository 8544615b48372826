"""Recording and replaying the LLM's HTTP traffic, shared by conftest and test modules.

Requests are matched on method, path and the parsed JSON body, so the port of the server a
cassette was recorded against does not matter and concurrent calls find their own answers.
Secret headers are filtered before anything is written.
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
CASSETTES = ROOT / "cassettes"
# Where replayed requests pretend to go; any loopback address would do, nothing listens.
REPLAY_BASE_URL = "http://127.0.0.1:9/v1"
SECRET_HEADERS = [
    "authorization",
    "api-key",
    "x-api-key",
    "openai-organization",
    "openai-project",
    "cookie",
    "set-cookie",
]
MATCH_ON = ["method", "path", "json_body"]


def json_body(request: Any) -> Any:
    body = request.body
    if isinstance(body, bytes):
        body = body.decode("utf-8")
    try:
        return json.loads(body) if body else None
    except ValueError:
        return body


_FACTS = "Verified facts:"


def _comparable(body: Any) -> Any:
    """The body, with the summary prompt's list of facts cut off.

    The summary call carries the merged items, which change whenever the merger improves;
    its answer is checked against the sources by code anyway, so replay matches that call on
    its template and parameters, not on the facts. Every other call matches exactly.
    """
    if isinstance(body, dict):
        for message in body.get("messages", []):
            content = message.get("content")
            if isinstance(content, str) and _FACTS in content:
                message["content"] = content.split(_FACTS)[0] + _FACTS
    return body


def same_json_body(r1: Any, r2: Any) -> None:
    assert _comparable(json_body(r1)) == _comparable(json_body(r2)), "request bodies differ"


def replaying(record_mode: str | None) -> bool:
    return record_mode in (None, "none")


@contextlib.contextmanager
def llm_endpoint(record_mode: str | None) -> Iterator[str]:
    """Replay: a dead loopback address (the cassette answers). Record: the embedded model,
    started here on 127.0.0.1 and stopped afterwards."""
    if replaying(record_mode):
        yield REPLAY_BASE_URL
        return
    from storysum.config import EMBEDDED_MODEL_NAME
    from storysum.llm import embedded

    log = os.environ.get("STORYSUM_SERVER_LOG")  # llama.cpp's timings, when asked for
    with embedded.serve(
        embedded.model_path(), alias=EMBEDDED_MODEL_NAME, log=Path(log) if log else None
    ) as base_url:
        yield base_url


def _skip_readiness_probe(request: Any) -> Any:
    """The local server's start-up poll is not the LLM's traffic: leave it out."""
    return None if request.method == "GET" and request.path.endswith("/models") else request


@contextlib.contextmanager
def cassette(name: str, record_mode: str | None) -> Iterator[Any]:
    """A cassette opened by hand, for fixtures wider than one test (pytest-recording's
    ``vcr`` fixture is per test), with the same matching and filtering."""
    import vcr as vcrpy

    if record_mode == "rewrite":
        (CASSETTES / name).unlink(missing_ok=True)
    mode = (
        "none" if replaying(record_mode) else ("all" if record_mode == "rewrite" else record_mode)
    )
    recorder = vcrpy.VCR(
        cassette_library_dir=str(CASSETTES),
        record_mode=mode,
        match_on=MATCH_ON,
        filter_headers=SECRET_HEADERS,
        decode_compressed_response=True,
    )
    recorder.register_matcher("json_body", same_json_body)
    with recorder.use_cassette(name) as tape:
        yield tape


def story_brief(story: str, articles: Path, record_mode: str | None) -> Any:
    """The brief of ``articles`` with the LLM from the cassette ``<story>.yaml`` (recorded
    anew against the embedded model when ``record_mode`` asks for it). In replay, every
    recorded call must be asked for again and none may be missing. Returns a ``Brief``."""
    from storysum import summarize
    from storysum.config import EMBEDDED_MODEL_NAME, Settings

    with cassette(f"{story}.yaml", record_mode) as tape, llm_endpoint(record_mode) as url:
        settings = Settings.resolve(
            env={},
            base_url=url,
            model=EMBEDDED_MODEL_NAME,
            concurrency=4 if replaying(record_mode) else 1,
        )
        result = summarize([articles], settings=settings)
        if replaying(record_mode):
            # A request the cassette does not hold (the prompt or schema changed since it was
            # recorded) fails its chunk: re-record, see the README.
            assert not result.failures, (
                f"{len(result.failures)} chunks failed in replay: {result.failures[0].reason}"
            )
            unplayed = [r.uri for i, r in enumerate(tape.requests)
                        if r.method == "POST" and not tape.play_counts[i]]
            assert unplayed == [], f"{len(unplayed)} recorded LLM calls not asked for again"
    return result


def seeds_brief(seeds_dir: Path, record_mode: str | None) -> Any:
    """The brief of the seeds from the cassette ``seeds.yaml``."""
    return story_brief("seeds", seeds_dir, record_mode)
