"""Chunking: sizes respected, sentences whole, article covered, overlap where asked."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from storysum.articles import load_articles, make_article
from storysum.chunking import chunk_article, sentences

SEEDS = Path(__file__).resolve().parent.parent / "seeds"


def covered(article, chunks):
    spans = set()
    for c in chunks:
        for s, e in c.pieces:
            spans.update(range(s, e))
    return spans


@pytest.mark.parametrize("max_chars,overlap", [(1400, 200), (600, 150), (300, 0), (5000, 0)])
def test_seed_chunks_cover_the_kept_text_within_budget(max_chars, overlap):
    for article in load_articles([SEEDS]).articles:
        chunks = chunk_article(article, max_chars, overlap)
        kept = set()
        for s, e in article.segments:
            kept.update(i for i in range(s, e) if not article.text[i].isspace())
        assert kept <= covered(article, chunks)
        for chunk in chunks:
            assert len(chunk.text(article)) <= max_chars
            assert chunk.id == f"{article.id}#{chunk.index}"


def test_sentences_respect_abbreviations_and_initials():
    text = "The U.S. has sent 4,500 Marines. Mr. Smith said no. Donald J. Trump agreed! Then “we left.” Done"
    got = [text[s:e] for s, e in sentences(text)]
    assert got == [
        "The U.S. has sent 4,500 Marines.",
        "Mr. Smith said no.",
        "Donald J. Trump agreed!",
        "Then “we left.”",
        "Done",
    ]


def test_overlap_repeats_the_last_sentences():
    text = " ".join(f"Sentence number {i} says something about the story." for i in range(30))
    article = make_article(text, source="x", outlet="x")
    chunks = chunk_article(article, 300, 120)
    assert len(chunks) > 3
    for a, b in itertools.pairwise(chunks):
        assert b.start < a.end  # they share text
        assert b.start > a.start  # and progress


def test_a_sentence_longer_than_the_budget_is_cut_at_spaces():
    text = "word " * 400 + "end."
    article = make_article(text, source="x", outlet="x")
    chunks = chunk_article(article, 300, 0)
    assert all(len(c.text(article)) <= 300 for c in chunks)
    assert "".join(c.text(article).replace(" ", "") for c in chunks) == text.replace(" ", "")


@settings(max_examples=60, deadline=None)
@given(
    paragraphs=st.lists(
        st.lists(st.text(alphabet="abcdefgh ", min_size=1, max_size=80), min_size=1, max_size=6),
        min_size=1,
        max_size=8,
    ),
    max_chars=st.integers(200, 800),
    overlap=st.integers(0, 200),
)
def test_property_chunks_cover_everything_and_fit(paragraphs, max_chars, overlap):
    text = "\n\n".join(
        " ".join("Xx " + s.strip() + "." for s in para if s.strip()) or "Filler words here."
        for para in paragraphs
    )
    article = make_article(text, source="x", outlet="x")
    chunks = chunk_article(article, max_chars, overlap)
    kept = {i for s, e in article.segments for i in range(s, e) if not text[i].isspace()}
    assert kept <= covered(article, chunks)
    assert all(len(c.text(article)) <= max_chars for c in chunks)
