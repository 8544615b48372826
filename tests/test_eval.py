"""The evaluation harness: every metric on small hand-made briefs (each must be able to fail),
the gold loader and thresholds, ``storysum eval`` on the command line, the gold files
themselves, and the seeds brief replayed from the cassette scored against gold/seeds.json
with gold/thresholds.json."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from recording import ROOT
from storysum.cli import app
from storysum.errors import ConfigError, InputError
from storysum.evaluation import (
    GoldError,
    check,
    evaluate,
    load_gold,
    load_thresholds,
    missing_articles,
    parse_gold,
    parse_thresholds,
)
from storysum.evaluation.matching import verbatim_in
from storysum.models import (
    ArticleRef,
    Brief,
    BriefActor,
    BriefClaim,
    BriefFigure,
    BriefQuote,
    Discrepancy,
    DiscrepancyKind,
    DiscrepancyValue,
    QuoteRendering,
    QuoteVariant,
    RunFacts,
    Source,
    Span,
    Summary,
    Support,
    Verdict,
)
from storysum.number_checks import verify_numbers

GOLD_DIR = ROOT / "gold"

# --- a small story, by hand ---------------------------------------------------------------

ONE = (
    "Mayor Jane Roe said 300 homes were flooded and 12 people died on Monday. "
    "\u201cWe will rebuild every street,\u201d Roe said. The Harbour Agency opened 4 shelters. "
    "Reading time: 5 minutes."
)
TWO = (
    "The storm flooded 300 homes and killed 15 people, the Harbour Agency said. "
    "\u201cWe will rebuild every single street,\u201d said Mayor Roe. "
    "Over 300 volunteers came."
)
TEXTS = {"a1": ONE, "a2": TWO}
OUTLETS = {"a1": "one", "a2": "two"}

GOLD: dict[str, Any] = {
    "story": "storm",
    "articles_dir": "stories/storm",
    "articles": {"one": "The One", "two": "The Two"},
    "figures": [
        {"value": "300", "counted": "homes flooded", "articles": ["one", "two"]},
        {"value": "12", "counted": "people died", "articles": ["one"]},
        {"value": "15", "counted": "people killed", "articles": ["two"]},
    ],
    "discrepancies": [
        {"counted": "deaths", "kind": "conflict",
         "values": [{"value": "12", "articles": ["one"]}, {"value": "15", "articles": ["two"]}]},
    ],
    "quotes": [
        {"speaker": "Jane Roe", "text": "We will rebuild every street", "articles": ["one"]},
    ],
    "quote_variants": [
        {"speaker": "Jane Roe",
         "texts": ["We will rebuild every street", "We will rebuild every single street"]},
    ],
    "actors": [
        {"name": "Jane Roe", "aliases": ["Roe", "Mayor Jane Roe", "Mayor Roe"]},
        {"name": "Harbour Agency", "aliases": ["the Harbour Agency"]},
    ],
    "single_source_claims": [{"keywords": ["shelters"], "article": "one"}],
    "absent": ["5 minutes"],
}


def gold(**changes: Any):
    return parse_gold(json.dumps({**GOLD, **changes}), "storm.json")


def span(article: str, text: str, nth: int = 0) -> Span:
    body = TEXTS[article]
    start = -1
    for _ in range(nth + 1):
        start = body.index(text, start + 1)
    return Span(article_id=article, start=start, end=start + len(text), text=text)


def source(article: str, text: str, nth: int = 0) -> Source:
    return Source(article_id=article, outlet=OUTLETS[article], span=span(article, text, nth),
                  verdict="exact", found_by="model")


def figure(value: str, normalized: str, counted: str, *sources: Source,
           kind: str = "cardinal", unit: str | None = None) -> BriefFigure:
    return BriefFigure(
        value=value, normalized=normalized, kind=kind, counted=counted, unit=unit,
        verdict=Verdict.VERIFIED,
        support=Support.CORROBORATED if len({s.article_id for s in sources}) > 1
        else Support.SINGLE_SOURCE,
        extracted=True, sources=list(sources),
    )


def dvalue(value: str, normalized: str, *sources: Source,
           qualifier: str | None = None) -> DiscrepancyValue:
    return DiscrepancyValue(value=value, normalized=normalized, qualifier=qualifier,
                            outlets=sorted({s.outlet for s in sources}), sources=list(sources))


def actor(name: str, *mentions: Span, aliases: tuple[str, ...] = ()) -> BriefActor:
    return BriefActor(name=name, aliases=list(aliases), roles=[], mentions=list(mentions),
                      outlets=sorted({OUTLETS[m.article_id] for m in mentions}))


def quote(text: str, speaker: str, *sources: Source) -> BriefQuote:
    return BriefQuote(quote=text, speaker=speaker, verdict=Verdict.VERIFIED,
                      support=Support.SINGLE_SOURCE, sources=list(sources))


def claim(text: str, *sources: Source, support: Support = Support.SINGLE_SOURCE) -> BriefClaim:
    return BriefClaim(text=text, claimant=None, verdict=Verdict.VERIFIED, support=support,
                      outlets=sorted({s.outlet for s in sources}), sources=list(sources))


def perfect(**changes: Any) -> Brief:
    """A brief that gets every metric right for GOLD."""
    fields: dict[str, Any] = {
        "articles": [
            ArticleRef(id=a, source=f"stories/storm/{OUTLETS[a]}.txt", outlet=OUTLETS[a],
                       title=None, chars=len(t), kept_chars=len(t), chunks=1, text=t,
                       segments=[(0, len(t))])
            for a, t in TEXTS.items()
        ],
        "figures": [
            figure("300", "300", "homes", source("a1", "300"), source("a2", "300")),
            figure("12", "12", "people died", source("a1", "12")),
            figure("15", "15", "people", source("a2", "15")),
        ],
        "discrepancies": [
            Discrepancy(kind=DiscrepancyKind.CONFLICT, counted="people killed", note="differ",
                        values=[dvalue("12", "12", source("a1", "12")),
                                dvalue("15", "15", source("a2", "15"))]),
        ],
        "actors": [
            actor("Jane Roe", span("a1", "Jane Roe"), span("a1", "Roe", 1), span("a2", "Roe"),
                  aliases=("Mayor Roe",)),
            actor("Harbour Agency", span("a1", "Harbour Agency"), span("a2", "Harbour Agency")),
        ],
        "quotes": [
            quote("\u201cWe will rebuild every street,\u201d", "Jane Roe",
                  source("a1", "We will rebuild every street")),
        ],
        "quote_variants": [
            QuoteVariant(speaker="Mayor Roe", similarity=0.9, renderings=[
                QuoteRendering(text="We will rebuild every street", outlets=["one"],
                               sources=[source("a1", "We will rebuild every street")]),
                QuoteRendering(text="We will rebuild every single street", outlets=["two"],
                               sources=[source("a2", "We will rebuild every single street")]),
            ]),
        ],
        "claims": [
            claim("The Harbour Agency opened 4 shelters.", source("a1", "The Harbour Agency")),
            claim("300 homes were flooded", source("a1", "300"), source("a2", "300"),
                  support=Support.CORROBORATED),
        ],
        "summary": Summary(sentences=["The storm flooded 300 homes."], removed=[]),
        "rejected": [],
        "failures": [],
        "run": RunFacts(model="m", backend="test", prompt_version="1", articles=2, chunks=2,
                        calls=2, prompt_tokens=0, completion_tokens=0, seconds=0.0,
                        verified=0, rejected=0, failed_chunks=0),
    }
    fields.update(changes)
    return Brief(**fields)


def scores(brief: Brief, g=None) -> dict[str, float | int | None]:
    result = evaluate(g or gold(), brief)
    return {name: m.value for name, m in result.metrics.items()}


# --- every metric ---------------------------------------------------------------------------


def test_a_perfect_brief_scores_perfectly():
    result = evaluate(gold(), perfect())
    for name, metric in result.metrics.items():
        expected = 0 if metric.goal == "max" else 1.0
        assert metric.value == expected, (name, metric, result.details)
    assert result.notes == []


def test_figure_recall_counts_a_missing_figure():
    brief = perfect(figures=perfect().figures[:2])
    result = evaluate(gold(), brief)
    assert result.metrics["figure_recall"].hits == 2
    assert result.metrics["figure_recall"].total == 3
    assert result.details["figures_missed"] == ["15 people killed"]


def test_figure_recall_needs_the_counted_thing_and_the_kind():
    wrong_thing = figure("15", "15", "shelters", source("a2", "15"))
    wrong_kind = figure("15%", "15", "people", source("a2", "15"), kind="percent")
    for stray in (wrong_thing, wrong_kind):
        brief = perfect(figures=[*perfect().figures[:2], stray])
        assert scores(brief)["figure_recall"] == pytest.approx(2 / 3)


def test_figure_precision_counts_a_figure_the_gold_does_not_have():
    extra = figure("4", "4", "shelters", source("a1", "4"))
    assert scores(perfect(figures=[*perfect().figures, extra]))["figure_precision"] == 0.75


def test_a_discrepancy_value_is_not_a_false_figure():
    deaths = {**GOLD["discrepancies"][0], "counted": "people killed"}
    g = gold(figures=GOLD["figures"][:1], discrepancies=[deaths])
    assert scores(perfect(), g)["figure_precision"] == 1.0


def test_per_article_recall_wants_every_article_that_states_it():
    half = figure("300", "300", "homes", source("a1", "300"))
    result = evaluate(gold(), perfect(figures=[half, *perfect().figures[1:]]))
    assert result.metrics["figure_article_recall"].hits == 3
    assert result.metrics["figure_article_recall"].total == 4
    assert result.details["figure_articles_missed"] == ["300 homes flooded @ two"]


def test_per_article_precision_counts_an_article_credited_wrongly():
    # "Over 300 volunteers" in two: the right number, but not the homes the gold means.
    wrong = figure("12", "12", "people died", source("a1", "12"), source("a2", "15"))
    result = evaluate(gold(), perfect(figures=[*perfect().figures[:1], wrong,
                                               *perfect().figures[2:]]))
    assert result.metrics["figure_article_precision"].value == pytest.approx(4 / 5)
    assert result.details["figure_articles_not_in_gold"] == ["12 people died @ two"]


def test_a_planted_unverified_figure_is_counted():
    planted = figure("400", "400", "homes", source("a1", "300"))
    result = evaluate(gold(), perfect(figures=[*perfect().figures, planted]))
    assert result.metrics["unverified_as_verified"].value == 1
    assert "400" in result.details["unverified_as_verified"][0]


def test_a_span_not_at_its_offsets_is_unverified():
    bad = Source(article_id="a1", outlet="one", verdict="exact", found_by="model",
                 span=Span(article_id="a1", start=0, end=3, text="300"))
    planted = figure("300", "300", "homes", bad)
    assert scores(perfect(figures=[planted, *perfect().figures[1:]]))[
        "unverified_as_verified"] == 1


def test_unverified_numbers_in_claims_summary_and_discrepancies_are_counted():
    # A verified claim that credits an article with a number it does not state.
    wrong_claim = claim("15 people were killed", source("a1", "12"))
    assert scores(perfect(claims=[wrong_claim]))["unverified_as_verified"] == 1
    # A summary sentence with a number no article states.
    summary = Summary(sentences=["The storm flooded 3,000 homes."], removed=[])
    assert scores(perfect(summary=summary))["unverified_as_verified"] == 1
    # A discrepancy value its source does not state.
    bad = Discrepancy(kind=DiscrepancyKind.CONFLICT, counted="people", note="x",
                      values=[dvalue("12", "12", source("a1", "12")),
                              dvalue("16", "16", source("a2", "15"))])
    assert scores(perfect(discrepancies=[bad]))["unverified_as_verified"] == 1
    # A claim the brief did not verify is not presented as verified.
    rejected = wrong_claim.model_copy(update={"verdict": Verdict.UNSUPPORTED})
    assert scores(perfect(claims=[rejected]))["unverified_as_verified"] == 0


def test_discrepancy_recall_wants_both_values():
    one_side = Discrepancy(kind=DiscrepancyKind.CONFLICT, counted="people", note="x",
                           values=[dvalue("12", "12", source("a1", "12")),
                                   dvalue("300", "300", source("a2", "300"))])
    result = evaluate(gold(), perfect(discrepancies=[one_side]))
    assert result.metrics["discrepancy_recall"].value == 0.0
    assert result.metrics["discrepancy_kind_accuracy"].value is None  # none found
    assert result.details["discrepancies_missed"] == ["conflict: 12 vs 15 deaths"]


def test_discrepancy_kind_is_scored_apart():
    typed = perfect().discrepancies[0].model_copy(update={"kind": DiscrepancyKind.SCOPE})
    s = scores(perfect(discrepancies=[typed]))
    assert s["discrepancy_recall"] == 1.0 and s["discrepancy_kind_accuracy"] == 0.0


def test_a_qualifier_discrepancy_needs_the_qualifiers():
    g = gold(discrepancies=[{"counted": "volunteers", "kind": "qualifier", "values": [
        {"value": "300", "articles": ["one"]}, {"value": "over 300", "articles": ["two"]}]}])
    same = Discrepancy(kind=DiscrepancyKind.QUALIFIER, counted="volunteers", note="x",
                       values=[dvalue("300", "300", source("a1", "300")),
                               dvalue("300", "300", source("a2", "300"))])
    right = Discrepancy(kind=DiscrepancyKind.QUALIFIER, counted="volunteers", note="x",
                        values=[dvalue("300", "300", source("a1", "300")),
                                dvalue("Over 300", "300", source("a2", "Over 300"),
                                       qualifier="over")])
    assert scores(perfect(discrepancies=[same]), g)["discrepancy_recall"] == 0.0
    assert scores(perfect(discrepancies=[right]), g)["discrepancy_recall"] == 1.0


def test_quote_verbatim_rate_counts_a_quote_not_in_its_source():
    altered = quote("We shall rebuild every street", "Jane Roe", source("a1", "We will"))
    s = scores(perfect(quotes=[*perfect().quotes, altered]))
    assert s["quote_verbatim_rate"] == 0.5
    # Verbatim in one cited article but not the other is not verbatim.
    both = quote("We will rebuild every street", "Jane Roe",
                 source("a1", "We will"), source("a2", "We will"))
    assert scores(perfect(quotes=[both]))["quote_verbatim_rate"] == 0.0


def test_quote_recall_wants_the_speaker():
    wrong = quote("We will rebuild every street", "Harbour Agency", source("a1", "We will"))
    result = evaluate(gold(), perfect(quotes=[wrong]))
    assert result.metrics["quote_recall"].value == 0.0
    assert result.details["quotes_missed"] == ["Jane Roe: We will rebuild every street"]
    fragment = quote("every street", "Roe", source("a1", "every street"))
    assert scores(perfect(quotes=[fragment]))["quote_recall"] == 0.0
    by_alias = quote("we will rebuild every street.", "Mayor Roe", source("a1", "We will"))
    assert scores(perfect(quotes=[by_alias]))["quote_recall"] == 1.0


def test_quote_variant_recall_wants_every_rendering():
    [variant] = perfect().quote_variants
    lone = variant.model_copy(update={"renderings": [variant.renderings[0]] * 2})
    assert scores(perfect(quote_variants=[lone]))["quote_variant_recall"] == 0.0
    assert scores(perfect(quote_variants=[]))["quote_variant_recall"] == 0.0


def test_merging_two_gold_actors_lowers_actor_accuracy():
    both = actor("Jane Roe", span("a1", "Jane Roe"), span("a1", "Harbour Agency"))
    result = evaluate(gold(), perfect(actors=[both]))
    assert result.metrics["actor_recall"].value == 1.0
    assert result.metrics["actor_merge_accuracy"].value == 0.0
    assert result.details["actors_merged"] == ["'Jane Roe' holds Jane Roe and Harbour Agency"]


def test_splitting_a_gold_actor_lowers_actor_accuracy():
    split = [actor("Jane Roe", span("a1", "Jane Roe")), actor("Mayor Roe", span("a2", "Roe")),
             perfect().actors[1]]
    result = evaluate(gold(), perfect(actors=split))
    assert result.metrics["actor_merge_accuracy"].value == 0.5
    assert result.details["actors_split"] == ["Jane Roe -> 'Jane Roe', 'Mayor Roe'"]
    missing = evaluate(gold(), perfect(actors=perfect().actors[:1]))
    assert missing.metrics["actor_recall"].value == 0.5
    assert missing.metrics["actor_merge_accuracy"].value == 0.5


def test_single_source_claim_must_be_marked_so_and_cite_the_article():
    corroborated = claim("The Harbour Agency opened 4 shelters.", source("a1", "The Harbour"),
                         support=Support.CORROBORATED)
    assert scores(perfect(claims=[corroborated]))["single_source_claim_recall"] == 0.0
    elsewhere = claim("The Harbour Agency opened 4 shelters.", source("a2", "Harbour Agency"))
    assert scores(perfect(claims=[elsewhere]))["single_source_claim_recall"] == 0.0


def test_a_boilerplate_number_among_the_figures_is_a_leak():
    leak = figure("5 minutes", "5", "reading time", source("a1", "5 minutes"),
                  kind="duration", unit="minutes")
    result = evaluate(gold(), perfect(figures=[*perfect().figures, leak]))
    assert result.metrics["boilerplate_leaks"].value == 1
    assert result.details["boilerplate_leaks"] == ["5 minutes: figure 5 minutes reading time"]
    # The same value of another kind is no leak: "4 shelters" is not "4 minutes".
    g = gold(absent=["4 minutes"])
    assert scores(perfect(figures=[*perfect().figures,
                                   figure("4", "4", "shelters", source("a1", "4"))]),
                  g)["boilerplate_leaks"] == 0


def test_values_compare_as_numbers_not_strings():
    g = gold(figures=[{"value": "three hundred", "counted": "homes", "articles": ["one"]}])
    assert scores(perfect(), g)["figure_recall"] == 1.0


def test_a_gold_article_missing_from_the_brief_is_noted():
    result = evaluate(gold(), perfect(articles=perfect().articles[:1]))
    assert result.notes == ["gold article 'two' is not among the brief's articles"]


def test_nothing_to_score_is_not_applicable():
    s = scores(perfect(), gold(quotes=[], quote_variants=[]))
    assert s["quote_recall"] is None and s["quote_variant_recall"] is None


# --- the gold loader ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text,expected",
    [
        ("{", "not JSON"),
        ("[]", "a gold file is a JSON object"),
        (json.dumps({k: v for k, v in GOLD.items() if k != "story"}), "story: Field required"),
        (json.dumps({**GOLD, "figures": [{"value": "300", "counted": "homes",
                                          "articles": ["three"]}]}),
         "figures[0].articles: 'three' is not listed in articles"),
        (json.dumps({**GOLD, "figures": [{"value": "lots", "counted": "homes",
                                          "articles": ["one"]}]}),
         "figures[0].value: no number the number grammar can read in 'lots'"),
        (json.dumps({**GOLD, "discrepancies": [{**GOLD["discrepancies"][0], "kind": "fight"}]}),
         "discrepancies[0].kind: Input should be"),
        (json.dumps({**GOLD, "absent": ["none"]}), "absent[0]: no number"),
        (json.dumps({**GOLD, "surprise": 1}), "surprise: Extra inputs are not permitted"),
    ],
)
def test_a_bad_gold_file_is_one_line_naming_the_field(text, expected):
    with pytest.raises(GoldError) as caught:
        parse_gold(text, "gold/storm.json")
    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith("gold/storm.json: ") and expected in message, message
    assert isinstance(caught.value, InputError)


def test_thresholds_parse_and_fail_with_a_line_each():
    thresholds = parse_thresholds(json.dumps({
        "_why": "comments are allowed", "unverified_as_verified": 0,
        "stories": {"storm": {"figure_recall": 0.9}},
    }), "t.json")
    brief = perfect(figures=[*perfect().figures[:2],
                             figure("400", "400", "homes", source("a1", "300"))])
    result = evaluate(gold(), brief).model_copy(update={"story": "storm"})
    lines = [f.line() for f in check([result], thresholds)]
    assert lines == [
        "storm: figure_recall is 0.667, below the minimum 0.9",
        "storm: unverified_as_verified is 1, more than the maximum 0",
    ]
    other = result.model_copy(update={"story": "other"})
    assert [f.metric for f in check([other], thresholds)] == ["unverified_as_verified"]


@pytest.mark.parametrize(
    "text,expected",
    [
        ('{"figure_recal": 0.9}', "unknown metric 'figure_recal'"),
        ('{"figure_recall": "high"}', "the bound must be a number"),
        ('{"figure_recall": 90}', "between 0 and 1"),
        ('{"stories": {"seeds": 1}}', "stories.seeds must be an object"),
        ("nope", "not JSON"),
    ],
)
def test_a_bad_thresholds_file_is_one_line(text, expected):
    with pytest.raises(ConfigError) as caught:
        parse_thresholds(text, "t.json")
    assert expected in str(caught.value) and "\n" not in str(caught.value)


# --- the command line -----------------------------------------------------------------------


def run(*args: str):
    result = CliRunner().invoke(app, ["eval", *args], catch_exceptions=True)
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(
        result.exception
    )
    assert "Traceback" not in result.output + result.stderr
    return result


@pytest.fixture
def files(tmp_path: Path) -> dict[str, Path]:
    gold_dir = tmp_path / "gold"
    brief_dir = tmp_path / "briefs"
    gold_dir.mkdir()
    brief_dir.mkdir()
    (gold_dir / "storm.json").write_text(json.dumps(GOLD), encoding="utf-8")
    (brief_dir / "storm.json").write_text(perfect().model_dump_json(), encoding="utf-8")
    bad = perfect(figures=[*perfect().figures, figure("400", "400", "homes",
                                                      source("a1", "300"))])
    (tmp_path / "bad.json").write_text(bad.model_dump_json(), encoding="utf-8")
    (gold_dir / "thresholds.json").write_text(
        json.dumps({"unverified_as_verified": 0, "figure_precision": 0.9}), encoding="utf-8")
    return {"gold": gold_dir, "briefs": brief_dir, "bad": tmp_path / "bad.json",
            "thresholds": gold_dir / "thresholds.json"}


def test_cli_prints_a_table_and_exits_0(files):
    result = run(str(files["gold"] / "storm.json"), str(files["briefs"] / "storm.json"))
    assert result.exit_code == 0, result.output + result.stderr
    assert "figure_recall" in result.output and "1.00 3/3" in result.output
    assert "unverified_as_verified" in result.output and "0 of" in result.output


def test_cli_json_is_machine_readable(files):
    result = run(str(files["gold"] / "storm.json"), str(files["bad"]), "--json")
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    [story] = data["stories"]
    assert story["story"] == "storm"
    assert story["metrics"]["unverified_as_verified"]["value"] == 1
    assert story["metrics"]["figure_precision"]["hits"] == 3
    assert story["details"]["unverified_as_verified"]
    assert data["thresholds"] is None and data["missing"] == []


def test_cli_failed_thresholds_exit_1_with_a_line_each(files):
    result = run(str(files["gold"] / "storm.json"), str(files["bad"]),
                 "--thresholds", str(files["thresholds"]))
    assert result.exit_code == 1
    lines = result.stderr.strip().splitlines()
    assert lines == [
        "storysum: threshold failed: storm: figure_precision is 0.750, below the minimum 0.9",
        "storysum: threshold failed: storm: unverified_as_verified is 1, more than the maximum 0",
    ]
    data = json.loads(run(str(files["gold"] / "storm.json"), str(files["bad"]), "--json",
                          "--thresholds", str(files["thresholds"])).stdout)
    assert data["thresholds"]["passed"] is False and len(data["thresholds"]["failed"]) == 2


def test_cli_directories_pair_stories_and_name_the_missing(files):
    result = run(str(files["gold"]), str(files["briefs"]), "--thresholds",
                 str(files["thresholds"]))
    assert result.exit_code == 0, result.stderr  # thresholds.json is not a story
    (files["gold"] / "quake.json").write_text(json.dumps({**GOLD, "story": "quake"}))
    (files["briefs"] / "flood.json").write_text(perfect().model_dump_json())
    result = run(str(files["gold"]), str(files["briefs"]))
    assert result.exit_code == 3
    assert f"storysum: error: quake: no brief {files['briefs'] / 'quake.json'}" in result.stderr
    assert "flood.json: no gold file" in result.stderr
    assert "storm" in result.output  # the stories that are there are still scored


@pytest.mark.parametrize(
    "make,expected,code",
    [
        (lambda d: (d / "g.json", d.joinpath("g.json").write_text("{")), "not JSON", 3),
        (lambda d: (d / "g.json", d.joinpath("g.json").write_text(
            json.dumps({**GOLD, "figures": [{"value": "x", "counted": "y", "articles": []}]}))),
         "figures[0].articles", 3),
        (lambda d: (d / "none.json", None), "no such file", 3),
    ],
)
def test_cli_bad_gold_is_one_line_error(files, tmp_path, make, expected, code):
    path, _ = make(tmp_path)
    result = run(str(path), str(files["briefs"] / "storm.json"))
    assert result.exit_code == code
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("storysum: error: "), result.stderr
    assert expected in lines[0]


def test_cli_bad_brief_and_bad_thresholds_are_one_line_errors(files, tmp_path):
    (tmp_path / "brief.json").write_text('{"figures": []}')
    result = run(str(files["gold"] / "storm.json"), str(tmp_path / "brief.json"))
    assert result.exit_code == 3 and "not a storysum brief" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    (tmp_path / "t.json").write_text('{"recall": 1}')
    result = run(str(files["gold"] / "storm.json"), str(files["briefs"] / "storm.json"),
                 "--thresholds", str(tmp_path / "t.json"))
    assert result.exit_code == 2 and "unknown metric 'recall'" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


# --- the gold files in gold/ ----------------------------------------------------------------

GOLD_FILES = sorted(p for p in GOLD_DIR.glob("*.json") if not p.name.startswith("thresholds"))


def test_there_is_gold_for_the_seeds():
    assert GOLD_DIR / "seeds.json" in GOLD_FILES


@pytest.mark.parametrize("path", GOLD_FILES, ids=lambda p: p.stem)
def test_gold_file_validates_and_names_only_articles_that_exist(path):
    g = load_gold(path)
    assert g.story == path.stem
    assert missing_articles(g, ROOT) == []
    texts = {p.stem: p.read_text(encoding="utf-8")
             for p in (ROOT / g.articles_dir).iterdir() if p.is_file()}
    for q in g.quotes:
        for article in q.articles:
            assert verbatim_in(q.text, texts[article]), (q.text, article)
    for c in g.single_source_claims:
        assert all(k.lower() in texts[c.article].lower() for k in c.keywords), c


def test_gold_thresholds_file_is_valid():
    load_thresholds(GOLD_DIR / "thresholds.json")


def test_seeds_gold_figures_are_stated_by_exactly_the_articles_it_lists():
    g = load_gold(GOLD_DIR / "seeds.json")
    texts = {p.stem: p.read_text(encoding="utf-8") for p in (ROOT / "seeds").iterdir()}
    for f in g.figures:
        stated = {a for a, t in texts.items()
                  if any(c.supported for c in verify_numbers(f"{f.value} {f.counted}", [t]))}
        if f.value != "millions":  # the grammar lets "over 8 million" support "millions"
            assert stated == set(f.articles), f
