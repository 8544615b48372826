"""The OpenAI-compatible client against a real HTTP server on 127.0.0.1: retries and usage."""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from storysum.llm.base import LLMCallError
from storysum.llm.openai_compat import OpenAICompatible
from storysum.models import ChunkExtraction

KEY = "sk-test-planted-0123456789abcdefghij"


@pytest.fixture
def allowed_hosts() -> list[str]:
    return ["127.0.0.1"]  # this module's own server; nothing else


def completion(arguments: dict | str, prompt: int = 100, completion_tokens: int = 20) -> dict:
    args = arguments if isinstance(arguments, str) else json.dumps(arguments)
    return {
        "id": "c1", "object": "chat.completion", "created": 0, "model": "m",
        "choices": [{
            "index": 0, "finish_reason": "tool_calls",
            "message": {"role": "assistant", "content": None, "tool_calls": [{
                "id": "t1", "type": "function",
                "function": {"name": "ChunkExtraction", "arguments": args}}]},
        }],
        "usage": {"prompt_tokens": prompt, "completion_tokens": completion_tokens,
                  "total_tokens": prompt + completion_tokens},
    }


class Script:
    """Answers POSTs in order: (status, body, headers)."""

    def __init__(self, answers: list[tuple[int, dict, dict]]) -> None:
        self.answers = answers
        self.requests: list[dict] = []
        self.headers: list[dict] = []


@pytest.fixture
def server() -> Iterator[tuple[str, Script]]:
    script = Script([])

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers["content-length"])
            script.requests.append(json.loads(self.rfile.read(length)))
            script.headers.append(dict(self.headers))
            status, body, headers = script.answers.pop(0)
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(data)))
            for k, v in headers.items():
                self.send_header(k, v)
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args: object) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/v1", script
    httpd.shutdown()


GOOD = {"figures": [{"value": "5,000", "counted": "missiles", "evidence": "5,000 missiles"}],
        "quotes": [], "claims": [{"text": "Venezuela has 5,000 missiles."}], "actors": []}
MESSAGES = [{"role": "user", "content": "Venezuela has 5,000 missiles."}]


def client(url: str, **kw) -> OpenAICompatible:
    return OpenAICompatible(base_url=url, model="m", api_key=KEY, backoff_max=0.05, **kw)


def test_transient_faults_are_retried_and_every_call_counted(server):
    url, script = server
    script.answers = [
        (503, {"error": {"message": "busy"}}, {}),
        (429, {"error": {"message": "slow down"}}, {"retry-after": "0"}),
        (200, completion(GOOD, prompt=120, completion_tokens=30), {}),
    ]
    value, usage = asyncio.run(client(url, retries=3).structured(MESSAGES, ChunkExtraction))
    assert value.figures[0].value == "5,000"
    assert usage.calls == 3
    assert (usage.prompt_tokens, usage.completion_tokens) == (120, 30)
    assert {k.lower(): v for k, v in script.headers[0].items()}["authorization"] == f"Bearer {KEY}"
    # TOOLS mode: the schema goes as a tool the model is made to call.
    assert script.requests[0]["tool_choice"]["function"]["name"] == "ChunkExtraction"


def test_schema_violation_is_reasked_once_then_accepted(server):
    url, script = server
    script.answers = [
        (200, completion({"figures": "not a list"}), {}),
        (200, completion(GOOD), {}),
    ]
    value, usage = asyncio.run(client(url, reasks=1).structured(MESSAGES, ChunkExtraction))
    assert value.figures and usage.calls == 2
    # The re-ask tells the model what was wrong.
    assert "figures" in json.dumps(script.requests[1]["messages"][-1])


def test_retries_are_bounded_and_the_failure_says_why_without_the_key(server, caplog):
    url, script = server
    script.answers = [(500, {"error": {"message": f"boom {KEY}"}}, {})] * 3
    with pytest.raises(LLMCallError) as info:
        asyncio.run(client(url, retries=2).structured(MESSAGES, ChunkExtraction))
    assert len(script.requests) == 3
    assert info.value.usage.calls == 3
    assert "InternalServerError" in str(info.value)
    assert KEY not in str(info.value)
    assert caplog.records and KEY not in caplog.text  # instructor logs the error it saw


def test_a_client_error_is_not_retried(server):
    url, script = server
    script.answers = [(400, {"error": {"message": "bad request"}}, {})] * 3
    with pytest.raises(LLMCallError, match="BadRequestError"):
        asyncio.run(client(url, retries=3).structured(MESSAGES, ChunkExtraction))
    assert len(script.requests) == 1
