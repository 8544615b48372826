"""Any OpenAI-compatible endpoint (OpenAI, vLLM, Ollama, llama.cpp's server) via instructor.

instructor's TOOLS mode is used: it is what OpenAI and llama.cpp's server both honour, and
llama.cpp constrains the output with a grammar built from the schema. Transient faults
(timeouts, dropped connections, 429, 5xx) are retried here with tenacity, exponential backoff
and jitter; output that breaks the schema is re-asked by instructor. The openai client's own
retries are off, so every HTTP call is counted once, here.
"""

from __future__ import annotations

import logging
from typing import Any, TypeVar

import instructor
import openai
from instructor.core.hooks import Hooks
from pydantic import BaseModel
from tenacity import (
    AsyncRetrying,
    retry_if_exception,
    stop_after_attempt,
    wait_random_exponential,
)

from ..errors import redact
from ..models import Usage
from .base import LLMCallError

T = TypeVar("T", bound=BaseModel)

_TRANSIENT = (openai.APITimeoutError, openai.APIConnectionError, openai.RateLimitError)


def _chain(exc: BaseException) -> list[BaseException]:
    seen: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and current not in seen:
        seen.append(current)
        current = current.__cause__ or current.__context__
    return seen


def is_transient(exc: BaseException) -> bool:
    """A fault worth retrying: the endpoint was slow, busy or briefly broken."""
    for link in _chain(exc):
        if isinstance(link, _TRANSIENT):
            return True
        if isinstance(link, openai.APIStatusError) and link.status_code >= 500:
            return True
    return False


def describe(exc: BaseException, *secrets: str | None) -> str:
    """One line naming the failure and its root cause (a cassette miss shows up here)."""
    parts: list[str] = []
    for link in _chain(exc):
        text = f"{type(link).__name__}: {str(link).splitlines()[0] if str(link) else ''}"
        if text not in parts:
            parts.append(text.strip())
    return redact(" <- ".join(parts)[:600], *secrets)


class _Redact(logging.Filter):
    """Scrub keys from what instructor and openai log (they log the errors they see)."""

    def __init__(self, secret: str | None) -> None:
        super().__init__()
        self.secret = secret

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        clean = redact(message, self.secret)
        if clean != message:
            record.msg, record.args = clean, ()
        return True


_LOGGED_BY = ("instructor", "openai", "httpx2", "httpx", "httpcore")


def _guard_logs(secret: str | None) -> None:
    # A logger's filters see only its own records, not its children's: guard each of them.
    names = [n for n in logging.Logger.manager.loggerDict if n.split(".")[0] in _LOGGED_BY]
    for name in {*names, *_LOGGED_BY}:
        logger = logging.getLogger(name)
        logger.filters = [f for f in logger.filters if not isinstance(f, _Redact)]
        logger.addFilter(_Redact(secret))


class OpenAICompatible:
    """A structured-output client for one endpoint and model."""

    def __init__(
        self,
        *,
        base_url: str,
        model: str,
        api_key: str | None = None,
        timeout: float = 600.0,
        retries: int = 4,
        reasks: int = 1,
        max_tokens: int = 1024,
        temperature: float = 0.0,
        seed: int | None = None,
        backoff_max: float = 30.0,
    ) -> None:
        self.model = model
        self._secret = api_key
        _guard_logs(api_key)
        self._retries = retries
        self._reasks = reasks
        self._backoff_max = backoff_max
        self._params: dict[str, Any] = {"max_tokens": max_tokens, "temperature": temperature}
        if seed is not None:
            self._params["seed"] = seed
        # A local server needs no key, but the client insists on one.
        self._client = openai.AsyncOpenAI(
            base_url=base_url, api_key=api_key or "no-key", timeout=timeout, max_retries=0
        )
        self._instructor = instructor.from_openai(self._client, mode=instructor.Mode.TOOLS)

    async def structured(
        self, messages: list[dict[str, str]], response_model: type[T]
    ) -> tuple[T, Usage]:
        responses: list[Any] = []
        failed_calls = 0

        def on_response(response: Any) -> None:
            responses.append(response)

        def on_error(*_: Any, **__: Any) -> None:
            nonlocal failed_calls
            failed_calls += 1

        hooks = Hooks()
        hooks.on("completion:response", on_response)
        hooks.on("completion:error", on_error)

        def usage() -> Usage:
            prompt = sum(getattr(r.usage, "prompt_tokens", 0) or 0 for r in responses if r.usage)
            completion = sum(
                getattr(r.usage, "completion_tokens", 0) or 0 for r in responses if r.usage
            )
            return Usage(
                prompt_tokens=prompt,
                completion_tokens=completion,
                calls=len(responses) + failed_calls,
            )

        retrying = AsyncRetrying(
            retry=retry_if_exception(is_transient),
            wait=wait_random_exponential(multiplier=1, max=self._backoff_max),
            stop=stop_after_attempt(self._retries + 1),
            reraise=True,
        )
        try:
            async for attempt in retrying:
                with attempt:
                    value = await self._instructor.create(
                        model=self.model,
                        messages=messages,  # type: ignore[arg-type]
                        response_model=response_model,
                        max_retries=self._reasks,
                        hooks=hooks,
                        **self._params,
                    )
            return value, usage()
        except Exception as exc:  # every failure becomes one line, key scrubbed
            raise LLMCallError(describe(exc, self._secret), usage()) from exc

    async def aclose(self) -> None:
        await self._client.close()
