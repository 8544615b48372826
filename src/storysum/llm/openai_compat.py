"""Any OpenAI-compatible endpoint (OpenAI, vLLM, Ollama, llama.cpp's server) via instructor.

instructor's TOOLS mode is used: it is what OpenAI and llama.cpp's server both honour, and
llama.cpp constrains the output with a grammar built from the schema. Transient faults
(timeouts, dropped connections, 429, 5xx) are retried here with tenacity, exponential backoff
and jitter, never sooner than the endpoint's Retry-After; output that breaks the schema is
re-asked by instructor. The openai client's own retries are off, so every HTTP call is
counted once, here.

Output cut off at ``max_tokens`` (finish_reason "length") is not a transient fault: asking
again the same way gets the same cut. It is asked once more with twice the budget, then
reported. With a ``RateLimiter`` every HTTP request, retries and re-asks included, waits
for its turn under the run's rpm/tpm budget.
"""

from __future__ import annotations

import email.utils
import logging
import time
import weakref
from typing import Any, TypeVar

import instructor
import openai
from instructor.core.exceptions import IncompleteOutputException
from instructor.core.hooks import Hooks
from pydantic import BaseModel
from tenacity import (
    AsyncRetrying,
    RetryCallState,
    retry_if_exception,
    stop_after_attempt,
    wait_random_exponential,
)

from ..errors import redact
from ..models import Usage
from .base import LLMCallError
from .limits import RateLimiter, Ticket, estimate_tokens

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


def retry_after(headers: Any) -> float | None:
    """Seconds the endpoint asked us to wait: ``retry-after-ms``, or ``retry-after`` as
    seconds or an HTTP date; None when it did not say."""
    if headers is None:
        return None
    try:
        if headers.get("retry-after-ms"):
            return max(0.0, float(headers["retry-after-ms"]) / 1000)
        value = headers.get("retry-after")
        if not value:
            return None
        try:
            return max(0.0, float(value))
        except ValueError:
            when = email.utils.parsedate_to_datetime(value)
            return max(0.0, when.timestamp() - time.time())
    except (TypeError, ValueError, OverflowError):
        return None


def _asked_wait(exc: BaseException | None) -> float | None:
    for link in _chain(exc) if exc is not None else []:
        if isinstance(link, openai.APIStatusError):
            return retry_after(link.response.headers)
    return None


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
        retry_after_max: float = 120.0,
        limiter: RateLimiter | None = None,
    ) -> None:
        self.model = model
        self._secret = api_key
        _guard_logs(api_key)
        self._retries = retries
        self._reasks = reasks
        self._backoff_max = backoff_max
        # Waiting longer than this on one Retry-After would stall a deadline run: give up
        # on the chunk instead, and say so.
        self._retry_after_max = retry_after_max
        self.limiter = limiter
        self._params: dict[str, Any] = {"max_tokens": max_tokens, "temperature": temperature}
        if seed is not None:
            self._params["seed"] = seed
        http_client = None
        if limiter is not None:
            # Hooks on the HTTP client see every request, instructor's re-asks included.
            self._tickets: weakref.WeakKeyDictionary[Any, Ticket] = weakref.WeakKeyDictionary()
            http_client = openai.DefaultAsyncHttpxClient(
                timeout=timeout,
                event_hooks={"request": [self._admit], "response": [self._account]},
            )
        # A local server needs no key, but the client insists on one.
        self._client = openai.AsyncOpenAI(
            base_url=base_url,
            api_key=api_key or "no-key",
            timeout=timeout,
            max_retries=0,
            http_client=http_client,
        )
        self._instructor = instructor.from_openai(self._client, mode=instructor.Mode.TOOLS)

    async def _admit(self, request: Any) -> None:
        assert self.limiter is not None
        self._tickets[request] = await self.limiter.acquire(estimate_tokens(request.content))

    async def _account(self, response: Any) -> None:
        assert self.limiter is not None
        ticket = self._tickets.pop(response.request, None)
        asked = retry_after(response.headers) if response.status_code == 429 else None
        if asked is not None and asked <= self._retry_after_max:
            self.limiter.hold(asked)  # the quota is spent for every caller, not just this one
        if ticket is None:
            return
        tokens = 0
        if response.status_code == 200:
            try:
                await response.aread()
                usage = response.json().get("usage") or {}
                tokens = int(usage.get("total_tokens") or 0)
            except Exception:  # a body cut short is the client's error to report, not ours
                tokens = ticket.tokens
        self.limiter.settle(ticket, tokens)

    def _wait(self, state: RetryCallState) -> float:
        """Jittered exponential backoff, but never sooner than the endpoint asked."""
        backoff = wait_random_exponential(multiplier=1, max=self._backoff_max)(state)
        exc = state.outcome.exception() if state.outcome is not None else None
        return max(backoff, _asked_wait(exc) or 0.0)

    def _retryable(self, exc: BaseException) -> bool:
        asked = _asked_wait(exc)
        return is_transient(exc) and (asked is None or asked <= self._retry_after_max)

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

        async def attempt_with(params: dict[str, Any]) -> T:
            retrying = AsyncRetrying(
                retry=retry_if_exception(self._retryable),
                wait=self._wait,
                stop=stop_after_attempt(self._retries + 1),
                reraise=True,
            )
            async for attempt in retrying:
                with attempt:
                    value = await self._instructor.create(
                        model=self.model,
                        messages=messages,  # type: ignore[arg-type]
                        response_model=response_model,
                        max_retries=self._reasks,
                        hooks=hooks,
                        **params,
                    )
            return value

        budget = self._params["max_tokens"]
        try:
            try:
                return await attempt_with(self._params), usage()
            except IncompleteOutputException:
                # Cut off at max_tokens: the same request would be cut the same way.
                return await attempt_with({**self._params, "max_tokens": 2 * budget}), usage()
        except IncompleteOutputException as exc:
            raise LLMCallError(
                f"output truncated (finish_reason length) at max_tokens={budget} and again "
                f"at {2 * budget}; a smaller --chunk-chars would fit",
                usage(),
            ) from exc
        except Exception as exc:  # every failure becomes one line, key scrubbed
            asked = _asked_wait(exc)
            why = (
                f"the endpoint asked to wait {asked:.0f} s (Retry-After), over the "
                f"{self._retry_after_max:.0f} s this run waits: "
                if asked is not None and asked > self._retry_after_max
                else ""
            )
            raise LLMCallError(why + describe(exc, self._secret), usage()) from exc

    async def aclose(self) -> None:
        await self._client.close()
