"""A fake OpenAI-compatible endpoint for the benchmarks: real HTTP on 127.0.0.1, own process.

    python bench/fakeserver.py [--latency 0.5] [--port 0]      (prints "READY <base url>")

``POST .../chat/completions`` answers in the shape instructor's TOOLS mode expects: one tool
call to the function the request names in ``tool_choice`` (or its first tool), whose
arguments are an instance of that tool's JSON Schema (``tools[].function.parameters``). The
instance is built from the schema alone, so the server keeps working whatever shape the
extraction schema takes: every required property, every ``minItems``, ``minLength``,
``maxLength``, ``maxItems``, ``enum``, ``const`` and bound is honoured, optional and nullable
fields are left out or null. The strings are not filler: they are taken from the chunk text in
the prompt (numbers for number-like fields, quoted words for quote fields, capitalised names
for name fields, sentences otherwise), so what the pipeline validates and merges afterwards
looks like a faithful model's answer.

Every answer waits ``--latency`` seconds first (0: answer at once), concurrently for all
requests in flight. ``GET /_stats`` returns the request count, the peak in flight and the CPU
seconds spent building answers; ``GET .../models`` lists one model.

No third-party package is used (asyncio streams, HTTP/1.1 keep-alive), so the server costs as
little CPU as possible and nothing here depends on the test suite.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import re
import select
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent

# --------------------------------------------------------------------------- the chunk text

# A sentence ends at . ! or ? (and a closing quote) before a capital or an opening quote.
_SENTENCE_END = re.compile(r"(?:(?<=[.!?])|(?<=[.!?][”\"’']))\s+(?=[A-Z“\"‘])")
_NUMBER = re.compile(
    r"(?<![\w.,])(\d{1,3}(?:,\d{3})+|\d+(?:\.\d+)?)(?:\s+(?:million|billion|thousand))?"
)
_QUOTED = re.compile(r"[“\"]([^“”\"]{8,400})[”\"]")
_NAME = re.compile(r"\b([A-Z][a-zà-ÿ]+(?:\s+[A-Z][a-zà-ÿ]+)+)\b")  # two words or more
_SINGLE = re.compile(r"(?<=[a-z,;:] )([A-Z][a-zà-ÿ]{2,})\b")  # one, not opening a sentence
_WORD = re.compile(r"[A-Za-z][\w'-]*")


# Slot names that hold the chunk's own text in storysum's extraction prompt, old and new.
_TEXT_SLOTS = ("text", "sentences", "chunk", "article", "body")


def _template_pattern() -> re.Pattern[str] | None:
    """A regex that finds the chunk-text slot of storysum's extraction prompt, if loadable."""
    try:
        sys.path.insert(0, str(ROOT / "src"))
        from storysum import extraction
        from storysum.prompts import load_prompt

        name = getattr(extraction, "USER_PROMPT", "extract_user")
        template = load_prompt(name).template.strip()
    except Exception:  # another layout of storysum: fall back to the whole message
        return None
    parts = re.split(r"\{\{\s*(\w+)\s*\}\}", template)
    slot = next((p for p in _TEXT_SLOTS if p in parts[1::2]), None)
    if slot is None:
        return None
    pattern = ""
    for i, part in enumerate(parts):
        if i % 2 == 0:
            pattern += re.escape(part)
        elif part == slot and "(?P<text>" not in pattern:
            pattern += "(?P<text>.*?)"
        else:
            pattern += ".*?"
    return re.compile(pattern, re.DOTALL)


_TEMPLATE = _template_pattern()
_NUMBERED = re.compile(r"^\[(\d+)\]\s*(.*)$")
_LISTED_QUOTE = re.compile(r"\bQ(\d+)\s*“([^”]*)”")


def user_message(body: dict[str, Any]) -> str:
    users = [m.get("content") for m in body.get("messages", []) if m.get("role") == "user"]
    return next((u for u in users if isinstance(u, str)), "")


def chunk_text(user: str) -> str:
    """The article text of an extraction prompt; the whole user message when not found."""
    if _TEMPLATE is not None:
        found = _TEMPLATE.search(user)
        if found:
            return found.group("text")
    return user


Focus = dict[str, Any]


def _names(sentence: str) -> list[str]:
    """Names in ``sentence``: runs of capitalised words first, then single ones."""
    found = [m.group(1) for m in _NAME.finditer(sentence)]
    found += [w for w in _SINGLE.findall(sentence) if not any(w in n for n in found)]
    return found


class Material:
    """What a faithful model would find in a chunk: sentences, figures, quotes, names.

    Each has an ``index``: the number the prompt gives it where it numbers sentences
    ("[3] ...") or quotations ("Q2 “...”"), else its position; integer fields of the answer
    refer to it.
    """

    def __init__(self, user: str) -> None:
        text = chunk_text(user)
        numbered: list[tuple[int, str]] = []
        for line in text.splitlines():
            found = _NUMBERED.match(line.strip())
            if found:
                numbered.append((int(found.group(1)), found.group(2)))
                continue
            for piece in _SENTENCE_END.split(line):
                if piece.strip():
                    numbered.append((len(numbered) + 1, piece.strip()))
        kept = [(k, s) for k, s in numbered if len(s.split()) >= 4]
        self.sentences: list[Focus] = [{"sentence": s, "name": "", "index": k} for k, s in kept]
        if not self.sentences:
            self.sentences = [{"sentence": text.strip()[:300] or "Nothing happened.",
                               "name": "", "index": 1}]
        self.figures: list[Focus] = []
        self.quotes: list[Focus] = []
        self.names: list[Focus] = []
        seen: set[str] = set()
        listed = [(int(k), q) for k, q in _LISTED_QUOTE.findall(user)]
        for focus in self.sentences:
            sentence = focus["sentence"]
            names = _names(sentence)
            who = names[0] if names else ""
            for m in _NUMBER.finditer(sentence):
                after = _WORD.findall(sentence[m.end():])[:3]
                self.figures.append({
                    "sentence": sentence, "number": m.group(0), "name": who,
                    "counted": " ".join(after) or "items", "index": len(self.figures) + 1,
                    "evidence": sentence[max(0, m.start() - 40): m.end() + 40].strip(),
                })
            if not listed:
                for m in _QUOTED.finditer(sentence):
                    self.quotes.append({"sentence": sentence, "quote": m.group(1).strip(" ,."),
                                        "name": who or "a spokesperson",
                                        "index": len(self.quotes) + 1})
            for name in names:
                if name not in seen:
                    seen.add(name)
                    self.names.append({"sentence": sentence, "name": name,
                                       "index": len(self.names) + 1})
        for k, quote in listed:
            home = next((f["sentence"] for f in self.sentences if quote[:30] in f["sentence"]),
                        "")
            names = _names(home)
            self.quotes.append({"sentence": home or quote, "quote": quote, "index": k,
                                "name": names[0] if names else "a spokesperson"})

    def foci(self, key: str, topic: str) -> list[Focus]:
        """The things a list would hold, judged by its key, then by its description."""
        kinds = (
            (r"quot", self.quotes),
            (r"figure|number|numeric|amount", self.figures),
            (r"claim|statement|fact|sentence|event", self.sentences),
            (r"actor|person|people|organi[sz]ation|entit|name", self.names),
        )
        for words in (key.lower(), topic):
            for pattern, found in kinds:
                if re.search(pattern, words):
                    return found
        return self.sentences


# --------------------------------------------------------------------------- schema instance

_LIST_CAP = 4  # items per list beyond minItems: what a terse model gives


class Builder:
    """A valid instance of a JSON Schema, filled from ``material``."""

    def __init__(self, root: dict[str, Any], material: Material) -> None:
        self.defs = {**root.get("definitions", {}), **root.get("$defs", {})}
        self.root = root
        self.material = material

    def resolve(self, schema: dict[str, Any]) -> dict[str, Any]:
        seen = 0
        while "$ref" in schema and seen < 20:
            ref = schema["$ref"]
            name = ref.rsplit("/", 1)[-1]
            target = self.defs.get(name) if ref != "#" else self.root
            schema = {**(target or {}), **{k: v for k, v in schema.items() if k != "$ref"}}
            seen += 1
        if "allOf" in schema:
            merged: dict[str, Any] = {k: v for k, v in schema.items() if k != "allOf"}
            for part in schema["allOf"]:
                merged.update(self.resolve(part))
            schema = merged
        return schema

    @staticmethod
    def _words(schema: dict[str, Any]) -> str:
        return f"{schema.get('title', '')} {schema.get('description', '')}".lower()

    def topic(self, key: str, schema: dict[str, Any]) -> str:
        """Words that say what a list holds: its key, description, item fields and theirs."""
        items = self.resolve(schema.get("items") or {})
        words = [key.lower(), self._words(schema), self._words(items)]
        for name, prop in (items.get("properties") or {}).items():
            words += [name.lower(), self._words(self.resolve(prop))]
        return " ".join(words)

    def build(self, schema: dict[str, Any], key: str = "", focus: Focus | None = None,
              topic: str = "") -> Any:
        schema = self.resolve(schema)
        if "const" in schema:
            return schema["const"]
        if "enum" in schema:
            return schema["enum"][0]
        for union in ("anyOf", "oneOf"):
            if union in schema:
                options = [self.resolve(o) for o in schema[union]]
                if any(o.get("type") == "null" for o in options):
                    return None  # nullable: the minimal answer
                return self.build(options[0], key, focus, topic)
        kind = schema.get("type")
        if isinstance(kind, list):
            if "null" in kind:
                return None
            kind = kind[0]
        if kind is None:
            kind = "object" if "properties" in schema else "string"
        if kind == "object":
            return self._object(schema, focus, topic)
        if kind == "array":
            return self._array(schema, key, topic)
        if kind == "string":
            return self._string(schema, key, focus)
        if kind in ("integer", "number"):
            low = schema.get("minimum")
            if low is None:
                low = schema["exclusiveMinimum"] + 1 if "exclusiveMinimum" in schema else 0
            # A reference to a numbered sentence or quotation: the one this item is about.
            value = max(low, focus["index"]) if focus and "index" in focus else low
            if "maximum" in schema:
                value = min(value, schema["maximum"])
            return int(value) if kind == "integer" else float(value)
        if kind == "boolean":
            return False
        return None

    def _object(self, schema: dict[str, Any], focus: Focus | None,
                topic: str) -> dict[str, Any]:
        props = schema.get("properties") or {}
        required = schema.get("required", [])
        return {
            name: self.build(props[name], name, focus, topic)
            for name in props
            if name in required
        }

    def _array(self, schema: dict[str, Any], key: str, topic: str) -> list[Any]:
        low = int(schema.get("minItems", 0))
        high = int(schema.get("maxItems", low + _LIST_CAP))
        prefix = schema.get("prefixItems")
        if prefix:  # a tuple: one of each
            item_foci = self.material.foci(key, self.topic(key, schema) + " " + topic)
            focus = item_foci[0] if item_foci else None
            return [self.build(p, key, focus, topic) for p in prefix]
        topic = self.topic(key, schema)
        foci = self.material.foci(key, topic)
        if not foci and low:
            foci = self.material.sentences
        count = max(low, min(high, _LIST_CAP, len(foci)))
        items = self.resolve(schema.get("items") or {})
        out = []
        for i in range(count):
            focus = foci[i % len(foci)] if foci else None
            out.append(self.build(items, key, focus, topic))
        if schema.get("uniqueItems"):
            unique = []
            for value in out:
                if value not in unique:
                    unique.append(value)
            out = unique
        return out

    def _string(self, schema: dict[str, Any], key: str, focus: Focus | None) -> str:
        focus = focus or self.material.sentences[0]
        field = f"{key} {self._words(schema)}".lower()
        sentence = focus.get("sentence", "")
        if re.search(r"quot", field) and "quote" in focus:
            value = focus["quote"]
        elif re.search(r"evidence|context|around|surround", field):
            value = focus.get("evidence", sentence)
        elif re.search(r"count|measure|what|subject|noun", field) and "counted" in focus:
            value = focus["counted"]
        elif re.search(r"value|number|figure|amount", field) and "number" in focus:
            value = focus["number"]
        elif re.search(r"speaker|claimant|who|actor|person|name", field):
            names = _names(sentence)
            value = focus.get("name") or (names[0] if names else "officials")
        elif re.search(r"role|title", field):
            value = "official"
        else:
            value = sentence
        low = int(schema.get("minLength", 0))
        high = int(schema.get("maxLength", max(low, len(value))))
        if len(value) > high:
            value = value[:high].rstrip() or value[:high]
        if len(value) < low:
            value = (value + " " + sentence + " x" * low)[:max(low, 1)]
        pattern = schema.get("pattern")
        if pattern and not re.search(pattern, value):
            for candidate in (focus.get("number", ""), focus.get("name", ""), sentence):
                if candidate and re.search(pattern, candidate):
                    return candidate
        return value


def instance(schema: dict[str, Any], user: str) -> Any:
    """A valid instance of ``schema`` made of what the prompt ``user`` says."""
    return Builder(schema, Material(user)).build(schema)


# --------------------------------------------------------------------------- the endpoint


def tool_of(body: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """The function the request asks for and its parameters' JSON Schema."""
    tools = [t.get("function", {}) for t in body.get("tools") or []]
    wanted = (body.get("tool_choice") or {})
    name = wanted.get("function", {}).get("name") if isinstance(wanted, dict) else None
    for tool in tools:
        if name is None or tool.get("name") == name:
            return tool.get("name", "answer"), tool.get("parameters") or {}
    return name or "answer", {}


def tokens(text: str) -> int:
    """The fake's token count: a quarter of the characters, as OpenAI's rule of thumb."""
    return max(1, len(text) // 4)


def completion(body: dict[str, Any], raw: bytes) -> dict[str, Any]:
    name, schema = tool_of(body)
    arguments = json.dumps(instance(schema, user_message(body)), ensure_ascii=False)
    prompt, done = tokens(raw.decode("utf-8", "replace")), tokens(arguments)
    return {
        "id": "chatcmpl-bench",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": body.get("model", "fake"),
        "choices": [{
            "index": 0,
            "finish_reason": "tool_calls",
            "message": {
                "role": "assistant",
                "content": None,
                "tool_calls": [{
                    "id": "call_bench",
                    "type": "function",
                    "function": {"name": name, "arguments": arguments},
                }],
            },
        }],
        "usage": {"prompt_tokens": prompt, "completion_tokens": done,
                  "total_tokens": prompt + done},
    }


class Server:
    """The asyncio HTTP/1.1 server: keep-alive, Content-Length bodies, JSON answers."""

    def __init__(self, latency: float) -> None:
        self.latency = latency
        self.requests = 0
        self.in_flight = 0
        self.peak = 0
        self.cpu = 0.0

    async def answer(self, method: str, path: str, raw: bytes) -> tuple[int, Any]:
        if method == "GET" and path.endswith("/_stats"):
            return 200, {"requests": self.requests, "peak_in_flight": self.peak,
                         "cpu_seconds": self.cpu, "latency": self.latency}
        if method == "GET" and path.endswith("/models"):
            return 200, {"object": "list", "data": [{"id": "fake", "object": "model"}]}
        if method != "POST" or not path.endswith("/chat/completions"):
            return 404, {"error": {"message": f"no route {method} {path}"}}
        self.requests += 1
        self.in_flight += 1
        self.peak = max(self.peak, self.in_flight)
        try:
            if self.latency:
                await asyncio.sleep(self.latency)
            started = time.process_time()
            try:
                body = json.loads(raw)
                result = completion(body, raw)
            except Exception as exc:  # a bug of ours must show as an error, not a hang
                return 500, {"error": {"message": f"fake server: {type(exc).__name__}: {exc}"}}
            finally:
                self.cpu += time.process_time() - started
            return 200, result
        finally:
            self.in_flight -= 1

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                line = await reader.readline()
                if not line.strip():
                    break
                method, path, _ = line.decode("latin-1").split(" ", 2)
                headers: dict[str, str] = {}
                while True:
                    header = await reader.readline()
                    if header in (b"\r\n", b"\n", b""):
                        break
                    name, _, value = header.decode("latin-1").partition(":")
                    headers[name.strip().lower()] = value.strip()
                length = int(headers.get("content-length") or 0)
                raw = await reader.readexactly(length) if length else b""
                status, payload = await self.answer(method, path, raw)
                data = json.dumps(payload).encode()
                close = headers.get("connection", "").lower() == "close"
                head = (
                    f"HTTP/1.1 {status} {'OK' if status == 200 else 'Error'}\r\n"
                    "content-type: application/json\r\n"
                    f"content-length: {len(data)}\r\n"
                    f"connection: {'close' if close else 'keep-alive'}\r\n\r\n"
                )
                writer.write(head.encode("latin-1") + data)
                await writer.drain()
                if close:
                    break
        except (ConnectionError, asyncio.IncompleteReadError, ValueError):
            pass
        finally:
            writer.close()
            with contextlib.suppress(Exception):
                await writer.wait_closed()


async def _main(latency: float, port: int) -> None:
    server = Server(latency)
    listener = await asyncio.start_server(server.handle, "127.0.0.1", port, backlog=1024)
    bound = listener.sockets[0].getsockname()[1]
    print(f"READY http://127.0.0.1:{bound}/v1", flush=True)
    async with listener:
        await listener.serve_forever()


# --------------------------------------------------------------------------- the process


class FakeServer:
    """The fake endpoint in a child process for the length of a ``with`` block.

    ``url`` is its base URL (ending in /v1); ``stats()`` fetches its counters.
    """

    def __init__(self, latency: float = 0.0, *, startup_timeout: float = 20.0) -> None:
        self.latency = latency
        self.startup_timeout = startup_timeout
        self.url = ""
        self._proc: subprocess.Popen[str] | None = None

    def __enter__(self) -> FakeServer:
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        self._proc = subprocess.Popen(
            [sys.executable, str(Path(__file__).resolve()), "--latency", str(self.latency)],
            stdout=subprocess.PIPE, stdin=subprocess.DEVNULL, text=True, env=env,
        )
        assert self._proc.stdout is not None
        deadline = time.monotonic() + self.startup_timeout
        while time.monotonic() < deadline:
            ready, _, _ = select.select([self._proc.stdout], [], [], 0.2)
            if ready:
                line = self._proc.stdout.readline()
                if line.startswith("READY "):
                    self.url = line.split()[1]
                    return self
                if not line and self._proc.poll() is not None:
                    break
            elif self._proc.poll() is not None:
                break
        self.__exit__()
        raise RuntimeError("the fake OpenAI-compatible server did not start")

    def stats(self) -> dict[str, Any]:
        with urllib.request.urlopen(self.url.rsplit("/v1", 1)[0] + "/_stats", timeout=10) as r:
            result: dict[str, Any] = json.load(r)
            return result

    def __exit__(self, *exc: object) -> None:
        if self._proc is not None:
            self._proc.terminate()
            try:
                self._proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait()
            if self._proc.stdout is not None:
                self._proc.stdout.close()
            self._proc = None


@contextlib.contextmanager
def serving(latency: float = 0.0) -> Iterator[FakeServer]:
    with FakeServer(latency) as server:
        yield server


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--latency", type=float, default=0.0, help="seconds before each answer")
    parser.add_argument("--port", type=int, default=0, help="0: a free port")
    args = parser.parse_args()
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_main(args.latency, args.port))


if __name__ == "__main__":
    main()
