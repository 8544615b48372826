"""Character spans into source texts, shared by every stage that points at evidence."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class TextSpan:
    """``text[start:end]`` of the source at index ``source`` in the sequence that was checked."""

    source: int
    start: int
    end: int
    text: str
