"""A scripted backend for unit tests of the stages around the LLM (no network)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from ..models import Usage
from .base import LLMCallError

T = TypeVar("T", bound=BaseModel)


class FakeLLM:
    """Answers each call with ``respond(messages)``: a dict for the model, or an exception."""

    def __init__(self, respond: Callable[[list[dict[str, str]]], dict[str, Any] | Exception]):
        self.model = "fake"
        self.respond = respond
        self.calls: list[list[dict[str, str]]] = []

    async def structured(
        self, messages: list[dict[str, str]], response_model: type[T]
    ) -> tuple[T, Usage]:
        self.calls.append(messages)
        answer = self.respond(messages)
        usage = Usage(
            prompt_tokens=sum(len(m["content"]) // 4 for m in messages),
            completion_tokens=10,
            calls=1,
        )
        if isinstance(answer, Exception):
            raise LLMCallError(str(answer), usage)
        try:
            return response_model.model_validate(answer), usage
        except ValidationError as exc:  # what the real client reports once re-asks run out
            raise LLMCallError(f"ValidationError: {exc}", usage) from exc
