"""Merging: one entry per actor, figures grouped by what they count."""

from __future__ import annotations

import pytest

import storysum.merging.quotes as merging_quotes
from storysum.articles import make_article
from storysum.merging import merge_actors, merge_quotes, name_key, name_tokens
from storysum.merging.text import WordIndex
from storysum.models import Article, ExtractedActor, ExtractedQuote, Span, Verdict
from storysum.quotes import PreparedSource, QuoteVerdict, verify_quote
from storysum.validation import Checked

ARTICLE = make_article(
    "A placeholder story sentence long enough to be kept.", source="x", outlet="X"
)


def actor(name: str, outlet: str = "X") -> Checked:
    article = make_article(
        f"A story sentence from {outlet} that is long enough.", source=outlet, outlet=outlet
    )
    span = Span(article_id=article.id, start=0, end=1, text="A")
    return Checked("actor", ExtractedActor(name=name), article, "c", Verdict.VERIFIED, "", span)


@pytest.mark.parametrize(
    "name,tokens",
    [
        ("Venezuelan President Nicolás Maduro", ["Nicolás", "Maduro"]),
        ("Venezuela’s President Nicolás Maduro", ["Nicolás", "Maduro"]),
        ("Venezuela's Defense Minister Vladimir Padrino López", ["Vladimir", "Padrino", "López"]),
        ("President Donald Trump", ["Donald", "Trump"]),
        ("Russian state defense exporter Rosoboronexport", ["Rosoboronexport"]),
        ("CIA", ["CIA"]),
        ("Colombia’s Gustavo Petro", ["Gustavo", "Petro"]),
    ],
)
def test_name_tokens(name, tokens):
    assert name_tokens(name) == tokens


def test_accents_and_case_fold_in_the_key_only():
    assert name_key("Nicolás MADURO") == name_key("Nicolas Maduro") == ("nicolas", "maduro")


def test_aliases_merge_into_the_fullest_name():
    names = [
        "Venezuelan President Nicolás Maduro",
        "Maduro",
        "Nicolás Maduro",
        "Vladimir Padrino",
        "Vladimir Padrino López",
        "Donald Trump",
        "President Trump",
    ]
    actors = merge_actors([actor(n, outlet=f"O{i}") for i, n in enumerate(names)], [])
    by_name = {a.name: a for a in actors}
    assert set(by_name) == {"Nicolás Maduro", "Vladimir Padrino López", "Donald Trump"}
    assert by_name["Nicolás Maduro"].outlets == ["O0", "O1", "O2"]
    assert "Maduro" in by_name["Nicolás Maduro"].aliases


def test_a_shared_surname_does_not_merge_two_people():
    actors = merge_actors([actor("Donald Trump"), actor("Melania Trump"), actor("Trump")], [])
    assert sorted(a.name for a in actors) == ["Donald Trump", "Melania Trump", "Trump"]


def test_rejected_actors_are_not_merged():
    bad = actor("Hugo Chávez")
    bad = Checked("actor", bad.item, bad.article, "c", Verdict.UNSUPPORTED, "absent", None)
    assert merge_actors([bad], []) == []


# --------------------------------------------------------------------------- scaling

WIRE = "We are certainly looking at land now, because we’ve got the sea very well under control"
REWORDED = "We are looking at land now, because we’ve got the sea well under control"


def quoted(article: Article, quote: str, speaker: str) -> Checked:
    start = article.text.index(quote)
    span = Span(article_id=article.id, start=start, end=start + len(quote), text=quote)
    return Checked(
        "quote",
        ExtractedQuote(quote=quote, speaker=speaker),
        article,
        "c",
        Verdict.VERIFIED,
        "",
        span,
        "verbatim",
    )


def coverage(n: int) -> tuple[list[Checked], list[Article]]:
    """``n`` outlets on one story. Each quotes its own official in the frame every outlet
    shares ("We will not be intimidated by 7 ships ..."): the quote the old scan checked
    against every article. Every third outlet carries a wire quote, every fifth a rewording;
    the model extracted the wire quote in the first outlet only: the scan finds the others."""
    items, articles = [], []
    for i in range(n):
        own = f"We will not be intimidated by {i + 2} ships off our coast, not today, not ever"
        paragraphs = [
            "The standoff off the coast entered another week on Monday, officials said, as "
            "ships from both navies held their positions near the port.",
            f"“{own},” said Ana Ruiz, the regional governor, speaking to reporters in the "
            "harbour town.",
            "Residents of the coastal towns said they were waiting for news from the capital.",
        ]
        if i % 3 == 0:
            paragraphs.append(f"“{WIRE},” the president told reporters at the White House.")
        elif i % 5 == 1:
            paragraphs.append(f"“{REWORDED},” the president told reporters.")
        article = make_article("\n\n".join(paragraphs), source=f"a{i}.txt", outlet=f"Outlet {i}")
        articles.append(article)
        items.append(quoted(article, own, "Ana Ruiz"))
        if i == 0:
            items.append(quoted(article, WIRE, "the president"))
    return items, articles


def test_quote_scan_grows_with_the_articles_not_their_square(monkeypatch):
    """Every outlet's own quote shares all its words but one figure with every other article;
    verify_quote is only called where the quote can be, so 4x the articles is ~4x the calls
    (quotes x articles, as the scan once was, is ~16x). Counted, not timed."""
    calls = 0
    real = merging_quotes.verify_quote

    def counting(*args, **kwargs):
        nonlocal calls
        calls += 1
        return real(*args, **kwargs)

    monkeypatch.setattr(merging_quotes, "verify_quote", counting)
    counts, found = {}, {}
    for n in (15, 60):
        calls = 0
        items, articles = coverage(n)
        quotes, variants = merge_quotes(items, articles, [])
        counts[n] = calls
        sources = [s for q in quotes for s in q.sources]
        sources += [s for v in variants for r in v.renderings for s in r.sources]
        found[n] = {(s.article_id, s.span.start) for s in sources if s.found_by == "scan"}
    assert counts[60] / counts[15] < 6, counts
    # Most calls find the quote: the blocking leaves little else to check.
    assert all(counts[n] <= 2 * len(found[n]) for n in counts), (counts, found)
    # ... and blocked nothing it should find: the wire quote is credited to every outlet
    # that carries it, the rewording is reported as a variant, every own quote is kept.
    wire = next(q for q in quotes if q.quote == WIRE)
    carriers = {a.id for i, a in enumerate(articles) if i % 3 == 0}
    assert {s.article_id for s in wire.sources} == carriers
    [variant] = variants
    assert {r.text for r in variant.renderings} == {WIRE, REWORDED}
    assert len(quotes) == 60 + 1


def test_quote_blocking_keeps_a_verbatim_match_typed_differently():
    """Dashes typed with spaces or as en dashes are the same words to verify_quote: the outlet
    is credited, though its words split differently ("well", "known" vs "well-known")."""
    texts = {
        "A": "Officials said the plan was “a well-known, long-standing policy” and would stay.",
        "B": "The plan is “a well — known, long–standing policy”, officials said on Monday.",
        "C": "Critics called it “a well-known idea” and nothing more than that, they said.",
        "D": "Nobody said anything about the policy on Monday, officials said.",
    }
    articles = [make_article(t, source=k, outlet=k) for k, t in texts.items()]
    item = quoted(articles[0], "a well-known, long-standing policy", "officials")
    quotes, _ = merge_quotes([item], articles, [])
    [quote] = quotes
    assert {s.outlet: s.verdict for s in quote.sources} == {"A": "verbatim", "B": "verbatim"}


def test_quote_blocking_never_drops_a_verbatim_match():
    """Against brute force: every article where verify_quote finds a quote verbatim is among
    the candidates the index hands it."""
    items, articles = coverage(16)
    extra = [
        "Officials said the plan was “a well-known, long-standing policy” and would stay.",
        "The plan is “a well — known, long–standing policy”, officials said on Monday.",
        "“We are certainly looking at land now … under control,” the president said again.",
    ]
    articles += [make_article(t, source=f"x{i}", outlet=f"X{i}") for i, t in enumerate(extra)]
    blocker = merging_quotes._Blocker(
        {a.id: PreparedSource(a.text) for a in articles},
        {a.id: WordIndex(a.text) for a in articles},
    )
    quotes = {c.item.quote for c in items} | {
        WIRE,
        REWORDED,
        "a well-known, long-standing policy",
        "We are certainly looking at land now ... under control",
        "looking at land",
    }
    for quote in sorted(quotes):
        verbatim = {
            a.id
            for a in articles
            if verify_quote(quote, None, a.text).verdict is QuoteVerdict.VERBATIM
        }
        assert verbatim, quote
        assert verbatim <= blocker.candidates(quote), quote
