"""The one exception tree storysum raises; the CLI turns each into one line and an exit code.

    StorysumError                 every error storysum raises on purpose
    ├── ConfigError               a setting is missing or invalid; names the variable to set
    ├── InputError                an article cannot be read; names the path (and line)
    │   └── NoArticlesError       nothing readable was given at all
    ├── ModelError                the embedded model cannot be prepared or started
    └── ExtractionError           a chunk failed after its retries (kept in the brief's failures)

Messages never contain an API key: settings hold it as a ``SecretStr`` and ``redact`` scrubs
any text that could echo one (exception strings from HTTP clients, for instance).
"""

from __future__ import annotations

import re
from pathlib import Path


class StorysumError(Exception):
    """Root of every error storysum raises on purpose."""

    exit_code = 1


class ConfigError(StorysumError):
    """A setting is missing or invalid."""

    exit_code = 2

    def __init__(self, message: str, *, variable: str | None = None) -> None:
        super().__init__(message)
        self.variable = variable


class InputError(StorysumError):
    """An article cannot be read."""

    exit_code = 3

    def __init__(self, message: str, *, path: Path | str | None = None, line: int | None = None):
        where = f"{path}:{line}" if path is not None and line is not None else path
        super().__init__(f"{where}: {message}" if where is not None else message)
        self.path = str(path) if path is not None else None
        self.line = line
        self.reason = message


class NoArticlesError(InputError):
    """Nothing readable was given."""


class ModelError(StorysumError):
    """The embedded model cannot be prepared or started."""

    exit_code = 4


class ExtractionError(StorysumError):
    """A chunk failed after its retries."""

    exit_code = 5

    def __init__(self, message: str, *, chunk_id: str) -> None:
        super().__init__(message)
        self.chunk_id = chunk_id


_KEYLIKE = re.compile(
    r"(?i)(bearer\s+|api[_-]?key[\"']?\s*[:=]\s*[\"']?)[A-Za-z0-9._\-]{6,}|sk-[A-Za-z0-9_\-]{8,}"
)


def redact(text: str, *secrets: str | None) -> str:
    """Remove the given secrets and anything shaped like a key from ``text``."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, "***")
    return _KEYLIKE.sub(lambda m: (m.group(1) or "") + "***", text)
