"""Shared test set-up: recorded HTTP for the LLM, network off.

Cassettes live in ``cassettes/`` at the top of the repo and are replayed with
``--record-mode=none`` (the default here). Requests are matched on method, path and the
parsed JSON body, so the port of the server they were recorded against does not matter and
concurrent calls find their own answers. To re-record against the embedded model, which the
``llm_base_url`` fixture then starts itself on 127.0.0.1:

    pytest tests/test_seeds_replay.py --record-mode=rewrite
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
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


def _json_body(request: Any) -> Any:
    body = request.body
    if isinstance(body, bytes):
        body = body.decode("utf-8")
    try:
        return json.loads(body) if body else None
    except ValueError:
        return body


def _same_json_body(r1: Any, r2: Any) -> None:
    assert _json_body(r1) == _json_body(r2), "request bodies differ"


def pytest_recording_configure(config: pytest.Config, vcr: Any) -> None:
    vcr.register_matcher("json_body", _same_json_body)


@pytest.fixture(scope="module")
def vcr_cassette_dir() -> str:
    return str(CASSETTES)


@pytest.fixture(scope="module")
def vcr_config() -> dict[str, Any]:
    return {
        "match_on": ["method", "path", "json_body"],
        "filter_headers": SECRET_HEADERS,
        "decode_compressed_response": True,
        "record_on_exception": False,
    }


@pytest.fixture
def llm_base_url(record_mode: str) -> Iterator[str]:
    """Replay: a dead loopback address (the cassette answers). Record: the embedded model."""
    if record_mode in (None, "none"):
        yield REPLAY_BASE_URL
        return
    from storysum.config import EMBEDDED_MODEL_NAME
    from storysum.llm import embedded

    with embedded.serve(embedded.model_path(), alias=EMBEDDED_MODEL_NAME) as base_url:
        yield base_url


@pytest.fixture(scope="session")
def seeds_dir() -> Path:
    return SEEDS
