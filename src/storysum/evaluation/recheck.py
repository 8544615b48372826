"""Unverified numbers presented as verified: every number the brief shows as checked, checked
again from scratch with ``storysum.number_checks.verify_numbers`` against the article texts
the brief carries (``brief.articles[].text``). The count must be 0.

What is presented as verified, and what each number is checked against:

- every **figure** (the brief shows only verified figures) and every **discrepancy value**:
  its written value against each source it cites. The source's span must be at its offsets in
  that article's text, and the value must be stated by the span or, failing that, by the
  article. A figure citing no source at all counts once.
- every number in a **claim** whose verdict is ``verified``: against each article the claim
  cites (the claim credits each of them with it).
- every number in a **summary sentence**: against all the articles (a sentence cites none).

One instance is one (item, number, cited article) that fails, or one (sentence, number) for
the summary. ``checked`` counts every instance looked at, so the JSON output says how much
was checked as well as what failed. Only the number is rechecked, with the grammar's own
tolerance (qualifiers, roundings and equivalent units as ``verify_numbers`` allows them): a
figure credited to the wrong thing is figure precision's business, not this count's.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..models import ArticleRef, Brief, Source, Verdict
from ..number_checks import verify_numbers


@dataclass(frozen=True, slots=True)
class Finding:
    """One number presented as verified that its cited source does not state."""

    item: str  # "figure", "discrepancy", "claim" or "summary"
    text: str  # the figure's value and counted thing, the claim or the sentence
    number: str
    article: str | None  # the cited article's id; None for the summary
    reason: str


@dataclass(slots=True)
class Recheck:
    checked: int = 0
    findings: list[Finding] = field(default_factory=list)


def _value_stated(value: str, source: Source, article: ArticleRef | None) -> str | None:
    """None when the source states ``value``; else why not."""
    if article is None:
        return f"cites article {source.article_id!r}, which is not in the brief"
    span = source.span
    if span.article_id != article.id or article.text[span.start : span.end] != span.text:
        return f"its span [{span.start}:{span.end}] is not at its offsets in the article"
    if _supported(value, span.text) or _supported(value, article.text):
        return None
    return f"the article does not state {value}"


def _supported(text: str, source: str) -> bool:
    checks = verify_numbers(text, [source])
    return bool(checks) and all(c.supported for c in checks)


def recheck(brief: Brief) -> Recheck:
    """Every number the brief presents as verified, checked again against its sources."""
    out = Recheck()
    articles = {a.id: a for a in brief.articles}

    def check_sources(item: str, label: str, value: str, sources: list[Source]) -> None:
        if not sources:
            out.checked += 1
            out.findings.append(Finding(item, label, value, None, "cites no source"))
        for source in sources:
            out.checked += 1
            reason = _value_stated(value, source, articles.get(source.article_id))
            if reason is not None:
                out.findings.append(Finding(item, label, value, source.article_id, reason))

    for figure in brief.figures:
        check_sources("figure", f"{figure.value} {figure.counted}", figure.value, figure.sources)
    for d in brief.discrepancies:
        for v in d.values:
            check_sources("discrepancy", f"{v.value} {d.counted}", v.value, v.sources)
    for claim in brief.claims:
        if claim.verdict is not Verdict.VERIFIED:
            continue
        for article_id in sorted({s.article_id for s in claim.sources}):
            article = articles.get(article_id)
            source_text = article.text if article is not None else ""
            for check in verify_numbers(claim.text, [source_text]):
                out.checked += 1
                if not check.supported:
                    out.findings.append(Finding("claim", claim.text, check.quantity.text,
                                                article_id, check.reason))
    if brief.summary is not None:
        texts = [a.text for a in brief.articles]
        for sentence in brief.summary.sentences:
            for check in verify_numbers(sentence, texts):
                out.checked += 1
                if not check.supported:
                    out.findings.append(Finding("summary", sentence, check.quantity.text,
                                                None, check.reason))
    return out
