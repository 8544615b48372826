"""The Brief as Markdown: what an editor reads first, with every item's outlets and spans."""

from __future__ import annotations

from collections.abc import Sequence

from .models import Brief, BriefFigure, Source, Support


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


def _where(sources: Sequence[Source]) -> str:
    parts = []
    for s in sources:
        mark = "" if s.found_by == "model" else "*"
        parts.append(f"{s.outlet} [{s.span.start}:{s.span.end}]{mark}")
    return "; ".join(parts)


def _figure_rows(figures: Sequence[BriefFigure]) -> list[str]:
    rows = ["| figure | counts | support | outlets | where |", "|---|---|---|---|---|"]
    for f in figures:
        n = len({s.article_id for s in f.sources})
        rows.append(
            f"| {_cell(f.value)} | {_cell(f.counted)} | {f.support} ({n}) "
            f"| {_cell(', '.join(f.outlets))} | {_cell(_where(f.sources))} |"
        )
    return rows


def to_markdown(brief: Brief) -> str:
    run = brief.run
    out: list[str] = ["# Brief", ""]
    out.append(
        f"{run.articles} articles, {run.chunks} chunks, {run.calls} LLM calls "
        f"({run.prompt_tokens:,} prompt + {run.completion_tokens:,} completion tokens), "
        f"{run.seconds:.0f} s on {run.model} ({run.backend}). "
        f"{run.verified} items verified, {run.rejected} rejected, "
        f"{run.failed_chunks} chunks failed. Spans are character offsets into each article; "
        "`*` marks an article the validator found by itself."
    )
    if brief.summary is not None:
        out += ["", "## Summary", ""]
        out.append(" ".join(brief.summary.sentences) or "(every sentence failed the check)")
        for removed in brief.summary.removed:
            out.append(f"\n> removed: “{_cell(removed.text)}” — {_cell(removed.reason)}")

    key = [f for f in brief.figures if f.extracted]
    other = [f for f in brief.figures if not f.extracted]
    out += ["", "## Key figures", ""]
    out += _figure_rows(key) if key else ["No figure extracted by the model could be verified."]
    if brief.discrepancies:
        out += ["", "## Discrepancies", ""]
        for d in brief.discrepancies:
            out.append(f"- **{d.kind}** — {_cell(d.counted)}:")
            for v in d.values:
                out.append(f"  - {_cell(v.value)}: {', '.join(v.outlets)} ({_where(v.sources)})")
    out += ["", "## Actors", ""]
    for a in brief.actors:
        aka = f" (also: {', '.join(a.aliases)})" if a.aliases else ""
        roles = f" — {', '.join(a.roles)}" if a.roles else ""
        out.append(
            f"- **{a.name}**{aka}{roles}: {len(a.outlets)} outlets, {len(a.mentions)} mentions"
        )
    out += ["", "## Claim ledger", ""]
    for support, heading in (
        (Support.CORROBORATED, "### Carried by several outlets"),
        (Support.SINGLE_SOURCE, "### Single-source"),
    ):
        claims = [c for c in brief.claims if c.support is support]
        out += [heading, ""] if claims else []
        for c in claims:
            who = f" — {c.claimant}" if c.claimant else ""
            out.append(f"- {_cell(c.text)}{who} ({_cell(_where(c.sources))})")
        out += [""] if claims else []
    if not brief.claims:
        out.append("No claim passed validation.")
    out += ["", "## Quotes", ""]
    for q in brief.quotes:
        out.append(f"- “{_cell(q.quote)}” — {q.speaker} [{q.support}] ({_cell(_where(q.sources))})")
    if brief.quote_variants:
        out += ["", "### Quote variants", ""]
        for variant in brief.quote_variants:
            out.append(f"- {variant.speaker} (similarity {variant.similarity:.2f}):")
            for rendering in variant.renderings:
                out.append(f"  - “{_cell(rendering.text)}” — {', '.join(rendering.outlets)}")
    if other:
        out += ["", "## Other numbers in the sources", ""]
        out += _figure_rows(other)
    out += ["", "## Rejected", ""]
    if brief.rejected:
        out += ["| kind | item | verdict | outlet | reason |", "|---|---|---|---|---|"]
        for r in brief.rejected:
            out.append(
                f"| {r.kind} | {_cell(r.item)} | {r.verdict} | {r.outlet} | {_cell(r.reason)} |"
            )
    else:
        out.append("Nothing was rejected.")
    if brief.notices:
        out += ["", "## Notices", ""]
        out += [f"- {_cell(n)}" for n in brief.notices]
    if brief.failures:
        out += ["", "## Failures", ""]
        for fail in brief.failures:
            out.append(f"- {fail.stage} {fail.subject}: {_cell(fail.reason)}")
    out += ["", "## Articles", ""]
    for art in brief.articles:
        out.append(
            f"- {art.outlet}: {art.title or '(untitled)'} — {art.source}, {art.chars:,} chars, "
            f"{art.kept_chars:,} kept, {art.chunks} chunks"
        )
    out += [
        "",
        "## Run",
        "",
        f"- model {run.model} via {run.backend}; prompts {run.prompt_version}; "
        f"schema {run.schema_version}; {run.calls} calls; {run.seconds:.1f} s",
    ]
    return "\n".join(out) + "\n"
