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
_NAME = re.compile(r"\b([A-Z][a-zé]+ [A-Z][a-zé]+)\b")


def _text(messages: list[dict[str, str]]) -> str:
    """The chunk's text inside the extraction prompt."""
    content = messages[-1]["content"]
    return content.split(":\n\n", 1)[-1].split("\n\nNumbers: ")[0]


def _quotations(messages: list[dict[str, str]]) -> int:
    line = next(
        (x for x in messages[-1]["content"].splitlines() if x.startswith("Quotations: ")), ""
    )
    return len(re.findall(r"\bQ\d+ ", line))


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
    text = _text(messages)
    figures: list[dict[str, Any]] = []
    for m in list(_NUMBER.finditer(text))[:8]:
        words = text[m.end() : m.end() + 25].rsplit(" ", 1)[0].split()
        if words:
            figures.append({"value": m.group(0), "counts": " ".join(words[:2])[:40]})
    figures.append({"value": "987,654", "counts": "invented things"})
    names = list(dict.fromkeys(_NAME.findall(text)))
    quotes = [
        {"quotation": k, "speaker": names[0] if names else "someone"}
        for k in range(1, min(3, _quotations(messages)) + 1)
    ]
    return {"figures": figures[:12], "quotes": quotes, "actors": names[:5]}


def scripted_llm() -> FakeLLM:
    return FakeLLM(answer)
