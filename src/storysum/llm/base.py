"""The interface every backend implements."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

from pydantic import BaseModel

from ..models import Usage

T = TypeVar("T", bound=BaseModel)


@dataclass(frozen=True)
class Call:
    """One structured call's outcome: the value and what it cost, retries included."""

    value: Any
    usage: Usage


class StructuredLLM(Protocol):
    """Fills ``response_model`` from ``messages``."""

    model: str

    async def structured(
        self, messages: list[dict[str, str]], response_model: type[T]
    ) -> tuple[T, Usage]:
        """Return the filled model and the usage of every HTTP call made for it.

        Raises ``LLMCallError`` (carrying the usage spent) when the call fails for good.
        """
        ...


class LLMCallError(Exception):
    """A call that failed for good; ``usage`` is what it spent before failing."""

    def __init__(self, message: str, usage: Usage) -> None:
        super().__init__(message)
        self.usage = usage
