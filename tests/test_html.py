"""The HTML brief: self-contained, escaped, and every span marked at its exact offsets.

The briefs here come from the real pipeline with a scripted model (tests/browser/
scripted.py), so they carry whatever fields the Brief has today.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import re
from collections import defaultdict
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from browser.scripted import scripted_llm
from storysum.articles import make_article
from storysum.brief import FORMATS, render
from storysum.config import Settings
from storysum.html import CSP, to_html
from storysum.models import Brief
from storysum.pipeline import asummarize

EVIL = (
    "Officials said 4,500 Marines arrived on Monday, the ministry reported in a statement.\n\n"
    "<script>window.__pwned = 1</script> The mayor said “we counted 1,200 <b>boats</b> "
    "in the bay today” at a press conference.\n\n"
    '<img src=x onerror="window.__pwned = 2"> A total of 4,500 Marines are now in place, '
    "officials said & added that 30 ships \"wait\" offshore.\n\n"
    "--></style></script><!-- Harbour Master Ana Ruiz confirmed 30 ships were waiting."
)
PLAIN = (
    "The ministry said 4,500 Marines arrived on Monday, a spokesman confirmed to reporters.\n\n"
    "Harbour Master Ana Ruiz said 28 ships were waiting offshore on Tuesday morning."
)


def brief_of(*articles: tuple[str, str]) -> Brief:
    made = [make_article(text, source=f"{outlet}.txt", outlet=outlet) for outlet, text in articles]
    return asyncio.run(asummarize(made, llm=scripted_llm(), settings=Settings.resolve(env={})))


@pytest.fixture(scope="module")
def evil() -> Brief:
    return brief_of(('Evil <b>"Outlet"</b>', EVIL), ("Plain", PLAIN))


class Page(HTMLParser):
    """Reads back what a browser would: each article's text, the marks in it, the items."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[tuple[str, dict[str, str]]] = []
        self.article: str | None = None
        self.in_text = 0
        self.texts: dict[str, list[str]] = defaultdict(list)
        # (article id, item id) -> pieces of marked text, in order
        self.marked: dict[tuple[str, str], list[str]] = defaultdict(list)
        self.items: list[str] = []
        self.tags: list[tuple[str, dict[str, str]]] = []
        self.scripts: list[str] = []
        self.styles: list[str] = []
        self._raw: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        self.tags.append((tag, a))
        if tag in ("script", "style"):
            self._raw = []
        if "data-item" in a:
            self.items.append(a["data-item"])
        if tag == "article":
            self.article = a["data-article"]
        if self.article and tag == "div" and a.get("class") == "text":
            self.in_text = 1
        elif self.in_text:
            self.in_text += 1
        self.stack.append((tag, a))

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style") and self._raw is not None:
            (self.scripts if tag == "script" else self.styles).append("".join(self._raw))
            self._raw = None
        self.stack.pop()
        if self.in_text:
            self.in_text -= 1
        if tag == "article":
            self.article = None

    def handle_data(self, data: str) -> None:
        if self._raw is not None:
            self._raw.append(data)
            return
        if self.in_text and self.article:
            self.texts[self.article].append(data)
            tag, attrs = self.stack[-1]
            if tag == "mark":
                for item in attrs["data-i"].split():
                    self.marked[(self.article, item)].append(data)


def parse(page: str) -> Page:
    parser = Page()
    parser.feed(page)
    parser.close()
    return parser


def test_article_and_model_text_is_escaped_never_markup(evil):
    page = to_html(evil)
    assert page.count("<script") == 1  # ours, at the end
    assert "&lt;script&gt;window.__pwned = " in page
    assert "<img" not in page and "<b>boats" not in page and "<b>&quot;" not in page
    assert "Evil &lt;b&gt;&quot;Outlet&quot;&lt;/b&gt;" in page
    parsed = parse(page)
    # What a browser shows as the article's text is the markup, as characters.
    shown = "".join(parsed.texts[evil.articles[0].id])
    assert '<script>window.__pwned = 1</script>' in shown and "<img src=x onerror=" in shown
    for tag, attrs in parsed.tags:
        assert tag not in ("img", "iframe", "object", "embed", "link"), tag
        assert not [k for k in attrs if k.startswith("on")], (tag, attrs)
    assert len(parsed.scripts) == 1 and "__pwned" not in parsed.scripts[0]


def test_each_article_reads_back_exactly_and_every_span_is_marked_at_its_offsets(evil):
    parsed = parse(to_html(evil))
    for art in evil.articles:
        assert "".join(parsed.texts[art.id]) == art.text
    # Items get ids in the order the page lists them: figures first.
    assert evil.figures, "the scripted model found no figure"
    checked = 0
    for figure, item in zip(evil.figures, [i for i in parsed.items if i.startswith("f")],
                            strict=True):
        by_article: dict[str, list[Any]] = defaultdict(list)
        for source in figure.sources:
            by_article[source.article_id].append(source.span)
        for article_id, spans in by_article.items():
            spans.sort(key=lambda s: s.start)
            expected = "".join(s.text for s in spans)
            assert "".join(parsed.marked[(article_id, item)]) == expected
            checked += 1
    assert checked >= 2


def test_every_item_of_the_brief_is_on_the_page(evil):
    parsed = parse(to_html(evil))
    kinds = defaultdict(int)
    for item in parsed.items:
        kinds[item[0]] += 1
    assert kinds["f"] == len(evil.figures)
    assert kinds["a"] == len(evil.actors)
    assert kinds["c"] == len(evil.claims)
    assert kinds["q"] == len(evil.quotes)
    assert kinds["r"] == len(evil.rejected) > 0  # the scripted model invents one per chunk
    discrepancies = getattr(evil, "discrepancies", [])
    assert kinds["d"] == sum(1 + len(d.values) for d in discrepancies)
    page = to_html(evil)
    for rejected in evil.rejected:
        assert re.sub(r"\s+", " ", rejected.reason.replace("&", "&amp;"))[:20] in page


def test_the_page_fetches_nothing_and_allows_only_its_own_style_and_script(evil):
    page = to_html(evil)
    parsed = parse(page)
    for tag, attrs in parsed.tags:
        assert "src" not in attrs, tag
        if "href" in attrs:
            assert tag == "a" and attrs["href"].startswith(("http://", "https://"))
    assert "@import" not in page and "url(" not in page
    meta = [a for t, a in parsed.tags if t == "meta" and a.get("http-equiv")]
    assert meta and meta[0]["content"] == CSP
    for source, directive in ((parsed.styles[0], "style-src"), (parsed.scripts[0], "script-src")):
        digest = base64.b64encode(hashlib.sha256(source.encode()).digest()).decode()
        assert f"{directive} 'sha256-{digest}'" in CSP
    assert "default-src 'none'" in CSP


def test_notices_are_shown_escaped(evil):
    if "notices" not in type(evil).model_fields:
        pytest.skip("this Brief has no notices")
    noticed = evil.model_copy(update={"notices": ["duplicate <b>skipped</b>"]})
    page = to_html(noticed)
    assert 'id="notices"' in page and "duplicate &lt;b&gt;skipped&lt;/b&gt;" in page
    assert 'id="notices"' not in to_html(evil.model_copy(update={"notices": []}))


def test_fields_a_brief_lacks_are_left_out_not_fatal(evil):
    bare = evil.model_copy(update={"summary": None, "figures": [], "rejected": []})
    page = to_html(bare)
    assert 'id="summary"' not in page
    assert "No figure could be verified." in page and "Nothing was rejected." in page
    if getattr(evil, "summary", None) is not None:
        assert 'id="summary"' in to_html(evil)


def test_html_is_a_format_of_render_and_of_the_cli(tmp_path, monkeypatch, seeds_dir):
    assert "html" in FORMATS
    brief = brief_of(("Plain", PLAIN))
    assert render(brief, "html") == to_html(brief)

    import storysum.cli
    import storysum.pipeline
    from storysum.cli import app

    real = storysum.pipeline.asummarize

    async def scripted(inputs: Any, **kwargs: Any) -> Brief:
        return await real(inputs, settings=kwargs["settings"], llm=scripted_llm())

    monkeypatch.setattr(storysum.pipeline, "asummarize", scripted)
    # The CLI quiets library loggers for the process; other tests read those logs.
    monkeypatch.setattr(storysum.cli, "_logging", lambda verbose: None)
    out = tmp_path / "brief.html"
    result = CliRunner().invoke(app, ["summarize", str(seeds_dir), "-f", "html", "-o", str(out),
                                      "-q", "--no-cache", "--base-url", "http://127.0.0.1:9/v1"])
    assert result.exit_code in (0, 6), result.output
    page = out.read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>")
    assert len(parse(page).texts) == len(list(Path(seeds_dir).glob("*.txt")))
