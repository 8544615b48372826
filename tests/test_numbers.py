"""The number grammar, table-driven from real news sentences (the seeds and other reporting)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from storysum.numbers import Qualifier, Quantity, QuantityKind, parse_quantities

SEEDS = Path(__file__).resolve().parent.parent / "seeds"

K = QuantityKind
Q = Qualifier


def only(text: str) -> Quantity:
    found = parse_quantities(text)
    assert len(found) == 1, [q.text for q in found]
    return found[0]


def find(text: str, surface: str) -> Quantity:
    for q in parse_quantities(text):
        if surface in q.text:
            return q
    raise AssertionError(f"{surface!r} not found in {[q.text for q in parse_quantities(text)]}")


# sentence, surface of the quantity, value, kind
VALUES = [
    # digits, separators, decimals, signs
    ("The U.S. has already dispatched 4,500 Marines and sailors to the Caribbean.",
     "4,500", "4500", K.CARDINAL),
    ("Venezuela has no less than 5 000 of them, he said.", "5 000", "5000", K.CARDINAL),
    ("The index closed at 1,234.5 points.", "1,234.5", "1234.5", K.CARDINAL),
    ("Temperatures fell to -5C overnight in Glasgow.", "-5C", "-5", K.MEASURE),
    ("Venezuelan President Nicolás Maduro has activated 4.5 million militia members.",
     "4.5 million", "4500000", K.CARDINAL),
    ("China's population is about 1.3 billion.", "1.3 billion", "1300000000", K.CARDINAL),
    # glued units and scales
    ("A 6km stretch of the motorway was closed.", "6km", "6", K.MEASURE),
    ("The club paid $2.5m for the striker.", "$2.5m", "2500000", K.MONEY),
    ("The EU approved a €1.2bn aid package.", "€1.2bn", "1200000000", K.MONEY),
    ("The fundraiser hit 5k within a day.", "5k", "5000", K.CARDINAL),
    ("Public debt passed $3trn last year.", "$3trn", "3000000000000", K.MONEY),
    ("Nurses were offered a £40,000-a-year starting salary.", "£40,000-a-year", "40000",
     K.MONEY),
    # number words
    ("Five thousand people gathered outside parliament.", "Five thousand", "5000", K.CARDINAL),
    ("Twenty-five schools were closed by the storm.", "Twenty-five", "25", K.CARDINAL),
    ("The bill passed with one hundred and twelve votes in favour.",
     "one hundred and twelve", "112", K.CARDINAL),
    ("Police seized a dozen rifles at the house.", "a dozen", "12", K.CARDINAL),
    ("Two dozen flights were cancelled at Heathrow.", "Two dozen", "24", K.CARDINAL),
    ("Half a million people lost power after the storm.", "Half a million", "500000",
     K.CARDINAL),
    ("Maduro activated four and a half million militia members.",
     "four and a half million", "4500000", K.CARDINAL),
    ("A third of adults reported symptoms of anxiety.", "A third", "0.3333333333333333333333333333",
     K.FRACTION),
    ("Two-thirds of voters backed the measure.", "Two-thirds",
     "0.6666666666666666666666666667", K.FRACTION),
    ("About one in five children live in poverty.", "one in five", "0.2", K.FRACTION),
    # currencies
    ("The firm was fined 5 million dollars.", "5 million dollars", "5000000", K.MONEY),
    ("The painting sold for 12 million pounds.", "12 million pounds", "12000000", K.MONEY),
    ("Reserves fell to USD 9.8bn.", "USD 9.8bn", "9800000000", K.MONEY),
    # percent and percentage points
    ("Apple said revenue rose 8% to $94.9 billion.", "8%", "8", K.PERCENT),
    ("Unemployment fell to 3.7 per cent in November.", "3.7 per cent", "3.7", K.PERCENT),
    ("Turnout was 67.3 percent.", "67.3 percent", "67.3", K.PERCENT),
    ("The Bank of England raised rates by 0.25 percentage points.",
     "0.25 percentage points", "0.25", K.PERCENTAGE_POINTS),
    ("The Fed lifted rates by a quarter point.", "a quarter point", "0.25",
     K.PERCENTAGE_POINTS),
    ("The central bank cut by 50 basis points.", "50 basis points", "50", K.PERCENTAGE_POINTS),
    # multiples
    ("Saka scored twice in the win.", "twice", "2", K.MULTIPLE),
    ("Prices are three times higher than in 2019.", "three times", "3", K.MULTIPLE),
    ("Output grew fivefold.", "fivefold", "5", K.MULTIPLE),
    # ordinals
    ("It was the Bank's 14th consecutive increase.", "14th", "14", K.ORDINAL),
    ("Colombia became the third country to recall its ambassador.", "third", "3", K.ORDINAL),
    ("She finished 3rd in the final.", "3rd", "3", K.ORDINAL),
    ("It marked the twenty-first anniversary of the attacks.", "twenty-first", "21", K.ORDINAL),
    # years, decades, dates
    ("The plant will open in 2026, the governor said.", "2026", "2026", K.YEAR),
    ("Oil prices collapsed in the 1990s.", "1990s", "1990", K.YEAR),
    ("Maduro stated on March 13, 2024, that the country possesses missiles.",
     "March 13, 2024", "20240313", K.DATE),
    ("The Titanic sank in the early hours of 15 April 1912.", "15 April 1912", "19120415",
     K.DATE),
    ("The filing is dated 2024-03-13.", "2024-03-13", "20240313", K.DATE),
    ("The report was published in March 2024.", "March 2024", "20240300", K.DATE),
    # ages and durations
    ("A 10-year-old boy was among the injured.", "10-year-old", "10", K.AGE),
    ("The senator, 81, said she would not run again.", "81", "81", K.AGE),
    ("The factory closed 30 years ago.", "30 years ago", "30", K.DURATION),
    ("The 737 Max was grounded for 20 months.", "20 months", "20", K.DURATION),
    ("He called 14 times in the half hour before the attack.", "half hour", "0.5",
     K.DURATION),
    ("Deliveries fell for the first time in more than a decade.", "more than a decade", "1",
     K.DURATION),
    ("The bank cut its key rate by half a percentage point.", "half a percentage point", "0.5",
     K.PERCENTAGE_POINTS),
    # magnitudes, however the scale word is attached (stories/*-earthquake-*)
    ("A powerful magnitude-6.9 earthquake struck off Cebu.", "6.9", "6.9", K.CARDINAL),
    ("Survivors of a magnitude-7.8 earthquake waited for aid.", "7.8", "7.8", K.CARDINAL),
    ("The magnitude-6.1 quake struck at a depth of 6 miles.", "6.1", "6.1", K.CARDINAL),
    ("A 7.7-magnitude earthquake killed at least 15,000 people.", "7.7", "7.7", K.CARDINAL),
    # a year before a singular time word is the year, not 1,979 years
    ("The 1979 year of the last stronger earthquake.", "1979", "1979", K.YEAR),
    # vague plurals
    ("Tens of thousands of people marched through London.", "Tens of thousands", "20000",
     K.CARDINAL),
    ("Maduro claimed to have mobilized millions of militia members.", "millions", "2000000",
     K.CARDINAL),
]


@pytest.mark.parametrize(("sentence", "surface", "value", "kind"), VALUES)
def test_value_and_kind(sentence: str, surface: str, value: str, kind: QuantityKind) -> None:
    q = find(sentence, surface)
    assert q.value == Decimal(value)
    assert q.kind is kind
    assert sentence[q.start:q.end] == q.text


UNITS = [
    ("The Igla-S has a maximum operational range of 6,000 meters.", "6,000", "m", None),
    ("A 6km stretch of the motorway was closed.", "6km", "km", None),
    ("The hurricane brought winds of 150mph.", "150mph", "mph", None),
    ("The club paid $2.5m for the striker.", "$2.5m", None, "USD"),
    ("The EU approved a €1.2bn aid package.", "€1.2bn", None, "EUR"),
    ("Nurses were offered a £40,000-a-year salary.", "£40,000", "per year", "GBP"),
    ("Revenue rose 8% in the quarter.", "8%", "%", None),
    ("Rates rose 0.25 percentage points.", "0.25", "pp", None),
    ("The factory closed 30 years ago.", "30", "years", None),
    ("The Russian rouble fell to 100 roubles to the dollar.", "100 roubles", None, "RUB"),
    ("The heatwave pushed temperatures to 40.3C at Coningsby.", "40.3C", "°C", None),
]


@pytest.mark.parametrize(("sentence", "surface", "unit", "currency"), UNITS)
def test_unit_and_currency(sentence: str, surface: str, unit: str | None,
                           currency: str | None) -> None:
    q = find(sentence, surface)
    assert q.unit == unit
    assert q.currency == currency


QUALIFIERS = [
    ("Venezuela has no less than 5,000 of them.", Q.AT_LEAST),
    ("Armed with no fewer than 5,000 Russian-made Igla-S missiles.", Q.AT_LEAST),
    ("US forces have destroyed at least eight vessels off the coast.", Q.AT_LEAST),
    ("He claims over 8 million reservists.", Q.OVER),
    ("More than 1,500 people died.", Q.OVER),
    ("The company lost nearly $44 million.", Q.NEARLY),
    ("Almost 40% of electricity now comes from wind.", Q.NEARLY),
    ("Greater Tokyo has about 37 million residents.", Q.ABOUT),
    ("Around 2.2 million people live in Gaza.", Q.ABOUT),
    ("The film took roughly $141 million.", Q.ABOUT),
    ("Some 43,000 volunteers took part.", Q.ABOUT),
    ("The missile can reach targets up to 3,500 meters in altitude.", Q.AT_MOST),
    ("Fewer than 300 people attended.", Q.UNDER),
    ("Less than 10% of the budget was spent.", Q.UNDER),
    ("The firm employs 1,200 workers.", Q.EXACT),
]


@pytest.mark.parametrize(("sentence", "qualifier"), QUALIFIERS)
def test_qualifier(sentence: str, qualifier: Qualifier) -> None:
    found = [q for q in parse_quantities(sentence) if q.kind is not K.YEAR]
    assert found[0].qualifier is qualifier
    if qualifier is not Q.EXACT:
        # The qualifier is part of the quantity's surface.
        assert found[0].text.split()[0].lower() in sentence.lower()


COUNTED = [
    ("Maduro claimed his country possesses 5,000 Russian-made Igla-S anti-aircraft missiles.",
     "5,000", "Russian-made Igla-S anti-aircraft missiles"),
    ("He said 5,000 Igla-S missiles were deployed.", "5,000", "Igla-S missiles"),
    ("The U.S. has already dispatched 4,500 Marines and sailors to the Caribbean.",
     "4,500", "Marines and sailors"),
    ("Maduro has activated 4.5 million militia members in response.", "4.5 million",
     "militia members"),
    ("Experts doubt the training of Maduro's claimed 8 million reservists.", "8 million",
     "reservists"),
    ("While Maduro's claim of 5,000 Russian missiles sends a powerful message.", "5,000",
     "Russian missiles"),
    ("Tens of thousands of people marched through London.", "Tens of thousands", "people"),
    ("Venezuela has no less than 5,000 of them.", "5,000", None),
    ("The Igla-S has a maximum operational range of 6,000 meters.", "6,000", None),
    # Weekdays, months and times of day say when, not what is counted.
    ("Officials said the death toll rose to 233 Sunday.", "233", None),
    ("The toll rose to 233 Sunday evening.", "233", None),
    ("The toll stood at 400 last night.", "400", None),
    ("The toll reached 400 Aug. 4, officials said.", "400", None),
    # ... unless genuinely counted: a plural of the time word.
    ("He had worked 233 Sundays in a row.", "233", "Sundays"),
    # A possessive is whose, not what: "6 of the country's 24 provinces" counts provinces.
    ("A state of emergency was declared in 6 of the country’s 24 province, giving powers.",
     "6", "province"),
    ("Officials said 3 of Ecuador's 24 provinces were hit.", "3", "provinces"),
    ("The coach dropped 5 of the team's players.", "5", "team's players"),
    # Magnitudes measure the magnitude of the noun they stand before.
    ("A powerful magnitude-6.9 earthquake struck off Cebu.", "6.9", "earthquake magnitude"),
    ("A magnitude 6.9 earthquake struck off Cebu.", "6.9", "earthquake magnitude"),
    ("A 6.1-magnitude quake hit Yunnan.", "6.1", "quake magnitude"),
    ("A 7.8 magnitude earthquake struck the coast.", "7.8", "earthquake magnitude"),
    ("The USGS initially reported a 7.0 earthquake.", "7.0", "earthquake magnitude"),
    ("It was put at a magnitude of 6.9 by Phivolcs.", "6.9", "magnitude"),
    ("China's agency put the magnitude at 6.5.", "6.5", "magnitude"),
    ("The tremor measured 6.1 on the Richter scale.", "6.1", "magnitude"),
    ("Four aftershocks of magnitude 4.5 and higher hit.", "4.5", "magnitude"),
    # ... but a count stays a count.
    ("Aid reached 1,000 earthquake victims.", "1,000", "earthquake victims"),
    ("The sheer magnitude of 5,000 deaths shocked officials.", "5,000", "deaths"),
]


@pytest.mark.parametrize(("sentence", "surface", "counted"), COUNTED)
def test_counted_noun(sentence: str, surface: str, counted: str | None) -> None:
    assert find(sentence, surface).counted == counted


def test_scale_and_precision() -> None:
    q = only("The film took roughly $141 million.")
    assert (q.scale, q.precision, q.value) == ("million", Decimal(1000000), Decimal(141000000))
    q = only("The film grossed $140,937,785 in its opening weekend.")
    assert (q.scale, q.precision) == (None, Decimal(1))
    q = only("Maduro has activated 4.5 million militia members.")
    assert q.precision == Decimal(100000)
    q = only("Maduro has 5,000 missiles.")
    assert q.precision == Decimal(1000)


RANGES = [
    ("Between 10 and 12 people were rescued.", "10", "12"),
    ("Firefighters rescued 10-12 people.", "10", "12"),
    ("The storm could bring 10 to 12 inches of snow.", "10", "12"),
    ("The deal is worth $5-6bn.", "5000000000", "6000000000"),
]


@pytest.mark.parametrize(("sentence", "low", "high"), RANGES)
def test_ranges(sentence: str, low: str, high: str) -> None:
    q = only(sentence)
    assert (q.low, q.high) == (Decimal(low), Decimal(high))
    assert q.value == Decimal(low)


def test_percent_range_and_vote_split() -> None:
    q = only("The Federal Reserve held rates at 5.25%-5.5% on Wednesday.")
    assert (q.kind, q.low, q.high) == (K.PERCENT, Decimal("5.25"), Decimal("5.5"))
    found = parse_quantities("The vote was 52%-48% in favour of leaving.")
    assert [q.value for q in found] == [Decimal(52), Decimal(48)]  # no negative 48


def test_glued_m_is_million_or_metres_by_context() -> None:
    assert only("About 5m people watched the final.").value == Decimal(5000000)
    assert only("The 330m tower opened in 1889.".replace(" in 1889", "")).unit == "m"
    later = parse_quantities("Some 3.7 million people wait, up from 2.1m a decade ago.")
    assert later[1].value == Decimal(2100000)
    assert only("The fund raised £5m.").value == Decimal(5000000)


def test_fraction_of_a_scale_is_a_count() -> None:
    q = only("A quarter of a million people signed the petition.")
    assert (q.kind, q.value) == (K.CARDINAL, Decimal(250000))


def test_full_month_name_does_not_swallow_the_full_stop() -> None:
    q = only("It struck on Friday 8 September.")
    assert q.text == "8 September"


def test_from_to_is_two_numbers_not_a_range() -> None:
    found = parse_quantities("Inflation fell from 4.3% in September to 2.9% in October.")
    assert [q.value for q in found] == [Decimal("4.3"), Decimal("2.9")]


def test_dates_carry_a_date() -> None:
    assert only("Maduro spoke on March 13, 2024.").date == date(2024, 3, 13)
    assert only("The report came out in March 2024.").date is None
    assert only("The Titanic sank on 15 April 1912.").date == date(1912, 4, 15)


def test_decade_is_a_span_of_years() -> None:
    q = only("Oil prices collapsed in the 1990s.")
    assert (q.low, q.high) == (Decimal(1990), Decimal(1999))


def test_vague_plural_is_a_span() -> None:
    q = only("Tens of thousands of people marched.")
    assert q.vague and q.low == Decimal(20000) and q.high == Decimal(99999)


# Traps: none of these is a figure.
TRAPS = [
    "Nicolás Maduro is one of the most divisive leaders in Latin America.",
    "The vaccine was effective in preventing Covid-19 in the trial.",
    "G7 leaders met in Hiroshima.",
    "The Boeing 737 was grounded.",
    "The Boeing 737 Max was grounded.",
    "The Igla-S is comparable to the Stinger.",
    "The F-35 is the most expensive weapons programme.",
    "Call 020 7946 0958 for details.",
    "Call the hotline on +1 (555) 123-4567.",
    "The meeting starts at 3:30 pm.",
    "Polls close at 10pm.",
    "Experts questioned the figures.[3]",
    "See https://example.com/news/2024/03/13/story-12345 for more.",
    "He first said he would not run.",
    "No one was hurt.",
    "The attacks of 9/11 changed everything.",
    "The shop is open 24/7.",
    "5G masts were attacked.",
    "It was the team's A320neo order.",
    # Times of day, in every way news copy writes them (stories/*-earthquake-*).
    "The quake hit at 9.59pm, officials said.",
    "The quake hit at 9:59 p.m., officials said.",
    "The disaster struck Sunday at 0830 UTC.",
    "The disaster struck Sunday at 08:30 GMT.",
    "The disaster struck at 08.30 GMT.",
    "The quake struck at 2.15am local time.",
    "The quake struck at 2330 local time.",
    "The convoy left at 0830 hours.",
    "As of 10:00pm EST the search went on.",
    # Names keep giving nothing, glued with a hyphen or not, in headlines too.
    "Route 66 Reopens After Storm",
    "Apollo 11 Crew Honoured",
    "Boeing 737 Grounded Again",
    "A Category 4 hurricane made landfall.",
    "A Category-4 hurricane made landfall.",
    "A level 3 alert was raised.",
    "A level-3 alert was raised.",
]


@pytest.mark.parametrize("sentence", TRAPS)
def test_traps_yield_no_figure(sentence: str) -> None:
    assert parse_quantities(sentence) == []


SCORES = [
    "Arsenal sealed a 3-2 win at Villa Park.",
    "Liverpool won 2-0 at Anfield.",
    "The match ended in a 1-1 draw.",
]


@pytest.mark.parametrize("sentence", SCORES)
def test_scores_are_not_ranges(sentence: str) -> None:
    assert all(q.low is None for q in parse_quantities(sentence))
    assert parse_quantities(sentence) == []


HEADLINES = [
    # A capitalised verb is not a brand: Title-Case headlines keep their figures.
    ("China Earthquake Kills 400, Injures 1,800", ["400", "1800"]),
    ("Ecuador Quake Death Toll Tops 600", ["600"]),
    ("Quake Leaves 272 Dead In Ecuador", ["272"]),
    ("By Sunday 233 people had died.", ["233"]),
    # ... while model numbers still give nothing around them.
    ("Boeing 737 Crash Kills 132", ["132"]),
    ("G7 Leaders Pledge 600 Billion", ["600000000000"]),
    ("Covid-19 Kills 1,200 More", ["1200"]),
]


@pytest.mark.parametrize(("sentence", "values"), HEADLINES)
def test_title_case_headlines_keep_their_figures(sentence: str, values: list[str]) -> None:
    assert [q.value for q in parse_quantities(sentence)] == [Decimal(v) for v in values]


MAGNITUDES = [
    "a magnitude-6.9 earthquake", "a magnitude 6.9 earthquake", "a 6.9-magnitude earthquake",
    "a 6.9 magnitude earthquake", "a 6.9 earthquake", "an earthquake of magnitude 6.9",
    "an earthquake of magnitude-6.9",
]


@pytest.mark.parametrize("phrase", MAGNITUDES)
def test_magnitude_reads_the_same_in_every_form(phrase: str) -> None:
    q = only(f"Officials said {phrase} struck on Tuesday.")
    assert (q.value, q.kind, q.text) == (Decimal("6.9"), K.CARDINAL, "6.9")
    assert q.counted is not None and q.counted.split()[-1] == "magnitude"


def test_a_time_of_day_is_never_a_count() -> None:
    text = "The quake struck at 0830 UTC and at 9.59pm, killing 830 people."
    assert [(q.value, q.counted) for q in parse_quantities(text)] == [(Decimal(830), "people")]


def test_ordinal_is_not_a_cardinal() -> None:
    third = find("Colombia became the third country to recall its ambassador.", "third")
    assert third.kind is K.ORDINAL
    frac = find("A third of adults reported anxiety.", "third")
    assert frac.kind is K.FRACTION


def test_one_as_a_count_is_kept() -> None:
    q = only("One person was killed in the blast.")
    assert (q.value, q.counted) == (Decimal(1), "person")


def test_spans_are_offsets_into_the_text() -> None:
    for path in sorted(SEEDS.glob("*.txt")):
        text = path.read_text()
        for q in parse_quantities(text):
            assert text[q.start:q.end] == q.text


def test_seed_000_all_figures() -> None:
    text = (SEEDS / "000_7a2f4432a116ffbb.txt").read_text()
    got = [(q.text, str(q.value), q.kind.value) for q in parse_quantities(text)]
    assert got == [
        ("5,000", "5000", "cardinal"),
        ("5,000", "5000", "cardinal"),
        ("no less than 5,000", "5000", "cardinal"),
        ("4,500", "4500", "cardinal"),
        ("millions", "2000000", "cardinal"),
        ("6,000 meters", "6000", "measure"),
        ("up to 3,500 meters", "3500", "measure"),
        ("8 million", "8000000", "cardinal"),
    ]


@pytest.mark.parametrize("text", ["", " ", "\x00", "5,", ",5", "$", "£-", "1e400", "9" * 400,
                                  "one one one", "and and", "a", "-", "--5", "5..5", "..."])
def test_odd_input_does_not_raise(text: str) -> None:
    parse_quantities(text)
