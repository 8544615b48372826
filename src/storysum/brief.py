"""Write the Brief: JSON (its schema in schemas/brief.schema.json) and Markdown."""

from __future__ import annotations

from collections.abc import Sequence

from .models import Brief, Source

FORMATS = ("json", "md")


def to_json(brief: Brief) -> str:
    return brief.model_dump_json(indent=2) + "\n"


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


def _where(sources: Sequence[Source]) -> str:
    parts = []
    for s in sources:
        mark = "" if s.found_by == "model" else " (scan)"
        parts.append(f"{s.outlet} [{s.span.start}:{s.span.end}]{mark}")
    return "; ".join(parts)


def to_markdown(brief: Brief) -> str:
    run = brief.run
    lines: list[str] = ["# Brief", ""]
    lines.append(
        f"{run.articles} articles, {run.chunks} chunks, {run.calls} LLM calls "
        f"({run.prompt_tokens:,} prompt + {run.completion_tokens:,} completion tokens), "
        f"{run.seconds:.0f} s on {run.model} ({run.backend}). "
        f"{run.verified} items verified, {run.rejected} rejected, {run.failed_chunks} chunks failed."
    )
    lines += ["", "## Key figures", ""]
    if brief.figures:
        lines += ["| figure | counts | verdict | outlets | where |", "|---|---|---|---|---|"]
        for f in brief.figures:
            value = f"{f.qualifier + ' ' if f.qualifier else ''}{f.value}"
            lines.append(
                f"| {_cell(value)} | {_cell(f.counted)} | {f.verdict} "
                f"| {len({s.article_id for s in f.sources})} | {_cell(_where(f.sources))} |"
            )
    else:
        lines.append("No figure could be verified.")
    lines += ["", "## Actors", ""]
    for a in brief.actors:
        aka = f" (also: {', '.join(a.aliases)})" if a.aliases else ""
        roles = f" — {', '.join(a.roles)}" if a.roles else ""
        lines.append(
            f"- **{a.name}**{aka}{roles}: {len(a.outlets)} outlets, {len(a.mentions)} mentions"
        )
    lines += ["", "## Quotes", ""]
    for q in brief.quotes:
        lines.append(f"- “{_cell(q.quote)}” — {q.speaker} ({_cell(_where(q.sources))})")
    lines += ["", "## Claims", ""]
    for c in brief.claims:
        who = f" — {c.claimant}" if c.claimant else ""
        lines.append(f"- {_cell(c.text)}{who} ({_cell(_where(c.sources))})")
    lines += ["", "## Rejected", ""]
    if brief.rejected:
        lines += ["| kind | item | verdict | outlet | reason |", "|---|---|---|---|---|"]
        for r in brief.rejected:
            lines.append(
                f"| {r.kind} | {_cell(r.item)} | {r.verdict} | {r.outlet} | {_cell(r.reason)} |"
            )
    else:
        lines.append("Nothing was rejected.")
    if brief.failures:
        lines += ["", "## Failures", ""]
        for fail in brief.failures:
            lines.append(f"- {fail.stage} {fail.subject}: {_cell(fail.reason)}")
    lines += ["", "## Articles", ""]
    for art in brief.articles:
        lines.append(
            f"- {art.outlet}: {art.title or '(untitled)'} — {art.source}, {art.chars:,} chars, "
            f"{art.kept_chars:,} kept, {art.chunks} chunks"
        )
    return "\n".join(lines) + "\n"


def render(brief: Brief, fmt: str) -> str:
    if fmt == "json":
        return to_json(brief)
    if fmt == "md":
        return to_markdown(brief)
    raise ValueError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")
