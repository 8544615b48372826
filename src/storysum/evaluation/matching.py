"""How gold items are recognised in a brief: values, counted things, names, quote texts.

The evaluator keeps its own matching, deliberately independent of the mergers it grades;
only the number grammar (``storysum.numbers``) is shared, because values are compared as
numbers, never as strings.

- **Values** compare by their canonical form: (kind, dimension, exact value in the
  dimension's base unit). "6,000 meters" == "6 km"; "over 8 million" == "8 million" (the
  qualifier is not part of the value); "5,000" != "5,000%" (kinds differ).
- **Counted things** match when a head noun of one (the last word of each conjunct before
  any preposition, made singular) is among the other's words ("missiles" ~ "Russian
  missiles", "reservists in volunteer militias" ~ "reservists", "magnitude of the
  earthquake" ~ "magnitude"), or when rapidfuzz's token-set ratio of the two is at least 80.
  A handful of words count as one ("deaths", "dead", "killed", "death toll"; "injured",
  "wounded"). Dates and years are matched on their value alone.
- **Names** match when equal after folding (case, accents, dots, "the", spaced initials:
  "U. S." == "US" == "the U.S."). Fuzzy name matching is avoided on purpose: "President"
  would otherwise match every president.
- **Quote texts** match after folding (outer quotation marks and end punctuation removed,
  typographic apostrophes and quotes straightened, whitespace collapsed): when the brief's
  text contains the gold text, when the brief's text is a part of the gold text at least 80%
  as long, or when rapidfuzz's ratio is at least 92.
- **Articles**: gold names an article by its file stem; a brief article is that article when
  the stem of its ``source`` (``name:line`` for JSONL) or its id equals the gold name.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import PurePath

from rapidfuzz import fuzz

from ..models import ArticleRef, BriefFigure
from ..numbers import Quantity, QuantityKind, duration_seconds, unit_dimension
from .gold import first_quantity

COUNTED_FUZZ = 80
QUOTE_FUZZ = 92
QUOTE_PART = 0.8

_STOP = frozenset(
    "a an the of and or in on at to for with by from as its their his her this that".split()
)
_WORD = re.compile(r"[a-z0-9][a-z0-9'\-]*")
_VALUELESS_COUNTED = frozenset({QuantityKind.DATE, QuantityKind.YEAR})


_STRAIGHT = str.maketrans("’‘“”\u00a0", "''\"\" ")


def fold(text: str) -> str:
    """Lower case, accents removed, typographic quotes straightened, whitespace collapsed."""
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    plain = plain.translate(_STRAIGHT)
    return " ".join(plain.lower().split())


# --- values --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Canon:
    """A value as the evaluator compares it."""

    kind: str
    dimension: str
    value: Decimal


def canon_of(q: Quantity) -> Canon:
    return _canon(str(q.kind), q.currency or q.unit, q.value)


def _canon(kind: str, unit: str | None, value: Decimal) -> Canon:
    if kind == QuantityKind.MEASURE and (dim := unit_dimension(unit)) is not None:
        return Canon(kind, dim[0], value * dim[1])
    if kind == QuantityKind.DURATION and (seconds := duration_seconds(unit)) is not None:
        return Canon(kind, "s", value * seconds)
    if kind in (QuantityKind.PERCENT, QuantityKind.PERCENTAGE_POINTS, QuantityKind.YEAR):
        return Canon(kind, "", value)
    return Canon(kind, unit or "", value)


def canon_value(value: str, counted: str | None = None) -> Canon | None:
    q = first_quantity(value, counted)
    return canon_of(q) if q is not None else None


def figure_canon(figure: BriefFigure) -> Canon:
    """A brief figure's value: its ``normalized`` value with its kind and unit."""
    try:
        value = Decimal(figure.normalized)
    except ArithmeticError:
        parsed = canon_value(figure.value, figure.counted)
        return parsed if parsed is not None else Canon(figure.kind, "?", Decimal(-1))
    return _canon(figure.kind, figure.unit, value)


# --- counted things ------------------------------------------------------------------------


# Words news copy uses for the same counted thing: "deaths" = "people killed" = "death toll".
_SAME_THING = {
    **dict.fromkeys("dead died die killed kill fatality toll".split(), "death"),
    **dict.fromkeys("injured injury wounded hurt".split(), "injured"),
}
_PREPOSITION = re.compile(
    r"\s+(?:of|in|from|by|for|at|on|with|to|during|since|after|before|near|across)\s+"
)


def singular(word: str) -> str:
    w = word.strip("'-")
    if w.endswith("'s"):
        w = w[:-2]
    if len(w) > 4 and w.endswith("ies"):
        w = w[:-3] + "y"
    elif len(w) > 4 and w.endswith(("ches", "shes", "sses", "xes")):
        w = w[:-2]
    elif len(w) > 3 and w.endswith("s") and not w.endswith(("ss", "us", "is")):
        w = w[:-1]
    return _SAME_THING.get(w, w)


def words(phrase: str) -> frozenset[str]:
    return frozenset(singular(w) for w in _WORD.findall(fold(phrase)) if w not in _STOP)


def head_nouns(phrase: str) -> frozenset[str]:
    """The last word of each conjunct before any preposition ("Marines and sailors" ->
    marine, sailor; "magnitude of the earthquake" -> magnitude; "death toll" -> death)."""
    out: set[str] = set()
    for part in re.split(r"\s+(?:and|or|&)\s+|,\s*", fold(phrase)):
        part = _PREPOSITION.split(f" {part} ", maxsplit=1)[0]
        found = [w for w in _WORD.findall(part) if w not in _STOP]
        if found:
            out.add(singular(found[-1]))
    return frozenset(out)


def counted_match(gold: str, brief: str, kind: str) -> bool:
    if kind in _VALUELESS_COUNTED:
        return True
    if head_nouns(gold) & words(brief) or head_nouns(brief) & words(gold):
        return True
    return fuzz.token_set_ratio(fold(gold), fold(brief)) >= COUNTED_FUZZ


# --- names ---------------------------------------------------------------------------------

_INITIALS = re.compile(r"\b([a-z]) (?=[a-z]\b)")


def name_key(name: str) -> str:
    """'the U. S.' -> 'us'; 'Nicolás  Maduro' -> 'nicolas maduro'."""
    text = fold(name).replace(".", " ").replace("'s ", " ")
    text = " ".join(text.split())
    text = _INITIALS.sub(r"\1", text)
    return text.removeprefix("the ")


def same_name(a: str, b: str) -> bool:
    return name_key(a) == name_key(b)


def speaker_match(brief_speaker: str, gold_speaker: str, aliases: Iterable[str]) -> bool:
    """The brief's speaker is the gold speaker or one of the gold actor's names."""
    key = name_key(brief_speaker)
    return any(key == name_key(n) for n in (gold_speaker, *aliases))


# --- quote texts ---------------------------------------------------------------------------

_OUTER = "\"'“”‘’«» \t\n.,;:!?…—–-"


def quote_key(text: str) -> str:
    return fold(text).strip(_OUTER)


def strip_quote(text: str) -> str:
    """The words of a quote without its outer quotation marks and end punctuation, verbatim
    otherwise (whitespace collapsed)."""
    return " ".join(text.split()).strip(_OUTER)


def quote_match(brief_text: str, gold_text: str) -> bool:
    b, g = quote_key(brief_text), quote_key(gold_text)
    if not b or not g:
        return False
    if g in b:
        return True
    if b in g and len(b) >= QUOTE_PART * len(g):
        return True
    return fuzz.ratio(b, g) >= QUOTE_FUZZ


def verbatim_in(text: str, article_text: str) -> bool:
    """``text`` (outer quotation marks and end punctuation removed) occurs in the article,
    character for character but for runs of whitespace."""
    words_only = strip_quote(text)
    return bool(words_only) and words_only in " ".join(article_text.split())


# --- articles ------------------------------------------------------------------------------

_LINE = re.compile(r"^(?P<path>.*):(?P<line>[0-9]+)$")


def article_keys(article: ArticleRef) -> set[str]:
    """The names a gold file may use for a brief article."""
    keys = {article.id}
    m = _LINE.match(article.source)
    if m:
        keys.add(f"{PurePath(m.group('path')).stem}:{m.group('line')}")
    else:
        keys.add(PurePath(article.source).stem)
    return keys


def article_map(articles: Iterable[ArticleRef], gold_names: Iterable[str]) -> dict[str, str]:
    """Brief article id -> gold article name, for the brief articles the gold names."""
    wanted = set(gold_names)
    out: dict[str, str] = {}
    for article in articles:
        hit = sorted(article_keys(article) & wanted)
        if hit:
            out[article.id] = hit[0]
    return out
