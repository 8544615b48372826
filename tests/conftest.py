"""Shared test set-up: recorded HTTP for the LLM, network off.

Cassettes live in ``cassettes/`` at the top of the repo and are replayed with
``--record-mode=none`` (in the default options). To re-record them against the embedded
model, which the fixtures then start themselves on 127.0.0.1 (needs ``.[local]``):

    pytest tests/test_seeds_replay.py --record-mode=rewrite
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from recording import CASSETTES, MATCH_ON, SECRET_HEADERS, llm_endpoint, same_json_body

SEEDS = Path(__file__).resolve().parent.parent / "seeds"


def pytest_recording_configure(config: pytest.Config, vcr: Any) -> None:
    vcr.register_matcher("json_body", same_json_body)


@pytest.fixture(scope="module")
def vcr_cassette_dir() -> str:
    return str(CASSETTES)


@pytest.fixture(scope="module")
def vcr_config() -> dict[str, Any]:
    return {
        "match_on": MATCH_ON,
        "filter_headers": SECRET_HEADERS,
        "decode_compressed_response": True,
        "record_on_exception": False,
    }


@pytest.fixture
def llm_base_url(record_mode: str) -> Iterator[str]:
    with llm_endpoint(record_mode) as url:
        yield url


@pytest.fixture
def fault_server() -> Iterator[Any]:
    """The fault-injecting OpenAI-compatible server (tests/faultserver.py) on 127.0.0.1.
    Modules that use it allow the loopback host through ``allowed_hosts``."""
    from faultserver import serving

    with serving() as app:
        yield app


@pytest.fixture(scope="session")
def seeds_dir() -> Path:
    return SEEDS
