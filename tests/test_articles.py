"""Ingest: boilerplate stripped, offsets exact, bad input named."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from storysum.articles import find_segments, load_articles
from storysum.errors import InputError, NoArticlesError

SEEDS = Path(__file__).resolve().parent.parent / "seeds"


@pytest.fixture(scope="module")
def seeds():
    return load_articles([SEEDS]).articles


def test_reads_the_five_seeds_with_stable_ids(seeds):
    assert len(seeds) == 5
    again = load_articles([SEEDS]).articles
    assert [a.id for a in seeds] == [a.id for a in again]
    assert len({a.id for a in seeds}) == 5


def test_segments_are_exact_slices_of_the_original(seeds):
    for article in seeds:
        original = (SEEDS / Path(article.source).name).read_text(encoding="utf-8")
        assert article.text == original
        for start, end in article.segments:
            piece = article.text[start:end]
            assert piece == piece.strip() and piece


@pytest.mark.parametrize(
    "boilerplate",
    [
        "Continue Reading",
        "Trending",
        "Copyright ©",
        "All rights reserved",
        "SoFi Technologies Shares Slip 2%",
        "3 months ago",
        "What questions do you have",
        "Connect with us",
        "Top Stories",
        "LATEST NEWS",
        "Creator:",
        "Lifestyle3 months ago",
        "Stonehenge Bluestones",
    ],
)
def test_no_boilerplate_reaches_the_story(seeds, boilerplate):
    for article in seeds:
        assert boilerplate not in article.body()


@pytest.mark.parametrize(
    "story",
    [
        "Venezuela has no less than 5,000 of them",
        "4,500 Marines and sailors",
        "maximum operational range of 6,000 meters",
        "March 13, 2024",
        "4.5 million militia members",
        "Colombia recalled its ambassador to Washington in protest",
        "mobilized over 8 million reservists",
    ],
)
def test_the_story_itself_is_kept(seeds, story):
    assert any(story in a.body() for a in seeds)


def test_bullets_and_indentation_are_trimmed_without_moving_offsets():
    text = "Headline of the story here\n\n  • First point of the story, with a figure of 12.\n- Second point: more words here.\n"
    segs = find_segments(text)
    assert [text[s:e] for s, e in segs] == [
        "Headline of the story here",
        "First point of the story, with a figure of 12.",
        "Second point: more words here.",
    ]


def test_chatbot_trailer_dropped_but_a_question_in_the_story_kept():
    text = (
        "Is the ceasefire holding? Officials in the capital said on Monday it was, for now.\n"
        "The talks resume on Friday, according to two diplomats who spoke to reporters.\n"
        "Would you like me to summarise the key points of this article for you?\n"
    )
    kept = [text[s:e] for s, e in find_segments(text)]
    assert kept[0].startswith("Is the ceasefire holding?")
    assert len(kept) == 2


def test_jsonl_with_metadata(tmp_path):
    path = tmp_path / "wire.jsonl"
    rows = [
        {
            "text": "Officials said 12 people were hurt in the blast on Monday morning in the city.",
            "outlet": "Wire One",
            "title": "Blast",
            "url": "https://example.org/a",
        },
        {"text": "Police said 14 people were hurt in the blast on Monday, raising the toll."},
    ]
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n", encoding="utf-8")
    articles = load_articles([path]).articles
    assert [a.outlet for a in articles] == ["Wire One", "wire:2"]
    assert articles[0].title == "Blast" and articles[0].url == "https://example.org/a"


def test_jsonl_broken_line_is_named(tmp_path):
    path = tmp_path / "bad.jsonl"
    good = json.dumps({"text": "A full sentence about the story that is long enough to keep."})
    path.write_text(good + "\n{not json\n" + json.dumps({"txt": "x"}) + "\n", encoding="utf-8")
    result = load_articles([path])
    assert len(result.articles) == 1
    assert [(Path(f.subject).name, f.reason.split(" (")[0]) for f in result.failures] == [
        ("bad.jsonl:2", "invalid JSON"),
        ("bad.jsonl:3", "each line needs an object with a 'text' string"),
    ]
    (tmp_path / "worse.jsonl").write_text("{not json\n", encoding="utf-8")
    with pytest.raises(NoArticlesError, match=r"worse.jsonl:1: invalid JSON"):
        load_articles([tmp_path / "worse.jsonl"])


def test_one_bad_file_does_not_stop_the_others(tmp_path):
    (tmp_path / "good.txt").write_text(
        "The mayor said on Tuesday that 300 homes were flooded after the storm.\n", encoding="utf-8"
    )
    (tmp_path / "empty.txt").write_text("  \n", encoding="utf-8")
    (tmp_path / "binary.txt").write_bytes(b"\x00\x01\x02garbage")
    (tmp_path / "latin1.txt").write_bytes("caf\xe9 au lait".encode("latin-1"))
    (tmp_path / "notes.pdf").write_bytes(b"%PDF-1.4")
    result = load_articles([tmp_path])
    assert [a.outlet for a in result.articles] == ["good"]
    reasons = {Path(f.subject).name: f.reason for f in result.failures}
    assert reasons["empty.txt"] == "empty file"
    assert reasons["binary.txt"] == "binary file, not text"
    assert reasons["latin1.txt"].startswith("not valid UTF-8")
    assert "unsupported file type" in reasons["notes.pdf"]


def test_missing_path_is_an_input_error(tmp_path):
    with pytest.raises(InputError, match="no such file"):
        load_articles([tmp_path / "nope.txt"])


def test_duplicates_are_reported_once(tmp_path):
    text = "The council approved a budget of $2.5bn on Thursday after a long debate.\n"
    (tmp_path / "a.txt").write_text(text, encoding="utf-8")
    (tmp_path / "b.txt").write_text(text, encoding="utf-8")
    result = load_articles([tmp_path])
    assert len(result.articles) == 1
    assert [Path(d).name for d in result.duplicates] == ["b.txt"]


def test_size_limit(tmp_path):
    path = tmp_path / "big.txt"
    path.write_text("A sentence that is long enough to count as a story paragraph.\n" * 100)
    result = load_articles([path, SEEDS], max_bytes=4000)
    assert any("over the 4,000-byte limit" in f.reason for f in result.failures)


def test_html_main_text_is_extracted(tmp_path):
    page = tmp_path / "story.html"
    body = " ".join(
        ["The ministry said 1,200 troops were deployed to the border region on Sunday."] * 3
    )
    page.write_text(
        f"<html><head><title>Troops deployed</title></head><body><nav>Home | World | Sport</nav>"
        f"<article><h1>Troops deployed</h1><p>{body}</p><p>{body}</p></article>"
        f"<footer>Copyright 2024 Example News. All rights reserved.</footer></body></html>",
        encoding="utf-8",
    )
    [article] = load_articles([page]).articles
    assert "1,200 troops" in article.body()
    assert "Home | World" not in article.body()
    assert "All rights reserved" not in article.body()
