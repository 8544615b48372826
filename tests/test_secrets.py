"""A planted API key appears in no output: stdout, stderr with --verbose logs, the brief as
JSON and Markdown, the run facts, the cache database, failure reasons and exception messages.

The fault server makes it hard: its error bodies quote the key back, as some endpoints do.
The key is not shaped like ``sk-...``, so only the explicit redaction of the configured
secret can catch it, not the key-shaped pattern.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from collections.abc import Iterator

import pytest

from faultserver import FaultApp, serving
from storysum.config import Settings
from storysum.llm.base import LLMCallError
from storysum.llm.openai_compat import OpenAICompatible
from storysum.models import ChunkFacts

KEY = "planted-Key-7Q2xv9ZrL0m4N8bT"
ARTICLES = {
    "a.txt": "The storm flooded 300 homes in Port Ellis on Tuesday, the mayor's office said.",
    "b.txt": "Crews restored power to 1,200 households by Wednesday evening, officials said.",
    "fails.txt": "Every call about this article fails: 45 people waited for help, police said.",
}


@pytest.fixture
def allowed_hosts() -> list[str]:
    return ["127.0.0.1"]


@pytest.fixture
def fault_server() -> Iterator[FaultApp]:
    with serving() as server:
        server.echo_auth = True
        yield server


def leaks(text: str | bytes) -> list[str]:
    """Where the key, or a long enough piece of it, shows up."""
    data = text.decode("utf-8", "replace") if isinstance(text, bytes) else text
    return [piece for piece in (KEY, KEY[8:], KEY[-12:]) if piece in data]


def test_no_output_of_a_run_contains_the_key(fault_server: FaultApp, tmp_path):
    # One article's calls always fail with the key in the error body; the others meet a
    # 429 and a 500 (also quoting it) before they succeed.
    fault_server.plan = lambda n, body: (
        "500" if "Every call" in json.dumps(body) else ("429" if n < 2 else "ok")
    )
    for name, text in ARTICLES.items():
        (tmp_path / name).write_text(text + "\n", encoding="utf-8")
    env = {
        "PATH": "/usr/bin:/bin",
        "HOME": str(tmp_path),
        "STORYSUM_CACHE_DIR": str(tmp_path / "cache"),
        "STORYSUM_BACKOFF_MAX": "0.01",
        "OPENAI_API_KEY": KEY,
    }
    outputs: dict[str, str | bytes] = {}
    for fmt, where in (("json", "file"), ("md", "stdout")):
        args = [
            sys.executable,
            "-m",
            "storysum",
            "summarize",
            *ARTICLES,
            "--verbose",
            "--base-url",
            fault_server.url,
            "--model",
            "m",
            "-f",
            fmt,
        ]
        if where == "file":
            args += ["-o", f"brief.{fmt}"]
        result = subprocess.run(
            args, capture_output=True, text=True, env=env, cwd=tmp_path, timeout=120
        )
        assert result.returncode == 6, result.stderr  # fails.txt is listed as failed
        outputs[f"{fmt} {where} stdout"] = result.stdout
        outputs[f"{fmt} {where} stderr"] = result.stderr
    # The key was really sent, and really echoed: the test would see a leak.
    assert any(KEY in h.headers.get("authorization", "") for h in fault_server.hits)
    verbose = outputs["json file stderr"]
    assert isinstance(verbose, str)
    assert "HTTP Request: POST" in verbose and "500" in verbose  # the logs were on
    assert "extract failed" in verbose and "key used: Bearer ***" in verbose  # redacted
    for path in tmp_path.rglob("*"):
        if path.is_file() and path.name not in ARTICLES:
            outputs[str(path.relative_to(tmp_path))] = path.read_bytes()
    assert "brief.json" in outputs and "## " in str(outputs["md stdout stdout"])
    assert any(name.startswith("cache/") for name in outputs)
    brief = json.loads(outputs["brief.json"])
    assert brief["failures"] and brief["run"]["calls"] > 0  # the manifest is in the brief
    found = {name: leaks(text) for name, text in outputs.items() if leaks(text)}
    assert found == {}


def test_exception_messages_and_settings_do_not_carry_the_key(fault_server: FaultApp):
    fault_server.plan = lambda n, body: "503"
    llm = OpenAICompatible(
        base_url=fault_server.url, model="m", api_key=KEY, retries=1, backoff_max=0.01
    )

    async def call() -> None:
        try:
            await llm.structured([{"role": "user", "content": "x"}], ChunkFacts)
        finally:
            await llm.aclose()

    with pytest.raises(LLMCallError) as info:
        asyncio.run(call())
    assert "key used: Bearer ***" in str(info.value) and not leaks(str(info.value))
    assert not leaks(repr(info.value))
    settings = Settings.resolve(env={"OPENAI_API_KEY": KEY})
    assert not leaks(repr(settings)) and not leaks(settings.model_dump_json())
    assert not leaks(str(settings.model_dump()))


def test_a_bad_setting_does_not_echo_the_key(tmp_path):
    (tmp_path / "a.txt").write_text(ARTICLES["a.txt"] + "\n", encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "storysum", "summarize", "a.txt", "--rpm", "0"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=60,
        env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "OPENAI_API_KEY": KEY},
    )
    assert result.returncode == 2 and "rpm" in result.stderr
    assert not leaks(result.stdout + result.stderr)


def test_the_key_pattern_is_scrubbed_even_when_not_configured():
    from storysum.errors import redact

    line = "401: Incorrect API key provided: sk-proj-abcdef0123456789 (Bearer abcdef123456)"
    clean = redact(line)
    assert "abcdef0123456789" not in clean and "abcdef123456" not in clean
