"""The number grammar: every quantity a news text states, with its exact value and its span.

This stage is what lets the validator check figures deterministically: ``parse_quantities``
turns text into :class:`Quantity` records (exact ``Decimal`` value, kind, unit, currency,
scale, qualifier, counted noun, precision, character span). Nothing here is fuzzy and
nothing is learned; the grammar is a set of tables (number words, scales, units,
currencies, qualifiers) driving one precompiled scanner plus short anchored look-aheads
and look-backs around each hit, so the cost is linear in the input.

Encodings worth knowing:

* ``value`` has the written scale applied ("4.5 million" -> 4500000, "$2.5m" -> 2500000).
  For a range it is the low end; ``low``/``high`` hold both ends. For vague plurals
  ("thousands", "tens of thousands", "millions") ``vague`` is true and ``low``/``high``
  hold the span the phrase can mean.
* ``precision`` is the place value of the last significant written digit: "$141 million"
  -> 1000000, "4.5 million" -> 100000, "140,937,785" -> 1, "5,000" -> 1000 (trailing zeros
  of an integer are taken as not significant).
* Dates: ``value`` is ``YYYYMMDD`` as a Decimal with 0 for parts not written ("March 13"
  -> 313, "March 2024" -> 20240300); ``date`` holds a :class:`datetime.date` when all three
  parts are written. Decades ("the 1990s") are kind ``year`` with ``low``=1990, ``high``=1999.
* Fractions are kept as their value ("a third" -> 1/3 to 28 digits, "two-thirds" -> 2/3).
* A reading on a named scale is a cardinal whose ``counted`` ends in what it measures:
  "a magnitude-6.9 earthquake", "a 6.9-magnitude earthquake", "magnitude 6.9 earthquake"
  and "a 6.9 earthquake" all give 6.9 counting "earthquake magnitude".
* Things that look like numbers but are not figures -- identifiers (G7, Covid-19, F-35,
  Boeing 737), scores ("3-2 win"), phone numbers, times of day ("9.59pm", "0830 UTC"),
  footnote marks, URLs -- yield no quantity. A word glued to a number with a hyphen reads
  as it does with a space ("magnitude-6.9" as "magnitude 6.9", "Category-4" as
  "Category 4"), and a capitalised verb in a Title-Case headline ("Kills 400") is not a
  brand name.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date as _date
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from functools import lru_cache
from typing import Any

__all__ = ["Qualifier", "Quantity", "QuantityKind", "parse_quantities"]


class QuantityKind(StrEnum):
    """What sort of number a quantity is; only quantities of compatible kinds support each other."""

    CARDINAL = "cardinal"
    ORDINAL = "ordinal"
    MONEY = "money"
    PERCENT = "percent"
    PERCENTAGE_POINTS = "percentage_points"
    MEASURE = "measure"
    YEAR = "year"
    DATE = "date"
    DURATION = "duration"
    AGE = "age"
    MULTIPLE = "multiple"
    FRACTION = "fraction"


class Qualifier(StrEnum):
    """How the written number bounds the true one.

    Surface words map onto this small set: "over", "more than", "above", "in excess of",
    "upwards of" -> OVER; "at least", "no less than", "no fewer than", "a minimum of" ->
    AT_LEAST; "under", "fewer than", "less than", "below" -> UNDER; "up to", "at most",
    "no more than", "as many as", "a maximum of" -> AT_MOST; "about", "around", "roughly",
    "approximately", "some", "an estimated", "circa" -> ABOUT; "nearly", "almost",
    "close to", "just under" -> NEARLY.
    """

    EXACT = "exact"
    ABOUT = "about"
    OVER = "over"
    AT_LEAST = "at_least"
    UNDER = "under"
    AT_MOST = "at_most"
    NEARLY = "nearly"


@dataclass(frozen=True, slots=True)
class Quantity:
    """One quantity found in a text; ``text == parsed[start:end]``."""

    text: str
    start: int
    end: int
    value: Decimal
    kind: QuantityKind
    low: Decimal | None = None
    high: Decimal | None = None
    unit: str | None = None
    currency: str | None = None
    scale: str | None = None
    qualifier: Qualifier = Qualifier.EXACT
    counted: str | None = None
    precision: Decimal = Decimal(1)
    date: _date | None = None
    vague: bool = False


# --------------------------------------------------------------------------- tables

_UNITS_WORDS = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13,
    "fourteen": 14, "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18,
    "nineteen": 19,
}
_TENS_WORDS = {
    "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70,
    "eighty": 80, "ninety": 90,
}
_ORDINAL_WORDS = {
    "first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6, "seventh": 7,
    "eighth": 8, "ninth": 9, "tenth": 10, "eleventh": 11, "twelfth": 12, "thirteenth": 13,
    "fourteenth": 14, "fifteenth": 15, "sixteenth": 16, "seventeenth": 17,
    "eighteenth": 18, "nineteenth": 19, "twentieth": 20, "thirtieth": 30, "fortieth": 40,
    "fiftieth": 50, "sixtieth": 60, "seventieth": 70, "eightieth": 80, "ninetieth": 90,
    "hundredth": 100, "thousandth": 1000, "millionth": 1000000, "billionth": 10**9,
}
# Plural denominators only ever mean fractions ("two-thirds"); singular ones are ambiguous
# with ordinals ("a third of" vs "a third term") and are resolved by context.
_DENOMINATORS = {
    "half": 2, "halves": 2, "thirds": 3, "quarters": 4, "fourths": 4, "fifths": 5,
    "sixths": 6, "sevenths": 7, "eighths": 8, "ninths": 9, "tenths": 10,
    "third": 3, "quarter": 4, "fourth": 4, "fifth": 5, "sixth": 6, "seventh": 7,
    "eighth": 8, "ninth": 9, "tenth": 10,
}
_SCALE_WORDS = {
    "hundred": 100, "thousand": 1000, "million": 10**6, "billion": 10**9, "trillion": 10**12,
}
_SCALE_NAMES = {100: "hundred", 1000: "thousand", 10**6: "million", 10**9: "billion",
                10**12: "trillion"}
# Abbreviated scales as written after digits ("$2.5m", "5k", "€1.2bn", "3trn").
_SCALE_ABBR = {
    "k": 1000, "thousand": 1000, "m": 10**6, "mn": 10**6, "mln": 10**6, "million": 10**6,
    "b": 10**9, "bn": 10**9, "bln": 10**9, "billion": 10**9, "tn": 10**12, "trn": 10**12,
    "trillion": 10**12, "hundred": 100, "dozen": 12,
}
# Vague plurals: the span of values the phrase can mean. Lower bounds start at two of the
# unit because "thousands" is never said of 1,500.
_VAGUE = {
    "dozens": (24, 99), "hundreds": (200, 999), "thousands": (2000, 9999),
    "tens of thousands": (20000, 99999), "hundreds of thousands": (200000, 999999),
    "millions": (2 * 10**6, 10**9 - 1), "tens of millions": (2 * 10**7, 10**8 - 1),
    "hundreds of millions": (2 * 10**8, 10**9 - 1), "billions": (2 * 10**9, 10**12 - 1),
    "tens of billions": (2 * 10**10, 10**11 - 1),
    "hundreds of billions": (2 * 10**11, 10**12 - 1), "trillions": (2 * 10**12, 10**15 - 1),
}
_MULTIPLE_WORDS = {"twice": 2, "thrice": 3, "twofold": 2, "threefold": 3, "fourfold": 4,
                   "fivefold": 5, "sixfold": 6, "tenfold": 10, "hundredfold": 100}
_SCALE_OR_DOZEN = frozenset(_SCALE_WORDS) | {"dozen"}

_QUALIFIERS: dict[str, Qualifier] = {
    "more than": Qualifier.OVER, "over": Qualifier.OVER, "above": Qualifier.OVER,
    "in excess of": Qualifier.OVER, "upwards of": Qualifier.OVER, "just over": Qualifier.OVER,
    "well over": Qualifier.OVER, "exceeding": Qualifier.OVER, "greater than": Qualifier.OVER,
    "at least": Qualifier.AT_LEAST, "no less than": Qualifier.AT_LEAST,
    "no fewer than": Qualifier.AT_LEAST, "a minimum of": Qualifier.AT_LEAST,
    "not less than": Qualifier.AT_LEAST, "not fewer than": Qualifier.AT_LEAST,
    "fewer than": Qualifier.UNDER, "less than": Qualifier.UNDER, "under": Qualifier.UNDER,
    "below": Qualifier.UNDER, "just under": Qualifier.NEARLY,
    "up to": Qualifier.AT_MOST, "at most": Qualifier.AT_MOST, "no more than": Qualifier.AT_MOST,
    "as many as": Qualifier.AT_MOST, "as much as": Qualifier.AT_MOST,
    "a maximum of": Qualifier.AT_MOST, "not more than": Qualifier.AT_MOST,
    "about": Qualifier.ABOUT, "around": Qualifier.ABOUT, "roughly": Qualifier.ABOUT,
    "approximately": Qualifier.ABOUT, "approx.": Qualifier.ABOUT, "some": Qualifier.ABOUT,
    "an estimated": Qualifier.ABOUT, "estimated": Qualifier.ABOUT, "circa": Qualifier.ABOUT,
    "c.": Qualifier.ABOUT, "about some": Qualifier.ABOUT, "an approximate": Qualifier.ABOUT,
    "nearly": Qualifier.NEARLY, "almost": Qualifier.NEARLY, "close to": Qualifier.NEARLY,
    "just shy of": Qualifier.NEARLY, "nigh on": Qualifier.NEARLY,
}

_CURRENCY_SYMBOLS = {
    "$": "USD", "us$": "USD", "usd": "USD", "a$": "AUD", "au$": "AUD", "c$": "CAD",
    "ca$": "CAD", "nz$": "NZD", "hk$": "HKD", "s$": "SGD", "r$": "BRL", "£": "GBP",
    "€": "EUR", "¥": "JPY", "₹": "INR", "₽": "RUB", "₩": "KRW", "₺": "TRY", "₴": "UAH",
    "₪": "ILS", "gbp": "GBP", "eur": "EUR", "jpy": "JPY", "cny": "CNY", "rmb": "CNY",
    "inr": "INR", "rub": "RUB", "chf": "CHF", "aud": "AUD", "cad": "CAD", "ves": "VES",
}
_CURRENCY_WORDS = {
    "dollar": "USD", "dollars": "USD", "us dollars": "USD", "pound": "GBP", "pounds": "GBP",
    "pounds sterling": "GBP", "sterling": "GBP", "euro": "EUR", "euros": "EUR", "yen": "JPY",
    "yuan": "CNY", "renminbi": "CNY", "rupee": "INR", "rupees": "INR", "rouble": "RUB",
    "roubles": "RUB", "ruble": "RUB", "rubles": "RUB", "bolivar": "VES", "bolivars": "VES",
    "bolívares": "VES", "pesos": "MXN", "swiss francs": "CHF", "francs": "CHF",
    "australian dollars": "AUD", "canadian dollars": "CAD", "hryvnias": "UAH",
    "shekels": "ILS", "won": "KRW", "lira": "TRY",
}

# unit surface -> (normalised unit, dimension, factor to the dimension's base unit)
_UNIT_TABLE: dict[str, tuple[str, str, Decimal]] = {}


def _add_units(names: Iterable[str], unit: str, dim: str, factor: str) -> None:
    for name in names:
        _UNIT_TABLE[name] = (unit, dim, Decimal(factor))


_add_units(["km", "kms", "kilometre", "kilometres", "kilometer", "kilometers"],
           "km", "length", "1000")
_add_units(["m", "metre", "metres", "meter", "meters"], "m", "length", "1")
_add_units(["cm", "centimetre", "centimetres", "centimeter", "centimeters"], "cm", "length",
           "0.01")
_add_units(["mm", "millimetre", "millimetres", "millimeter", "millimeters"], "mm", "length",
           "0.001")
_add_units(["mile", "miles", "mi"], "mi", "length", "1609.344")
_add_units(["nautical mile", "nautical miles", "nm"], "nmi", "length", "1852")
_add_units(["ft", "foot", "feet"], "ft", "length", "0.3048")
_add_units(["in", "inch", "inches"], "in", "length", "0.0254")
_add_units(["yard", "yards", "yd", "yds"], "yd", "length", "0.9144")
_add_units(["kg", "kgs", "kilogram", "kilograms", "kilo", "kilos"], "kg", "mass", "1")
_add_units(["g", "gram", "grams", "gramme", "grammes"], "g", "mass", "0.001")
_add_units(["tonne", "tonnes", "metric tons", "t"], "t", "mass", "1000")
_add_units(["ton", "tons"], "ton", "mass", "907.18474")
_add_units(["lb", "lbs"], "lb", "mass", "0.45359237")
_add_units(["litre", "litres", "liter", "liters", "l"], "l", "volume", "1")
_add_units(["ml", "millilitre", "millilitres", "milliliter", "milliliters"], "ml", "volume",
           "0.001")
_add_units(["gallon", "gallons"], "gal", "volume", "3.785411784")
_add_units(["barrel", "barrels", "bbl"], "bbl", "volume", "158.987294928")
_add_units(["km2", "sq km", "square kilometres", "square kilometers", "km²"], "km2", "area",
           "1000000")
_add_units(["square miles", "sq miles", "sq mi"], "mi2", "area", "2589988.110336")
_add_units(["hectare", "hectares", "ha"], "ha", "area", "10000")
_add_units(["acre", "acres"], "acre", "area", "4046.8564224")
_add_units(["mph"], "mph", "speed", "0.44704")
_add_units(["km/h", "kph", "kmh"], "km/h", "speed", "0.2777777777777777777777777778")
_add_units(["knots", "knot"], "kn", "speed", "0.5144444444444444444444444444")
_add_units(["°c", "degrees celsius", "celsius", "c"], "°C", "temperature_c", "1")
_add_units(["°f", "degrees fahrenheit", "fahrenheit", "f"], "°F", "temperature_f", "1")
_add_units(["kw", "kilowatts"], "kW", "power", "1000")
_add_units(["mw", "megawatts"], "MW", "power", "1000000")
_add_units(["gw", "gigawatts"], "GW", "power", "1000000000")
_add_units(["kwh"], "kWh", "energy", "1")
_add_units(["mwh"], "MWh", "energy", "1000")
_add_units(["gwh"], "GWh", "energy", "1000000")
_add_units(["gb", "gigabytes"], "GB", "data", "1000000000")
_add_units(["tb", "terabytes"], "TB", "data", "1000000000000")
_add_units(["mb", "megabytes"], "MB", "data", "1000000")

# Durations, in seconds so that "24 months" and "two years" compare equal.
_DURATIONS: dict[str, tuple[str, Decimal]] = {}
for _names, _unit, _secs in (
    (("second", "seconds", "sec", "secs"), "seconds", "1"),
    (("minute", "minutes", "min", "mins"), "minutes", "60"),
    (("hour", "hours", "hr", "hrs"), "hours", "3600"),
    (("day", "days"), "days", "86400"),
    (("week", "weeks"), "weeks", "604800"),
    (("fortnight", "fortnights"), "fortnights", "1209600"),
    (("month", "months"), "months", "2629800"),
    (("year", "years", "yr", "yrs"), "years", "31557600"),
    (("decade", "decades"), "decades", "315576000"),
    (("century", "centuries"), "centuries", "3155760000"),
):
    for _n in _names:
        _DURATIONS[_n] = (_unit, Decimal(_secs))

_MONTHS = {
    "january": 1, "jan": 1, "february": 2, "feb": 2, "march": 3, "mar": 3, "april": 4,
    "apr": 4, "may": 5, "june": 6, "jun": 6, "july": 7, "jul": 7, "august": 8, "aug": 8,
    "september": 9, "sep": 9, "sept": 9, "october": 10, "oct": 10, "november": 11,
    "nov": 11, "december": 12, "dec": 12,
}

# Words that stop a counted-noun phrase: function words and common verbs. The phrase is
# the run of content words right after the number ("5,000 Igla-S missiles deployed" ->
# "Igla-S missiles"), so anything that cannot sit inside a noun phrase ends it.
_STOP = frozenset([
    "a", "an", "the", "this", "that", "these", "those", "its", "it", "his", "her", "their", "our",
    "your", "my", "of", "in", "on", "at", "to", "from", "by", "for", "with", "without", "into",
    "onto", "over", "under", "about", "across", "after", "before", "during", "since", "until",
    "between", "among", "against", "per", "via", "than", "as", "and", "or", "but", "nor", "so",
    "yet", "if", "when", "while", "where", "who", "whom", "whose", "which", "what", "why", "how",
    "is", "are", "was", "were", "be", "been", "being", "am", "has", "have", "had", "do", "does",
    "did", "will", "would", "shall", "should", "can", "could", "may", "might", "must", "not", "no",
    "also", "just", "only", "even", "still", "more", "most", "less", "least", "very", "too", "each",
    "every", "all", "both", "either", "neither", "some", "any", "such", "other", "another", "said",
    "says", "say", "told", "tells", "according", "reported", "reports", "claimed", "claims",
    "claim", "says", "he", "she", "they", "we", "i", "you", "them", "us", "him", "me", "there",
    "here", "then", "now", "today", "yesterday", "tomorrow", "ago", "old", "later", "earlier",
    "away", "back", "up", "down", "out", "off", "around", "per", "cent", "percent", "were",
    "remain", "remained", "remains", "live", "lived", "left", "went", "came", "took", "saw", "fell",
    "rose", "gave", "made", "taken", "given", "seen", "held", "found", "shot", "hurt", "born",
    "known", "shown", "driven", "beaten", "written", "lower", "higher", "bigger", "smaller",
    "larger", "fewer", "greater", "got", "get", "gets", "put", "set", "ran", "run", "runs", "died",
    "fled", "fell", "lost", "won", "hit", "kept", "held", "met", "paid", "sent", "spent", "cost",
    "costs", "costing", "worth", "make", "makes", "made", "take", "takes", "need", "needs",
    "including", "include", "includes", "included", "plus", "like", "unlike", "near", "nearly",
    "almost", "roughly", "approximately", "amid", "amidst", "despite", "toward", "towards",
    "within", "throughout", "beyond", "upon", "inside", "outside", "along", "behind", "beneath",
    "beside", "besides", "except", "following", "regarding", "versus", "whereas", "because",
    "though", "although", "struck", "shook"
])
_PRONOUNS = frozenset([
    "them", "us", "it", "those", "these", "you", "they", "we", "him", "her", "one", "ones"
])
_IRREGULAR_NOUNS = {
    "people": "person", "men": "man", "women": "woman", "children": "child", "feet": "foot",
    "mice": "mouse", "teeth": "tooth", "geese": "goose", "lives": "life", "wives": "wife",
    "knives": "knife", "thieves": "thief", "leaves": "leaf", "halves": "half",
    "personnel": "personnel", "police": "police", "aircraft": "aircraft", "data": "data",
}

# Words before a bare integer that make it an identifier, not a figure ("Boeing 737").
_IDENTIFIER_HEADS = frozenset([
    "boeing", "airbus", "flight", "route", "highway", "interstate", "road", "street", "apollo",
    "windows", "iphone", "galaxy", "pixel", "playstation", "xbox", "model", "mark", "article",
    "section", "chapter", "clause", "rule", "resolution", "paragraph", "room", "gate", "platform",
    "terminal", "channel", "episode", "season", "series", "volume", "vol", "no", "no.", "number",
    "fox", "abc", "cbs", "nbc", "formula", "category", "level", "phase", "stage", "grade", "act",
    "title", "proposition", "prop", "unit", "block", "lot", "bus", "line", "track", "page", "pages",
    "figure", "table", "item", "bill", "amendment", "psalm", "district", "ward", "precinct", "box",
    "pier", "bay", "dock", "berth", "core", "reactor", "sector", "zone", "camp"
])
# Words that may sit glued before a number with a hyphen without making it an identifier
# ("mid-2024", "pre-1990", "sub-10").
_HYPHEN_PREFIXES = frozenset(
    [
        "mid", "pre", "post", "late", "early", "sub", "over", "under", "top", "non", "anti", "pro",
        "ex", "circa", "some"
    ]
)
# Words naming the scale a bare number is read on, and what the number then measures. The
# number is a figure however the word is attached: "magnitude 6.9", "a magnitude-6.9
# earthquake", "a 6.1-magnitude quake", "a magnitude of 6.9", "6.1 on the Richter scale".
# (Rating words that name a class rather than a reading -- "Category 4", "level 3",
# "phase 2" -- are identifier heads above, glued with a hyphen or not.)
_MEASURED_BY = {"magnitude": "magnitude", "richter": "magnitude"}
# Singular nouns whose magnitude a bare number written just before them is ("a 7.0
# earthquake", "the 6.5 tremor"); a plural after a number is a count ("two earthquakes").
_MAGNITUDE_NOUNS = frozenset(["earthquake", "quake", "tremor", "temblor", "aftershock"])
# Weekdays and other words that date a figure rather than name what it counts: "the toll
# rose to 233 Sunday" counts no Sundays. Only singular forms: "233 days", "three Sundays"
# are counts.
_WEEKDAYS = frozenset(
    ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
)
_TIME_ZONES = frozenset(
    [
        "utc", "gmt", "est", "edt", "cst", "cdt", "mst", "mdt", "pst", "pdt", "akst", "akdt",
        "hst", "bst", "cet", "cest", "eet", "eest", "wet", "west", "msk", "ist", "jst", "kst",
        "hkt", "sgt", "pht", "wib", "aest", "aedt", "acst", "awst", "nzst", "nzdt"
    ]
)
_TIME_WORDS = _WEEKDAYS | frozenset(
    [
        "january", "february", "march", "april", "june", "july", "august", "september",
        "october", "november", "december", "morning", "afternoon", "evening", "night",
        "tonight", "overnight", "midnight", "noon", "midday", "last", "next"
    ]
) | _TIME_ZONES
# Verbs (and "past") that take a figure as object: a capitalised one before a
# number is a Title-Case headline ("Quake Kills 400, Injures 1,800"), not the brand of a
# model number ("Boeing 737"). Listed as base forms; the inflections are derived.
_NUMBER_VERB_BASES = (
    "kill injure hurt wound leave claim displace affect evacuate rescue strand trap bury "
    "hit top reach pass exceed surpass near climb rise jump soar surge fall drop dip plunge "
    "slip slide sink cut add lose gain shed raise lift lower double triple hire fire sell buy "
    "seize arrest detain charge jail free release destroy damage flood topple record report "
    "confirm count find recover identify mobilize mobilise deploy send dispatch approve "
    "fine pay spend cost earn win owe need seek ask offer pledge promise donate give grant "
    "allocate invest borrow lend"
)
_IRREGULAR_VERB_FORMS = frozenset(
    [
        "left", "rose", "risen", "fell", "fallen", "sank", "sunk", "slid", "lost", "shed",
        "sold", "bought", "paid", "spent", "won", "sought", "found", "sent", "freed", "past",
        "gave", "given", "lent"
    ]
)


def _inflections(base: str) -> set[str]:
    """Base, -s, -ed and -ing forms of a regular verb (close enough for a look-up table)."""
    forms = {base, base + "s", base + "es", base + "ed", base + "ing"}
    if base.endswith("e"):
        forms |= {base + "d", base[:-1] + "ing"}
    if base.endswith("y") and base[-2:-1] not in "aeiou":
        forms |= {base[:-1] + "ies", base[:-1] + "ied"}
    if len(base) <= 4 and base[-1] not in "aeiouwy" and base[-2:-1] in "aeiou" \
            and base[-3:-2] not in "aeiou":
        # "hit" -> "hitting", "top" -> "topped", "dip" -> "dipped"
        forms |= {base + base[-1] + "ed", base + base[-1] + "ing"}
    return forms


_NUMBER_VERBS = frozenset(
    f for base in _NUMBER_VERB_BASES.split() for f in _inflections(base)
) | _IRREGULAR_VERB_FORMS
# A digit range followed by one of these is a score or vote, not a range.
_SCORE_WORDS = frozenset(
    [
        "win", "wins", "victory", "defeat", "loss", "draw", "lead", "scoreline", "vote", "votes",
        "decision", "margin", "triumph", "thrashing", "drubbing", "success", "home", "away",
        "aggregate"
    ]
)
_SCORE_VERBS = frozenset(
    [
        "won", "lost", "beat", "beaten", "drew", "draw", "defeated", "trailed", "trailing", "led",
        "leading", "leads", "thrashed", "edged", "routed", "score", "scored"
    ]
)
_DETERMINERS_FOR_ORDINAL = frozenset(
    [
        "the", "its", "his", "her", "their", "our", "my", "your", "a", "an", "this", "that",
        "whose", "each", "every"
    ]
)
_NOT_A_COUNT_BEFORE_ONE = frozenset(
    [
        "no", "any", "every", "each", "some", "the", "this", "that", "which", "someone", "anyone",
        "no-one", "little", "only", "another"
    ]
)


# --------------------------------------------------------------------------- the scanner


def _trie_regex(words: Iterable[str]) -> str:
    """A regex alternation for ``words`` folded into a trie, so each position costs one pass."""
    trie: dict[str, Any] = {}
    for word in words:
        node: dict[str, Any] = trie
        for ch in word:
            node = node.setdefault(ch, {})
        node[""] = {}

    def render(node: dict[str, Any]) -> str:
        branches: list[str] = []
        optional = False
        for ch in sorted(node):
            if ch == "":
                optional = True
                continue
            child = node[ch]
            assert isinstance(child, dict)
            branches.append(re.escape(ch) + render(child))
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        if optional:
            # Longest first: try the longer word, fall back to the shorter one.
            return "(?:" + body + ")?"
        return body

    return render(trie)


_NUMBER_WORDS = sorted(
    set(_UNITS_WORDS) | set(_TENS_WORDS) | set(_ORDINAL_WORDS) | set(_DENOMINATORS)
    | set(_SCALE_WORDS) | {"dozen", "dozens", "tens", "hundreds", "thousands", "millions",
                           "billions", "trillions"} | set(_MULTIPLE_WORDS)
)
_W = "(?:" + _trie_regex(_NUMBER_WORDS) + r")\b"
# Each alternative opens with its own literal (no optional group up front): that keeps the
# engine's fast prefix search, ten times faster than the plain list of names.
_MONTH = (
    r"(?:Jan(?:uary|\.)?|Feb(?:ruary|\.)?|Mar(?:ch|\.)?|Apr(?:il|\.)?|May|Jun(?:e|\.)?"
    r"|Jul(?:y|\.)?|Aug(?:ust|\.)?|Sep(?:t(?:ember|\.)?|\.)?|Oct(?:ober|\.)?"
    r"|Nov(?:ember|\.)?|Dec(?:ember|\.)?)"
)
_YEAR = r"(?:1[5-9]|20|21)[0-9]{2}"
_DIGITS = (
    r"(?:[0-9]{1,3}(?:,[0-9]{3})+(?![0-9])|[0-9]{1,3}(?:[ \u00a0\u202f][0-9]{3})+(?![0-9])"
    r"|[0-9]+)(?:\.[0-9]+)?(?![0-9])"
)

# The scan is split in three so that the regex engine can skip most of the text in C:
# a pattern that starts with a character class ([0-9], capital letters) is searched far
# faster than one that has to be tried at every position. Each scanner only finds where a
# number may start; the full form is then matched anchored at that position.
# "[0-9][0-9]*", not "[0-9]+": only a pattern that opens with a single character class
# gets the engine's fast skip to the next digit (2-3x faster over prose).
_DIGIT_SCAN = re.compile(r"[0-9][0-9]*")
_NUM_FAST = re.compile(
    r"[0-9](?:[0-9]{0,2}(?:[ \u00a0\u202f][0-9]{3})+(?![0-9])|[0-9]*(?:,[0-9]{3})*)"
    r"(?:\.[0-9]+)?"
)
_RANGE_CHARS = frozenset("-\u2013\u2014/")
# Times of day: "9:59 p.m.", "9.59pm", "2.15am", "0830 UTC", "08.30 GMT", "2330 local time",
# "0830 hours". Zones only in capitals ("1200 west of" is no time).
_ZONE = "(?:" + "|".join(sorted((z.upper() for z in _TIME_ZONES), key=len, reverse=True)) + ")"
_DIGIT_FORMS = re.compile(
    rf"""
    (?P<phone>[0-9]{{1,5}}\)?[ .-]?(?:[0-9]{{2,5}}[ .-])?[0-9]{{3,4}}[ .-][0-9]{{4}}(?![0-9]))
  | (?P<time>[0-9]{{1,2}}:[0-9]{{2}}(?::[0-9]{{2}})?(?![0-9])(?:[ \t]?(?i:[ap]\.?m\b\.?))?
      | [0-9]{{1,2}}(?:\.[0-5][0-9])?[ \t]?(?i:[ap]\.m\.|[ap]m\b)
      | (?:(?:[01][0-9]|2[0-3])[0-5][0-9]|[0-9]{{1,2}}\.[0-5][0-9])
        [ \t]*(?:{_ZONE}(?![\w])|(?i:local[ \t]+time)\b)
      | 0[0-9][0-5][0-9][ \t]*(?i:hours|hrs)\b)
  | (?P<iso>{_YEAR}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12][0-9]|3[01])(?![\w-]))
  | (?P<slash>[0-9]{{1,2}}/[0-9]{{1,2}}(?:/[0-9]{{2,4}})?(?![\w/]))
  | (?P<dmy>(?P<dmy_d>[0-3]?[0-9])(?:st|nd|rd|th)?[ \t]+(?:of[ \t]+)?
        (?P<dmy_m>{_MONTH})(?!\w)(?:,?[ \t]+(?P<dmy_y>{_YEAR})(?![0-9]))?)
  | (?P<num>{_DIGITS})
    """,
    re.VERBOSE,
)
# "a decade", "more than a year", "a week ago": one unit of time written with "a".
_A_DURATION_SCAN = re.compile(
    # Opens with one character class for the engine's fast skip; the word boundary before
    # it is checked in code.
    r"[Aah](?:(?<=[Aa])n?|(?<=h)alf[ \t]+an?)[ \t]+"
    r"(?P<u>decade|century|fortnight|year|month|week|day|hour)s?\b"
)
_A_DURATION_AFTER = re.compile(r"[ \t]+(?:ago|later|earlier|before|after)\b")
_A_DURATION_BEFORE = re.compile(r"\b(?:for|in|within|than|over|under|about|nearly|almost|"
                                r"around|roughly|past|last|least)[ \t]+$", re.IGNORECASE)
_DMY_SCAN = re.compile(rf"[0-9][0-9]?(?:st|nd|rd|th)?[ \t]+(?:of[ \t]+)?{_MONTH}(?![a-z])")
_MONTH_BEFORE = re.compile(rf"\b{_MONTH}[ \t]+(?:of[ \t]+)?$")
_MONTH_SCAN = re.compile(rf"{_MONTH}[ \t]+(?:of[ \t]+)?[0-9]")
_MONTH_FORMS = re.compile(
    rf"""
    (?P<mdy>(?P<mdy_m>{_MONTH})[ \t]+(?P<mdy_d>[0-3]?[0-9])(?:st|nd|rd|th)?(?![0-9])\b
        (?:,?[ \t]+(?P<mdy_y>{_YEAR})(?![0-9]))?)
  | (?P<my>(?P<my_m>{_MONTH})[ \t]+(?:of[ \t]+)?(?P<my_y>{_YEAR})(?![0-9]))
    """,
    re.VERBOSE,
)
# Run over a lower-cased copy of the text (same length), so no case-insensitive matching.
_WORD_SCAN = re.compile(rf"\b{_W}(?:(?:[ \t]+and[ \t]+|[ \t]+|-)(?:a[ \t]+)?{_W}){{0,12}}")
_WORD_SCAN_I = re.compile(_WORD_SCAN.pattern, re.IGNORECASE)
_URL_START = re.compile(r"(?:https?://|www\.)", re.IGNORECASE)

# Anchored look-aheads, applied at the end of a number.
_SCALE_AFTER = re.compile(
    r"(?:[ \t\u00a0]*|-)(?P<s>(?i:thousand|million|billion|trillion|hundred|dozen))\b"
    r"|(?P<a>k|mn|mln|m|bn|bln|b|tn|trn)(?![\w])"
    r"|[ \t](?P<sp>mn|bn|tn|trn)\b"
)
_PERCENT_AFTER = re.compile(r"[ \t]?(?:%|(?i:per[ \t]?cent|percent|pc)\b)")
_POINTS_AFTER = re.compile(
    r"(?P<pp>[ \t]+(?i:percentage[ \t\-]+points?|percent(?:age)?[ \t]+pts?)\b"
    r"|[ \t]?(?i:pp|ppts?)\b)"
    r"|(?P<bp>[ \t]+(?i:basis[ \t]+points?)\b|[ \t]?bps?\b)"
)
_AGE_AFTER = re.compile(
    r"-(?i:years?|yr)-old\b|[ \t]+(?i:years?)[ \t]+old\b|[ \t]+(?i:years?)[ \t]+of[ \t]+age\b"
)
_DURATION_AFTER = re.compile(
    r"(?:[ \t]+|-)(?P<u>(?i:seconds?|secs?|minutes?|mins?|hours?|hrs?|days?|weeks?|"
    r"fortnights?|months?|years?|yrs?|decades?|centur(?:y|ies)))\b(?P<ago>[ \t]+ago\b)?"
)
_MULTIPLE_AFTER = re.compile(r"[ \t]+(?i:times)\b|-?(?i:fold)\b|x\b")
_RATE_AFTER = re.compile(
    r"(?:-a-|[ \t]+a[ \t]+|[ \t]*(?:/|per)[ \t]*)(?P<per>(?i:year|month|week|day|hour))\b"
    r"|[ \t]+(?P<adv>(?i:annually|a[ \t]+year|per[ \t]+annum|yearly))\b"
)
_CURRENCY_WORD_AFTER = re.compile(
    "[ \t]+(?P<c>" + "|".join(sorted((re.escape(w) for w in _CURRENCY_WORDS),
                                      key=len, reverse=True)) + r")\b",
    re.IGNORECASE,
)
_UNIT_AFTER = re.compile(
    r"(?:[ \t]*|-)(?P<u>"
    + "|".join(sorted((re.escape(u) for u in _UNIT_TABLE), key=len, reverse=True))
    + r")(?![\w/²])",
    re.IGNORECASE,
)
_DEGREE_AFTER = re.compile(
    r"[ \t]?°[ \t]?(?P<u>[CF])\b"
    r"|[ \t]+degrees?[ \t]+(?P<w>(?i:celsius|fahrenheit|centigrade))\b"
)
_ORDINAL_SUFFIX = re.compile(r"(?i:st|nd|rd|th)\b")
_DECADE_SUFFIX = re.compile(r"'?s\b")
_RANGE_AFTER = re.compile(
    r"(?P<sep>[ \t]*[-\u2013\u2014][ \t]*|[ \t]+(?i:to|and|or)[ \t]+)"
    r"(?P<cur>\$|£|€)?(?P<n>[0-9]{1,3}(?:,[0-9]{3})+(?![0-9])(?:\.[0-9]+)?|[0-9]+(?:\.[0-9]+)?)"
    r"(?![0-9])"
)
_WORD_RANGE_AFTER = re.compile(
    rf"(?P<sep>[ \t]*[-\u2013][ \t]*|[ \t]+(?i:to|and|or)[ \t]+)(?P<w>(?i:{_W}))"
)
_NP_RUN = re.compile(r"(?:[ \t]+[A-Za-z](?:[A-Za-z'\u2019\-]*[A-Za-z])?(?![\w'\u2019\-])){1,8}")
_NP_WORD = re.compile(r"[ \t]+(?P<w>[A-Za-z][A-Za-z'\u2019\-]*[A-Za-z]|[A-Za-z])")
_OF_DET = re.compile(
    r"[ \t]+of(?:[ \t]+(?:the|its|their|these|those|his|her|our|all))?(?=[ \t])", re.IGNORECASE
)
_WS = re.compile(r"\s+")
_TOTAL_AFTER = re.compile(r"[ \t]+[0-9][0-9,]*(?![0-9,.])")
_HALF_DURATION = re.compile(
    r"(?:[ \t]+an?[ \t]+|[ \t]+|-)(?P<u>(?i:hour|day|year|century|decade|minute|month|week))\b"
)
# What may be glued to digits and still be a figure ("5k", "6km", "3rd", "1990s", "40.3C");
# anything else glued ("5G", "3D", "737s", "A320neo") names a thing. Case matters: "G" is
# not grams.
_GLUED_SUFFIX = re.compile(
    r"(?:k|K|mn|mln|m|bn|bln|b|tn|trn|st|nd|rd|th|s|x|km|cm|mm|kg|g|mph|kph|ft|lb|lbs|mi|ml"
    r"|l|L|t|ha|kW|MW|GW|kWh|MWh|GWh|GB|TB|MB|bps?|bp|pp|ppts?|pc|C|F|am|pm|AM|PM|fold)\b"
)
_PHONE_AFTER_PLUS = re.compile(r"[0-9]{1,3}[ .-]?\(?[0-9]{1,5}\)?[ .-]?[0-9]{3,4}[ .-]?[0-9]{3,4}")
_PERCENT_RANGE = re.compile(
    r"(?P<sep>[ \t]*[-\u2013][ \t]*|[ \t]+(?:to|and)[ \t]+)(?P<n>[0-9]+(?:\.[0-9]+)?)"
    r"[ \t]?(?:%|(?i:per[ \t]?cent|percent)\b)"
)
_FRACTION_OF_SCALE = re.compile(
    r"[ \t]+of[ \t]+an?[ \t]+(?P<s>(?i:thousand|million|billion|trillion))\b"
)
_OF_SCALES = re.compile(r"[ \t]+of[ \t]+(thousands|millions|billions)\b", re.IGNORECASE)
_IN_FRACTION = re.compile(
    r"[ \t]+in[ \t]+(?P<d>[0-9]{1,3}(?![0-9,.])"
    r"|(?i:two|three|four|five|six|seven|eight|nine|ten|twenty|hundred|a[ \t]+hundred))\b"
)
_POINT_AFTER = re.compile(
    r"(?:[ \t]+an?)?[ \t-]+(?i:percentage[ \t-]+)?(?i:points?)\b"
)
_MODEL_AFTER = re.compile(r"[ \t]?(?:Max|MAX|Pro|Plus|Ultra|Mini|Dreamliner|neo|NEO)\b|-[A-Z]")
_AGE_APPOSITIVE_BEFORE = re.compile(r"[A-Za-z][ \t]*,[ \t]*$")
# The scale a number is read on, written before it ("magnitude 6.9", "magnitude-6.9", "a
# magnitude of 6.9", "put the magnitude at 6.5") or after it ("6.1-magnitude", "6.1 on the
# Richter scale"), and the nouns a bare number before is the magnitude of ("a 7.0 quake").
_MEASURED_WORDS = "|".join(sorted(_MEASURED_BY, key=len, reverse=True))
_MEASURED_BEFORE = re.compile(
    rf"\b(?P<w>(?i:{_MEASURED_WORDS}))(?:[ \t]+(?i:of|at))?(?:[ \t]+|-)$"
)
_MEASURED_AFTER = re.compile(
    rf"(?:[ \t]+|-)(?P<w>(?i:{_MEASURED_WORDS}))\b"
    r"|[ \t]+(?i:on[ \t]+the[ \t]+)(?P<r>(?i:richter))[ \t]+(?i:scale)\b"
)
_MAGNITUDE_NOUN_AFTER = re.compile(
    "[ \t]+(?=(?i:" + "|".join(sorted(_MAGNITUDE_NOUNS)) + r")\b)"
)

# Look-backs: applied to the few characters before a number, anchored at the end.
_CURRENCY_BEFORE = re.compile(
    r"(?P<c>(?i:us\$|a\$|au\$|c\$|ca\$|nz\$|hk\$|s\$|r\$)|\$|£|€|¥|₹|₽|₩|₺|₴|₪"
    r"|\b(?:USD|GBP|EUR|JPY|CNY|RMB|INR|RUB|CHF|AUD|CAD|VES)[ \t\u00a0]?)[ \t\u00a0]?$"
)
_QUALIFIER_BEFORE = re.compile(
    r"(?<![\w])(?P<q>"
    + "|".join(sorted((re.escape(q) for q in _QUALIFIERS), key=len, reverse=True))
    + r")[ \t]+(?:(?i:of)[ \t]+)?$",
    re.IGNORECASE,
)
_BETWEEN_BEFORE = re.compile(r"\b(?i:between|from)[ \t]+$")
_WORD_BEFORE = re.compile(r"(?P<w>[A-Za-z][A-Za-z.'\u2019]*)[ \t]*$")
_TWO_WORDS_BEFORE = re.compile(
    r"(?P<w1>[A-Za-z][\w.'\u2019\-]*)[ \t]+(?P<w2>[A-Za-z][\w.'\u2019\-]*)[ \t]*$"
)
_A_BEFORE = re.compile(r"(?:\b(?P<half>[Hh]alf)[ \t]+)?\b(?P<a>[Aa]n?)[ \t]+$")
_THE_BEFORE = re.compile(r"\b(?i:the|in[ \t]+the|her|his|their|early|late|mid)[ \t\-]*$")
_HYPHEN_WORD_BEFORE = re.compile(r"(?P<w>[A-Za-z]+)-$")
_AGE_BEFORE = re.compile(r"\b(?i:aged|age|ages)[ \t]+$")
_AGE_DECADE_BEFORE = re.compile(r"\b(?i:in[ \t]+(?:his|her|their|my|your|our)|aged[ \t]+in)[ \t]+$")


# --------------------------------------------------------------------------- helpers


def _norm(d: Decimal) -> Decimal:
    if d == d.to_integral_value():
        return d.quantize(Decimal(1))
    return d.normalize()


def _is_norm(d: Decimal) -> bool:
    exp = d.as_tuple().exponent
    if exp == 0:
        return True
    if not isinstance(exp, int) or exp > 0:
        return False
    return d != d.to_integral_value() and str(d)[-1] != "0"


def _dec(text: str) -> Decimal | None:
    try:
        return Decimal(text)
    except (InvalidOperation, ValueError):
        return None


def _digits_value(raw: str) -> tuple[Decimal, Decimal] | None:
    """The value and precision of a digit string such as "5,000", "5 000", "-1,234.5"."""
    cleaned = raw.replace(",", "").replace("\u2212", "-").replace("\u00a0", "")
    cleaned = cleaned.replace("\u202f", "").replace(" ", "")
    if len(cleaned) > 24:
        # Beyond a sextillion a digit string is a code or noise, not a news figure, and
        # exact arithmetic on it would outgrow the decimal context.
        return None
    value = _dec(cleaned)
    if value is None:
        return None
    if "." in cleaned:
        decimals = len(cleaned) - cleaned.index(".") - 1
        precision = Decimal(1).scaleb(-decimals)
    else:
        stripped = cleaned.lstrip("+-")
        zeros = len(stripped) - len(stripped.rstrip("0")) if stripped.strip("0") else 0
        precision = Decimal(10**zeros)
    return value, precision


def _int_precision(value: Decimal) -> Decimal:
    """Place value of the last non-zero digit of an integer value (5000 -> 1000)."""
    if value == 0 or value != value.to_integral_value():
        return Decimal(1)
    digits = str(abs(int(value)))
    zeros = len(digits) - len(digits.rstrip("0"))
    return Decimal(1).scaleb(zeros)


def _words_value(tokens: list[str]) -> Decimal | None:
    """Value of a cardinal word sequence ("one hundred and twelve", "two dozen", "a million")."""
    total = 0
    current = 0
    seen = False
    last = ""  # "u" units, "t" tens, "h" hundred, "s" scale
    for tok in tokens:
        if tok in ("and", "a", "an"):
            if tok in ("a", "an") and seen:
                return None
            if tok in ("a", "an"):
                current = 1
                seen = True
                last = "a"
            continue
        if tok in _UNITS_WORDS:
            if last in ("u",) or (last == "t" and _UNITS_WORDS[tok] >= 10):
                return None
            current += _UNITS_WORDS[tok]
            last = "u"
        elif tok in _TENS_WORDS:
            if last in ("u", "t"):
                return None
            current += _TENS_WORDS[tok]
            last = "t"
        elif tok == "hundred":
            current = (current or 1) * 100
            last = "h"
        elif tok == "dozen":
            current = (current or 1) * 12
            last = "h"
        elif tok in _SCALE_WORDS:
            total += (current or 1) * _SCALE_WORDS[tok]
            current = 0
            last = "s"
        else:
            return None
        seen = True
    if not seen:
        return None
    return Decimal(total + current)


_FRACTION_QUANT = Decimal(10) ** -28


def _fraction(num: int, den: int) -> Decimal:
    return (Decimal(num) / Decimal(den)).quantize(_FRACTION_QUANT)


@lru_cache(maxsize=8192)
def _lemma(word: str) -> str:
    """Plural-insensitive form of a noun: enough to match "missiles" with "missile"."""
    w = word.lower().strip("'\u2019").replace("\u2019", "'")
    if w.endswith("'s"):
        w = w[:-2]
    if w in _IRREGULAR_NOUNS:
        return _IRREGULAR_NOUNS[w]
    if len(w) > 4 and w.endswith("ies"):
        return w[:-3] + "y"
    if len(w) > 4 and w.endswith(("sses", "shes", "ches", "xes", "zes")):
        return w[:-2]
    if len(w) > 3 and w.endswith("s") and not w.endswith(("ss", "us", "is")):
        return w[:-1]
    return w


def _counted_after(text: str, pos: int, allow_of: bool) -> tuple[str | None, int]:
    """The counted noun phrase starting at ``pos`` and where it ends."""
    limit = min(len(text), pos + 160)
    m_of = _OF_DET.match(text, pos, limit) if allow_of else None
    start_pos = m_of.end() if m_of else pos
    run = _NP_RUN.match(text, start_pos, limit)
    if run is None:
        return None, pos
    chunk = run.group(0)
    base = run.start()
    tokens: list[tuple[str, int, int]] = []
    off = 0
    for tok in chunk.split():
        i = chunk.find(tok, off)
        off = i + len(tok)
        tokens.append((tok, base + i, base + off))
    words: list[tuple[str, int, int]] = []
    for k, (w, ws, we) in enumerate(tokens):
        if len(words) >= 6:
            break
        lw = w.lower()
        if lw == "and" or lw == "or":
            # "4,500 Marines and sailors": a conjunction inside the phrase, not after it.
            nxt = tokens[k + 1][0].lower() if k + 1 < len(tokens) else None
            if not words or nxt is None or nxt in _STOP:
                break
            words.append((w, ws, we))
            continue
        if lw in _STOP or (lw in _PRONOUNS and not words):
            break
        if lw in _TIME_WORDS or (w[:1].isupper() and lw.rstrip(".") in _MONTHS):
            # "rose to 233 Sunday", "400 last night", "12 Jan.": when, not what is counted.
            # The table is singular: "233 days" and "three Sundays" are counts.
            break
        if words and lw.endswith(("ed", "ly")) and len(lw) > 4:
            # "5,000 missiles deployed ..." -- a participle after the head ends the phrase.
            break
        words.append((w, ws, we))
    # A trailing conjunction or participle is not part of the phrase.
    while words and (words[-1][0].lower() in ("and", "or")
                     or (words[-1][0].lower().endswith("ed") and len(words[-1][0]) > 4)):
        words.pop()
    if not words:
        return None, pos
    # End each conjunct at its first plural noun: "Russian missiles sends" -> "Russian
    # missiles", "Marines and sailors" stays whole. Plural is how English marks the noun
    # that a number above one counts; words after it are the rest of the sentence.
    kept: list[tuple[str, int, int]] = []
    i = 0
    while i < len(words):
        item = words[i]
        kept.append(item)
        lw = item[0].lower()
        if lw not in ("and", "or") and _is_plural(item[0]):
            if i + 2 < len(words) and words[i + 1][0].lower() in ("and", "or"):
                kept.append(words[i + 1])
                i += 2
                continue
            break
        i += 1
    while kept and kept[-1][0].lower() in ("and", "or"):
        kept.pop()
    if m_of is not None and len(kept) == 1 and kept[0][0].lower().endswith(("'s", "\u2019s")):
        # "6 of the country's 24 provinces": the possessive is whose, and the total after
        # it says what both numbers count.
        total = _TOTAL_AFTER.match(text, kept[0][2], limit)
        if total is not None:
            noun, noun_end = _counted_after(text, total.end(), allow_of=False)
            if noun is not None:
                return noun, noun_end
    return text[kept[0][1]:kept[-1][2]], kept[-1][2]


def _is_plural(word: str) -> bool:
    w = word.lower()
    if w in _IRREGULAR_NOUNS:
        return True
    # "Igla-S", "GPS", "US": a capital final S is an acronym, not a plural; "team's" is a
    # possessive ("5 of the team's players").
    return word[-1:] == "s" and _lemma(w) != w and not w.endswith(("'s", "\u2019s"))


@lru_cache(maxsize=8192)
def counted_heads(counted: str | None) -> frozenset[str]:
    """Lemmatised head words of a counted phrase: the last word of each conjunct."""
    if not counted:
        return frozenset()
    heads: set[str] = set()
    for part in re.split(r"\s+(?:and|or)\s+|,\s*", counted.lower()):
        words = part.split()
        if words:
            heads.add(_lemma(words[-1]))
    return frozenset(heads)


@lru_cache(maxsize=8192)
def counted_words(counted: str | None) -> frozenset[str]:
    """All lemmatised words of a counted phrase (hyphenated parts kept whole)."""
    if not counted:
        return frozenset()
    return frozenset(_lemma(w) for w in counted.lower().split() if w not in ("and", "or"))


# --------------------------------------------------------------------------- the parser


class ValueWindows:
    """Sorted, disjoint windows of values, asked "does this value matter?" by bisection.

    ``windows`` are values as a source could write them; ``scaled`` the same divided by the
    scales a source could write after them ("4.5" of "4.5 million").
    """

    __slots__ = ("his", "los", "scaled_his", "scaled_los")

    def __init__(self, windows: Iterable[tuple[float, float]],
                 scaled: Iterable[tuple[float, float]]) -> None:
        self.los, self.his = _disjoint(windows)
        self.scaled_los, self.scaled_his = _disjoint(scaled)

    def contains(self, v: float) -> bool:
        j = bisect_right(self.los, v) - 1
        return j >= 0 and v <= self.his[j]


def _disjoint(spans: Iterable[tuple[float, float]]) -> tuple[list[float], list[float]]:
    """Merge windows into sorted disjoint ones, so a look-up is one bisection."""
    los: list[float] = []
    his: list[float] = []
    for lo, hi in sorted(spans):
        if his and lo <= his[-1]:
            his[-1] = max(his[-1], hi)
        else:
            los.append(lo)
            his.append(hi)
    return los, his


class _Parser:
    """One pass over one text. Kept as a class so the per-hit helpers share ``text``."""

    __slots__ = ("_low", "keep", "out", "text")

    def __init__(self, text: str, keep: ValueWindows | None = None) -> None:
        self.text = text
        self._low: str | bool | None = False
        self.keep = keep
        self.out: list[Quantity] = []

    @property
    def low(self) -> str | None:
        """The text lower-cased, or None when lower-casing would move offsets."""
        if self._low is False:
            lowered = self.text.lower()
            # Lower-casing can change length for a few non-ASCII letters; offsets must hold.
            self._low = lowered if len(lowered) == len(self.text) else None
        return self._low if isinstance(self._low, str) else None

    # -- context before a number ---------------------------------------------------

    def _before(self, start: int, width: int = 40) -> str:
        return self.text[max(0, start - width):start]

    def _qualifier(self, start: int) -> tuple[Qualifier, int]:
        m = _QUALIFIER_BEFORE.search(self._before(start))
        if m is None:
            return Qualifier.EXACT, start
        q = _QUALIFIERS.get(m.group("q").lower(), Qualifier.EXACT)
        return q, start - (len(self._before(start)) - m.start("q"))

    def _currency_before(self, start: int) -> tuple[str | None, int]:
        window = self._before(start, 6)
        m = _CURRENCY_BEFORE.search(window)
        if m is None:
            return None, start
        sym = m.group("c").strip().lower()
        return _CURRENCY_SYMBOLS.get(sym, "USD"), start - (len(window) - m.start("c"))

    def _is_identifier(self, start: int, raw: str) -> bool:
        """True for numbers that name things: "G7", "Covid-19", "F-35", "Boeing 737"."""
        text = self.text
        if start >= 2 and text[start - 1] == "-" and text[start - 2].isalpha():
            # Glued with a hyphen, a word reads as it does with a space: "magnitude-6.9" is
            # "magnitude 6.9"; "Category-4", "level-3", "Covid-19", "F-35" name things.
            m = _HYPHEN_WORD_BEFORE.search(text, max(0, start - 20), start)
            return not (m and (m.group("w").lower() in _HYPHEN_PREFIXES
                               or m.group("w").lower() in _MEASURED_BY))
        if start >= 1 and text[start - 1].isalpha():
            return True
        if "," in raw or "." in raw:
            return False
        m = _WORD_BEFORE.search(text, max(0, start - 30), start)
        if m is None:
            return False
        word = m.group("w")
        if word.lower() in _IDENTIFIER_HEADS:
            return True
        # A capitalised brand/model word glued by a space to a plain integer ("Boeing 737",
        # "Windows 11"), but not a sentence start, a month or weekday ("by Sunday 233
        # people"), or a verb capitalised in a Title-Case headline ("Quake Kills 400").
        return (
            word[:1].isupper()
            and not word.endswith(("'s", "\u2019s", "s'"))  # "Venezuela's 5000 missiles"
            and len(raw) >= 3
            and word.lower().rstrip(".") not in _MONTHS
            and word.lower() not in _WEEKDAYS
            and word.lower() not in _NUMBER_VERBS
            and m.start() > 0
            and not text[max(0, m.start() - 2):m.start()].strip().endswith((".", "!", "?", ":"))
            and not (m.start() == 0 or text[m.start() - 1] == "\n")
            and word.lower() not in _STOP
        )

    # -- context after a number ----------------------------------------------------

    def _emit(self, q: Quantity) -> None:
        # One canonical spelling per value ("4500000", not "4500000.0"), so values compare
        # and print the same whichever way they were computed.
        if not (_is_norm(q.value) and _is_norm(q.precision)
                and (q.low is None or _is_norm(q.low)) and (q.high is None or _is_norm(q.high))):
            q = replace(q, value=_norm(q.value), precision=_norm(q.precision),
                        low=None if q.low is None else _norm(q.low),
                        high=None if q.high is None else _norm(q.high))
        self.out.append(q)

    def _finish(
        self,
        *,
        num_start: int,
        num_end: int,
        value: Decimal,
        precision: Decimal,
        raw: str,
        from_words: bool,
        scale_mult: int | None = None,
        vague: tuple[int, int] | None = None,
        allow_year: bool = True,
    ) -> int:
        """Extend a number with currency, scale, unit, range, qualifier and counted noun."""
        text = self.text
        start = num_start
        end = num_end
        kind = QuantityKind.CARDINAL
        unit: str | None = None
        scale: str | None = _SCALE_NAMES.get(scale_mult) if scale_mult else None
        low: Decimal | None = None
        high: Decimal | None = None
        applied = 1  # the multiplier a written scale applied to the value
        currency, cur_start = self._currency_before(start)
        if currency is not None:
            start = cur_start
        is_vague = vague is not None
        if vague is not None:
            low, high = Decimal(vague[0]), Decimal(vague[1])

        # Scale written after the digits: "4.5 million", "$2.5m", "5k", "€1.2bn".
        if not from_words:
            m = _SCALE_AFTER.match(text, end)
            if m is not None:
                abbr = (m.group("s") or m.group("a") or m.group("sp") or "").lower()
                mult = _SCALE_ABBR.get(abbr)
                accept = mult is not None
                if m.group("a") in ("m", "b") and currency is None:
                    # "5m" without a currency is metres unless people/things are counted.
                    # "5m people" (a plural count) is millions; "a 330m tower", "a 5m fall",
                    # "5m-high" are metres.
                    nxt, _ = _counted_after(text, m.end(), allow_of=False)
                    accept = m.group("a") == "m" and (
                        (nxt is not None and _is_plural(nxt.split()[-1]))
                        # "3.7 million people ..., up from 2.1m a decade ago"
                        or (nxt is None and bool(self.out)
                            and self.out[-1].scale == "million"
                            and start - self.out[-1].end < 80)
                    )
                if m.group("sp") and currency is None:
                    accept = False
                if accept and mult is not None:
                    value = value * mult
                    precision = precision * mult
                    scale = _SCALE_NAMES.get(mult, abbr) if mult != 12 else "dozen"
                    applied = mult
                    end = m.end()

        # Ordinal suffix on digits: "3rd", "21st".
        if not from_words and "," not in raw and "." not in raw and scale is None:
            m = _ORDINAL_SUFFIX.match(text, end)
            if m is not None:
                self._emit(Quantity(text[start:m.end()], start, m.end(), value,
                                    QuantityKind.ORDINAL, precision=Decimal(1)))
                return m.end()
            # Decades "the 1990s", "in his 20s".
            m = _DECADE_SUFFIX.match(text, end)
            if m is not None and value % 10 == 0 and value >= 10:
                s_ = start
                if len(raw) == 4:
                    self._emit(Quantity(text[s_:m.end()], s_, m.end(), value,
                                        QuantityKind.YEAR, low=value, high=value + 9,
                                        unit="decade", precision=Decimal(10)))
                    return m.end()
                if len(raw) == 2 and _AGE_DECADE_BEFORE.search(self._before(start, 20)):
                    self._emit(Quantity(text[s_:m.end()], s_, m.end(), value,
                                        QuantityKind.AGE, low=value, high=value + 9,
                                        unit="years", precision=Decimal(10)))
                    return m.end()
                if len(raw) == 2:
                    # "the '90s" style or "1990s" written short: a decade of a century.
                    self._emit(Quantity(text[s_:m.end()], s_, m.end(), value,
                                        QuantityKind.YEAR, low=value, high=value + 9,
                                        unit="decade", precision=Decimal(10)))
                    return m.end()

        # Ranges: "10-12", "10 to 12", "between 10 and 12", "$5-6bn".
        m = _RANGE_AFTER.match(text, end) if not from_words else None
        if m is not None:
            sep = m.group("sep").strip().lower()
            between = _BETWEEN_BEFORE.search(self._before(start, 12))
            second = _digits_value(m.group("n"))
            if second is not None and not (sep in ("and", "or") and not (
                between and between.group(0).strip().lower() == "between"
            )) and not (between and between.group(0).strip().lower() == "from" and sep != "-"):
                hi = second[0]
                m_end = m.end()
                sm = _SCALE_AFTER.match(text, m_end)
                hi_scale = 1
                if sm is not None:
                    abbr = (sm.group("s") or sm.group("a") or sm.group("sp") or "").lower()
                    mult2 = _SCALE_ABBR.get(abbr)
                    if mult2 is not None and (sm.group("s") or currency is not None
                                              or m.group("cur") or abbr in ("k", "bn", "mn")):
                        hi_scale = mult2
                        m_end = sm.end()
                if scale is None and hi_scale != 1:
                    # "$5-6bn": the scale written once after the high end applies to both.
                    value = value * hi_scale
                    precision = precision * hi_scale
                    scale = _SCALE_NAMES.get(hi_scale)
                    applied = hi_scale
                # "5 million to 6" or "5-6bn": both ends carry the one written scale.
                hi = hi * (hi_scale if hi_scale != 1 else applied)
                score = self._is_score(start, m_end, value, hi, sep)
                if score:
                    return m_end
                if hi > value:
                    low, high = value, hi
                    end = m_end
                elif sep in ("-", "\u2013", "\u2014") and "." not in raw:
                    # "2019-20": a season or span written short; a non-increasing pair
                    # is a score or a vote, never a range.
                    if len(raw) == 4 and len(m.group("n")) == 2:
                        hi_full = Decimal(int(raw[:2]) * 100) + hi
                        if hi_full > value:
                            self._emit(Quantity(text[start:m_end], start, m_end, value,
                                                QuantityKind.YEAR, low=value, high=hi_full))
                            return m_end
                    return m_end

        # Kind and unit from what follows.
        m_pct = _PERCENT_AFTER.match(text, end)
        if m_pct is not None:
            kind = QuantityKind.PERCENT
            unit = "%"
            end = m_pct.end()
            m_pp = _POINTS_AFTER.match(text, end)
            if m_pp is not None and m_pp.group("pp"):
                kind = QuantityKind.PERCENTAGE_POINTS
                unit = "pp"
                end = m_pp.end()
            elif low is None:
                # "5.25%-5.5%", "10% to 12%": a range written with the sign on both ends.
                m_pr = _PERCENT_RANGE.match(text, end)
                hi_v = _dec(m_pr.group("n")) if m_pr is not None else None
                if m_pr is not None and hi_v is not None and hi_v > value and not (
                    m_pr.group("sep").strip() in ("and", "or")
                    and not _BETWEEN_BEFORE.search(self._before(start, 12))
                ):
                    low, high = value, hi_v
                    end = m_pr.end()
        else:
            m_pp = _POINTS_AFTER.match(text, end)
            m_age = _AGE_AFTER.match(text, end)
            m_dur = _DURATION_AFTER.match(text, end) if m_age is None else None
            if (m_dur is not None and not m_dur.group("u").lower().endswith("s")
                    and text[end] != "-" and len(raw) == 4 and raw.isdigit()
                    and 1500 <= int(raw) <= 2199):
                # "the 1979 year": a year before a singular time word, not 1,979 years
                # (those are plural; "a 1500-year history" keeps its hyphen).
                m_dur = None
            m_mul = _MULTIPLE_AFTER.match(text, end)
            m_cw = _CURRENCY_WORD_AFTER.match(text, end) if currency is None else None
            m_deg = _DEGREE_AFTER.match(text, end)
            if m_pp is not None:
                kind = QuantityKind.PERCENTAGE_POINTS
                unit = "pp" if m_pp.group("pp") else "bp"
                end = m_pp.end()
            elif m_age is not None:
                kind = QuantityKind.AGE
                unit = "years"
                end = m_age.end()
            elif m_dur is not None and currency is None:
                kind = QuantityKind.DURATION
                unit = _DURATIONS[m_dur.group("u").lower()][0]
                end = m_dur.end("u")
                if m_dur.group("ago"):
                    end = m_dur.end()
            elif m_cw is not None:
                currency = _CURRENCY_WORDS.get(m_cw.group("c").lower())
                end = m_cw.end()
            elif m_deg is not None:
                kind = QuantityKind.MEASURE
                letter = (m_deg.group("u") or m_deg.group("w") or "c")[0].upper()
                unit = "°F" if letter == "F" else "°C"
                end = m_deg.end()
            elif m_mul is not None and currency is None and not (
                m_mul.group(0) == "x" and from_words
            ):
                kind = QuantityKind.MULTIPLE
                unit = "x"
                end = m_mul.end()
            elif currency is None:
                m_unit = _UNIT_AFTER.match(text, end)
                if m_unit is not None:
                    surface = m_unit.group("u")
                    key = surface.lower()
                    glued = m_unit.start("u") == end
                    ok = key in _UNIT_TABLE
                    # One-letter units only count when glued ("6m", "30C"); "5 in the" is not
                    # five inches, "a 10 t truck" is rare enough to give up.
                    if ok and len(key) <= 2 and not glued and key not in (
                        "km", "kg", "cm", "mm", "ft", "lb", "mi", "ha", "ml", "gw", "mw", "kw",
                        "gb", "tb", "mb",
                    ):
                        ok = False
                    if ok and key in ("in", "c", "f", "t", "l", "g", "nm", "mi") and not glued:
                        ok = False
                    if ok and key in ("c", "f") and surface.islower():
                        ok = False
                    if ok:
                        unit = _UNIT_TABLE[key][0]
                        kind = QuantityKind.MEASURE
                        end = m_unit.end()
        if currency is not None:
            kind = QuantityKind.MONEY
            m_rate = _RATE_AFTER.match(text, end)
            if m_rate is not None:
                per = (m_rate.group("per") or "year").lower()
                unit = "per " + ("year" if m_rate.group("adv") else per)
                end = m_rate.end()

        # Ages: "aged 81", "The senator, 81, said".
        if (kind is QuantityKind.CARDINAL and currency is None and scale is None and low is None
                and 0 < value <= 125 and value == value.to_integral_value()):
            before = self._before(start, 12)
            if _AGE_BEFORE.search(before) or (
                _AGE_APPOSITIVE_BEFORE.search(before) and text[end:end + 1] == ","
                and start >= 2 and text[start - 2] == ","
            ):
                kind = QuantityKind.AGE
                unit = "years"
        # A bare four-digit number in year range with nothing attached is a year.
        q, q_start = self._qualifier(start)
        if (
            kind is QuantityKind.CARDINAL
            and allow_year
            and not from_words
            and len(raw) == 4
            and raw.isdigit()
            and 1500 <= int(raw) <= 2199
            and scale is None
            and q is Qualifier.EXACT
            and low is None
        ):
            kind = QuantityKind.YEAR
            precision = Decimal(1)
        if q is not Qualifier.EXACT:
            start = q_start

        counted: str | None = None
        if kind in (QuantityKind.CARDINAL, QuantityKind.MONEY, QuantityKind.MEASURE,
                    QuantityKind.PERCENT, QuantityKind.AGE, QuantityKind.DURATION):
            if kind is QuantityKind.CARDINAL:
                counted = self._measured(num_start, end, value, raw, from_words, scale, low)
                if counted is None:
                    counted, _ = _counted_after(text, end, allow_of=True)
            else:
                # "6,000 meters", "$2.5m deal": keep what follows as context only.
                counted, _ = _counted_after(text, end, allow_of=kind is QuantityKind.PERCENT)

        self._emit(Quantity(
            text=text[start:end], start=start, end=end, value=value, kind=kind, low=low,
            high=high, unit=unit, currency=currency, scale=scale, qualifier=q,
            counted=counted, precision=precision, vague=is_vague,
        ))
        return end

    def _measured(self, num_start: int, end: int, value: Decimal, raw: str, from_words: bool,
                  scale: str | None, low: Decimal | None) -> str | None:
        """What a bare number read on a named scale measures, with the noun it qualifies.

        "a magnitude-6.9 earthquake", "a 6.9-magnitude earthquake", "magnitude 6.9
        earthquake" and "a 6.9 earthquake" all give "earthquake magnitude": the head is
        what is measured, so any two readings of a magnitude compare ("quake magnitude"),
        and the noun stays as context.
        """
        if scale is not None or low is not None or from_words or not value < 10:
            # Magnitudes run below ten: "the magnitude of 5,000 deaths" is a count.
            return None
        text = self.text
        after = end
        mb = _MEASURED_BEFORE.search(text, max(0, num_start - 24), num_start)
        ma = _MEASURED_AFTER.match(text, end) if mb is None else None
        if mb is not None:
            measured = _MEASURED_BY[mb.group("w").lower()]
        elif ma is not None:
            measured = _MEASURED_BY[(ma.group("w") or ma.group("r")).lower()]
            after = ma.end()
        elif "." in raw and _MAGNITUDE_NOUN_AFTER.match(text, end):
            # Only a decimal: "9 earthquake victims" counts victims, "a 7.0 quake" is a reading.
            measured = "magnitude"
        else:
            return None
        noun, _ = _counted_after(text, after, allow_of=False)
        if noun is not None and _lemma(noun.split()[0]) == measured:
            noun = " ".join(noun.split()[1:]) or None  # "6.9 magnitude earthquake"
        return f"{noun} {measured}" if noun else measured

    def _is_score(self, start: int, end: int, lo: Decimal, hi: Decimal, sep: str) -> bool:
        if sep not in ("-", "\u2013", "\u2014"):
            return False
        if hi <= lo and lo < 1000:
            return True
        nxt = _NP_WORD.match(self.text, end, min(len(self.text), end + 40))
        if nxt is not None and nxt.group("w").lower() in _SCORE_WORDS:
            return True
        prev = _WORD_BEFORE.search(self.text, max(0, start - 30), start)
        return prev is not None and prev.group("w").lower() in _SCORE_VERBS

    # -- the scan ------------------------------------------------------------------

    def hits(
        self, words: bool = True, months: bool = True, durations: bool = True
    ) -> list[tuple[int, int, str, re.Match[str] | None]]:
        """Where numbers may start: (start, order, scanner, anchored match), sorted by start."""
        text = self.text
        found: list[tuple[int, int, str, re.Match[str] | None]] = []
        keep = self.keep
        if keep is None:
            for m in _DIGIT_SCAN.finditer(text):
                s = m.start()
                if s and text[s - 1] in ",." and s > 1 and text[s - 2].isdigit():
                    continue  # the tail of "5,000" or "4.5": part of the number already found
                found.append((s, 0, "digit", None))
        else:
            self._checking_hits(keep, found)
            if months:
                # "13 March 2024": the day is not among the claim's values, find it by form.
                found.extend((m.start(), 0, "digit", None) for m in _DMY_SCAN.finditer(text))
        for m in _MONTH_SCAN.finditer(text) if months else ():
            s = m.start()
            if s and text[s - 1].isalnum():
                continue
            found.append((s, 1, "month", None))
        if words:
            found.extend((s, 2, "word", m) for s, m in self.word_hits(0, len(text)))
        if durations:
            found.extend((m.start(), 3, "a_duration", m) for m in _A_DURATION_SCAN.finditer(text))
        found.sort(key=lambda h: (h[0], h[1]))
        return found

    def _checking_hits(
        self, keep: ValueWindows, found: list[tuple[int, int, str, re.Match[str] | None]]
    ) -> None:
        """Checking mode: drop, for one float() and a bisection, numbers that cannot matter.

        This loop runs once per digit group of every source, so it is written for speed.
        A number next to a range sign or "to" goes the full way, so the high end of "10-12"
        is never read alone.
        """
        text = self.text
        los, his, slos, shis = keep.los, keep.his, keep.scaled_los, keep.scaled_his
        br = bisect_right
        append = found.append
        for m in _NUM_FAST.finditer(text):
            raw = m.group()
            try:
                v = float(raw.replace(",", "") if "," in raw else raw)
            except ValueError:
                try:
                    v = float("".join(ch for ch in raw if ch.isdigit() or ch == "."))
                except ValueError:
                    v = -1.0
            j = br(los, v) - 1
            if j >= 0 and v <= his[j]:
                append((m.start(), 0, "digit", None))
                continue
            j = br(slos, v) - 1
            e = m.end()
            if j >= 0 and v <= shis[j] and self._scaled_relevant(v, e):
                append((m.start(), 0, "digit", None))
                continue
            nxt = text[e:e + 4]
            if nxt[:1] in _RANGE_CHARS or nxt[1:3] in ("to", "an", "or"):
                # The low end of "10-12" goes the full way when the high end matters, so
                # the range is read whole and "12" is never read alone.
                rm = _RANGE_AFTER.match(text, e)
                if rm is not None:
                    try:
                        hi = float(rm.group("n").replace(",", ""))
                    except ValueError:
                        hi = -1.0
                    j = br(los, hi) - 1
                    k = br(slos, hi) - 1
                    if (j >= 0 and hi <= his[j]) or (k >= 0 and hi <= shis[k]):
                        append((m.start(), 0, "digit", None))

    def word_hits(
        self, lo: int, hi: int, lowered: bool = True
    ) -> list[tuple[int, re.Match[str]]]:
        if lowered and self.low is not None:
            return [(m.start(), m) for m in _WORD_SCAN.finditer(self.low, lo, hi)]
        return [(m.start(), m) for m in _WORD_SCAN_I.finditer(self.text, lo, hi)]

    def run(self, hits: list[tuple[int, int, str, re.Match[str] | None]]) -> list[Quantity]:
        consumed = 0
        for start, _, scanner, wm in hits:
            if start < consumed:
                continue
            try:
                if scanner == "digit":
                    end = self._on_digit_start(start)
                elif scanner == "month":
                    end = self._on_month_start(start)
                elif scanner == "a_duration":
                    assert wm is not None
                    end = self._on_a_duration(wm)
                else:
                    assert wm is not None
                    end = self._on_words(wm.start(), wm.end())
            except (InvalidOperation, ValueError, OverflowError, ArithmeticError):
                # A malformed hit is skipped, never allowed to take down the whole parse.
                end = start + 1
            consumed = max(consumed, end)
        return self.out

    def _on_digit_start(self, start: int) -> int:
        text = self.text
        prev = text[start - 1] if start else " "
        if prev == "+" and (pm := _PHONE_AFTER_PLUS.match(text, start)) is not None:
            return pm.end()  # "+1 (555) 123-4567", "+44 20 7946 0958"
        if prev == "[" and text.find("]", start, start + 4) > 0:
            return text.find("]", start, start + 4) + 1  # a footnote mark "[3]"
        if prev == "." and start > 1 and text[start - 2].isalpha():
            return start + 1  # "claims.3": a footnote number glued to the sentence
        if prev.isalpha() or prev in "._#@:&=?%":
            # Inside a token: an identifier ("G7", "A320"), a URL, a version string.
            return self._skip_token(start)
        window = max(0, start - 300)
        tok_start = max(text.rfind(" ", window, start), text.rfind("\n", window, start)) + 1
        if _URL_START.match(text, tok_start):
            return self._skip_token(start)
        mb = _MONTH_BEFORE.search(text, max(0, start - 16), start)
        if mb is not None:
            # "March 13, 2024" met from its digits (the month scan is off in checking mode
            # when the claim has no date): it is still a date, never the count 13.
            return max(self._on_month_start(mb.start()), start + 1)
        m = _DIGIT_FORMS.match(text, start)
        if m is None:
            return start + 1
        group = m.lastgroup
        if group in ("phone", "time"):
            return m.end()
        if group == "num":
            return self._on_digits(m, start)
        if group is not None:
            if group in ("iso", "slash") and prev in "-/":
                return m.end()
            return self._on_date(m, group)
        return m.end()

    def _scaled_relevant(self, v: float, end: int) -> bool:
        """Checking mode: does the scale written after the number make its value matter?"""
        keep = self.keep
        assert keep is not None
        sm = _SCALE_AFTER.match(self.text, end)
        if sm is None:
            return False
        mult = _SCALE_ABBR.get((sm.group("s") or sm.group("a") or sm.group("sp") or "").lower())
        return mult is not None and keep.contains(v * mult)

    def _skip_token(self, start: int) -> int:
        text = self.text
        end = start
        limit = min(len(text), start + 40)
        while end < limit and (text[end].isalnum() or text[end] in "-_./"):
            end += 1
        return max(end, start + 1)

    def _on_a_duration(self, m: re.Match[str]) -> int:
        """ "a decade", "more than a year", "half an hour": one (or half a) unit of time."""
        text = self.text
        unit_word = m.group("u").lower()
        start, end = m.start(), m.end()
        if start and text[start - 1].isalpha():
            return start + 1  # "Ma year", "sofa week": not the article "a"
        half = text[start:start + 4].lower() == "half"
        before = self._before(start, 20)
        # "a year" is also a rate ("twice a year") and a plain noun ("a year of war"): it is
        # a quantity only after a preposition or qualifier, or before "ago"/"later".
        if unit_word not in ("decade", "century", "fortnight") and not half and not (
            _A_DURATION_BEFORE.search(before) or _A_DURATION_AFTER.match(text, end)
        ):
            return end
        unit = _DURATIONS[unit_word][0]
        ago = _A_DURATION_AFTER.match(text, end)
        if ago is not None and ago.group(0).strip().lower() == "ago":
            end = ago.end()
        q, q_start = self._qualifier(start)
        qstart = q_start if q is not Qualifier.EXACT else start
        value = Decimal("0.5") if half else Decimal(1)
        self._emit(Quantity(text[qstart:end], qstart, end, value, QuantityKind.DURATION,
                            unit=unit, qualifier=q, precision=value))
        return end

    def _on_month_start(self, start: int) -> int:
        m = _MONTH_FORMS.match(self.text, start)
        if m is None or m.lastgroup is None:
            return start + 1
        return self._on_date(m, m.lastgroup)

    def _on_date(self, m: re.Match[str], group: str) -> int:
        text = self.text
        year = month = day = 0
        if group == "iso":
            y, mo, d = m.group("iso").split("-")
            year, month, day = int(y), int(mo), int(d)
        elif group == "dmy":
            day = int(m.group("dmy_d"))
            month = _MONTHS[m.group("dmy_m").rstrip(".").lower()]
            year = int(m.group("dmy_y") or 0)
        elif group == "mdy":
            month = _MONTHS[m.group("mdy_m").rstrip(".").lower()]
            day = int(m.group("mdy_d"))
            year = int(m.group("mdy_y") or 0)
        elif group == "my":
            month = _MONTHS[m.group("my_m").rstrip(".").lower()]
            year = int(m.group("my_y"))
        else:
            parts = [int(p) for p in m.group("slash").split("/")]
            if len(parts) == 2:
                a, b = parts
                # "1/3" is a fraction; "9/11", "24/7" and other pairs are names, not figures.
                if 0 < a < b <= 10:
                    v = _fraction(a, b)
                    self._emit(Quantity(m.group(0), m.start(), m.end(), v,
                                        QuantityKind.FRACTION, precision=Decimal("0.01")))
                return m.end()
            a, b, c = parts
            year = c + 2000 if c < 100 else c
            month, day = (a, b) if a <= 12 else (b, a)
        if not (1 <= month <= 12) or not (0 <= day <= 31) or (group != "my" and day == 0):
            return m.end()
        if group in ("dmy", "mdy") and day == 0:
            return m.end()
        full: _date | None = None
        if year and day:
            try:
                full = _date(year, month, day)
            except ValueError:
                return m.end()
        value = Decimal(year * 10000 + month * 100 + day)
        self._emit(Quantity(text[m.start():m.end()], m.start(), m.end(), value,
                            QuantityKind.DATE, precision=Decimal(1), date=full))
        return m.end()

    def _on_digits(self, m: re.Match[str], start: int) -> int:
        body = m.group("num")
        prev = self.text[start - 1] if start else ""
        before_sign = self.text[start - 2] if start > 1 else " "
        # A minus sign only after a space or an opening bracket: "5.25%-5.5%" and "52%-48%"
        # hold no negative number.
        sign = "-" if prev and prev in "-\u2212" and (before_sign.isspace() or before_sign in
                                                      "([\u201c\"'") else ""
        if self._is_identifier(start, body):
            # Swallow a trailing "-S"/"s" etc. with the identifier by consuming the token.
            end = m.end()
            while end < len(self.text) and (self.text[end].isalnum() or self.text[end] == "-"):
                if end - m.end() > 20:
                    break
                end += 1
            return end
        end = m.end()
        # A number glued to letters that are not a known suffix ("5G", "3D", "737s", "A320neo")
        # names a thing.
        if end < len(self.text) and self.text[end].isalpha():
            tail = self.text[end:end + 8]
            if not _GLUED_SUFFIX.match(tail):
                stop = end
                while stop < len(self.text) and self.text[stop].isalnum() and stop - end < 20:
                    stop += 1
                return stop
        if "," not in body and "." not in body and _MODEL_AFTER.match(self.text, end):
            return self._skip_token(start)  # "737 Max", "A320neo": a model, not a figure
        if body.isdigit():
            frac_end = self._in_fraction(start, end, Decimal(body))
            if frac_end is not None:
                return frac_end
        parsed = _digits_value(sign + body)
        if parsed is None:
            return m.end()
        value, precision = parsed
        num_start = start - 1 if sign else start
        # Percent/range/unit handling happens in _finish.
        return self._finish(num_start=num_start, num_end=end, value=value, precision=precision,
                            raw=body, from_words=False)

    def _on_words(self, start: int, wend: int) -> int:
        text = self.text
        surface = text[start:wend]
        tokens = [t for t in re.split(r"[ \t]+|-", surface.lower()) if t]
        lower = " ".join(tokens)
        before = self._before(start, 30)

        # Vague plurals: "tens of thousands", "millions", "hundreds".
        if tokens[0] in ("tens", "hundreds", "dozens", "thousands", "millions", "billions",
                         "trillions"):
            return self._on_vague(start, wend, tokens)
        if tokens[0] in _MULTIPLE_WORDS and len(tokens) == 1:
            value = Decimal(_MULTIPLE_WORDS[tokens[0]])
            self._emit(Quantity(surface, start, wend, value, QuantityKind.MULTIPLE,
                                unit="x"))
            return wend

        a_match = _A_BEFORE.search(before)
        has_a = a_match is not None
        half_a = has_a and a_match is not None and a_match.group("half") is not None
        last = tokens[-1]

        # Fractions: "two-thirds", "a third of", "three quarters", "half".
        if last in _DENOMINATORS and (len(tokens) <= 2):
            numer: int | None = None
            if len(tokens) == 2 and tokens[0] in _UNITS_WORDS:
                numer = _UNITS_WORDS[tokens[0]]
            elif (len(tokens) == 1 and last in ("half", "halves")) or (len(tokens) == 1 and has_a):
                numer = 1
            plural = (last.endswith("s") and last not in ("thirds",)) or last == "thirds"
            after = text[wend:wend + 4].lower()
            is_fraction = numer is not None and (
                last in ("half", "halves", "quarter", "quarters") or plural
                or after.startswith((" of", ",", ".", ";", ")")) or after == ""
                or (len(tokens) == 2 and numer is not None)
            )
            if last == "half" and len(tokens) == 1:
                after_half = text[wend:wend + 12].lower()
                prev = _WORD_BEFORE.search(before)
                if prev is not None and prev.group("w").lower() in (
                    "first", "second", "last", "other", "better", "latter", "former",
                ):
                    return wend
                if after_half.startswith(("-time", "time", "-way", " way", "-hearted")):
                    return wend
                hd = _HALF_DURATION.match(text, wend)
                if hd is not None:
                    # "half an hour", "a half-day": a duration of 0.5 units.
                    unit = _DURATIONS[hd.group("u").lower()][0]
                    self._emit(Quantity(text[start:hd.end()], start, hd.end(), Decimal("0.5"),
                                        QuantityKind.DURATION, unit=unit,
                                        precision=Decimal("0.5")))
                    return hd.end()
            if is_fraction and numer is not None and _POINT_AFTER.match(text, wend):
                # "a quarter point", "half a point": a move in percentage points.
                pm = _POINT_AFTER.match(text, wend)
                assert pm is not None
                fstart = start
                if has_a and a_match is not None and len(tokens) == 1 and last != "half":
                    fstart = start - (len(before) - a_match.start("a"))
                value = _fraction(numer, _DENOMINATORS[last])
                self._emit(Quantity(text[fstart:pm.end()], fstart, pm.end(), value,
                                    QuantityKind.PERCENTAGE_POINTS, unit="pp",
                                    precision=Decimal("0.01")))
                return pm.end()
            if is_fraction and numer is not None and _FRACTION_OF_SCALE.match(text, wend):
                # "a quarter of a million", "three-quarters of a billion": a count.
                fm = _FRACTION_OF_SCALE.match(text, wend)
                assert fm is not None
                fstart = start
                if has_a and a_match is not None and len(tokens) == 1 and last != "half":
                    fstart = start - (len(before) - a_match.start("a"))
                mult = _SCALE_WORDS[fm.group("s").lower()]
                value = Decimal(numer) * mult / _DENOMINATORS[last]
                return self._finish(num_start=fstart, num_end=fm.end(), value=value,
                                    precision=Decimal(mult) / _DENOMINATORS[last],
                                    raw=lower, from_words=True, scale_mult=mult,
                                    allow_year=False)
            if is_fraction and numer is not None:
                denom = _DENOMINATORS[last]
                if numer >= denom and last != "half":
                    return wend
                fstart = start
                if has_a and a_match is not None and len(tokens) == 1 and last != "half":
                    fstart = start - (len(before) - a_match.start("a"))
                value = _fraction(numer, denom)
                q, q_start = self._qualifier(fstart)
                if q is not Qualifier.EXACT:
                    fstart = q_start
                self._emit(Quantity(text[fstart:wend], fstart, wend, value,
                                    QuantityKind.FRACTION, qualifier=q,
                                    precision=Decimal("0.01")))
                return wend

        # Ordinals: "third", "twenty-first" -- only after a determiner or before a
        # superlative, so adverbial "first" ("he first said") is not a figure.
        if last in _ORDINAL_WORDS and last not in ("half",):
            prefix = tokens[:-1]
            base = _words_value(prefix) if prefix else Decimal(0)
            if base is None:
                return wend
            value = base + _ORDINAL_WORDS[last]
            prev = _WORD_BEFORE.search(before)
            after = text[wend:wend + 1]
            determined = (prev is not None and prev.group("w").lower()
                          in _DETERMINERS_FOR_ORDINAL) or (
                prev is not None and prev.group("w").lower().endswith(("'s", "\u2019s")))
            if not determined and after != "-":
                return wend
            if last == "second" and text[wend:wend + 1] == "s":
                return wend
            self._emit(Quantity(surface, start, wend, value, QuantityKind.ORDINAL))
            return wend

        # "four and a half million", "two and a half years": the half joins the whole.
        if "half" in tokens:
            k = tokens.index("half")
            if k >= 2 and tokens[k - 1] in ("a", "an") and tokens[k - 2] == "and":
                whole = _words_value(tokens[:k - 2])
                rest = tokens[k + 1:]
                if whole is not None and all(t in _SCALE_WORDS for t in rest):
                    v = whole + Decimal("0.5")
                    for t in rest:
                        v *= _SCALE_WORDS[t]
                    half_mult = _SCALE_WORDS[rest[-1]] if rest else 1
                    return self._finish(num_start=start, num_end=wend, value=v,
                                        precision=Decimal(half_mult) / 2, raw=lower,
                                        from_words=True,
                                        scale_mult=half_mult if half_mult >= 1000 else None,
                                        allow_year=False)

        # Cardinals: "five thousand", "one hundred and twelve", "a dozen", "half a million".
        cardinal_tokens = list(tokens)
        cstart = start
        if tokens[0] == "half" and len(tokens) >= 3 and tokens[1] in ("a", "an"):
            inner = _words_value(["a", *tokens[2:]])
            if inner is None:
                return wend
            value = inner / 2
        else:
            if has_a and a_match is not None and tokens[0] in _SCALE_OR_DOZEN:
                cardinal_tokens = ["a", *tokens]
                cstart = start - (len(before) - a_match.start("a"))
                if half_a:
                    cstart = start - (len(before) - a_match.start("half"))
            elif tokens[0] in _SCALE_OR_DOZEN:
                # "thousand" without "a"/"one" before it is not a number ("the thousand").
                return wend
            # Drop a trailing "and" the scanner may have swallowed.
            while cardinal_tokens and cardinal_tokens[-1] in ("and", "a", "an"):
                cardinal_tokens.pop()
            wv = _words_value(cardinal_tokens)
            if wv is None:
                # Two numbers side by side ("one two"): take the first word alone.
                first = tokens[0]
                if first in _UNITS_WORDS or first in _TENS_WORDS:
                    v = Decimal(_UNITS_WORDS.get(first, _TENS_WORDS.get(first, 0)))
                    word_end = start + len(surface.split()[0].split("-")[0])
                    return self._cardinal_word(cstart, word_end, v, first)
                return wend
            value = wv
            if half_a:
                value = value / 2
        return self._cardinal_word(cstart, wend, value, lower)

    def _in_fraction(self, start: int, end: int, value: Decimal) -> int | None:
        """ "one in three", "1 in 4": a share written as odds."""
        m = _IN_FRACTION.match(self.text, end)
        if m is None or not (0 < value < 100) or value != value.to_integral_value():
            return None
        d = m.group("d").lower()
        den = int(d) if d.isdigit() else (_UNITS_WORDS.get(d) or _TENS_WORDS.get(d) or 100)
        if den <= value:
            return None
        q, q_start = self._qualifier(start)
        fstart = q_start if q is not Qualifier.EXACT else start
        self._emit(Quantity(self.text[fstart:m.end()], fstart, m.end(),
                            _fraction(int(value), den), QuantityKind.FRACTION, qualifier=q,
                            precision=Decimal("0.01")))
        return m.end()

    def _cardinal_word(self, start: int, end: int, value: Decimal, lower: str) -> int:
        text = self.text
        frac_end = self._in_fraction(start, end, value)
        if frac_end is not None:
            return frac_end
        if lower in ("one", "a", "an"):
            # "one of the", "no one", "the one who": pronoun uses of "one" are not figures.
            after = text[end:end + 4].lower()
            if after.startswith(" of") or after.startswith(" another"):
                return end
            prev = _WORD_BEFORE.search(self._before(start, 20))
            if prev is not None and prev.group("w").lower() in _NOT_A_COUNT_BEFORE_ONE:
                return end
            counted, _ = _counted_after(text, end, allow_of=False)
            if counted is None and not _DURATION_AFTER.match(text, end) \
                    and not _AGE_AFTER.match(text, end) \
                    and not _PERCENT_AFTER.match(text, end):
                return end
        scale_mult = None
        for name, mult in (("trillion", 10**12), ("billion", 10**9), ("million", 10**6),
                           ("thousand", 1000)):
            if lower.endswith(name):
                scale_mult = mult
                break
        precision = _int_precision(value)
        if value != value.to_integral_value():
            precision = Decimal(1).scaleb(value.as_tuple().exponent)  # type: ignore[arg-type]
        return self._finish(num_start=start, num_end=end, value=value, precision=precision,
                            raw=lower, from_words=True, scale_mult=scale_mult,
                            allow_year=False)

    def _on_vague(self, start: int, wend: int, tokens: list[str]) -> int:
        text = self.text
        key = " ".join(tokens)
        end = wend
        if tokens[0] in ("tens", "hundreds") and len(tokens) == 1:
            # "tens of thousands" has "of" between the words; the scanner stops before it.
            nm = _OF_SCALES.match(text, end)
            if nm is not None:
                key = tokens[0] + " of " + nm.group(1).lower()
                end = nm.end()
        if key not in _VAGUE:
            return wend
        if key == "tens":
            return wend
        lo, hi = _VAGUE[key]
        scale_word = key.split()[-1].rstrip("s")
        mult = _SCALE_WORDS.get(scale_word, 12 if scale_word == "dozen" else 1)
        return self._finish(num_start=start, num_end=end, value=Decimal(lo),
                            precision=Decimal(mult), raw=key, from_words=True,
                            scale_mult=mult if mult >= 1000 else None, vague=(lo, hi),
                            allow_year=False)


# --------------------------------------------------------------------------- for the checker

_SMALL_WORDS = {v: k for k, v in {**_UNITS_WORDS, **_TENS_WORDS}.items()}
_SCALE_VOCAB = frozenset({
    "hundred", "thousand", "million", "billion", "trillion", "dozen", "dozens", "hundreds",
    "thousands", "millions", "billions", "trillions", "tens",
})
_FRACTION_VOCAB = frozenset(_DENOMINATORS) | {"half"}
_SCALED_KINDS = frozenset({QuantityKind.CARDINAL, QuantityKind.MONEY, QuantityKind.MEASURE})


def number_vocabulary(quantities: Iterable[Quantity]) -> frozenset[str]:
    """Number words a source must contain to state any of ``quantities`` in words.

    Used to parse long sources fast: digits and dates are always parsed, spelled-out
    numbers only near these words. Scale words cover every value of a hundred and more;
    below a hundred the words of each integer the quantity could round from are listed.
    """
    vocab: set[str] = set()
    for q in quantities:
        if q.kind in (QuantityKind.DATE, QuantityKind.YEAR):
            continue
        if q.kind is QuantityKind.FRACTION or q.kind is QuantityKind.PERCENT:
            # Only shares that a fraction word can state ("half", "two-thirds", "a fifth").
            share = q.value / 100 if q.kind is QuantityKind.PERCENT else q.value
            tol = max(q.precision / 100 if q.kind is QuantityKind.PERCENT else q.precision,
                      Decimal("0.01"))
            for den in range(2, 11):
                for num in range(1, den):
                    if abs(Decimal(num) / den - share) <= tol:
                        vocab |= {w for w, d in _DENOMINATORS.items() if d == den}
                        vocab.add(_SMALL_WORDS[num])
                        vocab.add("half")
        if q.kind is QuantityKind.ORDINAL:
            vocab |= {w for w, v in _ORDINAL_WORDS.items() if v == q.value % 10 or v == q.value
                      or v == q.value - q.value % 10}
        if q.kind is QuantityKind.PERCENTAGE_POINTS:
            vocab |= _FRACTION_VOCAB  # "half a point", "a quarter-point"
        if q.kind is QuantityKind.MULTIPLE:
            vocab |= set(_MULTIPLE_WORDS)
        if q.kind is QuantityKind.DURATION:
            vocab |= set(_UNITS_WORDS) | {"a", "half"}
        hi = q.high if q.high is not None else q.value
        lo = q.low if q.low is not None else q.value
        span = max(q.precision, Decimal(1))
        lo, hi = lo - span, hi + span
        if q.vague:
            vocab |= {w for w in q.text.lower().replace("-", " ").split() if w in _SCALE_VOCAB}
        for mult, name in _SCALE_NAMES.items():
            # "five thousand", "fifteen hundred", "half a million": the scale word is there.
            if q.kind in _SCALED_KINDS and lo < mult * 1000 and hi >= mult / 2:
                vocab.add(name)
        if (q.value % 12 == 0 and 0 < q.value <= 1200) or "dozen" in q.text.lower():
            vocab |= {"dozen", "dozens"}
        if lo <= 99 and hi >= 0:
            first = max(0, int(lo))
            last = min(99, int(hi))
            for n in range(first, last + 1):
                # "sixty-four" is found from "sixty": the window around it holds the rest.
                vocab.add(_SMALL_WORDS[n] if n in _SMALL_WORDS else _SMALL_WORDS[n - n % 10])
            if first <= 2 <= last:
                vocab |= {"twice", "double", "pair"}
    return frozenset(vocab)


def _vocabulary_windows(text: str, vocab: frozenset[str]) -> list[tuple[int, int]]:
    spans: list[tuple[int, int]] = []
    n = len(text)
    for word in vocab:
        # str.find is the fastest search Python has; two spellings cover news copy.
        for spelling in (word, word.capitalize()):
            s = text.find(spelling)
            while s >= 0:
                e = s + len(spelling)
                if (s and text[s - 1].isalpha()) or (e < n and text[e].isalpha()):
                    s = text.find(spelling, e)
                    continue
                lo = max(0, s - 80)
                # Start the window after the last punctuation: a run of number words never
                # crosses it, and starting mid-run would read "twenty-five" as "five".
                cut = max(text.rfind(ch, lo, s) for ch in ".,;:!?()\"\n")
                lo = cut + 1 if cut >= 0 else max(0, s - 200)
                lo = min(lo, s)
                spans.append((lo, min(n, e + 80)))
                s = text.find(spelling, e)
    spans.sort()
    merged: list[tuple[int, int]] = []
    for lo, hi in spans:
        if merged and lo <= merged[-1][1]:
            if hi > merged[-1][1]:
                merged[-1] = (merged[-1][0], hi)
        else:
            merged.append((lo, hi))
    return merged




def scan_quantities(
    text: str,
    vocabulary: frozenset[str] | None = None,
    keep: ValueWindows | None = None,
    months: bool = True,
    durations: bool = True,
) -> list[Quantity]:
    """Like :func:`parse_quantities`, but spelled-out numbers only near ``vocabulary`` words.

    The checker uses this on sources: a source's digits and dates are all parsed, while
    its number words are parsed only where one of the words the claim's values could be
    spelled with occurs. ``None`` parses everything. ``keep``, when given, holds the values
    that matter: a digit number whose written value (times any scale written after it) is
    in none of its windows is skipped before it is parsed. ``months=False`` skips dates
    that start with a month name ("March 13, 2024"), for claims that state no date or
    year; ``durations=False`` skips "a decade"-style durations. Never raises.
    """
    if not isinstance(text, str) or not text:
        return []
    try:
        parser = _Parser(text, keep)
        if vocabulary is None:
            return parser.run(parser.hits())
        hits = parser.hits(words=False, months=months, durations=durations)
        if vocabulary:
            seen: set[int] = set()
            for lo, hi in _vocabulary_windows(text, vocabulary):
                for s, m in parser.word_hits(lo, hi, lowered=False):
                    if s not in seen:
                        seen.add(s)
                        hits.append((s, 2, "word", m))
            hits.sort(key=lambda h: (h[0], h[1]))
        return parser.run(hits)
    except RecursionError:  # pragma: no cover - the grammar has no recursion
        return []


def unit_dimension(unit: str | None) -> tuple[str, Decimal] | None:
    """(dimension, factor to its base unit) for a normalised measure unit, e.g. "km"."""
    if unit is None:
        return None
    return _UNIT_DIMS.get(unit)


_UNIT_DIMS: dict[str, tuple[str, Decimal]] = {u: (d, f) for u, d, f in _UNIT_TABLE.values()}
_DURATION_SECONDS: dict[str, Decimal] = {u: f for u, f in _DURATIONS.values()}


def dimension_factors(dimension: str) -> list[Decimal]:
    """Factors to the base unit of every unit of ``dimension`` ("length" -> m, km, ft, ...)."""
    return sorted({f for d, f in _UNIT_DIMS.values() if d == dimension})


def duration_factors() -> list[Decimal]:
    """Seconds in each duration unit the grammar knows."""
    return sorted(set(_DURATION_SECONDS.values()))


def duration_seconds(unit: str | None) -> Decimal | None:
    """Seconds in one ``unit`` of a duration ("years" -> 31557600)."""
    return None if unit is None else _DURATION_SECONDS.get(unit)


def parse_quantities(text: str) -> list[Quantity]:
    """Every quantity in ``text``, in order of appearance. Never raises."""
    if not isinstance(text, str) or not text:
        return []
    try:
        parser = _Parser(text)
        return parser.run(parser.hits())
    except RecursionError:  # pragma: no cover - the grammar has no recursion; belt and braces
        return []
