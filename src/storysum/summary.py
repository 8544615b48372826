"""Summary: a short narrative the LLM writes from verified items only, then checked by code.

The model sees the merged, verified items (never the articles). Every number in each sentence
it writes must be supported by the sources (``verify_numbers``); a sentence that fails is
removed and listed with the reason, so the summary can be short but never wrong on a number.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence

from pydantic import Field

from .llm.base import LLMCallError, StructuredLLM
from .merging import Merged
from .models import Article, Frozen, RemovedSentence, Summary, Usage
from .number_checks import verify_numbers
from .prompts import load_prompt

PROMPT = "summary"
MAX_FACTS = 30
MAX_CLAIMS = 8  # the ledger is sorted most-carried first


class SummaryDraft(Frozen):
    """The summary as the model writes it, before the check."""

    sentences: list[str] = Field(
        min_length=1,
        max_length=6,
        description="3 to 6 short sentences, each stating verified facts only.",
    )


def _outlets(n: int) -> str:
    return f"{n} outlet{'s' if n != 1 else ''}"


def facts(merged: Merged) -> str:
    """The verified items as short lines, most corroborated first.

    Outlets are given as a count, not by name: a small model reads "bangladesh-post" as the
    place the story happened.
    """
    lines: list[str] = []
    figures = sorted(
        (f for f in merged.figures if f.extracted),
        key=lambda f: -len({s.outlet for s in f.sources}),
    )
    for f in figures:
        lines.append(f"- {f.value} {f.counted} ({_outlets(len({s.outlet for s in f.sources}))})")
    for d in merged.discrepancies:
        if d.kind.value in ("conflict", "scope"):
            sides = " vs ".join(f"{v.value} ({_outlets(len(v.outlets))})" for v in d.values)
            lines.append(f"- sources disagree on {d.counted}: {sides}")
    for c in merged.claims[:MAX_CLAIMS]:
        lines.append(f"- {c.text} ({_outlets(len(c.outlets))})")
    for q in merged.quotes:
        lines.append(f"- {q.speaker} said: “{q.quote}”")
    return "\n".join(lines[:MAX_FACTS]) or "- (no verified facts)"


def messages_for(merged: Merged) -> list[dict[str, str]]:
    return [{"role": "user", "content": load_prompt(PROMPT).render(facts=facts(merged))}]


_NAME = re.compile(r"(?<![.!?]\s)(?<!^)\b([A-Z][\w’'-]*(?:\s+[A-Z][\w’'-]*)*)")


def unknown_names(sentence: str, story: str) -> list[str]:
    """Capitalised names in ``sentence`` (not its first word) that the story never uses."""
    known = set(re.findall(r"\w+", _fold(story)))
    found = []
    for m in _NAME.finditer(sentence):
        for word in m.group(1).split():
            bare = re.sub(r"['’]s$", "", word)
            if not set(re.findall(r"\w+", _fold(bare))) <= known:
                found.append(bare)
    return found


def _fold(text: str) -> str:
    """Lower case, accents and curly apostrophes folded: "Ecuador’s" = "ecuador's"."""
    decomposed = unicodedata.normalize("NFKD", text.replace("’", "'"))
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower()


def check_summary(draft: Sequence[str], articles: Sequence[Article]) -> Summary:
    """Keep the sentences whose every number the sources support and whose every name
    the sources use (a small model put the story in the country of an outlet's name)."""
    texts = [a.text for a in articles]
    story = "\n".join(a.body() for a in articles)
    kept: list[str] = []
    removed: list[RemovedSentence] = []
    for sentence in draft:
        sentence = " ".join(sentence.split())
        if not sentence:
            continue
        bad = [c for c in verify_numbers(sentence, texts) if not c.supported]
        names = unknown_names(sentence, story)
        if bad:
            why = "; ".join(f"{c.quantity.text!r}: {c.reason}" for c in bad)
            removed.append(RemovedSentence(text=sentence, reason=f"unsupported number: {why}"))
        elif names:
            removed.append(
                RemovedSentence(
                    text=sentence, reason=f"names what no source mentions: {', '.join(names)}"
                )
            )
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
