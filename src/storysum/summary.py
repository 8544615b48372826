"""Summary: a short narrative the LLM writes from verified items only, then checked by code.

The model sees the merged, verified items (never the articles). Every number in each sentence
it writes must be supported by the sources (``verify_numbers``); a sentence that fails is
removed and listed with the reason, so the summary can be short but never wrong on a number.
"""

from __future__ import annotations

from collections.abc import Sequence

from pydantic import Field

from .llm.base import LLMCallError, StructuredLLM
from .merging import Merged
from .models import Article, Frozen, RemovedSentence, Summary, Usage
from .number_checks import verify_numbers
from .prompts import load_prompt

PROMPT = "summary"
MAX_FACTS = 30


class SummaryDraft(Frozen):
    """The summary as the model writes it, before the check."""

    sentences: list[str] = Field(
        min_length=1,
        max_length=6,
        description="3 to 6 short sentences, each stating verified facts only.",
    )


def facts(merged: Merged) -> str:
    """The verified items as short lines, most corroborated first."""
    lines: list[str] = []
    for f in merged.figures:
        if f.extracted:
            outlets = ", ".join(sorted({s.outlet for s in f.sources}))
            lines.append(f"- {f.value} {f.counted} (sources: {outlets})")
    for d in merged.discrepancies:
        if d.kind.value in ("conflict", "scope"):
            sides = " vs ".join(f"{v.value} ({', '.join(v.outlets)})" for v in d.values)
            lines.append(f"- sources disagree on {d.counted}: {sides}")
    for c in merged.claims:
        lines.append(f"- {c.text} (sources: {', '.join(c.outlets)})")
    for q in merged.quotes:
        lines.append(f"- {q.speaker} said: “{q.quote}”")
    return "\n".join(lines[:MAX_FACTS]) or "- (no verified facts)"


def messages_for(merged: Merged) -> list[dict[str, str]]:
    return [{"role": "user", "content": load_prompt(PROMPT).render(facts=facts(merged))}]


def check_summary(draft: Sequence[str], articles: Sequence[Article]) -> Summary:
    """Keep the sentences whose every number the sources support."""
    texts = [a.text for a in articles]
    kept: list[str] = []
    removed: list[RemovedSentence] = []
    for sentence in draft:
        sentence = " ".join(sentence.split())
        if not sentence:
            continue
        bad = [c for c in verify_numbers(sentence, texts) if not c.supported]
        if bad:
            why = "; ".join(f"{c.quantity.text!r}: {c.reason}" for c in bad)
            removed.append(RemovedSentence(text=sentence, reason=f"unsupported number: {why}"))
        else:
            kept.append(sentence)
    return Summary(sentences=kept, removed=removed)


async def write_summary(
    llm: StructuredLLM, merged: Merged, articles: Sequence[Article]
) -> tuple[Summary | None, Usage, str | None]:
    """The checked summary, what it cost, and the error if the call failed."""
    try:
        draft, usage = await llm.structured(messages_for(merged), SummaryDraft)
    except LLMCallError as exc:
        return None, exc.usage, str(exc)
    return check_summary(draft.sentences, articles), usage, None
