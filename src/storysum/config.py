"""Settings, resolved once per run: explicit argument > environment variable > default.

Nothing is read at import time. With no endpoint configured (no ``OPENAI_BASE_URL`` and no
``OPENAI_API_KEY``) storysum runs its embedded default model.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError

from .errors import ConfigError

OPENAI_DEFAULT_BASE_URL = "https://api.openai.com/v1"
OPENAI_DEFAULT_MODEL = "gpt-4o-mini"
EMBEDDED_MODEL_NAME = "qwen2.5-coder-1.5b-instruct-q4_k_m"

# Each setting's environment variable, where it has one.
ENV_VARS: dict[str, str] = {
    "base_url": "OPENAI_BASE_URL",
    "api_key": "OPENAI_API_KEY",
    "model": "STORYSUM_MODEL",
    "local_model": "STORYSUM_LOCAL_MODEL",
    "server_log": "STORYSUM_SERVER_LOG",
    "concurrency": "STORYSUM_CONCURRENCY",
    "timeout": "STORYSUM_TIMEOUT",
    "cache": "STORYSUM_CACHE",
    "cache_dir": "STORYSUM_CACHE_DIR",
    "rpm": "STORYSUM_RPM",
    "tpm": "STORYSUM_TPM",
    "max_article_bytes": "STORYSUM_MAX_BYTES",
    "backoff_max": "STORYSUM_BACKOFF_MAX",
    "prices": "STORYSUM_PRICES",
}


class Settings(BaseModel):
    """Everything a run depends on besides its articles."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    base_url: str | None = Field(None, description="OpenAI-compatible endpoint; none: embedded.")
    api_key: SecretStr | None = Field(None, description="Key for the endpoint; never logged.")
    model: str | None = Field(None, description="Model name sent to the endpoint.")
    local_model: Path | None = Field(None, description="A GGUF file for the embedded backend.")
    server_log: Path | None = Field(
        None, description="Append the embedded llama.cpp server's log (timings) to this file."
    )
    concurrency: int | None = Field(None, ge=1, le=64, description="LLM calls in flight.")
    timeout: float = Field(600.0, gt=0, description="Seconds one LLM call may take.")
    retries: int = Field(4, ge=0, le=10, description="Retries of transient faults per call.")
    reasks: int = Field(1, ge=0, le=5, description="Re-asks when the output breaks the schema.")
    chunk_chars: int = Field(4000, ge=200, le=50_000, description="Chunk size budget.")
    overlap_chars: int = Field(200, ge=0, le=5_000, description="Overlap between chunks.")
    max_tokens: int = Field(1024, ge=64, le=32_768, description="Completion budget per call.")
    temperature: float = Field(0.0, ge=0.0, le=2.0)
    seed: int | None = Field(7, description="Sampling seed where the endpoint honours one.")
    summary: bool = Field(True, description="Write the checked narrative summary.")
    max_article_bytes: int = Field(50 * 1024 * 1024, ge=1, description="Larger files refused.")
    # Off for library calls (no disk writes a caller did not ask for); the CLI turns it on.
    cache: bool = Field(False, description="Reuse LLM results of identical requests from disk.")
    cache_dir: Path | None = Field(None, description="Cache folder; none: the user cache dir.")
    rpm: int | None = Field(None, ge=1, description="Requests started per minute, at most.")
    tpm: int | None = Field(None, ge=1, description="Tokens (prompt + completion) per minute.")
    rate_period: float = Field(
        60.0, gt=0, description="The window rpm and tpm count over, in seconds (tests shorten it)."
    )
    backoff_max: float = Field(30.0, ge=0, description="Longest backoff between retries, s.")
    retry_after_max: float = Field(
        120.0, ge=0, description="A longer Retry-After fails the chunk instead of stalling."
    )
    prices: Path | None = Field(
        None,
        description="JSON price table, USD per million tokens: "
        '{"model": {"prompt": 0.15, "completion": 0.6}}; gives the brief a cost estimate.',
    )

    @property
    def backend(self) -> Literal["openai", "embedded"]:
        return "openai" if self.base_url or self.api_key else "embedded"

    @property
    def effective_model(self) -> str:
        if self.model:
            return self.model
        return OPENAI_DEFAULT_MODEL if self.backend == "openai" else EMBEDDED_MODEL_NAME

    @property
    def effective_base_url(self) -> str | None:
        if self.backend == "openai":
            return self.base_url or OPENAI_DEFAULT_BASE_URL
        return None

    @property
    def effective_concurrency(self) -> int:
        # llama.cpp's server answers one request at a time; more in flight only queue up
        # behind it and eat into their timeouts.
        if self.concurrency:
            return self.concurrency
        return 4 if self.backend == "openai" else 1

    @property
    def cache_path(self) -> Path:
        """The SQLite file of the LLM result cache."""
        import platformdirs

        folder = self.cache_dir or platformdirs.user_cache_path("storysum")
        return folder / "llm-cache.sqlite3"

    @property
    def prefix_path(self) -> Path:
        """The folder of the embedded model's saved instruction states (llm.prefix_store)."""
        return self.cache_path.parent / "prefix"

    def price(self, model: str) -> tuple[float, float] | None:
        """USD per million (prompt, completion) tokens of ``model`` from ``prices``, if listed."""
        if self.prices is None:
            return None
        import json

        try:
            table = json.loads(self.prices.read_text(encoding="utf-8"))
            row = table.get(model) if isinstance(table, dict) else None
            if row is None:
                return None
            return float(row["prompt"]), float(row["completion"])
        except (OSError, ValueError, TypeError, KeyError, AttributeError) as exc:
            raise ConfigError(
                f"invalid price table {self.prices}: {type(exc).__name__}: {exc}",
                variable=ENV_VARS["prices"],
            ) from None

    @classmethod
    def resolve(cls, env: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
        """Arguments given (not None) win over the environment, which wins over defaults."""
        environ: Mapping[str, str] = os.environ if env is None else env
        values: dict[str, Any] = {}
        for name, var in ENV_VARS.items():
            if environ.get(var):
                values[name] = environ[var]
        values.update({k: v for k, v in overrides.items() if v is not None})
        try:
            return cls(**values)
        except ValidationError as exc:
            first = exc.errors()[0]
            field = str(first["loc"][0]) if first["loc"] else "settings"
            env_var = ENV_VARS.get(field)
            hint = f" (from {env_var})" if env_var and overrides.get(field) is None else ""
            raise ConfigError(
                f"invalid setting {field}{hint}: {first['msg']}", variable=env_var
            ) from None
