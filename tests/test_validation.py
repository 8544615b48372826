"""The code around the compact wire schema: what it locates, grounds and rejects by itself."""

from __future__ import annotations

import pytest

from storysum.articles import make_article
from storysum.chunking import chunk_article
from storysum.extraction import NumberedText, claimant, expand, is_statement
from storysum.models import ChunkExtraction, ChunkFacts, ExtractedClaim
from storysum.validation import find_name, looks_like_name, page_date_line, validate_chunk

TEXT = (
    "Quake kills 400\n\nPublication date: August 4, 2014\n\n"
    "The quake struck Ludian county on August 3, 2014, killing at least 398 people, "
    "the Xinhua news agency said. “We are overwhelmed with patients,” said Ma Liya, a nurse. "
    "Is this the worst quake in years? Rescuers dug through the rubble overnight."
)


@pytest.fixture
def view() -> tuple[object, NumberedText]:
    article = make_article(TEXT, source="a.txt", outlet="Wire")
    [chunk] = chunk_article(article)
    return article, NumberedText.of(article, chunk)


def test_the_page_date_line_is_page_furniture_and_the_story_date_is_not():
    assert page_date_line(TEXT, TEXT.find("August 4")) == "Publication date: August 4, 2014"
    assert page_date_line(TEXT, TEXT.find("August 3")) is None


def test_a_page_date_extracted_as_a_figure_is_rejected_with_why(view):
    article, numbered = view
    facts = ChunkFacts(
        figures=[
            {"value": "August 4, 2014", "counts": "date"},
            {"value": "August 3, 2014", "counts": "date of the quake"},
        ],
        quotes=[],
        actors=[],
    )
    [chunk] = chunk_article(article)
    checked = validate_chunk(article, chunk, expand(facts, numbered))
    verdicts = {c.item.value: (c.verdict.value, c.reason) for c in checked if c.kind == "figure"}
    assert verdicts["August 3, 2014"][0] == "verified"
    assert verdicts["August 4, 2014"][0] == "unsupported"
    assert "page's own date" in verdicts["August 4, 2014"][1]


def test_quotations_are_numbered_without_the_writers_trailing_comma(view):
    _, numbered = view
    assert numbered.quotation(1) == "We are overwhelmed with patients"
    assert numbered.quotation(2) is None


def test_a_quote_by_a_number_the_chunk_lacks_is_kept_and_rejected(view):
    article, numbered = view
    facts = ChunkFacts(figures=[], quotes=[{"quotation": 7, "speaker": "Ma Liya"}], actors=[])
    [chunk] = chunk_article(article)
    [quote] = [
        c for c in validate_chunk(article, chunk, expand(facts, numbered)) if c.kind == "quote"
    ]
    assert "Q7" in quote.item.quote and quote.verdict.value == "unsupported"


def test_statements_are_claims_headings_questions_and_lone_quotes_are_not():
    assert is_statement("Rescuers dug through the rubble overnight.")
    assert not is_statement("Quake kills 400")  # a heading
    assert not is_statement("Is this the worst quake in years?")
    assert not is_statement("“We are overwhelmed with patients and more,” said Ma Liya.")


def test_claimant_is_found_by_code_among_the_actors():
    sentence = "The quake killed at least 398 people, the Xinhua news agency said."
    assert claimant(sentence, ["Ma Liya", "Xinhua news agency"]) == "Xinhua news agency"
    assert claimant("Rescuers dug through the rubble.", ["Xinhua news agency"]) is None
    assert claimant("According to Phivolcs, the quake was shallow.", ["Phivolcs"]) == "Phivolcs"


def test_a_quoted_speaker_is_an_actor_even_when_the_model_did_not_list_them(view):
    _, numbered = view
    facts = ChunkFacts(figures=[], quotes=[{"quotation": 1, "speaker": "Ma Liya"}], actors=[])
    assert [a.name for a in expand(facts, numbered).actors] == ["Ma Liya"]


def test_an_actor_must_look_like_a_name_and_be_named_in_the_text():
    assert looks_like_name("Venezuelan President Nicolás Maduro")
    assert looks_like_name("Bank of England")
    assert not looks_like_name("reservists claimed by Maduro")
    assert not looks_like_name("powerful countries")
    assert not looks_like_name("Venezuelan Defense Minister")  # a title is nobody
    text = "The U.S. sent troops. Venezuelan President Nicolás Maduro replied."
    assert find_name("U. S.", text) == (4, 8)  # initials with or without spaces
    assert find_name("President Nicolás Maduro", text) is not None
    assert find_name("Maduro", text) is not None


def test_a_number_on_an_update_line_is_still_a_figure():
    text = "Updated death toll: 413 people killed\n\nRescuers dug through the rubble overnight."
    article = make_article(text, source="u.txt", outlet="Wire")
    [chunk] = chunk_article(article)
    facts = ChunkFacts(figures=[{"value": "413", "counts": "people killed"}], quotes=[], actors=[])
    [fig] = [
        c
        for c in validate_chunk(article, chunk, expand(facts, NumberedText.of(article, chunk)))
        if c.kind == "figure"
    ]
    assert fig.verdict.value == "verified", fig.reason


def test_text_beyond_the_items_limits_expands_instead_of_failing():
    long_sentence = "The council met, " + "and it talked, " * 160 + "and 5,000 people were moved."
    long_quote = "“" + "We have lost everything and we need help now, " * 20 + "” the mayor said."
    text = f"{long_sentence} {long_quote} The UN said aid was coming."
    article = make_article(text, source="l.txt", outlet="Wire")
    [chunk] = chunk_article(article, 50_000, 0)
    view = NumberedText.of(article, chunk)
    facts = ChunkFacts(
        figures=[{"value": "5,000", "counts": "people moved"}], quotes=[], actors=["X" * 130, "UN"]
    )
    extraction = expand(facts, view)  # no ValidationError
    assert [a.name for a in extraction.actors] == ["UN"]
    assert len(extraction.figures[0].evidence) <= 300
    assert view.quotations == []  # longer than a quote the brief can carry


def test_names_with_particles_and_two_letter_initialisms():
    assert looks_like_name("Bashar al-Assad")
    assert find_name("UN", "The UN said aid was coming.") == (4, 6)
    assert find_name("un", "The sun rose.") is None


@pytest.mark.parametrize(
    ("claim", "text"),
    [
        ("2,000 people were displaced.", "About 12,000 people were displaced."),
        ("20 people were hurt.", "Between 15-20 people were hurt."),
        ("Prices rose 2", "Prices rose 2.5% last year."),
        ("3 billion in damage.", "Officials put it at $3 billion in damage."),
    ],
)
def test_a_claim_inside_a_longer_number_is_not_its_own_source(claim, text):
    """A claim is checked against its own words only when it stands alone in the text: a
    misread number ("2,000" in "12,000") must meet the article's real one."""
    article = make_article(text, source="c.txt", outlet="Wire")
    [chunk] = chunk_article(article)
    extraction = ChunkExtraction(figures=[], quotes=[], actors=[], claims=[ExtractedClaim(text=claim)])
    [checked] = validate_chunk(article, chunk, extraction)
    assert checked.verdict.value == "unsupported", checked.reason
    assert "number not supported" in checked.reason


def test_a_claim_standing_alone_in_the_text_is_verified():
    text = "Rescuers arrived at dawn. About 12,000 people were displaced. Aid is coming."
    article = make_article(text, source="c.txt", outlet="Wire")
    [chunk] = chunk_article(article)
    claim = ExtractedClaim(text="About 12,000 people were displaced.")
    extraction = ChunkExtraction(figures=[], quotes=[], actors=[], claims=[claim])
    [checked] = validate_chunk(article, chunk, extraction)
    assert checked.verdict.value == "verified", checked.reason
