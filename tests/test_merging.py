"""Merging: one entry per actor, figures grouped by what they count."""

from __future__ import annotations

import pytest

from storysum.articles import make_article
from storysum.merging import merge_actors, name_key, name_tokens
from storysum.models import ExtractedActor, Span, Verdict
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
