"""Rejected items: every extracted item that failed validation, kept with its reason."""

from __future__ import annotations

from collections.abc import Sequence

from ..models import Rejected
from ..validation import Checked


def rejected(items: Sequence[Checked]) -> list[Rejected]:
    """Every item that failed validation, once per article (overlapping chunks repeat them)."""
    seen: dict[tuple[str, str, str, str], Rejected] = {}
    for c in items:
        if c.verdict.accepted:
            continue
        key = (c.kind, c.label, c.article.id, str(c.verdict))
        seen.setdefault(
            key,
            Rejected(
                kind=c.kind,
                item=c.label,
                article_id=c.article.id,
                outlet=c.article.outlet,
                chunk_id=c.chunk_id,
                verdict=c.verdict,
                reason=c.reason,
                span=c.span,
            ),
        )
    return list(seen.values())
