"""Number checks: is each figure in a text stated by its sources, and how?

``verify_numbers`` takes every quantity in a text (a claim, a brief line) and looks for a
source quantity that supports it; ``check_figure`` does the same for one figure an LLM
extracted (value as written, what it counts, an evidence hint). Both are deterministic
and never fuzzy about digits: "6,000" never supports "5,000", "8 million" never supports
"4.5 million". A source number supports a text number only when

* they are of the same sort (count, money in the same currency, share, percentage points,
  length, duration, age, date, ...), compared in a base unit ("6 km" == "6,000 metres");
* the source value lies in the interval the text's value, precision and qualifier allow
  ("roughly $141 million" allows 140.5m-141.5m; "nearly $44 million" allows 43m-44m;
  "over 8 million" allows 8m-16m; a plain "5,000" allows only 5,000); and
* what they count is compatible: the head nouns overlap ("Igla-S missiles" and
  "Russian-made Igla-S anti-aircraft missiles"), or belong to the same small class
  (troops/marines/sailors are people), or one side names nothing.

Each source is parsed once per call and its quantities indexed by (sort, value), so a text
quantity costs a binary search, not a pass over the source.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal
from enum import StrEnum
from functools import lru_cache

from .numbers import (
    Qualifier,
    Quantity,
    QuantityKind,
    ValueWindows,
    counted_heads,
    counted_words,
    dimension_factors,
    duration_factors,
    duration_seconds,
    number_vocabulary,
    parse_quantities,
    scan_quantities,
    unit_dimension,
)
from .spans import TextSpan

__all__ = [
    "FigureCheck",
    "NumberCheck",
    "NumberVerdict",
    "check_figure",
    "numbers_supported",
    "verify_numbers",
]


class NumberVerdict(StrEnum):
    """How a source supports a number, best first."""

    EXACT = "exact"
    EQUIVALENT = "equivalent"
    ROUNDED = "rounded"
    MISMATCH = "mismatch"
    UNSUPPORTED = "unsupported"


_SUPPORTING = frozenset({NumberVerdict.EXACT, NumberVerdict.EQUIVALENT, NumberVerdict.ROUNDED})
_RANK = {NumberVerdict.EXACT: 0, NumberVerdict.EQUIVALENT: 1, NumberVerdict.ROUNDED: 2}


@dataclass(frozen=True, slots=True)
class NumberCheck:
    """The verdict on one quantity of the checked text."""

    quantity: Quantity
    verdict: NumberVerdict
    evidence: list[TextSpan] = field(default_factory=list)
    reason: str = ""
    source_quantity: Quantity | None = None

    @property
    def supported(self) -> bool:
        return self.verdict in _SUPPORTING


@dataclass(frozen=True, slots=True)
class FigureCheck:
    """The verdict on one extracted figure; ``evidence`` points into the source."""

    value: str
    counted: str | None
    verdict: NumberVerdict
    quantity: Quantity | None = None
    source_quantity: Quantity | None = None
    evidence: list[TextSpan] = field(default_factory=list)
    reason: str = ""

    @property
    def supported(self) -> bool:
        return self.verdict in _SUPPORTING


# --------------------------------------------------------------------------- comparison

# Nouns that name the same sort of thing in news copy: a count of "troops" is supported by
# the same count of "soldiers". Deliberately small; a miss is a visible "unsupported".
_NOUN_CLASSES: dict[str, str] = {}
for _cls, _words in {
    "person": "person people individual resident civilian citizen man woman child adult "
              "troop soldier marine sailor personnel member reservist militiaman militia "
              "force fighter worker employee staff officer agent migrant refugee voter "
              "protester demonstrator student patient passenger victim inhabitant visitor "
              "tourist spectator fan attendee customer user subscriber homeless injured "
              "wounded injury displaced missing job position crew volunteer participant "
              "population",
    "death": "death dead fatality life casualty killed toll",
    "vessel": "vessel boat ship craft",
    "missile": "missile rocket weapon",
    "aircraft": "aircraft plane jet airplane warplane",
    "vehicle": "vehicle car truck",
    "home": "home house dwelling household property building structure",
    "game": "game match appearance fixture outing start",
}.items():
    for _w in _words.split():
        _NOUN_CLASSES.setdefault(_w, _cls)
# Nouns that stand for any member of their class: "people" covers "visitors" and "troops",
# "vehicles" covers "cars", but "crew" does not cover "passengers".
_GENERIC_NOUNS = frozenset({
    "person", "individual", "life", "vehicle", "vessel", "aircraft", "weapon", "building",
    "structure", "property",
})
# Kinds whose "counted" text is too loose to compare ("95% effective", "55km long").
_NOUNLESS_KINDS = frozenset({
    QuantityKind.PERCENT, QuantityKind.MEASURE, QuantityKind.MONEY, QuantityKind.FRACTION,
    QuantityKind.PERCENTAGE_POINTS, QuantityKind.DURATION, QuantityKind.AGE,
    QuantityKind.YEAR, QuantityKind.DATE, QuantityKind.ORDINAL, QuantityKind.MULTIPLE,
})

_QUALIFIER_WORDS = re.compile(
    r"^(?:more than|over|above|in excess of|upwards of|just over|well over|exceeding|"
    r"greater than|at least|no less than|no fewer than|a minimum of|not less than|"
    r"not fewer than|fewer than|less than|under|below|just under|up to|at most|"
    r"no more than|as many as|as much as|a maximum of|not more than|about|around|roughly|"
    r"approximately|approx\.|some|an estimated|estimated|circa|c\.|nearly|almost|"
    r"close to|just shy of|nigh on)\s+",
    re.IGNORECASE,
)
_UPWARD = frozenset({Qualifier.OVER, Qualifier.AT_LEAST})
_DOWNWARD = frozenset({Qualifier.UNDER, Qualifier.AT_MOST, Qualifier.NEARLY})
_CANON_CACHE: dict[str, Decimal] = {}


def _canonical(q: Quantity) -> tuple[str, Decimal, Decimal] | None:
    """(sort of quantity, value in the sort's base unit, precision in that unit)."""
    kind = q.kind
    v, p = q.value, q.precision
    if kind in (QuantityKind.CARDINAL, QuantityKind.YEAR):
        return "count", v, p
    if kind is QuantityKind.MONEY:
        return "money:" + (q.currency or "?"), v, p
    if kind is QuantityKind.PERCENT:
        return "share", v / 100, p / 100
    if kind is QuantityKind.FRACTION:
        return "share", v, p
    if kind is QuantityKind.PERCENTAGE_POINTS:
        if q.unit == "bp":
            return "pp", v / 100, p / 100
        return "pp", v, p
    if kind is QuantityKind.MEASURE:
        dim = unit_dimension(q.unit)
        if dim is None:
            return "measure:" + (q.unit or "?"), v, p
        return "measure:" + dim[0], v * dim[1], p * dim[1]
    if kind is QuantityKind.DURATION:
        secs = duration_seconds(q.unit) or Decimal(1)
        return "duration", v * secs, p * secs
    if kind is QuantityKind.AGE:
        return "age", v, p
    if kind is QuantityKind.MULTIPLE:
        return "multiple", v, p
    if kind is QuantityKind.ORDINAL:
        return "ordinal", v, Decimal(0)
    return None


def _text_interval(q: Quantity, v: Decimal, p: Decimal) -> tuple[Decimal, Decimal]:
    """Source values (base unit) that the text quantity can honestly stand for."""
    if q.vague and q.low is not None and q.high is not None:
        scale = v / q.value if q.value else Decimal(1)
        return q.low * scale, q.high * scale
    if q.kind in (QuantityKind.YEAR, QuantityKind.ORDINAL, QuantityKind.DATE):
        return v, v
    qual = q.qualifier
    # A written precision of "10 million" is ten million wide; nobody says "nearly 10
    # million" of 1 million. Tolerances are capped at a tenth of the value.
    p = min(p, abs(v) / 10) if v else p
    if qual is Qualifier.EXACT:
        if q.scale is not None or _significant_digits(q) >= 2 or q.kind in (
            QuantityKind.FRACTION, QuantityKind.MEASURE, QuantityKind.DURATION
        ):
            # "$141 million", "29%": a written rounding. "300 people" is not a rounding of 250.
            return v - p / 2, v + p / 2
        return v, v
    if qual is Qualifier.ABOUT:
        return v - p / 2, v + p / 2
    if qual is Qualifier.NEARLY:
        return v - p, v
    if v <= 0:
        return v, v
    if qual in _UPWARD:
        return v, v * 2
    return v / 2, v  # under, at most


def _significant_digits(q: Quantity) -> int:
    if q.precision <= 0 or q.value == 0:
        return 1
    ratio = abs(q.value) / q.precision
    return max(1, len(str(int(ratio))))


def _heads(counted: str | None) -> frozenset[str]:
    return counted_heads(counted)


def _nouns_compatible(a: str | None, b: str | None, same_value: bool = True) -> bool:
    """Could ``a`` and ``b`` name the same counted thing?

    Shared head nouns always qualify. Nouns of one class ("troops", "marines") qualify
    only for the very same value, or when one side is generic ("people").
    """
    if not a or not b:
        return True
    ha, hb = _heads(a), _heads(b)
    if ha & hb:
        return True
    if ha & counted_words(b) or hb & counted_words(a):
        return True
    ca = {_NOUN_CLASSES[h] for h in ha if h in _NOUN_CLASSES}
    cb = {_NOUN_CLASSES[h] for h in hb if h in _NOUN_CLASSES}
    if not ca & cb:
        return False
    return same_value or bool((ha | hb) & _GENERIC_NOUNS)


def _nouns_same(a: str | None, b: str | None) -> bool:
    """Strict form used to call a different number a *mismatch*: a shared head noun."""
    if not a or not b:
        return False
    ha, hb = _heads(a), _heads(b)
    return bool(ha & hb or ha & counted_words(b) or hb & counted_words(a))


def _number_surface(q: Quantity) -> str:
    return _QUALIFIER_WORDS.sub("", " ".join(q.text.lower().split()))


def _date_parts(v: Decimal) -> tuple[int, int, int]:
    n = int(v)
    return n // 10000, (n // 100) % 100, n % 100


@dataclass(slots=True)
class _Entry:
    value: Decimal
    source: int
    quantity: Quantity


class _Index:
    """Source quantities grouped by sort and sorted by base-unit value, built once per call."""

    def __init__(self) -> None:
        self.values: dict[str, list[Decimal]] = {}
        self.entries: dict[str, list[_Entry]] = {}
        self.dates: list[_Entry] = []
        self.by_head: dict[str, list[_Entry]] = defaultdict(list)
        self._pending: dict[str, list[_Entry]] = defaultdict(list)

    def add(self, source: int, q: Quantity) -> None:
        if q.kind is QuantityKind.DATE:
            self.dates.append(_Entry(q.value, source, q))
            return
        canon = _canonical(q)
        if canon is None:
            return
        group, v, _ = canon
        entry = _Entry(v, source, q)
        self._pending[group].append(entry)
        for h in _heads(q.counted):
            self.by_head[h].append(entry)
        for alt in _other_readings(q):
            alt_canon = _canonical(alt)
            if alt_canon is not None:
                self._pending[alt_canon[0]].append(_Entry(alt_canon[1], source, alt))

    def freeze(self) -> None:
        for group, items in self._pending.items():
            items.sort(key=lambda e: e.value)
            self.entries[group] = items
            self.values[group] = [e.value for e in items]
        self._pending.clear()

    def between(self, group: str, lo: Decimal, hi: Decimal) -> list[_Entry]:
        vals = self.values.get(group)
        if not vals:
            return []
        i, j = bisect_left(vals, lo), bisect_right(vals, hi)
        # A window this wide means a vague text phrase; cap the work, the first few suffice.
        return self.entries[group][i:min(j, i + 200)]


def _compatible(tq: Quantity, sq: Quantity, counted: str | None, same_value: bool) -> bool:
    if sq.vague and not tq.vague:
        return False  # "millions" in a source does not vouch for "8 million"
    if not same_value and sq.qualifier is not Qualifier.EXACT and (
        sq.qualifier == tq.qualifier
        or {sq.qualifier, tq.qualifier} <= _UPWARD or {sq.qualifier, tq.qualifier} <= _DOWNWARD
    ):
        # "up to 8 km" is not "up to 6,000 metres": two bounds in the same direction must
        # be the same bound.
        return False
    if (tq.kind is QuantityKind.YEAR) != (sq.kind is QuantityKind.YEAR) and tq.value != sq.value:
        # A year and a count share digits only by accident; allow equal values, no rounding.
        return False
    if tq.qualifier in _UPWARD and sq.qualifier in _DOWNWARD:
        return False
    if tq.qualifier in _DOWNWARD and sq.qualifier in _UPWARD:
        return False
    if (tq.low is not None and not tq.vague) or (sq.low is not None and not sq.vague):
        # Ranges only support ranges with the same ends.
        if tq.low is None or sq.low is None or tq.vague or sq.vague:
            return False
        if (tq.low, tq.high) != (sq.low, sq.high):
            ct, cs = _canonical(tq), _canonical(sq)
            if ct is None or cs is None or tq.high is None or sq.high is None:
                return False
            if ct[1] != cs[1] or tq.high * (ct[1] / tq.value if tq.value else 1) != \
                    sq.high * (cs[1] / sq.value if sq.value else 1):
                return False
    if tq.kind in _NOUNLESS_KINDS or sq.kind in _NOUNLESS_KINDS:
        return True
    if counted and not sq.counted and not same_value:
        # A bare source number may back the same value, but a rounding or a bound needs
        # to be about the same thing: "at least eight vessels" is not backed by a lone 13.
        return False
    return _nouns_compatible(counted, sq.counted, same_value)


def _verdict_for(tq: Quantity, tv: Decimal, entry: _Entry) -> NumberVerdict:
    if entry.value == tv:
        if _number_surface(tq) == _number_surface(entry.quantity):
            return NumberVerdict.EXACT
        return NumberVerdict.EQUIVALENT
    return NumberVerdict.ROUNDED


def _find_support(
    tq: Quantity, index: _Index, counted: str | None
) -> tuple[NumberVerdict, list[_Entry]]:
    """Best verdict for ``tq`` and the source entries that give it."""
    if tq.kind is QuantityKind.DATE:
        return _date_support(tq, index)
    canon = _canonical(tq)
    if canon is None:
        return NumberVerdict.UNSUPPORTED, []
    group, tv, tp = canon
    lo, hi = _text_interval(tq, tv, tp)
    best = NumberVerdict.UNSUPPORTED
    found: list[_Entry] = []
    for entry in index.between(group, min(lo, tv), max(hi, tv)):
        if not _compatible(tq, entry.quantity, counted, entry.value == tv):
            continue
        verdict = _verdict_for(tq, tv, entry)
        if verdict is NumberVerdict.ROUNDED and not _finer(entry, tq, tp):
            continue
        if best is NumberVerdict.UNSUPPORTED or _RANK[verdict] < _RANK[best]:
            best, found = verdict, [entry]
        elif verdict is best:
            found.append(entry)
    if tq.kind is QuantityKind.YEAR and best is NumberVerdict.UNSUPPORTED:
        return _year_in_dates(tq, index)
    if tq.kind is QuantityKind.MULTIPLE and best is NumberVerdict.UNSUPPORTED:
        # "scored twice" is said of "two goals": the same small count, never a rounding.
        same = [e for e in index.between("count", tv, tv)
                if e.quantity.kind is QuantityKind.CARDINAL]
        if same:
            return NumberVerdict.EQUIVALENT, same
    return best, found


def _finer(entry: _Entry, tq: Quantity, tp: Decimal) -> bool:
    """A rounding goes from a more precise source number to a less precise text number."""
    canon = _canonical(entry.quantity)
    if canon is None:
        return False
    if tq.vague or tq.qualifier is not Qualifier.EXACT:
        return True
    return canon[2] < tp


def _date_support(tq: Quantity, index: _Index) -> tuple[NumberVerdict, list[_Entry]]:
    ty, tm, td = _date_parts(tq.value)
    found: list[_Entry] = []
    best = NumberVerdict.UNSUPPORTED
    for entry in index.dates:
        sy, sm, sd = _date_parts(entry.value)
        if (ty and ty != sy) or (tm and tm != sm) or (td and td != sd):
            continue
        verdict = NumberVerdict.EQUIVALENT if (ty, tm, td) == (sy, sm, sd) else \
            NumberVerdict.ROUNDED
        if verdict is NumberVerdict.EQUIVALENT and \
                _number_surface(tq) == _number_surface(entry.quantity):
            verdict = NumberVerdict.EXACT
        if best is NumberVerdict.UNSUPPORTED or _RANK[verdict] < _RANK[best]:
            best, found = verdict, [entry]
        elif verdict is best:
            found.append(entry)
    return best, found


def _year_in_dates(tq: Quantity, index: _Index) -> tuple[NumberVerdict, list[_Entry]]:
    lo = tq.low if tq.low is not None else tq.value
    hi = tq.high if tq.high is not None else tq.value
    found = [e for e in index.dates if lo <= _date_parts(e.value)[0] <= hi]
    if found:
        return NumberVerdict.EQUIVALENT if lo == hi else NumberVerdict.ROUNDED, found
    if tq.low is not None:
        # A decade ("the 1990s") is supported by any year inside it.
        group_hits = [e for e in index.between("count", lo, hi)
                      if e.quantity.kind is QuantityKind.YEAR]
        if group_hits:
            return NumberVerdict.ROUNDED, group_hits
    return NumberVerdict.UNSUPPORTED, []


_ALL_SCALES = (1.0, 12.0, 100.0, 1e3, 1e6, 1e9, 1e12)


def _value_windows(quantities: Sequence[Quantity]) -> ValueWindows:
    """The values a source number must have (at some written scale) to matter to the claim."""
    spans: list[tuple[float, float]] = []
    scaled: list[tuple[float, float]] = []
    for q in quantities:
        windows = _raw_windows(q)
        spans.extend(windows)
        # Only counts, sums of money and measures are written with a scale word.
        scales = _SCALES_BY_KIND.get(q.kind, (1.0,))
        scaled.extend((lo / m, hi / m) for lo, hi in windows for m in scales)
    return ValueWindows(spans, scaled)


_SCALES_BY_KIND: dict[QuantityKind, tuple[float, ...]] = {
    QuantityKind.CARDINAL: _ALL_SCALES,
    QuantityKind.MONEY: (1.0, 100.0, 1e3, 1e6, 1e9, 1e12),
    QuantityKind.MEASURE: (1.0, 1e3, 1e6, 1e9),
}
_SLACK = 1.0000001


def _raw_windows(q: Quantity) -> list[tuple[float, float]]:
    """Windows of written source values (before any unit conversion) that could support q."""
    if q.kind is QuantityKind.DATE:
        # Only the year: dates are found by their form (month names, "13 March"), and a
        # window on the day 13 would wake up every 13 in the source.
        y = _date_parts(q.value)[0]
        return [(float(y), float(y))] if y else []
    canon = _canonical(q)
    if canon is None:
        return []
    _, tv, tp = canon
    lo, hi = _text_interval(q, tv, tp)
    lo, hi = min(lo, tv), max(hi, tv)
    if q.low is not None and q.high is not None:
        factor = tv / q.value if q.value else Decimal(1)
        lo, hi = min(lo, q.low * factor), max(hi, q.high * factor)
    # Convert the base-unit window back to every unit a source might use for this sort.
    factors: list[Decimal] = [Decimal(1)]
    if q.kind is QuantityKind.MEASURE:
        dim = unit_dimension(q.unit)
        if dim is not None:
            factors = dimension_factors(dim[0])
    elif q.kind is QuantityKind.DURATION:
        factors = duration_factors()
    elif q.kind in (QuantityKind.PERCENT, QuantityKind.FRACTION):
        factors = [Decimal("0.01"), Decimal(1)]
    elif q.kind is QuantityKind.PERCENTAGE_POINTS:
        factors = [Decimal(1), Decimal("0.01")]
    out = []
    for f in factors:
        if f == 0:
            continue
        a, b = float(lo / f), float(hi / f)
        if a > b:
            a, b = b, a
        out.append((a / _SLACK if a > 0 else a * _SLACK, b * _SLACK if b > 0 else b / _SLACK))
    if q.kind is QuantityKind.YEAR and q.low is not None and q.high is not None:
        out.append((float(q.low), float(q.high)))
    return out


def _as_sources(sources: str | Sequence[str]) -> list[str]:
    if isinstance(sources, str):
        return [sources]
    return [s for s in sources if isinstance(s, str)]


@dataclass(frozen=True)
class _Prepared:
    """The claim side of a check, parsed once per text: its quantities, each with the other
    honest readings of it, and what a scan of a source needs to know of them."""

    readings: tuple[tuple[Quantity, ...], ...]
    vocab: frozenset[str]
    keep: ValueWindows
    months: bool
    durations: bool

    @property
    def claims(self) -> list[Quantity]:
        return [rs[0] for rs in self.readings]


@lru_cache(maxsize=4096)
def _prepare(text: str) -> _Prepared:
    readings = tuple((q, *_other_readings(q)) for q in parse_quantities(text))
    wanted = [r for rs in readings for r in rs]
    return _Prepared(
        readings,
        number_vocabulary(wanted),
        _value_windows(wanted),
        any(q.kind in (QuantityKind.DATE, QuantityKind.YEAR) for q in wanted),
        any(q.kind is QuantityKind.DURATION for q in wanted),
    )


def _build_index(sources: list[str], prepared: _Prepared | None) -> _Index:
    """The sources' quantities that could matter to ``prepared`` (None: every quantity)."""
    index = _Index()
    for i, src in enumerate(sources):
        found = (
            scan_quantities(src)
            if prepared is None
            else scan_quantities(src, prepared.vocab, prepared.keep,
                                 months=prepared.months, durations=prepared.durations)
        )
        for q in found:
            index.add(i, q)
    index.freeze()
    return index


def _support(readings: Sequence[Quantity], index: _Index) -> tuple[NumberVerdict, list[_Entry]]:
    """The first reading the index supports, else the last reading's verdict."""
    verdict, entries = NumberVerdict.UNSUPPORTED, list[_Entry]()
    for reading in readings:
        verdict, entries = _find_support(reading, index, reading.counted)
        if verdict in _SUPPORTING:
            break
    return verdict, entries


def _noun_index(sources: list[str], claims: Sequence[Quantity]) -> _Index:
    """Every source quantity within a short window before a counted head noun of the claims."""
    heads = {h for q in claims for h in _heads(q.counted) if len(h) >= 3}
    index = _Index()
    for i, src in enumerate(sources):
        spans: list[tuple[int, int]] = []
        for head in sorted(heads):  # sorted: the 100-span cap must not depend on hash order
            for spelling in (head, head.capitalize()):
                pos = src.find(spelling)
                while pos >= 0 and len(spans) < 100:
                    spans.append((max(0, pos - 120), min(len(src), pos + len(spelling) + 40)))
                    pos = src.find(spelling, pos + len(spelling))
        spans.sort()
        merged: list[tuple[int, int]] = []
        for lo, hi in spans:
            if merged and lo <= merged[-1][1]:
                merged[-1] = (merged[-1][0], max(hi, merged[-1][1]))
            else:
                merged.append((lo, hi))
        for lo, hi in merged:
            for q in parse_quantities(src[lo:hi]):
                index.add(i, replace(q, start=q.start + lo, end=q.end + lo))
    index.freeze()
    return index


def _describe(q: Quantity) -> str:
    counted = f" {q.counted}" if q.counted else ""
    return f"{q.text}{counted}"


def _span(entry: _Entry) -> TextSpan:
    q = entry.quantity
    return TextSpan(source=entry.source, start=q.start, end=q.end, text=q.text)


def _unsupported_reason(
    tq: Quantity, counted: str | None, index: _Index
) -> tuple[str, _Entry | None]:
    """Name what the source does say about the same thing, if it says anything."""
    canon = _canonical(tq)
    group = canon[0] if canon else None
    for h in _heads(counted):
        for entry in index.by_head.get(h, []):
            c = _canonical(entry.quantity)
            if c is not None and c[0] == group:
                return f"source says {_describe(entry.quantity)}", entry
    if canon is not None:
        same_value = index.between(group or "", canon[1], canon[1])
        if same_value:
            other = same_value[0].quantity
            return (f"{tq.text} appears in the source only for something else: "
                    f"{_describe(other)}"), None
    return f"no source states {_describe(tq) if counted else tq.text}", None


_GLUED_M = re.compile(r"[0-9]m$")


def _other_readings(q: Quantity) -> list[Quantity]:
    """Other honest readings of an ambiguous surface, for the source to decide between.

    "over 8m" with nothing after it is metres to the grammar but millions in most news
    copy; both readings are checked, and the evidence says which one the source backs.
    """
    if q.kind is QuantityKind.MEASURE and q.unit == "m" and _GLUED_M.search(q.text):
        return [replace(q, kind=QuantityKind.CARDINAL, unit=None, scale="million",
                        value=q.value * 1000000, precision=q.precision * 1000000)]
    return []


def verify_numbers(text: str, sources: str | Sequence[str]) -> list[NumberCheck]:
    """Check every quantity in ``text`` against ``sources``; one :class:`NumberCheck` each.

    Never raises; a text without numbers gives an empty list.
    """
    if not isinstance(text, str):
        return []
    srcs = _as_sources(sources)
    prepared = _prepare(text)
    if not prepared.readings:
        return []
    claims = prepared.claims
    index = _build_index(srcs, prepared)
    reason_index: _Index | None = None
    out: list[NumberCheck] = []
    for tq, readings in zip(claims, prepared.readings, strict=True):
        try:
            verdict, entries = _support(readings, index)
        except (ArithmeticError, ValueError, LookupError) as exc:  # pragma: no cover
            # Visible, never silent: the number stays in the report as unchecked.
            out.append(NumberCheck(tq, NumberVerdict.UNSUPPORTED, [],
                                   f"could not be checked ({type(exc).__name__})"))
            continue
        if verdict in _SUPPORTING:
            best = entries[0]
            how = {NumberVerdict.EXACT: "source says", NumberVerdict.EQUIVALENT:
                   "source says, in another form,", NumberVerdict.ROUNDED:
                   "source gives the unrounded"}[verdict]
            out.append(NumberCheck(tq, verdict, [_span(e) for e in entries[:5]],
                                   f"{how} {_describe(best.quantity)}", best.quantity))
            continue
        if reason_index is None:
            # Only a failure pays for more parsing: every number near the words the claims
            # count, so the reason can name what the source says about the same thing.
            reason_index = _noun_index(srcs, claims)
        reason, entry = _unsupported_reason(tq, tq.counted, reason_index)
        evidence = [_span(entry)] if entry is not None else []
        out.append(NumberCheck(tq, NumberVerdict.UNSUPPORTED, evidence, reason,
                               entry.quantity if entry else None))
    return out


@lru_cache(maxsize=65536)
def numbers_supported(text: str, source: str) -> bool:
    """``all(c.supported for c in verify_numbers(text, source))``, for callers that test
    many pairs (the claim ledger): no reason is worked out for a number the source does not
    support, and a pair asked again is answered from memory (wire copy repeats sentences
    word for word: on the bench's 100 articles, 6,338 of the ledger's 9,376 pairs were
    distinct). Never raises."""
    prepared = _prepare(text)
    if not prepared.readings:
        return True
    index = _build_index([source], prepared)
    try:
        return all(_support(rs, index)[0] in _SUPPORTING for rs in prepared.readings)
    except (ArithmeticError, ValueError, LookupError):  # pragma: no cover
        return False  # as verify_numbers: a number that cannot be checked is unsupported


# --------------------------------------------------------------------------- figures

_SENTENCE = re.compile(r"[^.!?\n]+(?:[.!?]+|$)")


def _locate_hint(hint: str | None, source: str) -> tuple[int, int] | None:
    """Where in the source the hint sentence is, found by code (exact, then aligned)."""
    if not hint or not hint.strip():
        return None
    needle = " ".join(hint.split())
    pos = source.find(needle)
    if pos >= 0:
        return pos, pos + len(needle)
    squashed = " ".join(source.split())
    if needle in squashed and len(squashed) == len(source):
        pos = squashed.find(needle)
        return pos, pos + len(needle)
    try:
        from rapidfuzz import fuzz
    except ImportError:  # pragma: no cover - rapidfuzz is a dependency
        return None
    if len(source) > 200_000:
        return None
    # Sentence location may be fuzzy (the model paraphrases); the number check never is.
    best: tuple[float, int, int] | None = None
    for m in _SENTENCE.finditer(source):
        score = fuzz.token_set_ratio(needle, m.group(0))
        if best is None or score > best[0]:
            best = (score, m.start(), m.end())
    if best is not None and best[0] >= 70:
        return best[1], best[2]
    return None


def _figure_quantity(value: str, counted: str | None) -> Quantity | None:
    text = f"{value} {counted}" if counted else value
    qs = parse_quantities(text)
    if not qs and counted:
        qs = parse_quantities(value)
    if not qs:
        return None
    # The value's own quantity: the first one starting inside the value string.
    for q in qs:
        if q.start < len(value):
            return q
    return qs[0]


def check_figure(
    value: str, counted: str | None, source: str, hint: str | None = None
) -> FigureCheck:
    """Check one extracted figure against one source. Never raises.

    ``hint`` is the sentence the model cited; it is only a preference among equally good
    source quantities, since models often cite the wrong sentence.
    """
    if not isinstance(value, str) or not isinstance(source, str):
        return FigureCheck(str(value), counted, NumberVerdict.UNSUPPORTED,
                           reason="no figure or no source to check")
    fq = _figure_quantity(value, counted)
    if fq is None:
        return FigureCheck(value, counted, NumberVerdict.UNSUPPORTED,
                           reason=f"no number could be read in {value!r}")
    noun = fq.counted or counted
    index = _build_index([source], None)
    hint_span = _locate_hint(hint, source)

    def in_hint(e: _Entry) -> bool:
        return hint_span is not None and hint_span[0] <= e.quantity.start < hint_span[1]

    verdict, entries = _find_support(fq, index, noun)
    if verdict in _SUPPORTING:
        entries = sorted(entries, key=lambda e: (not in_hint(e),
                                                 not _nouns_same(noun, e.quantity.counted),
                                                 e.quantity.start))
        best = entries[0]
        return FigureCheck(value, counted, verdict, fq, best.quantity,
                           [_span(e) for e in entries[:5]],
                           f"source says {_describe(best.quantity)}")
    # Not supported: is there a source number for the same thing (a mismatch)?
    canon = _canonical(fq)
    group = canon[0] if canon else None
    rivals: list[_Entry] = []
    for h in _heads(noun):
        rivals.extend(e for e in index.by_head.get(h, [])
                      if (c := _canonical(e.quantity)) is not None and c[0] == group)
    if hint_span is not None and group is not None:
        # The cited sentence states a number of the same sort for the same thing (or for
        # nothing named): the model misread it.
        rivals.extend(e for e in index.entries.get(group, []) if in_hint(e)
                      and (not noun or not e.quantity.counted
                           or _nouns_compatible(noun, e.quantity.counted)))
    if rivals:
        rivals.sort(key=lambda e: (not in_hint(e), not _nouns_same(noun, e.quantity.counted),
                                   e.quantity.start))
        r = rivals[0]
        return FigureCheck(value, counted, NumberVerdict.MISMATCH, fq, r.quantity, [_span(r)],
                           f"source says {_describe(r.quantity)}, not {value}")
    reason, _ = _unsupported_reason(fq, noun, index)
    return FigureCheck(value, counted, NumberVerdict.UNSUPPORTED, fq, None, [], reason)
