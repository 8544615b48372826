"""Write the Brief: JSON (its schema in schemas/brief.schema.json), Markdown (markdown.py)
and one self-contained HTML page (html.py)."""

from __future__ import annotations

from .markdown import to_markdown
from .models import Brief

FORMATS = ("json", "md", "html")


def to_json(brief: Brief) -> str:
    return brief.model_dump_json(indent=2) + "\n"


def render(brief: Brief, fmt: str) -> str:
    if fmt == "json":
        return to_json(brief)
    if fmt == "md":
        return to_markdown(brief)
    if fmt == "html":
        from .html import to_html

        return to_html(brief)
    raise ValueError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")
