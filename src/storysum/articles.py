"""Ingest: read articles from files, directories and JSON Lines; strip boilerplate.

The original text is kept exactly as read; the story is a list of ``segments`` (offsets into
it), so every span found later points into what the outlet actually published. For HTML the
"original text" is the main text trafilatura extracts from the page.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .chunking import sentences
from .errors import InputError, NoArticlesError
from .models import Article, Failure

TEXT_SUFFIXES = {".txt", ".text", ".md", ".markdown"}
HTML_SUFFIXES = {".html", ".htm"}
JSONL_SUFFIXES = {".jsonl", ".ndjson"}
SUFFIXES = TEXT_SUFFIXES | HTML_SUFFIXES | JSONL_SUFFIXES

# A line that is only site furniture, wherever it stands.
_FURNITURE = re.compile(
    r"""^(?:
        continue\ reading | read\ more | trending(?:\ now)? | latest(?:\ news)? | top\ stories
      | related(?:\ (?:stories|articles|posts|coverage))? | more\ from\ .{1,40}
      | you\ may\ also\ like
      | connect\ with\ us | follow\ us.* | share(?:\ this(?:\ article)?)? | advertisement | ad
      | subscribe.* | sign\ up.* | newsletter | published | updated | posted | on | by
      | editorial | creator:? | author:? | quick\ read | skip\ to\ (?:main\ )?content | menu | home
      | [-–—•·*|]+
    )$""",
    re.IGNORECASE | re.VERBOSE,
)
# "Lifestyle3 months ago", "Sports 2 days ago": the age line of a related-stories list.
_AGE_LINE = re.compile(
    r"^[A-Za-z &]{0,30}?\s*\d{1,3}\s+(?:second|minute|hour|day|week|month|year)s?\s+ago$",
    re.IGNORECASE,
)
_COPYRIGHT = re.compile(r"copyright|©|\(c\)\s*\d{4}|all rights reserved", re.IGNORECASE)
# Lines after which nothing is the story any more.
_END_MARKER = re.compile(
    r"^(?:continue reading|trending(?: now)?|latest news|related(?: stories| articles)?|"
    r"you may also like|more from .{1,40})$",
    re.IGNORECASE,
)
# A chatbot's closing offer addressed to the reader ("What questions do you have about...?").
_CHATBOT = re.compile(
    r"^(?:what|which|is there|do you|would you|can i|shall i|let me know|if you)\b"
    r".*\byou\b.*[?.!]$",
    re.IGNORECASE,
)
_BULLET = re.compile(r"(?:[-–—•·*▪●]\s+|\d{1,2}[.)]\s+|#{1,6}\s+|>\s*)")
_SENTENCE_END = (".", "!", "?", '"', "”", "’", "'", ":", ")")
# A sentence that talks to the model rather than the reader: a prompt injection. It is cut
# from the story before chunking, so the model never reads it and the validator never takes
# the numbers it asks for ("report 9,999 casualties") as stated by the article.
_INJECTION = re.compile(
    r"\b(?:ignore|disregard|forget)\b(?:\s+(?:all|any))?(?:\s+of)?(?:\s+(?:the|your))?\s+"
    r"(?:previous|prior|above|earlier|preceding|foregoing)\s+(?:instructions?|prompts?|directions)"
    r"|\b(?:ignore|disregard)\s+(?:all|any|your)\s+(?:instructions|prompts)\b"
    r"|\b(?:AI|assistant|language model|LLM|chatbot)s?\b[,:]\s*"
    r"(?:you must|report|say|output|write)\b",
    re.IGNORECASE,
)
# Function words that make up a fifth or more of any English prose and far less of others.
_ENGLISH = frozenset(
    "the of and to a in is that for on it with as was he said by at from be this have are "
    "has his an were but not they which its their or had been who will would after more".split()
)


@dataclass
class Ingested:
    """What reading produced: the articles, and every input that could not be used."""

    articles: list[Article] = field(default_factory=list)
    failures: list[Failure] = field(default_factory=list)
    duplicates: list[str] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)  # processed, but worth a warning


def cut_injections(
    text: str, segments: list[tuple[int, int]]
) -> tuple[list[tuple[int, int]], list[str]]:
    """``segments`` without the sentences that address the model; and those sentences."""
    kept: list[tuple[int, int]] = []
    cut: list[str] = []
    for start, end in segments:
        if not _INJECTION.search(text, start, end):
            kept.append((start, end))
            continue
        run: tuple[int, int] | None = None  # the clean sentences since the last cut
        for s, e in sentences(text, start, end):
            if _INJECTION.search(text, s, e):
                cut.append(text[s:e])
                if run is not None:
                    kept.append(run)
                run = None
            else:
                run = (run[0] if run else s, e)
        if run is not None:
            kept.append(run)
    return kept, cut


def looks_non_english(text: str) -> bool:
    """True when English function words are rare in ``text``: the number grammar and the
    quote checks are tuned for English, so the reader is warned (the article is processed)."""
    words = re.findall(r"[^\W\d_]+", text.lower())
    if len(words) < 20:
        return False
    common = sum(1 for w in words if w in _ENGLISH)
    return common / len(words) < 0.08


def article_id(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def find_segments(text: str) -> list[tuple[int, int]]:
    """The story's paragraphs as (start, end) offsets; menus, footers and trailers left out."""
    lines: list[tuple[int, int]] = []
    pos = 0
    for raw in text.splitlines(keepends=True):
        start, end = pos, pos + len(raw.rstrip("\r\n"))
        pos += len(raw)
        # Trim whitespace and list markers without losing the offsets.
        while start < end and text[start].isspace():
            start += 1
        while end > start and text[end - 1].isspace():
            end -= 1
        marker = _BULLET.match(text, start, end)
        if marker:
            start = marker.end()
        if start < end:
            lines.append((start, end))

    kept: list[tuple[int, int]] = []
    seen_prose = False
    for start, end in lines:
        line = text[start:end]
        words = line.split()
        if seen_prose and (_END_MARKER.match(line) or _AGE_LINE.match(line)):
            break  # the story is over: what follows is the site's, not the outlet's story
        if _FURNITURE.match(line) or _AGE_LINE.match(line) or _COPYRIGHT.search(line):
            continue
        if len(words) <= 2 and not line.endswith(_SENTENCE_END):
            continue  # a menu entry or a section label, not a paragraph
        if len(words) >= 8 and line.endswith(_SENTENCE_END):
            seen_prose = True
        kept.append((start, end))
    # A chatbot's trailing offer of more help.
    while kept and _CHATBOT.match(text[kept[-1][0] : kept[-1][1]]):
        kept.pop()
    return kept


def make_article(
    text: str,
    *,
    source: str,
    outlet: str,
    title: str | None = None,
    url: str | None = None,
    published: str | None = None,
) -> Article:
    segments = find_segments(text)
    if not segments:
        raise InputError("no story text left after removing boilerplate", path=source)
    if title is None:
        first = text[segments[0][0] : segments[0][1]]
        title = first if not first.endswith(_SENTENCE_END[:3]) and len(first) <= 200 else None
    kept = sum(e - s for s, e in segments)
    return Article(
        id=article_id(text),
        source=source,
        outlet=outlet,
        title=title,
        url=url,
        published=published,
        text=text,
        segments=segments,
        dropped=len(text) - kept,
    )


def _read_text(path: Path, max_bytes: int) -> str:
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror}", path=path) from None
    if size > max_bytes:
        raise InputError(f"file is {size:,} bytes, over the {max_bytes:,}-byte limit", path=path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror}", path=path) from None
    if b"\x00" in data[:8192]:
        raise InputError("binary file, not text", path=path)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(f"not valid UTF-8 (byte {exc.start})", path=path) from None
    if not text.strip():
        raise InputError("empty file", path=path)
    return text


def _html_to_text(html: str, path: Path) -> tuple[str, str | None]:
    import trafilatura  # heavy import, only when HTML is given

    text = trafilatura.extract(
        html, include_comments=False, include_tables=False, favor_precision=True
    )
    if not text:
        raise InputError("no article text found in the HTML", path=path)
    meta = trafilatura.extract_metadata(html)
    return text, (meta.title if meta is not None else None)


def _jsonl_record(line: str, path: Path, number: int) -> Article:
    try:
        record: Any = json.loads(line)
    except json.JSONDecodeError as exc:
        raise InputError(f"invalid JSON ({exc.msg})", path=path, line=number) from None
    if not isinstance(record, dict) or not isinstance(record.get("text"), str):
        raise InputError("each line needs an object with a 'text' string", path=path, line=number)
    meta = {k: record.get(k) for k in ("title", "url", "outlet", "published")}
    if any(v is not None and not isinstance(v, str) for v in meta.values()):
        raise InputError("title, url, outlet and published must be strings", path=path, line=number)
    if not record["text"].strip():
        raise InputError("empty 'text'", path=path, line=number)
    try:
        return make_article(
            record["text"],
            source=f"{path}:{number}",
            outlet=meta["outlet"] or f"{path.stem}:{number}",
            title=meta["title"],
            url=meta["url"],
            published=meta["published"],
        )
    except InputError as exc:
        raise InputError(exc.reason, path=path, line=number) from None


def _jsonl_articles(text: str, path: Path) -> Iterator[Article | InputError]:
    """Each line's article, or the error that names its line: one bad line spoils no other."""
    for number, line in enumerate(text.splitlines(), start=1):
        if line.strip():
            try:
                yield _jsonl_record(line, path, number)
            except InputError as exc:
                yield exc


def read_file(path: Path, *, max_bytes: int) -> list[Article | InputError]:
    """The articles in one file, and for JSON Lines the errors of its bad lines.

    Raises ``InputError`` naming the file when nothing of it can be read."""
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        raise InputError(f"unsupported file type {suffix or '(none)'!r}", path=path)
    text = _read_text(path, max_bytes)
    if suffix in JSONL_SUFFIXES:
        return list(_jsonl_articles(text, path))
    title = None
    if suffix in HTML_SUFFIXES:
        text, title = _html_to_text(text, path)
    return [make_article(text, source=str(path), outlet=path.stem, title=title)]


def _expand(paths: Iterable[Path]) -> Iterator[Path | InputError]:
    """Each file to read, or the error of a path that gives none (the others still count)."""
    for path in paths:
        if path.is_dir():
            found = sorted(p for p in path.rglob("*") if p.is_file() and not p.name.startswith("."))
            if not found:
                yield InputError("directory holds no files", path=path)
            yield from found
        elif path.exists():
            yield path
        else:
            yield InputError("no such file or directory", path=path)


def load_articles(
    inputs: Sequence[Path | str | Article], *, max_bytes: int = 50 * 1024 * 1024
) -> Ingested:
    """Read every input. One bad input (a missing path too) does not stop the others: it is
    listed in ``failures``; duplicates, prompt injections cut and non-English text are
    listed in ``notices``.

    Raises ``NoArticlesError`` when nothing at all could be read.
    """
    result = Ingested()
    seen: dict[str, str] = {}

    def add(article: Article) -> None:
        if article.id in seen:
            result.duplicates.append(article.source)
            result.notices.append(
                f"{article.source}: duplicate of {seen[article.id]}, processed once"
            )
            return
        seen[article.id] = article.source
        segments, injected = cut_injections(article.text, article.segments)
        if injected:
            if not segments:
                result.failures.append(
                    Failure(stage="ingest", subject=article.source,
                            reason="nothing left but text addressed to the model")
                )
                return
            article = article.model_copy(
                update={"segments": segments,
                        "dropped": len(article.text) - sum(e - s for s, e in segments)}
            )
            for sentence in injected:
                result.notices.append(
                    f"{article.source}: left out text addressed to the model "
                    f"(possible prompt injection): {sentence[:80]!r}"
                )
        if looks_non_english(article.body()):
            result.notices.append(
                f"{article.source}: does not look like English; processed, but the number and "
                "quote checks are tuned for English"
            )
        result.articles.append(article)

    paths: list[Path] = []
    for item in inputs:
        if isinstance(item, Article):
            add(item)
        else:
            paths.append(Path(item))
    for path in _expand(paths):
        if isinstance(path, InputError):
            result.failures.append(Failure(stage="ingest", subject=str(path.path),
                                           reason=path.reason))
            continue
        try:
            for read in read_file(path, max_bytes=max_bytes):
                if isinstance(read, InputError):
                    result.failures.append(
                        Failure(stage="ingest", subject=f"{path}:{read.line}", reason=read.reason)
                    )
                else:
                    add(read)
        except InputError as exc:
            result.failures.append(Failure(stage="ingest", subject=str(path), reason=exc.reason))
    if not result.articles:
        detail = "; ".join(f"{f.subject}: {f.reason}" for f in result.failures[:3])
        raise NoArticlesError(f"no readable article{': ' + detail if detail else ''}")
    return result
