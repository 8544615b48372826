"""A content-addressed cache of LLM results in SQLite, so a re-run or a resumed run pays
only for what it has not already got.

The key of an entry is a hash of everything that decides the answer: the exact messages
sent (the rendered prompt, so the chunk text), the model, the prompt version, the hash of
the schema the model fills and the sampling settings. Change any of them and the old entry
is simply never asked for again. Only successful results are stored: a failed chunk is
asked again on the next run.

``CachedLLM`` puts the cache in front of any backend, so every structured call of a run
(each chunk's extraction, the summary) is looked up before it is made.

Every result is committed as soon as it arrives, so a run killed midway leaves the work it
finished on disk. The database runs in WAL mode with a busy timeout: concurrent runs (two
terminals, a CI matrix) read while another writes and queue their writes instead of failing
or corrupting the file. Nothing secret is stored: no key, no URL, no header.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from .errors import ConfigError
from .llm.base import StructuredLLM
from .models import Usage

T = TypeVar("T", bound=BaseModel)

FORMAT = 1  # bump when the table's meaning changes; old rows then never match

_SCHEMA = """
CREATE TABLE IF NOT EXISTS results (
    key TEXT PRIMARY KEY,
    model TEXT NOT NULL,
    value TEXT NOT NULL,
    prompt_tokens INTEGER NOT NULL,
    completion_tokens INTEGER NOT NULL,
    calls INTEGER NOT NULL,
    created REAL NOT NULL
)
"""


def digest(value: Any) -> str:
    """sha256 of ``value`` as canonical JSON."""
    data = json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(data.encode("utf-8")).hexdigest()


def schema_hash(model: type[BaseModel]) -> str:
    """The hash of the JSON Schema the model is asked to fill (descriptions included:
    they are part of the prompt)."""
    return digest(model.model_json_schema())[:16]


def scope(*, model: str, prompt_version: str, params: Mapping[str, Any]) -> dict[str, Any]:
    """What besides the messages and the schema decides an answer; ``params`` are the
    sampling settings. (The prompt version is in the messages' text too; naming it keeps a
    prompt edit that renders the same text from reusing stale answers.)"""
    return {
        "format": FORMAT,
        "model": model,
        "prompt_version": prompt_version,
        "params": dict(params),
    }


@dataclass(frozen=True)
class Hit:
    """A stored result and what it cost when it was made."""

    value: str
    usage: Usage


@dataclass(frozen=True)
class Stats:
    path: Path
    entries: int
    bytes: int
    prompt_tokens: int
    completion_tokens: int
    models: dict[str, int]


class Cache:
    """The cache file at ``path``; ``scope`` is mixed into every key this instance makes."""

    def __init__(self, path: Path, *, scope: Mapping[str, Any] | None = None) -> None:
        self.path = path
        self._scope = digest(dict(scope or {}))
        self.hits = 0
        self.misses = 0
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            # Autocommit (isolation_level None): each put is durable on its own.
            self._db = sqlite3.connect(path, timeout=30.0, isolation_level=None)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.execute(_SCHEMA)
        except (OSError, sqlite3.Error) as exc:
            raise ConfigError(
                f"cannot open the cache {path}: {exc}", variable="STORYSUM_CACHE_DIR"
            ) from None

    def key(self, messages: list[dict[str, str]], schema: type[BaseModel]) -> str:
        """The entry of these exact messages asking for ``schema``, in this scope."""
        return digest(
            {
                "scope": self._scope,
                "schema": schema_hash(schema),
                "messages": hashlib.sha256(digest(messages).encode()).hexdigest(),
            }
        )

    def get(self, key: str) -> Hit | None:
        row = self._db.execute(
            "SELECT value, prompt_tokens, completion_tokens, calls FROM results WHERE key = ?",
            (key,),
        ).fetchone()
        if row is None:
            self.misses += 1
            return None
        self.hits += 1
        return Hit(row[0], Usage(prompt_tokens=row[1], completion_tokens=row[2], calls=row[3]))

    def put(self, key: str, model: str, value: BaseModel, usage: Usage) -> None:
        self._db.execute(
            "INSERT OR REPLACE INTO results VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                key,
                model,
                value.model_dump_json(),
                usage.prompt_tokens,
                usage.completion_tokens,
                usage.calls,
                time.time(),
            ),
        )

    def stats(self) -> Stats:
        entries, prompt, completion = self._db.execute(
            "SELECT count(*), coalesce(sum(prompt_tokens), 0), "
            "coalesce(sum(completion_tokens), 0) FROM results"
        ).fetchone()
        models = dict(
            self._db.execute("SELECT model, count(*) FROM results GROUP BY model ORDER BY model")
        )
        size = sum(
            p.stat().st_size
            for p in (self.path, self.path.with_name(self.path.name + "-wal"))
            if p.exists()
        )
        return Stats(self.path, entries, size, prompt, completion, models)

    def clear(self) -> int:
        """Delete every entry; return how many there were."""
        removed = self._db.execute("DELETE FROM results").rowcount
        self._db.execute("VACUUM")
        return int(removed)

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> Cache:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class CachedLLM:
    """``llm`` with ``cache`` in front: a call answered before is answered from disk."""

    def __init__(self, llm: StructuredLLM, cache: Cache) -> None:
        self.llm = llm
        self.cache = cache
        self.model = llm.model

    async def structured(
        self, messages: list[dict[str, str]], response_model: type[T]
    ) -> tuple[T, Usage]:
        key = self.cache.key(messages, response_model)
        hit = self.cache.get(key)
        if hit is not None:
            try:
                return response_model.model_validate_json(hit.value), Usage()
            except ValidationError:
                pass  # stored by a build whose validators differed: ask again
        value, usage = await self.llm.structured(messages, response_model)
        self.cache.put(key, self.model, value, usage)
        return value, usage
