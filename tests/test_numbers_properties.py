"""Properties of the grammar and the checker (hypothesis), plus a fuzz run over hostile text."""

from __future__ import annotations

import random
from decimal import Decimal

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from costs import calls
from storysum.number_checks import verify_numbers
from storysum.numbers import parse_quantities

_UNITS = ["", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]
_TEENS = ["ten", "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen",
          "seventeen", "eighteen", "nineteen"]
_TENS = ["", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]


def words_below_1000(n: int) -> str:
    parts: list[str] = []
    if n >= 100:
        parts.append(f"{_UNITS[n // 100]} hundred")
        n %= 100
        if n:
            parts.append("and")
    if n >= 20:
        parts.append(_TENS[n // 10] + (f"-{_UNITS[n % 10]}" if n % 10 else ""))
    elif n >= 10:
        parts.append(_TEENS[n - 10])
    elif n:
        parts.append(_UNITS[n])
    return " ".join(parts)


def renderings(n: int) -> list[str]:
    """Surface forms news copy uses for the count ``n``."""
    forms = [f"{n:,}"]
    if n >= 10000:
        forms.append(f"{n:,}".replace(",", "\u00a0"))
    if n < 1000 and n > 0:
        forms.append(words_below_1000(n))
    if n % 1000 == 0 and 0 < n < 1000000:
        forms.append(f"{n // 1000}k")
        forms.append(f"{words_below_1000(n // 1000)} thousand")
        forms.append(f"{n // 1000} thousand")
    if n % 100000 == 0 and n >= 1000000:
        m = Decimal(n) / 1000000
        forms.append(f"{m.normalize():f} million")
        forms.append(f"{m.normalize():f}m")
    return forms


def _place(n: int) -> int:
    """Place value of the last non-zero digit: 5000 -> 1000, 4500000 -> 100000."""
    place = 1
    while n and n % (place * 10) == 0:
        place *= 10
    return place


counts = st.one_of(
    st.integers(min_value=2, max_value=999),
    st.integers(min_value=1, max_value=999).map(lambda k: k * 1000),
    st.integers(min_value=10, max_value=990).map(lambda k: k * 100000),
    st.integers(min_value=1000, max_value=999999).filter(lambda k: not 1500 <= k <= 2199),
)
nouns = st.sampled_from(["people", "missiles", "homes", "vessels", "soldiers", "votes"])


@settings(max_examples=150, deadline=None)
@given(n=counts, noun=nouns)
def test_every_rendering_parses_to_the_same_value(n: int, noun: str) -> None:
    for form in renderings(n):
        found = parse_quantities(f"Officials said {form} {noun} were counted.")
        assert [q.value for q in found] == [Decimal(n)], form


@settings(max_examples=150, deadline=None)
@given(n=counts, noun=nouns, data=st.data())
def test_any_rendering_supports_any_other(n: int, noun: str, data: st.DataObject) -> None:
    forms = renderings(n)
    a = data.draw(st.sampled_from(forms))
    b = data.draw(st.sampled_from(forms))
    (check,) = verify_numbers(f"They said {a} {noun} were counted.",
                              f"Officials said {b} {noun} were counted on Monday.")
    assert check.supported, (a, b, check.reason)


@settings(max_examples=400, deadline=None)
@given(n=counts, m=counts, noun=nouns, data=st.data())
def test_a_different_value_is_never_supported(n: int, m: int, noun: str,
                                              data: st.DataObject) -> None:
    # Different, and not a rounding either: "9,900" may honestly stand for 9,901.
    assume(abs(n - m) * 2 > _place(n))
    a = data.draw(st.sampled_from(renderings(n)))
    b = data.draw(st.sampled_from(renderings(m)))
    (check,) = verify_numbers(f"They said {a} {noun} were counted.",
                              f"Officials said {b} {noun} were counted on Monday.")
    assert not check.supported, (a, b, check.reason)


magnitudes = st.integers(min_value=10, max_value=99).map(lambda k: Decimal(k).scaleb(-1))


def magnitude_renderings(m: Decimal) -> list[str]:
    """How news copy writes an earthquake's magnitude ``m`` (stories/*-earthquake-*)."""
    return [f"a magnitude-{m} earthquake", f"a magnitude {m} earthquake",
            f"a {m}-magnitude earthquake", f"a {m} magnitude quake", f"a {m} earthquake",
            f"an earthquake of magnitude {m}", f"a quake measuring {m} on the Richter scale"]


@settings(max_examples=100, deadline=None)
@given(m=magnitudes, data=st.data())
def test_a_magnitude_reads_the_same_glued_or_not(m: Decimal, data: st.DataObject) -> None:
    a = data.draw(st.sampled_from(magnitude_renderings(m)))
    b = data.draw(st.sampled_from(magnitude_renderings(m)))
    found = parse_quantities(f"Officials said {a} struck.")
    assert [q.value for q in found] == [m], a
    assert found[0].counted is not None and found[0].counted.endswith("magnitude"), a
    (check,) = verify_numbers(f"Officials said {a} struck.", f"Reports said {b} struck.")
    assert check.supported, (a, b, check.reason)


@settings(max_examples=100, deadline=None)
@given(m=magnitudes, n=magnitudes, data=st.data())
def test_a_different_magnitude_is_never_supported(m: Decimal, n: Decimal,
                                                  data: st.DataObject) -> None:
    assume(m != n)
    a = data.draw(st.sampled_from(magnitude_renderings(m)))
    b = data.draw(st.sampled_from(magnitude_renderings(n)))
    (check,) = verify_numbers(f"Officials said {a} struck.", f"Reports said {b} struck.")
    assert not check.supported, (a, b, check.reason)


def time_renderings(h: int, mm: int) -> list[str]:
    """How news copy writes the time of day h:mm (24-hour ``h``)."""
    h12 = h % 12 or 12
    half = "am" if h < 12 else "pm"
    return [f"{h12}:{mm:02d}{half}", f"{h12}:{mm:02d} {half[0]}.m.", f"{h12}.{mm:02d}{half}",
            f"{h12}.{mm:02d} {half}", f"{h:02d}{mm:02d} UTC", f"{h:02d}:{mm:02d} GMT",
            f"{h:02d}.{mm:02d} GMT", f"{h:02d}{mm:02d} local time", f"{h12}.{mm:02d}{half} EST"]


@settings(max_examples=150, deadline=None)
@given(h=st.integers(min_value=0, max_value=23), mm=st.integers(min_value=0, max_value=59),
       data=st.data())
def test_a_time_of_day_is_no_quantity(h: int, mm: int, data: st.DataObject) -> None:
    t = data.draw(st.sampled_from(time_renderings(h, mm)))
    assert parse_quantities(f"The quake struck on Sunday at {t}, officials said.") == [], t


headline_verbs = st.sampled_from(["Kills", "Injures", "Leaves", "Tops", "Passes", "Hits",
                                  "Reaches", "Displaces", "Nears", "Exceeds", "Killed"])


@settings(max_examples=100, deadline=None)
@given(n=counts.filter(lambda k: k >= 100), verb=headline_verbs)
def test_title_case_headline_keeps_its_figure(n: int, verb: str) -> None:
    found = parse_quantities(f"Ecuador Earthquake {verb} {n:,} In Coastal Towns")
    assert [q.value for q in found] == [Decimal(n)], verb


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text())
def test_parsing_never_raises(text: str) -> None:
    found = parse_quantities(text)
    for q in found:
        assert text[q.start:q.end] == q.text


_ALPHABET = "0123456789,.-–$£€%kmbn ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz\n\t()[]/:'\"+"


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=_ALPHABET, max_size=300))
def test_number_like_noise_never_raises(text: str) -> None:
    parse_quantities(text)
    verify_numbers(text, text[::-1])


_WORDS = ["one", "two", "three", "hundred", "thousand", "million", "and", "a", "half", "dozen", "of", "the", "5", "5,000", "1.5", "2024", "-", "–", "to", "between", "over", "nearly", "about", "$", "£", "%", "percent", "points", "years", "ago", "old", "km", "March", "13,", "Covid-19", "G7", "F-35", "3-2", "[1]", "10:30", "pm", "+44", "(", ")", "tens", "thousands", "first", "third"]


def test_fuzz_hostile_text() -> None:
    rng = random.Random(20261121)
    for _ in range(400):
        n = rng.randint(0, 60)
        text = " ".join(rng.choice(_WORDS) for _ in range(n))
        if rng.random() < 0.3:
            text = text.replace(" ", "")
        if rng.random() < 0.2:
            text = "".join(rng.choice("0123456789,.- ") for _ in range(rng.randint(0, 200)))
        found = parse_quantities(text)
        for q in found:
            assert text[q.start:q.end] == q.text
            assert q.low is None or q.high is None or q.low <= q.high
        verify_numbers(text, [text, text.upper()])


HOSTILE_UNITS = [
    "1" * 50 + " ",
    "1,000," * 20 + " ",
    "one and " * 20,
    "- 1 - 2 - 3 " * 5,
    "$$$1.1.1.1.1 ",
    "tens of thousands of " * 4,
    "March 13, 2024, 13 March 2024 ",
    "a a a a a a a a half a half a ",
    "1 000 000 000 000 000 ",
    "twenty-twenty-twenty-twenty ",
    "5,000 Igla-S missiles and 4,500 Marines and sailors and ",
]


def test_parse_cost_is_linear_in_length() -> None:
    for unit in HOSTILE_UNITS:
        small = calls(lambda s=unit * 40: parse_quantities(s), warm=True)
        big = calls(lambda s=unit * 400: parse_quantities(s), warm=True)
        # 10x the input costs 9.4x-10.0x the calls; anything quadratic would cost ~100x.
        assert big <= 12 * small, (unit, small, big)


def test_verify_cost_is_linear_in_source_length() -> None:
    source = ("Maduro says Venezuela has 5,000 Igla-S missiles, and the US sent 4,500 Marines "
              "and sailors; turnout was 67.3% in 2024, about a third of voters. ")
    claim = "Maduro has 5,000 missiles and the US sent 4,500 troops."
    small = calls(lambda: verify_numbers(claim, source * 50), warm=True)
    big = calls(lambda: verify_numbers(claim, source * 500), warm=True)
    assert big <= 12 * small, (small, big)
