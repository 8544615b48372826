"""A scripted stand-in for the model: it "extracts" by pattern, so a brief has real content.

Used where the test is about what surrounds the pipeline (the HTML page, the service under
load), not about the model: every figure, quote and claim it gives is copied from the chunk,
so the validator accepts most of it, and one invented figure per chunk is there to be
rejected.
"""

from __future__ import annotations

import re
from typing import Any

from storysum.llm.fake import FakeLLM

_NUMBER = re.compile(r"\b\d{1,3}(?:,\d{3})+\b|\b\d+(?:\.\d+)?(?: million| billion)?\b")
_QUOTE = re.compile(r"“([^”]{12,300})”")
_NAME = re.compile(r"\b([A-Z][a-zé]+ [A-Z][a-zé]+)\b")
_SENTENCE = re.compile(r"[A-Z][^.!?\n]{30,300}[.!?]")


def _chunk_text(messages: list[dict[str, str]]) -> str:
    text = messages[-1]["content"]
    return text.split("\nNumbers in this article")[0]


def _summary(text: str) -> dict[str, Any]:
    facts = [
        line[2:] for line in text.split("Verified facts:")[-1].splitlines() if line.startswith("- ")
    ]
    sentences = [re.sub(r"\s*\(sources?:[^)]*\)", "", f).rstrip(".") + "." for f in facts[:3]]
    sentences.append("Officials counted 123,456 invented things.")  # for the check to remove
    return {"sentences": sentences}


def answer(messages: list[dict[str, str]]) -> dict[str, Any]:
    if "Verified facts:" in messages[-1]["content"]:
        return _summary(messages[-1]["content"])
    text = _chunk_text(messages)
    figures: list[dict[str, Any]] = []
    for m in list(_NUMBER.finditer(text))[:8]:
        before = text[max(0, m.start() - 30) : m.start()].split(" ", 1)[-1]
        after = text[m.end() : m.end() + 25].rsplit(" ", 1)[0]
        evidence = (before + m.group(0) + after).strip()
        words = after.split()
        counted = " ".join(words[:2]) if words else "count"
        if "\n" in evidence or not counted.strip():
            continue
        figures.append({"value": m.group(0), "counted": counted[:100], "evidence": evidence})
    figures.append(
        {"value": "987,654", "counted": "invented things", "evidence": "987,654 invented things"}
    )
    quotes = [
        {"quote": q.group(1), "speaker": names[0] if (names := _NAME.findall(text)) else "someone"}
        for q in list(_QUOTE.finditer(text))[:3]
    ]
    claims = [{"text": s.group(0)} for s in list(_SENTENCE.finditer(text))[:2]] or [
        {"text": text.strip()[:200] or "nothing"}
    ]
    actors = [{"name": n} for n in dict.fromkeys(_NAME.findall(text))][:5]
    return {"figures": figures[:12], "quotes": quotes, "claims": claims, "actors": actors}


def scripted_llm() -> FakeLLM:
    return FakeLLM(answer)
