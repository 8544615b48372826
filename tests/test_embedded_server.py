"""embedded.serve: a model server that dies is named with the cause, in one line.

The stand-in server is a real child process on a real loopback port: it answers the readiness
probe (GET /v1/models) and dies of a real SIGILL, as llama-cpp-python's native build does on a
CPU with Intel AMX at the first prompt.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from storysum.errors import ModelError
from storysum.llm import embedded

FAKE_SERVER = textwrap.dedent(
    """
    import http.server, json, os, signal, sys
    port = int(sys.argv[sys.argv.index("--port") + 1])
    if os.environ.get("DIE_AT_START"):
        os.kill(os.getpid(), signal.SIGILL)

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            prefix = os.environ.get("STORYSUM_PREFIX_DIR")  # what the server was told
            self.wfile.write(json.dumps({"data": [], "prefix": prefix}).encode())

        def do_POST(self):  # the first prompt: the AMX tile instruction faults
            os.kill(os.getpid(), signal.SIGILL)

        def log_message(self, *args):
            pass

    http.server.HTTPServer(("127.0.0.1", port), Handler).serve_forever()
    """
)


@pytest.fixture(scope="module")
def allowed_hosts() -> list[str]:
    return ["127.0.0.1"]  # the stand-in server, on loopback


@pytest.fixture
def fake_server(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    script = tmp_path / "fake_llama_server.py"
    script.write_text(FAKE_SERVER)
    real_popen = subprocess.Popen

    def popen(cmd: list[str], **kw: Any) -> subprocess.Popen[bytes]:
        assert cmd[1:3] == ["-m", "storysum.llm.llama_server"]
        return real_popen([sys.executable, str(script), *cmd[3:]], **kw)

    monkeypatch.setattr(embedded.importlib.util, "find_spec", lambda name: object())
    monkeypatch.setattr(embedded.subprocess, "Popen", popen)
    return tmp_path / "server.log"


def test_sigill_at_the_first_prompt_is_named_with_the_fix(fake_server: Path) -> None:
    prompt = b"{}"
    with pytest.raises(ModelError) as caught:  # noqa: SIM117 (raised as serve() ends)
        with embedded.serve(Path("model.gguf"), log=fake_server) as base_url:
            request = urllib.request.Request(f"{base_url}/chat/completions", data=prompt)
            with pytest.raises((urllib.error.URLError, ConnectionError)):
                urllib.request.urlopen(request, timeout=10)
    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith(
        "the embedded model server died of an illegal instruction (SIGILL) while serving: "
    )
    assert 'CMAKE_ARGS="-DGGML_NATIVE=OFF" pip install --force-reinstall' in message
    assert f"llama-cpp-python=={embedded.LLAMA_CPP_VERSION}" in message
    assert message.endswith(f"; see {fake_server}")


def test_sigill_at_start(fake_server: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DIE_AT_START", "1")
    with (
        pytest.raises(ModelError, match=r"illegal instruction \(SIGILL\) at start: "),
        embedded.serve(Path("model.gguf"), startup_timeout=30),
    ):
        pytest.fail("the server never came up; serve() must not yield")


def test_the_pinned_llama_cpp_version_is_the_one_pyproject_installs() -> None:
    pyproject = (Path(__file__).resolve().parent.parent / "pyproject.toml").read_text()
    assert f'"llama-cpp-python[server]=={embedded.LLAMA_CPP_VERSION}"' in pyproject


def test_a_server_that_stays_up_ends_quietly(fake_server: Path) -> None:
    with (
        embedded.serve(Path("model.gguf")) as base_url,
        urllib.request.urlopen(f"{base_url}/models", timeout=10) as answer,
    ):
        assert answer.status == 200


@pytest.mark.parametrize("given", [True, False])
def test_the_server_keeps_instruction_states_only_in_the_folder_it_is_given(
    fake_server: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, given: bool
) -> None:
    monkeypatch.setenv("STORYSUM_PREFIX_DIR", "/somewhere/inherited")  # never passed on
    folder = tmp_path / "prefix" if given else None
    with (
        embedded.serve(Path("model.gguf"), prefix_dir=folder) as base_url,
        urllib.request.urlopen(f"{base_url}/models", timeout=10) as answer,
    ):
        told = json.loads(answer.read())["prefix"]
    assert told == (str(folder) if given else None)


@pytest.mark.parametrize("cache", [True, False])
def test_a_run_keeps_instruction_states_beside_its_cache_and_only_with_the_cache_on(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, cache: bool
) -> None:
    """A library call (cache off by default) writes nothing to disk it did not ask for."""
    import asyncio
    import contextlib

    from storysum.config import Settings
    from storysum.pipeline import open_llm

    told: dict[str, Any] = {}

    @contextlib.contextmanager
    def serve(model: Path, **kw: Any) -> Any:
        told.update(kw)
        yield "http://127.0.0.1:9/v1"

    monkeypatch.setattr(embedded, "model_path", lambda override=None: Path("model.gguf"))
    monkeypatch.setattr(embedded, "serve", serve)
    settings = Settings.resolve(env={}, cache=cache, cache_dir=tmp_path)

    async def run() -> None:
        async with open_llm(settings):
            pass

    asyncio.run(run())
    assert told["prefix_dir"] == (tmp_path / "prefix" if cache else None)
