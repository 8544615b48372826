"""The Brief as one self-contained HTML page: every item beside the articles it came from.

The page fetches nothing: its style and script are inline, and a Content-Security-Policy
that allows only those two (by hash) is written into the page itself, so a string that got
past the escaping still could not run or load anything. Everything that comes from an
article or the model is escaped.

Each article's original text is shown whole, boilerplate dimmed, cut at every span boundary
into pieces; a piece covered by spans carries the ids of the items they belong to
(``data-i``) and of the items whose span begins there (``data-b``). Clicking an item marks its
pieces in every article and scrolls to the first one; ``n``/``p`` (or the arrows in the bar)
step through the rest.

Fields the Brief may or may not have (summary, discrepancies, quote variants, support,
notices) are read with ``getattr``, so the page renders briefs of older and newer schema
versions alike.
"""

from __future__ import annotations

import base64
import hashlib
import itertools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from html import escape
from typing import Any

from .models import ArticleRef, Brief, Span

__all__ = ["to_html"]


def _e(value: object) -> str:
    return escape(str(value), quote=True)


@dataclass
class _Marks:
    """The evidence spans of one article, and which item each belongs to."""

    spans: list[tuple[int, int, str]] = field(default_factory=list)


class _Page:
    """Collects items and their spans while the sections are written."""

    def __init__(self, brief: Brief) -> None:
        self.brief = brief
        self.texts = {a.id: a.text for a in brief.articles}
        self.marks: dict[str, _Marks] = {a.id: _Marks() for a in brief.articles}
        self.count = 0

    def item(self, prefix: str, spans: Iterable[Span]) -> str:
        """A new item id; its spans are registered for highlighting."""
        self.count += 1
        item_id = f"{prefix}{self.count}"
        for span in spans:
            text = self.texts.get(span.article_id)
            if text is None:
                continue
            start, end = max(0, span.start), min(len(text), span.end)
            if start < end:
                self.marks[span.article_id].spans.append((start, end, item_id))
        return item_id


def _spans(sources: Iterable[Any]) -> list[Span]:
    return [s.span for s in sources if getattr(s, "span", None) is not None]


def _badge(text: object, kind: str | None = None) -> str:
    css = kind or str(text)
    return f'<span class="badge b-{_e(css)}">{_e(text)}</span>'


def _outlets(sources: Sequence[Any], total: int) -> str:
    seen: dict[str, list[Any]] = {}
    for s in sources:
        seen.setdefault(s.outlet, []).append(s)
    chips = []
    for outlet, group in sorted(seen.items()):
        how = ", ".join(
            f"{g.verdict}{' (scan)' if getattr(g, 'found_by', 'model') != 'model' else ''}"
            + (f", {g.qualifier}" if getattr(g, "qualifier", None) else "")
            for g in group
        )
        chips.append(f'<span class="chip" title="{_e(how)}">{_e(outlet)}</span>')
    n = len({s.article_id for s in sources})
    count = f'<span class="count" title="articles that carry it">{n}/{total}</span>'
    return count + " " + " ".join(chips)


def _support(item: Any) -> str:
    support = getattr(item, "support", None)
    if support is None:
        return ""
    return _badge(support)


def _clickable(item_id: str, body: str, label: str, tag: str = "li", css: str = "") -> str:
    """An item the reader can select; ``label`` is what the bar over the articles shows."""
    short = " ".join(label.split())
    short = short if len(short) <= 160 else short[:159] + "…"
    return (
        f'<{tag} class="item {css}" data-item="{item_id}" data-label="{_e(short)}" '
        f'tabindex="0" role="button">{body}</{tag}>'
    )


# --- sections --------------------------------------------------------------------------


def _notices(page: _Page) -> str:
    notices = getattr(page.brief, "notices", None) or []
    if not notices:
        return ""
    rows = "".join(f"<li>{_e(n)}</li>" for n in notices)
    return f'<section id="notices" class="notices"><h2>Notices</h2><ul>{rows}</ul></section>'


def _summary(page: _Page) -> str:
    summary = getattr(page.brief, "summary", None)
    if summary is None:
        return ""
    sentences = getattr(summary, "sentences", []) or []
    removed = getattr(summary, "removed", []) or []
    parts = ['<section id="summary"><h2>Summary</h2>']
    if sentences:
        parts.append('<p class="summary">' + " ".join(_e(s) for s in sentences) + "</p>")
    else:
        parts.append('<p class="none">No summary sentence passed the check.</p>')
    if removed:
        parts.append(
            f"<details><summary>{len(removed)} sentences removed by the check</summary><ul>"
        )
        for r in removed:
            parts.append(
                f'<li><span class="struck">{_e(r.text)}</span> '
                f'<span class="reason">{_e(r.reason)}</span></li>'
            )
        parts.append("</ul></details>")
    parts.append("</section>")
    return "".join(parts)


def _figures(page: _Page, total: int) -> str:
    figures = page.brief.figures
    parts = [f'<section id="figures"><h2>Figures <small>{len(figures)}</small></h2>']
    if not figures:
        parts.append('<p class="none">No figure could be verified.</p>')
    parts.append('<ul class="items">')
    for f in figures:
        item_id = page.item("f", _spans(f.sources))
        qualifier = getattr(f, "qualifier", None)
        value = f"{qualifier + ' ' if qualifier else ''}{f.value}"
        unit = f' <span class="unit">{_e(f.unit)}</span>' if f.unit else ""
        scan = (
            ' <span class="badge b-scan" title="found by the validator, not the model">scan</span>'
            if getattr(f, "extracted", True) is False
            else ""
        )
        body = (
            f'<div class="head"><b class="value">{_e(value)}</b>{unit} '
            f'<span class="what">{_e(f.counted)}</span></div>'
            f'<div class="meta">{_badge(f.verdict)} {_support(f)}{scan} '
            f"{_outlets(f.sources, total)}</div>"
        )
        parts.append(_clickable(item_id, body, f"{value} {f.counted}", css="figure"))
    parts.append("</ul></section>")
    return "".join(parts)


def _discrepancies(page: _Page, total: int) -> str:
    found = getattr(page.brief, "discrepancies", None)
    if found is None:
        return ""
    parts = [f'<section id="discrepancies"><h2>Discrepancies <small>{len(found)}</small></h2>']
    if not found:
        parts.append('<p class="none">The sources agree on every figure.</p>')
    for d in found:
        values = list(getattr(d, "values", []))
        all_spans = [sp for v in values for sp in _spans(v.sources)]
        card_id = page.item("d", all_spans)
        parts.append(
            f'<div class="disc" data-kind="{_e(d.kind)}">'
            + _clickable(
                card_id,
                f"{_badge(d.kind)} <b>{_e(d.counted)}</b>"
                f'<div class="note">{_e(getattr(d, "note", ""))}</div>',
                f"{d.kind}: {d.counted}",
                tag="div",
                css="disc-head",
            )
            + '<div class="sides">'
        )
        for v in values:
            value_id = page.item("d", _spans(v.sources))
            qualifier = getattr(v, "qualifier", None)
            bound = (
                f' <span class="what">({_e(str(qualifier).replace("_", " "))})</span>'
                if qualifier
                else ""
            )
            parts.append(
                _clickable(
                    value_id,
                    f'<b class="value">{_e(v.value)}</b>{bound}'
                    f'<div class="meta">{_outlets(v.sources, total)}</div>',
                    f"{v.value} ({', '.join(sorted({x.outlet for x in v.sources}))})",
                    tag="div",
                    css="side",
                )
            )
        parts.append("</div></div>")
    parts.append("</section>")
    return "".join(parts)


def _actors(page: _Page) -> str:
    actors = page.brief.actors
    parts = [f'<section id="actors"><h2>Actors <small>{len(actors)}</small></h2><ul class="items">']
    for a in actors:
        item_id = page.item("a", a.mentions)
        aka = f' <span class="aka">also: {_e(", ".join(a.aliases))}</span>' if a.aliases else ""
        roles = f' <span class="role">{_e(", ".join(a.roles))}</span>' if a.roles else ""
        body = (
            f'<div class="head"><b>{_e(a.name)}</b>{roles}{aka}</div>'
            f'<div class="meta"><span class="count">{len(a.outlets)} outlets</span> '
            f"{len(a.mentions)} mentions: "
            + " ".join(f'<span class="chip">{_e(o)}</span>' for o in a.outlets)
            + "</div>"
        )
        parts.append(_clickable(item_id, body, a.name))
    parts.append("</ul></section>")
    return "".join(parts)


def _claims(page: _Page, total: int) -> str:
    claims = page.brief.claims
    parts = [f'<section id="claims"><h2>Claim ledger <small>{len(claims)}</small></h2>']
    parts.append('<ul class="items">')
    for c in claims:
        item_id = page.item("c", _spans(c.sources))
        who = f' <span class="who">— {_e(c.claimant)}</span>' if c.claimant else ""
        body = (
            f'<div class="head">{_e(c.text)}{who}</div>'
            f'<div class="meta">{_badge(c.verdict)} {_support(c)} '
            f"{_outlets(c.sources, total)}</div>"
        )
        parts.append(_clickable(item_id, body, c.text))
    parts.append("</ul></section>")
    return "".join(parts)


def _quotes(page: _Page, total: int) -> str:
    quotes = page.brief.quotes
    parts = [f'<section id="quotes"><h2>Quotes <small>{len(quotes)}</small></h2><ul class="items">']
    for q in quotes:
        item_id = page.item("q", _spans(q.sources))
        body = (
            f'<div class="head"><q>{_e(q.quote)}</q> <span class="who">— {_e(q.speaker)}</span>'
            f'</div><div class="meta">{_badge(q.verdict)} {_support(q)} '
            f"{_outlets(q.sources, total)}</div>"
        )
        parts.append(_clickable(item_id, body, f"“{q.quote}” — {q.speaker}"))
    parts.append("</ul>")
    variants = getattr(page.brief, "quote_variants", None) or []
    if variants:
        parts.append(f"<h3>Rendered differently <small>{len(variants)}</small></h3>")
    for v in variants:
        renderings = list(getattr(v, "renderings", []))
        card_id = page.item("v", [sp for r in renderings for sp in _spans(r.sources)])
        similarity = getattr(v, "similarity", None)
        alike = f" · {similarity:.0%} alike" if isinstance(similarity, float) else ""
        parts.append(
            '<div class="disc">'
            + _clickable(
                card_id,
                f"<b>{_e(v.speaker)}</b>{_e(alike)}",
                f"{v.speaker}, rendered differently",
                tag="div",
                css="disc-head",
            )
            + '<div class="sides">'
        )
        for r in renderings:
            r_id = page.item("v", _spans(r.sources))
            parts.append(
                _clickable(
                    r_id,
                    f'<q>{_e(r.text)}</q><div class="meta">{_outlets(r.sources, total)}</div>',
                    f"“{r.text}”",
                    tag="div",
                    css="side",
                )
            )
        parts.append("</div></div>")
    parts.append("</section>")
    return "".join(parts)


def _rejected(page: _Page) -> str:
    rejected = page.brief.rejected
    parts = [
        f'<section id="rejected"><h2>Rejected <small>{len(rejected)}</small></h2>'
        '<p class="hint">What the model said and the sources do not bear out.</p>'
    ]
    if not rejected:
        parts.append('<p class="none">Nothing was rejected.</p>')
    parts.append('<ul class="items rejected">')
    for r in rejected:
        spans = [r.span] if r.span is not None else []
        item_id = page.item("r", spans)
        where = "" if spans else ' <span class="nospan">no span</span>'
        body = (
            f'<div class="head"><span class="kind">{_e(r.kind)}</span> '
            f'<span class="struck">{_e(r.item)}</span></div>'
            f'<div class="meta">{_badge(r.verdict)} <span class="chip">{_e(r.outlet)}</span>'
            f'{where} <span class="reason">{_e(r.reason)}</span></div>'
        )
        parts.append(_clickable(item_id, body, f"rejected {r.kind}: {r.item}"))
    parts.append("</ul></section>")
    return "".join(parts)


def _failures(page: _Page) -> str:
    failures = page.brief.failures
    if not failures:
        return ""
    parts = [f'<section id="failures"><h2>Failures <small>{len(failures)}</small></h2><ul>']
    for f in failures:
        parts.append(
            f'<li class="failure"><b>{_e(f.stage)}</b> {_e(f.subject)}: '
            f'<span class="reason">{_e(f.reason)}</span></li>'
        )
    parts.append("</ul></section>")
    return "".join(parts)


def _run(brief: Brief) -> str:
    rows = "".join(
        f"<tr><th>{_e(name)}</th><td>{_e(value)}</td></tr>"
        for name, value in brief.run.model_dump().items()
    )
    return f'<section id="run"><h2>Run</h2><table class="run">{rows}</table></section>'


def _article_text(article: ArticleRef, marks: _Marks) -> str:
    """The original text cut at every boundary; covered pieces carry their items' ids."""
    text = article.text
    cuts = {0, len(text)}
    segments = [(max(0, s), min(len(text), e)) for s, e in article.segments]
    for s, e in segments:
        cuts.update((s, e))
    for s, e, _ in marks.spans:
        cuts.update((s, e))
    bounds = sorted(cuts)
    # A sweep: spans sorted by start enter as the cursor passes them and leave at their end.
    by_start = sorted(marks.spans)
    active: list[tuple[int, int, str]] = []
    nxt = 0
    seg_i = 0
    out: list[str] = []
    for a, b in itertools.pairwise(bounds):
        while nxt < len(by_start) and by_start[nxt][0] <= a:
            active.append(by_start[nxt])
            nxt += 1
        active = [m for m in active if m[1] > a]
        while seg_i < len(segments) and segments[seg_i][1] <= a:
            seg_i += 1
        kept = seg_i < len(segments) and segments[seg_i][0] <= a < segments[seg_i][1]
        piece = _e(text[a:b])
        covering = [m for m in active if m[0] <= a and m[1] >= b]
        if covering:
            ids = " ".join(dict.fromkeys(m[2] for m in covering))
            begins = " ".join(dict.fromkeys(m[2] for m in covering if m[0] == a))
            begin_attr = f' data-b="{begins}"' if begins else ""
            css = "" if kept else ' class="bp"'
            out.append(f'<mark data-i="{ids}"{begin_attr}{css}>{piece}</mark>')
        elif kept:
            out.append(piece)
        else:
            out.append(f'<span class="bp">{piece}</span>')
    return "".join(out)


def _articles(page: _Page) -> str:
    parts = ['<section id="articles"><h2>Articles</h2>']
    for n, art in enumerate(page.brief.articles, start=1):
        facts = [art.source, f"{art.chars:,} chars", f"{art.kept_chars:,} kept"]
        if art.published:
            facts.insert(0, art.published)
        url = getattr(art, "url", None)
        link = ""
        if url and url.startswith(("http://", "https://")):
            link = f' · <a href="{_e(url)}" rel="noopener noreferrer nofollow">{_e(url)}</a>'
        parts.append(
            f'<article class="art" id="art-{n}" data-article="{_e(art.id)}">'
            f'<header><b class="outlet">{_e(art.outlet)}</b> '
            f'<span class="hits"></span>'
            f'<div class="title">{_e(art.title or "(untitled)")}</div>'
            f'<div class="facts">{_e(" · ".join(facts))}{link}</div></header>'
            f'<div class="text">{_article_text(art, page.marks[art.id])}</div></article>'
        )
    parts.append("</section>")
    return "".join(parts)


# --- the page ----------------------------------------------------------------------------

_CSS = """
:root{--fg:#1d232a;--muted:#5f6b76;--line:#dde3e8;--bg:#f6f8fa;--mark:#fff0a8;--on:#ffb020;
--ok:#1a7f37;--bad:#c62828;--warn:#a15c00;--blue:#1f5fbf}
*{box-sizing:border-box}
body{margin:0;font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--fg);
background:#fff}
.layout{display:grid;grid-template-columns:minmax(0,1fr) minmax(0,1fr)}
.pane{height:100vh;overflow:auto;padding:0 20px 40vh}
.left{border-right:1px solid var(--line)}
.right{background:var(--bg)}
@media (max-width:900px){.layout{display:block}
.pane{height:auto;overflow:visible;padding-bottom:20px}}
h1{font-size:22px;margin:16px 0 4px}
h2{font-size:17px;margin:22px 0 8px;border-bottom:1px solid var(--line);padding-bottom:4px}
h3{font-size:15px;margin:14px 0 6px}
h2 small,h3 small{color:var(--muted);font-weight:normal}
.lede{color:var(--muted);margin:0 0 8px}
.summary{font-size:16px}
ul{padding-left:0;margin:0}
li{list-style:none}
ul:not(.items) li{margin:4px 0 4px 18px;list-style:disc}
.item{padding:6px 8px;margin:3px 0;border:1px solid transparent;border-radius:6px;cursor:pointer}
.item:hover{background:var(--bg);border-color:var(--line)}
.item:focus{outline:2px solid var(--blue);outline-offset:1px}
.item.sel{background:#fff7db;border-color:var(--on)}
.head .value{font-size:17px}
.what,.who,.aka,.role,.unit{color:var(--muted)}
.meta{font-size:13px;color:var(--muted);margin-top:2px}
.badge{display:inline-block;font-size:12px;line-height:18px;padding:0 7px;border-radius:9px;
background:#e8ecef;color:var(--fg);font-weight:600}
.b-verified,.b-corroborated{background:#dcf3e3;color:var(--ok)}
.b-mismatch,.b-unsupported,.b-conflict{background:#fde2e2;color:var(--bad)}
.b-variant,.b-speaker-unconfirmed,.b-rounding,.b-qualifier,.b-scope,.b-single-source{
background:#fff0d6;color:var(--warn)}
.b-scan{background:#e3ecfa;color:var(--blue)}
.chip{display:inline-block;font-size:12px;padding:0 6px;margin:1px 2px;border:1px solid var(--line);
border-radius:4px;background:#fff;color:var(--fg)}
.count{font-weight:600;color:var(--fg)}
.disc{border:1px solid var(--line);border-radius:8px;margin:8px 0;padding:4px}
.disc .note{font-size:13px;color:var(--muted)}
.sides{display:grid;grid-template-columns:repeat(auto-fit,minmax(140px,1fr));gap:6px}
.side{background:var(--bg);margin:0}
.struck{text-decoration:line-through;text-decoration-color:var(--bad)}
.reason{color:var(--bad)}
.kind{font-size:12px;text-transform:uppercase;color:var(--muted);letter-spacing:.04em}
.nospan{font-size:12px;color:var(--muted);font-style:italic}
.none,.hint{color:var(--muted);font-style:italic}
.failure .reason{color:var(--bad)}
.notices{background:#fff6e0;border:1px solid #f0d9a8;border-radius:8px;padding:2px 12px 8px}
.notices h2{border:0;margin-top:8px}
table.run{border-collapse:collapse;font-size:13px}
table.run th{text-align:left;font-weight:normal;color:var(--muted);padding:1px 12px 1px 0}
.bar{position:sticky;top:0;z-index:2;background:var(--bg);padding:10px 0 8px;
border-bottom:1px solid var(--line);display:flex;gap:8px;align-items:center;font-size:13px}
.bar button{font:inherit;padding:1px 8px}
.bar .current{flex:1;overflow:hidden;white-space:nowrap;text-overflow:ellipsis}
.art{background:#fff;border:1px solid var(--line);border-radius:8px;margin:12px 0;padding:12px 16px}
.art header .title{font-weight:600}
.art header .facts{font-size:12px;color:var(--muted);overflow-wrap:anywhere}
.art .hits{font-size:12px;color:var(--warn);font-weight:600}
.art .text{white-space:pre-wrap;overflow-wrap:anywhere;margin-top:8px}
.bp{color:#9aa4ad}
mark{background:var(--mark);color:inherit;border-radius:2px;cursor:pointer}
body[data-selected] mark:not(.on){background:#fff8d9}
mark.on{background:var(--on);box-shadow:0 0 0 1px var(--on)}
mark.cur{box-shadow:0 2px 0 0 var(--bad);background:#ff9a3c}
"""

_JS = """
(function () {
  "use strict";
  var items = Array.prototype.slice.call(document.querySelectorAll("[data-item]"));
  var bar = document.getElementById("current");
  var pos = document.getElementById("pos");
  var anchors = [];
  var at = 0;
  var selected = null;
  function has(el, attr, id) {
    return (" " + (el.getAttribute(attr) || "") + " ").indexOf(" " + id + " ") >= 0;
  }
  function marks(attr, id) {
    return Array.prototype.slice.call(document.querySelectorAll("mark[" + attr + "]"))
      .filter(function (m) { return has(m, attr, id); });
  }
  function go(i) {
    if (!anchors.length) { pos.textContent = "0 / 0"; return; }
    at = (i + anchors.length) % anchors.length;
    document.querySelectorAll("mark.cur").forEach(function (m) { m.classList.remove("cur"); });
    var m = anchors[at];
    var id = document.body.getAttribute("data-selected");
    // The whole span: its first piece and the adjacent pieces that continue it.
    for (var p = m; p && p.tagName === "MARK" && has(p, "data-i", id); p = p.nextSibling) {
      if (p !== m && has(p, "data-b", id)) { break; }
      p.classList.add("cur");
    }
    m.scrollIntoView({block: "center", inline: "nearest"});
    pos.textContent = (at + 1) + " / " + anchors.length;
  }
  function select(el) {
    var id = el.getAttribute("data-item");
    document.body.setAttribute("data-selected", id);
    document.querySelectorAll("mark.on").forEach(function (m) {
      m.classList.remove("on"); m.classList.remove("cur");
    });
    if (selected) { selected.classList.remove("sel"); }
    selected = el;
    el.classList.add("sel");
    marks("data-i", id).forEach(function (m) { m.classList.add("on"); });
    anchors = marks("data-b", id);
    document.querySelectorAll("article.art").forEach(function (art) {
      var n = anchors.filter(function (m) { return art.contains(m); }).length;
      art.querySelector(".hits").textContent = n ? n + (n > 1 ? " spans" : " span") : "";
    });
    bar.textContent = el.getAttribute("data-label") || "";
    go(0);
  }
  items.forEach(function (el) {
    el.addEventListener("click", function (ev) { ev.stopPropagation(); select(el); });
    el.addEventListener("keydown", function (ev) {
      if (ev.key === "Enter" || ev.key === " ") { ev.preventDefault(); select(el); }
    });
  });
  document.querySelectorAll("mark[data-i]").forEach(function (m) {
    m.addEventListener("click", function () {
      var ids = (m.getAttribute("data-i") || "").split(" ");
      var el = document.querySelector('[data-item="' + ids[0] + '"]');
      if (el) { el.scrollIntoView({block: "center"}); select(el); }
    });
  });
  document.getElementById("prev").addEventListener("click", function () { go(at - 1); });
  document.getElementById("next").addEventListener("click", function () { go(at + 1); });
  document.addEventListener("keydown", function (ev) {
    if (ev.target && ev.target.tagName === "INPUT") { return; }
    if (ev.key === "n") { go(at + 1); }
    if (ev.key === "p") { go(at - 1); }
  });
})();
"""


def _hash(source: str) -> str:
    digest = hashlib.sha256(source.encode("utf-8")).digest()
    return "'sha256-" + base64.b64encode(digest).decode("ascii") + "'"


# Only this page's own style and script may run; nothing may be fetched.
CSP = (
    f"default-src 'none'; style-src {_hash(_CSS)}; script-src {_hash(_JS)}; "
    "img-src data:; base-uri 'none'; form-action 'none'"
)


def _title(brief: Brief) -> str:
    titles = [a.title for a in brief.articles if a.title]
    return titles[0] if titles else "Brief"


def to_html(brief: Brief) -> str:
    """The brief as one HTML page that needs nothing else: no fetch, no external file."""
    page = _Page(brief)
    total = len(brief.articles)
    run = brief.run
    lede = (
        f"{run.articles} articles · {len(brief.figures)} figures · {len(brief.claims)} claims · "
        f"{len(brief.quotes)} quotes · {run.verified} items verified, {run.rejected} rejected"
        + (f", {len(brief.failures)} failures" if brief.failures else "")
        + f" · {run.model} ({run.backend})"
    )
    left = "".join(
        [
            f"<h1>{_e(_title(brief))}</h1>",
            f'<p class="lede">{_e(lede)}</p>',
            '<p class="hint">Click an item to mark its evidence in every article that '
            "carries it; n / p step through the marks.</p>",
            _notices(page),
            _summary(page),
            _figures(page, total),
            _discrepancies(page, total),
            _actors(page),
            _claims(page, total),
            _quotes(page, total),
            _rejected(page),
            _failures(page),
            _run(brief),
        ]
    )
    right = (
        '<div class="bar"><button id="prev" type="button" title="previous mark (p)">◀</button>'
        '<span id="pos">0 / 0</span>'
        '<button id="next" type="button" title="next mark (n)">▶</button>'
        '<span class="current" id="current">Select an item</span></div>' + _articles(page)
    )
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{_e(CSP)}">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f'<meta name="generator" content="storysum, brief schema {_e(brief.schema_version)}">'
        f"<title>{_e(_title(brief))} — storysum brief</title>"
        f"<style>{_CSS}</style></head>"
        f'<body><div class="layout"><main class="pane left">{left}</main>'
        f'<aside class="pane right">{right}</aside></div>'
        f"<script>{_JS}</script></body></html>\n"
    )
