"""Quote verification: is a quotation really in the source, and really from that speaker?

The validation stage hands every quote the model put in a brief to :func:`verify_quote`,
together with the speaker it was attributed to and the articles it came from. The check is
deterministic (no model): both texts are normalised the same way (whitespace runs,
typographic quotes, apostrophes, dashes, ellipses, case, accents) while keeping a map back to
the exact characters of the source, so every verdict carries a span a reader can highlight.

Verdicts, and their precedence when several sources or occurrences compete:

1. ``verbatim`` -- every fragment of the quote (fragments are separated by "..." or "…") is in
   one source, in order, at word boundaries, and the speaker (when one is given) is confirmed
   near it. Only this verdict makes :attr:`QuoteCheck.confirmed` true.
2. ``speaker_unconfirmed`` -- the words are there (verbatim, or as a variant) but the speaker
   is not named near them. A misattributed quote is a factual error, a variant is a cosmetic
   one, so this verdict wins over ``variant``; ``similarity`` < 1 and ``source_text`` still say
   when the words were only a variant.
3. ``variant`` -- the source has a near-identical rendering: similarity >= 0.75 inside
   quotation marks (0.85 outside them, where it is narration), keeping >= 80% of the quote's
   words in order; both texts are reported. A rendering whose figures or negation differ is
   never a variant: that changes what was said.
4. ``not_found`` -- also for an ellipsis quote whose fragments are all in a source but in
   another order: rearranging what someone said is a misquote, however similar the words.

Speaker "near the quote": a person is named by full name, surname, or a role the article
uses for them ("the Venezuelan leader" after "Venezuelan President Nicolás Maduro"; a role two
people could hold names nobody). The quote goes to the person the attribution names: first
the clause right after the closing mark (",” Trump told reporters"), else the lead-in of the
quote's sentence -- the one a speech verb attaches to, else the first named ("Trump has
stated he is weighing action to weaken Maduro, ... “very well under control”" is Trump's).
When neither names anyone and the clause has a pronoun ("he asserted") or no speech verb,
the first person named in the nearest earlier sentence naming anyone (up to three back)
takes it. The speaker is confirmed only if that person is them; "officials said" confirms
nobody. Words inside other quotations never count as attribution.

Everything about a source (normalised text, quotations, sentences, persons, word index) is
computed once per source text and cached, so checking many quotes against the same
articles costs well under a millisecond each; see tests/test_quotes.py for timings. The
cache keeps the last 64 texts; a caller checking against more (the merger, every article of
a story) passes :class:`PreparedSource` objects, which keep what was computed for as long
as they live.
"""

from __future__ import annotations

import bisect
import re
import unicodedata
from array import array
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache

from rapidfuzz import fuzz
from rapidfuzz.distance import Indel, LCSseq

from storysum.spans import TextSpan

__all__ = ["PreparedSource", "QuoteCheck", "QuoteVerdict", "find_quotations", "verify_quote"]

#: Similarity from which a quoted passage counts as a rendering of the quote: the mean of
#: rapidfuzz's character ``ratio`` and word-sequence Indel similarity over the best
#: word-aligned window, contractions expanded. From the test tables (tests/test_quotes.py,
#: THRESHOLD_PAIRS): renderings of one quote across outlets and one-word changes score
#: 0.82-0.97; other sentences sharing the topic, the speaker or the sentence frame score at
#: most 0.72 -- or pass this bar and fail MIN_COVERAGE ("the Fed ... support the economy").
VARIANT_THRESHOLD = 0.75
#: Share of the quote's words a rendering must keep, in order (LCS / quote length). Outlets
#: add words ("certainly", "very well") more than they swap them; renderings keep 0.83-1.0,
#: different sentences in the same frame keep 0.65-0.77.
MIN_COVERAGE = 0.8
#: Text outside quotation marks is narration or reported speech; only an almost identical
#: passage there counts as the quote.
UNQUOTED_VARIANT_THRESHOLD = 0.85

_DOUBLE_QUOTES = '"“”„‟«»‹›〝〞＂'
_SINGLE_QUOTES = "'‘’‚‛ʼ`´"
_DASHES = "-‐‑‒–—―−﹘﹣－"
_INVISIBLE = "\u00ad\u200b\u200c\u200d\u2060\ufeff"
_EDGE_PUNCT = " .,;:-"

_PLAIN = rf"[^\s{re.escape(_DOUBLE_QUOTES + _SINGLE_QUOTES + _DASHES)}…{_INVISIBLE}]"
_ASCII_OR_NOT = re.compile(r"[\x00-\x7f]+|[^\x00-\x7f]")
_TOKEN = re.compile(
    r"(\s+)"
    rf"|([{re.escape(_DOUBLE_QUOTES)}])"
    rf"|([{re.escape(_SINGLE_QUOTES)}])"
    rf"|([{re.escape(_DASHES)}]+)"
    r"|(…)"
    rf"|([{_INVISIBLE}]+)"
    # Words joined by single spaces come out unchanged, so they are one token: the loop below
    # then runs once per punctuation mark rather than once per word.
    rf"|((?:{_PLAIN}+)(?: {_PLAIN}+)*)"
)


@dataclass(frozen=True, slots=True)
class _Normalised:
    """A comparison form of a text, with each character's origin in the original text."""

    text: str
    starts: Sequence[int]
    ends: Sequence[int]

    def original(self, i: int, j: int) -> tuple[int, int]:
        """Original ``[start, end)`` of the normalised slice ``[i, j)`` (``j > i``)."""
        return self.starts[i], self.ends[j - 1]

    def to_norm(self, offset: int) -> int:
        """First normalised index whose character comes from ``offset`` or later."""
        return bisect.bisect_left(self.starts, offset)


def _fold(chars: str) -> str:
    """Lower-case and strip accents: outlets write "Nicolás" and "Nicolas" alike."""
    low = chars.lower()
    if low.isascii():
        return low
    decomposed = unicodedata.normalize("NFKD", low)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _normalise(text: str) -> _Normalised:
    """Normalise ``text`` for comparison, keeping an offset map.

    Whitespace runs become one space; quotation marks disappear (outlets disagree on them and
    nest them differently); an apostrophe between letters becomes ``'``; dash runs become
    ``-`` with the spaces around them dropped ("a — b" and "a—b" alike); "…" becomes "...".
    """
    out: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    pending_space = -1  # original offset of a whitespace run not yet emitted

    def emit(piece: str, start: int, end: int) -> None:
        nonlocal pending_space
        if pending_space >= 0 and out and out[-1] != "-":
            out.append(" ")
            starts.append(pending_space)
            ends.append(pending_space + 1)
        pending_space = -1
        out.append(piece)
        starts.extend([start] * len(piece))
        ends.extend([end] * len(piece))

    def emit_plain(piece: str, start: int) -> None:
        # One character per original character: the offsets are a plain range.
        nonlocal pending_space
        if pending_space >= 0 and out and out[-1] != "-":
            out.append(" ")
            starts.append(pending_space)
            ends.append(pending_space + 1)
        pending_space = -1
        out.append(piece)
        starts.extend(range(start, start + len(piece)))
        ends.extend(range(start + 1, start + len(piece) + 1))

    n = len(text)
    for m in _TOKEN.finditer(text):
        s, e = m.start(), m.end()
        kind = m.lastindex
        if kind == 1:  # whitespace
            if pending_space < 0:
                pending_space = s
        elif kind == 3:  # single quote or apostrophe
            if s > 0 and e < n and text[s - 1].isalnum() and text[e].isalnum():
                emit("'", s, e)
        elif kind == 4:  # dashes
            pending_space = -1
            if out and out[-1] == " ":
                out.pop()
                starts.pop()
                ends.pop()
            if not out or out[-1] != "-":
                out.append("-")
                starts.append(s)
                ends.append(e)
        elif kind == 5:
            emit("...", s, e)
        elif kind == 7:  # ordinary characters
            for part in _ASCII_OR_NOT.finditer(m.group()):
                ps, chunk = s + part.start(), part.group()
                if chunk.isascii():
                    emit_plain(chunk.lower(), ps)
                else:
                    piece = _fold(chunk)
                    if piece:
                        emit(piece, ps, ps + 1)
        # double quotes (2) and invisible characters (6) are dropped
    return _Normalised("".join(out), starts, ends)


class PreparedSource:
    """A source text with what :func:`verify_quote` derives from it, each computed once.

    Pass it to ``verify_quote`` in place of the text when one text is checked against many
    quotes (the merger checks quotes against every article): the normalised text with its
    offset map, and the sentences and quoted passages indexed by word, are then computed once
    per text, however many texts are in use -- the cache behind plain-string sources keeps
    only the last 64. Verdicts, spans and reasons are the same as for the plain text.
    """

    __slots__ = ("_bounds", "_norm", "_units", "text")

    def __init__(self, text: str) -> None:
        self.text = text
        self._norm: _Normalised | None = None
        self._bounds: list[tuple[int, int, bool]] | None = None
        self._units: _Units | None = None

    @property
    def norm(self) -> _Normalised:
        if self._norm is None:
            n = _normalise(self.text)
            # Kept for as long as the source is: the offset maps as machine integers, an
            # eighth of the memory of lists of int objects.
            code = "i" if len(self.text) < 2**31 - 1 else "q"
            self._norm = _Normalised(n.text, array(code, n.starts), array(code, n.ends))
        return self._norm

    @property
    def normalised(self) -> str:
        """The comparison form of the text (see ``_normalise``)."""
        return self.norm.text

    @property
    def bounds(self) -> list[tuple[int, int, bool]]:
        if self._bounds is None:
            self._bounds = _unit_bounds(self.text, self.norm)
        return self._bounds

    @property
    def units(self) -> _Units:
        if self._units is None:
            self._units = _index_units(self.norm, self.bounds)
        return self._units

    def passages(self) -> list[str]:
        """The normalised text of each sentence and quoted passage: the stretches a rendering
        of a quote is looked for in (a rendering never runs across two)."""
        norm = self.norm.text
        return [norm[s:e] for s, e, _ in self.bounds]


@lru_cache(maxsize=64)
def _prepared(text: str) -> PreparedSource:
    return PreparedSource(text)


def _as_prepared(source: str | PreparedSource) -> PreparedSource:
    return source if isinstance(source, PreparedSource) else _prepared(source)


# --------------------------------------------------------------------------- quotations

_OPENERS = {"“": "”", "„": "“", "«": "»", "‹": "›", "‘": "’", "‚": "‘", '"': '"', "'": "'"}
_ALT_CLOSERS = {"„": "”", "‚": "’", "“": "„"}  # German/Polish pairs are written both ways
_QUOTE_CHARS = re.compile(r"[\"'“”„«»‹›‘’‚\n]")
_MAX_QUOTE = 3000


def _is_word(ch: str) -> bool:
    return ch.isalnum()


def find_quotations(text: str) -> list[TextSpan]:
    """Every quoted passage of ``text``, outer and nested, sorted by position.

    Each span covers the words inside the marks (not the marks; ``source`` is 0). Straight and
    typographic marks are recognised; an apostrophe inside a word ("we’ve") or after a plural
    ("Venezuelans’") is not a quote. A passage whose closing mark is missing ends at the end of
    its paragraph (the convention for quotes running over paragraphs) and never runs past
    3,000 characters, so one stray mark cannot swallow the document.
    """
    return [TextSpan(0, s, e, text[s:e]) for s, e in _quotation_bounds(text)]


@lru_cache(maxsize=64)
def _quotation_bounds(text: str) -> tuple[tuple[int, int], ...]:
    n = len(text)
    found: list[tuple[int, int]] = []
    stack: list[tuple[str, int]] = []  # (opening mark, offset after it)

    def close_all(at: int) -> None:
        while stack:
            _, start = stack.pop()
            end = min(at, start + _MAX_QUOTE)
            while end > start and text[end - 1].isspace():
                end -= 1
            if end > start:
                found.append((start, end))

    for m in _QUOTE_CHARS.finditer(text):
        i = m.start()
        ch = m.group()
        if stack and i - stack[0][1] > _MAX_QUOTE:
            close_all(stack[0][1] + _MAX_QUOTE)
        prev = text[i - 1] if i > 0 else " "
        nxt = text[i + 1] if i + 1 < n else " "
        if ch == "\n":
            if stack and _ends_paragraph(text, i):
                close_all(i)
            continue
        if ch in "'’" and _is_word(prev) and (_is_word(nxt) or not _single_open(stack)):
            continue  # apostrophe: "we’ve", "Venezuelans’ army"
        depth = next((d for d in range(len(stack) - 1, -1, -1) if _closes(stack[d][0], ch)), -1)
        if depth >= 0 and not (prev.isspace() and _is_word(nxt)):
            # A closing mark also ends any inner quote left open: “He said ‘no” ends both.
            while len(stack) > depth:
                _, start = stack.pop()
                found.append((start, i))
            continue
        # French guillemets take a space inside (« Nous sommes en guerre »); other marks
        # followed by a space are closing or stray.
        if ch in _OPENERS and not _is_word(prev) and (ch in "«‹" or not nxt.isspace()):
            if ch in "\"'" and prev.isdigit():
                continue  # 5' 10" -- feet and inches
            stack.append((ch, i + 1))
    close_all(n)
    # Trim the spaces French guillemets and careless typing leave inside the marks.
    trimmed = []
    for start, end in found:
        while start < end and text[start].isspace():
            start += 1
        while end > start and text[end - 1].isspace():
            end -= 1
        if end > start:
            trimmed.append((start, end))
    return tuple(sorted(trimmed))


def _single_open(stack: list[tuple[str, int]]) -> bool:
    return any(op in "‘'‚" for op, _ in stack)


def _closes(opener: str, ch: str) -> bool:
    return _OPENERS[opener] == ch or _ALT_CLOSERS.get(opener) == ch


def _ends_paragraph(text: str, i: int) -> bool:
    """A newline ends a paragraph unless the line was only hard-wrapped mid-sentence."""
    j = i + 1
    while j < len(text) and text[j] in " \t\r":
        j += 1
    if j >= len(text) or text[j] == "\n":
        return True
    k = i - 1
    while k >= 0 and text[k] in " \t\r":
        k -= 1
    return not text[j].islower() and (k < 0 or text[k] in '.!?:…"”’»')


# --------------------------------------------------------------------------- sentences


def _wordset(words: str) -> frozenset[str]:
    return frozenset(words.split())


_BOUNDARY = re.compile(r"[.!?…]+[\"”’»)\]]*\s+|\n\s*")
_ABBREVIATIONS = _wordset(
    """
    mr mrs ms dr prof gen sen rep gov lt col sgt capt st jr sr inc co corp ltd vs etc no
    jan feb mar apr jun jul aug sep sept oct nov dec
    """
)


@lru_cache(maxsize=64)
def _sentence_starts(text: str) -> tuple[int, ...]:
    starts = [0]
    for m in _BOUNDARY.finditer(text):
        end = m.end()
        if end >= len(text):
            break
        nxt = text[end]
        piece = m.group()
        if piece[0] == "\n":
            if "\n" in piece[1:] or not nxt.islower():
                starts.append(end)
            continue
        if nxt.islower() and "\n" not in piece:
            continue
        if piece[0] == "." and "\n" not in piece:
            word = re.search(r"([\w]+)$", text[max(0, m.start() - 12) : m.start()])
            if word and (len(word.group(1)) == 1 or word.group(1).lower() in _ABBREVIATIONS):
                continue  # "U.S. Marines", "Mr. Padrino"
        starts.append(end)
    return tuple(starts)


def _sentence_of(starts: Sequence[int], offset: int, n: int) -> tuple[int, int, int]:
    """(index, start, end) of the sentence holding ``offset``."""
    k = bisect.bisect_right(starts, offset) - 1
    end = starts[k + 1] if k + 1 < len(starts) else n
    return k, starts[k], end


# --------------------------------------------------------------------------- speakers

_TITLES = _wordset(
    """
    president vice prime minister secretary senator sen rep representative governor gov
    mayor chancellor king queen prince princess pope general gen admiral colonel col
    judge justice ambassador spokesman spokeswoman spokesperson leader chief director
    chairman chairwoman chair ceo commissioner mr mrs ms dr prof professor sir dame lord
    lady sheikh defense defence foreign interior finance deputy former attorney speaker
    premier commander coach captain lieutenant sergeant officer minister
    """
)
_HEADS_OF_STATE = _wordset("president premier chancellor king queen prime leader")
_ROLE_NOUNS = (
    "leader|president|prime minister|premier|chancellor|minister|secretary|senator|governor|"
    "mayor|spokesman|spokeswoman|spokesperson|official|chief|general|commander|king|queen|"
    "ambassador|chairman|chairwoman|ceo|director|judge|coach|strongman|ruler"
)
_ROLE = re.compile(rf"\b[Tt]he\s+((?:[\w.’'-]+\s+){{0,3}}?)({_ROLE_NOUNS})\b")
_PARTICLES = _wordset("de da del della la le van von der den bin al el dos do du di")
_SPEECH_VERBS = (
    "said|says|told|tells|stated|states|asserted|asserts|added|adds|claimed|claims|insisted|"
    "warned|declared|announced|wrote|writes|tweeted|posted|argued|noted|explained|replied|"
    "responded|confirmed|emphasized|emphasised|denied|vowed|urged|stressed|remarked|continued|"
    "concluded|acknowledged|admitted|suggested|hinted|indicated|termed|recalled|boasted|"
    "quipped|predicted|promised|cautioned|countered|asked|shouted|joked"
)
_SPEECH = re.compile(rf"\b(?:{_SPEECH_VERBS})\b", re.IGNORECASE)
# Words that may stand between a subject and its speech verb ("has publicly said").
_FILLER = r"(?:(?:\w+ly|has|had|have|also|then|later|again|once)\s+){0,2}"
_NOT_APPOSITIVE = "with|and|but|or|as|while|who|which|in|on|at|after|before|during|including|to"
# "Trump told", "Maduro has publicly said" -- a comma between subject and verb only closes
# an appositive, which _APPOSITIVE_SPEECH reads: "Draghi, president of the ECB, told".
_SPEECH_AFTER = re.compile(rf"\s+{_FILLER}(?:{_SPEECH_VERBS})\b")
_APPOSITIVE_SPEECH = re.compile(
    rf",\s(?!(?:{_NOT_APPOSITIVE})\b)[^,.;:“”\"\n]{{1,80}},\s*{_FILLER}(?:{_SPEECH_VERBS})\b"
)
_SPEECH_BEFORE = re.compile(rf"\b(?:{_SPEECH_VERBS})\s+$")
_PRONOUN = re.compile(r"\b(?:he|she)\b", re.IGNORECASE)
_WORD = re.compile(r"\w+")
_POSSESSIVE = re.compile(r"[’'`]s?\b")


def _strip_possessive(word: str) -> str:
    return re.sub(r"[’'`]s?$", "", word)


@dataclass(frozen=True, slots=True)
class _People:
    """Who the article treats as a person, and the titles it gives them."""

    tokens: dict[str, str]  # capitalised name token -> person key (their last name token)
    titles: dict[str, frozenset[str]]  # person key -> folded title words


_PARTICLE = "(?:" + "|".join(sorted(_PARTICLES)) + ")"


@lru_cache(maxsize=1)
def _cap_run() -> re.Pattern[str]:
    """A run of capitalised words ("Venezuelan President Nicolás Maduro"); it ends at a comma,
    a line end or a possessive, so "Venezuela’s President X" gives "Venezuela’s" apart.

    Python's re has no \\p{Lu}: a class of the BMP's upper-case letters stands in for it,
    built on first use rather than at import.
    """
    upper = "".join(chr(c) for c in range(0x10000) if chr(c).isupper())
    word = rf"[{re.escape(upper)}][\w.-]*"
    return re.compile(
        rf"(?<![\w’']){word}(?:[ \u00a0](?:{_PARTICLE}[ \u00a0])?{word})*(?:[’']s?\b)?"
    )


def _capitalised_runs(text: str) -> list[tuple[int, int, list[str]]]:
    return [(m.start(), m.end(), m.group().split()) for m in _cap_run().finditer(text)]


_NOT_NAMES = _wordset(
    "the a an he she it they we i you this that these those his her their our in on at "
    "but and or as if when while after before during officials reports sources"
)


@lru_cache(maxsize=64)
def _people(text: str) -> _People:
    """Persons are name runs after a title ("President Donald Trump") or next to a speech
    verb ("Maduro asserted", "said Padrino"): capitalised words alone would take in places."""
    tokens: dict[str, str] = {}
    titles: dict[str, set[str]] = {}
    for start, end, run in _capitalised_runs(text):
        words = [_strip_possessive(w).rstrip(".") for w in run]
        folded = [_fold(w) for w in words]
        last_title = max(
            (i for i, f in enumerate(folded) if f in _TITLES or f in ("u.s", "us", "uk")),
            default=-1,
        )
        lead, names = words[: last_title + 1], words[last_title + 1 :]
        names = [w for w in names if _fold(w) not in _PARTICLES and _fold(w) not in _NOT_NAMES]
        if not names:
            continue
        titled = any(_fold(w) in _TITLES for w in lead)
        speaks = bool(_SPEECH_AFTER.match(text, end))
        spoken = bool(re.search(r"\b(?:said|says|told)\s+$", text[max(0, start - 12) : start]))
        appositive = _APPOSITIVE_SPEECH.match(text, end)
        if not (titled or speaks or spoken or appositive):
            continue
        key = _fold(names[-1])
        for w in names:
            tokens.setdefault(w, key)
        if titled:
            # "Venezuela’s President Nicolás Maduro": the possessive run just before counts.
            found = {_fold(w) for w in lead}
            before = re.search(r"([^\W\d_][\w.]*)[’']s $", text[max(0, start - 30) : start])
            if before and before.group(1)[:1].isupper():
                found.add(_fold(before.group(1)).rstrip("."))
            titles.setdefault(key, set()).update(found)
        if appositive:
            # "Mario Draghi, president of the European Central Bank, told ...": the
            # appositive's title and proper words are titles the article may reuse.
            words = _WORD.findall(appositive.group())
            found = {_fold(w) for w in words if w[:1].isupper() or _fold(w) in _TITLES}
            titles.setdefault(key, set()).update(found)
    return _People(tokens, {k: frozenset(v) for k, v in titles.items()})


@dataclass(frozen=True, slots=True)
class _Speaker:
    variants: tuple[str, ...]  # normalised forms to look for
    tokens: frozenset[str]  # folded name tokens, to tell the speaker from other persons
    is_role: bool


def _parse_speaker(speaker: str) -> _Speaker | None:
    norm = _normalise(speaker).text.strip(_EDGE_PUNCT)
    if not norm:
        return None
    words = norm.split()
    if words[0] == "the" or not any(w[:1].isupper() for w in speaker.split()):
        # A role or description as given ("the Venezuelan leader"): looked for as written.
        bare = " ".join(words[1:]) if words[0] == "the" and len(words) > 1 else norm
        return _Speaker((norm, bare), frozenset(), True)
    while len(words) > 1 and words[0].rstrip(".") in _TITLES | {"u.s", "us", "uk"}:
        words.pop(0)
    names = [w for w in words if w not in _PARTICLES]
    variants = {" ".join(words)}
    if names:
        variants.add(names[-1])
    if len(names) >= 3:
        # Hispanic double surnames: "Vladimir Padrino López" is "Padrino" in most copy.
        variants.update(w for w in names[1:] if len(w) >= 4)
        variants.add(" ".join(names[1:]))
    # Longest first, ties alphabetical: never the set's hash order.
    return _Speaker(tuple(sorted(variants, key=lambda v: (-len(v), v))), frozenset(names), False)


@dataclass(frozen=True, slots=True)
class _Mention:
    start: int
    end: int
    key: str  # "" for the speaker, else another person's key
    possessive: bool


def _quotes_near(text: str, a: int, b: int) -> list[tuple[int, int]]:
    """Quoted passages that may overlap ``[a, b)``; passages never exceed _MAX_QUOTE."""
    bounds = _quotation_bounds(text)
    first = bisect.bisect_left(bounds, (a - _MAX_QUOTE - 2, 0))
    last = bisect.bisect_right(bounds, (b + 1, len(text) + 1))
    return list(bounds[first:last])


def _intervals_outside_quotes(text: str, a: int, b: int) -> list[tuple[int, int]]:
    """``[a, b)`` minus quoted passages: words inside other quotes are not attribution."""
    out: list[tuple[int, int]] = []
    pos = a
    for qs, qe in _quotes_near(text, a, b):
        if qe + 1 <= pos:
            continue
        if qs - 1 >= b:
            break
        if qs - 1 > pos:
            out.append((pos, qs - 1))
        pos = max(pos, qe + 1)
    if pos < b:
        out.append((pos, b))
    return out


def _mentions(text: str, a: int, b: int, speaker: _Speaker) -> list[_Mention]:
    people = _people(text)
    found: list[_Mention] = []
    for s, e in _intervals_outside_quotes(text, a, b):
        piece = text[s:e]
        norm = _normalise(piece)
        for variant in speaker.variants:
            for i in _find_all(norm.text, variant):
                os_, oe = norm.original(i, i + len(variant))
                found.append(_Mention(s + os_, s + oe, "", _is_possessive(text, s + oe)))
        for m in re.finditer(r"[^\W\d_][\w’'-]*", piece):
            word = _strip_possessive(m.group())
            key = people.tokens.get(word)
            if key is None or _fold(word) in speaker.tokens or key in speaker.tokens:
                continue
            end = s + m.start() + len(word)
            found.append(_Mention(s + m.start(), end, key, _is_possessive(text, end)))
        for m in _ROLE.finditer(piece):
            key_or_none = _resolve_role(m.group(1), m.group(2), people, speaker)
            if key_or_none is not None:
                end = s + m.end()
                found.append(_Mention(s + m.start(), end, key_or_none, _is_possessive(text, end)))
    found.sort(key=lambda x: x.start)
    return found


def _resolve_role(mods: str, noun: str, people: _People, speaker: _Speaker) -> str | None:
    """The one person a role phrase such as "the Venezuelan leader" can stand for."""
    noun = noun.lower()
    modifiers = [w for w in mods.split() if w[:1].isupper()]  # "embattled" identifies no one
    candidates: list[str] = []
    for key, titles in people.titles.items():
        head = noun.split()[-1]
        if head not in titles and not (noun in _HEADS_OF_STATE and titles & _HEADS_OF_STATE):
            continue
        if all(_title_match(_fold(_strip_possessive(w)).rstrip("."), titles) for w in modifiers):
            candidates.append(key)
    if len(candidates) != 1:
        return None
    key = candidates[0]
    names = {_fold(w) for w, k in people.tokens.items() if k == key} | {key}
    return "" if names & speaker.tokens else key


def _title_match(word: str, titles: frozenset[str]) -> bool:
    # "Venezuelan" and "Venezuela’s" are one title; a shared 6-letter stem says so.
    return any(word == t or (len(word) >= 6 and word[:6] == t[:6]) for t in titles)


def _is_possessive(text: str, end: int) -> bool:
    return bool(_POSSESSIVE.match(text, end))


_CLAUSE = 400


def _check_speaker(text: str, q_start: int, q_end: int, speaker: _Speaker) -> _Mention | None:
    """The mention that confirms ``speaker`` said the quote at ``[q_start, q_end)``, if any."""
    # Widen to the quotation marks holding the match, so the clause around it is outside.
    for qs, qe in _quotes_near(text, q_start, q_end):
        if qs <= q_start and q_end <= qe:
            q_start, q_end = max(0, qs - 1), min(len(text), qe + 1)
            break
    starts = _sentence_starts(text)
    n = len(text)
    k, sent_start, _ = _sentence_of(starts, q_start, n)
    _, _, sent_end = _sentence_of(starts, max(q_start, q_end - 1), n)
    # An attribution is within a few hundred characters of its quote; a "sentence" longer
    # than that is a splitting failure (no punctuation), not a longer clause.
    sent_start, sent_end = max(sent_start, q_start - _CLAUSE), min(sent_end, q_end + _CLAUSE)
    lead = [m for m in _mentions(text, sent_start, q_start, speaker) if not m.possessive]
    trail = [m for m in _mentions(text, q_end, sent_end, speaker) if not m.possessive]
    # The attribution right after the quote (",” said Maduro", ",” Trump told reporters")
    # is the most direct; a pronoun first (",” he told Trump") hands over to the lead-in.
    if trail and (trail[0].start - q_end > 80 or _PRONOUN.search(text, q_end, trail[0].start)):
        trail = []
    chosen = _attributed(text, trail) or _attributed(text, lead)
    if chosen is not None:
        return chosen if chosen.key == "" else None
    pieces = _intervals_outside_quotes(text, sent_start, q_start)
    pieces += _intervals_outside_quotes(text, q_end, sent_end)
    around = " ".join(text[a:b] for a, b in pieces)
    if _SPEECH.search(around) and not _PRONOUN.search(around):
        return None  # "officials said": no person to carry over from earlier sentences
    if speaker.is_role:
        return None  # a role must stand in the clause itself
    for back in range(k - 1, max(-1, k - 4), -1):
        s, e = starts[back], starts[back + 1]
        before = _mentions(text, s, min(e, s + _CLAUSE), speaker)
        # The subject is usually the first person named, and not as a possessive -- unless
        # only possessives are there ("Maduro’s rhetoric has become defiant. He ...").
        named = [m for m in before if not m.possessive] or before
        if named:
            return named[0] if named[0].key == "" else None
    return None


def _attributed(text: str, named: list[_Mention]) -> _Mention | None:
    """Of the persons named in a clause, the one a speech verb attaches to ("Maduro has
    said", "said Padrino"), else the first: the subject comes first in news copy."""
    for m in named:
        if (
            _SPEECH_AFTER.match(text, m.end)
            or _APPOSITIVE_SPEECH.match(text, m.end)
            or _SPEECH_BEFORE.search(text, max(0, m.start - 16), m.start)
        ):
            return m
    return named[0] if named else None


def _find_all(
    haystack: str, needle: str, start: int = 0, end: int | None = None, limit: int = 64
) -> list[int]:
    """Offsets (at most ``limit``) of ``needle`` in ``haystack`` on word boundaries."""
    hits: list[int] = []
    if not needle:
        return hits
    stop = len(haystack) if end is None else end
    i = haystack.find(needle, start, stop)
    while i >= 0 and len(hits) < limit:
        j = i + len(needle)
        left_ok = i == 0 or not (haystack[i - 1].isalnum() and needle[0].isalnum())
        right_ok = j >= len(haystack) or not (haystack[j].isalnum() and needle[-1].isalnum())
        if left_ok and right_ok:
            hits.append(i)
        i = haystack.find(needle, i + 1, stop)
    return hits


# --------------------------------------------------------------------------- the check


class QuoteVerdict(StrEnum):
    """What the sources say about a quote; see the module docstring for precedence."""

    VERBATIM = "verbatim"
    VARIANT = "variant"
    NOT_FOUND = "not_found"
    SPEAKER_UNCONFIRMED = "speaker_unconfirmed"


@dataclass(frozen=True, slots=True)
class QuoteCheck:
    """The verdict on one quote, with the evidence a reader can highlight."""

    verdict: QuoteVerdict
    #: Where the quote is in the source (first to last fragment); None when not found.
    span: TextSpan | None
    #: One span per fragment of the quote (a quote without "..." has one).
    fragments: list[TextSpan]
    #: What the source says at ``span``; for a rejected rendering (its figures or negation
    #: differ, or too many words are missing) the closest passage, with ``span`` None.
    source_text: str | None
    #: 1.0 for a verbatim match, the rendering's similarity for a variant, else the best seen.
    similarity: float
    #: The mention (name, surname or role) that confirms the speaker; None if unconfirmed or
    #: no speaker was given.
    speaker_span: TextSpan | None
    #: One human sentence explaining the verdict.
    reason: str

    @property
    def confirmed(self) -> bool:
        """Verbatim, and by the speaker when a speaker was given."""
        return self.verdict is QuoteVerdict.VERBATIM


_ELLIPSIS = re.compile(r"\s*[\[(]?\s*\.\s*\.\s*\.[.\s]*[\])]?\s*")


def _fragments(quote: str) -> list[str]:
    norm = _normalise(quote).text
    parts = (p.strip(_EDGE_PUNCT) for p in _ELLIPSIS.split(norm))
    return [p for p in parts if p]


def _verbatim(norm: _Normalised, frags: list[str]) -> list[list[tuple[int, int]]]:
    """Every placement (up to a few) of the fragments, in order, in one normalised source."""
    placements: list[list[tuple[int, int]]] = []
    for first in _find_all(norm.text, frags[0], limit=16):
        pos = first + len(frags[0])
        placed = [(first, pos)]
        for frag in frags[1:]:
            hits = _find_all(norm.text, frag, pos, limit=1)
            if not hits:
                break
            placed.append((hits[0], hits[0] + len(frag)))
            pos = hits[0] + len(frag)
        else:
            placements.append(placed)
    return placements


_STOPWORDS = _wordset(
    """
    the a an and or but of to in on at for with by from as is are was were be been being
    it its this that these those we our you your they their he she his her i me my not
    no have has had do does did will would can could should may might must so than then
    there here what which who whom whose when where why how all any very just now also
    about into over under up down out if because while
    """
)
_NEGATIONS = _wordset("not no never nor nothing nobody none neither without cannot")


def _content_words(norm_text: str) -> set[str]:
    return {w for w in _WORD.findall(norm_text) if len(w) > 2 and w not in _STOPWORDS}


@dataclass(frozen=True, slots=True)
class _Units:
    """Sentences and quoted passages of one source, indexed by their content words."""

    bounds: list[tuple[int, int, bool]]  # normalised [start, end), inside quotation marks
    by_word: dict[str, list[int]]


def _unit_bounds(text: str, norm: _Normalised) -> list[tuple[int, int, bool]]:
    bounds: list[tuple[int, int, bool]] = []
    for qs, qe in _quotation_bounds(text):
        bounds.append((norm.to_norm(qs), norm.to_norm(qe), True))
    starts = _sentence_starts(text)
    for k, s in enumerate(starts):
        e = starts[k + 1] if k + 1 < len(starts) else len(text)
        bounds.append((norm.to_norm(s), norm.to_norm(e), False))
    return bounds


def _index_units(norm: _Normalised, bounds: list[tuple[int, int, bool]]) -> _Units:
    by_word: dict[str, list[int]] = {}
    for u, (s, e, _) in enumerate(bounds):
        for w in _content_words(norm.text[s:e]):
            by_word.setdefault(w, []).append(u)
    return _Units(bounds, by_word)


@dataclass(frozen=True, slots=True)
class _Candidate:
    source: int
    start: int  # normalised offsets into the source
    end: int
    similarity: float
    quoted: bool
    blocked: str  # why a high-scoring rendering is still not the quote, or ""


_COMPARE_WORD = re.compile(r"\w+(?:'\w+)*")
_CONTRACTIONS = {"'re": "are", "'ve": "have", "'ll": "will", "'m": "am", "'d": "would"}
_NEGATED = {"can't": "can", "won't": "will", "cannot": "can", "shan't": "shall"}


def _compare_words(text: str) -> list[tuple[str, int, int]]:
    """Words to compare renderings on, with their offsets in ``text``: punctuation dropped and
    contractions expanded, since one outlet's "we’ve" is another's "we have"."""
    out: list[tuple[str, int, int]] = []
    for m in _COMPARE_WORD.finditer(text):
        w, s, e = m.group(), m.start(), m.end()
        tail = w[w.find("'") :] if "'" in w else ""
        if w in _NEGATED or w.endswith("n't"):
            out += [(_NEGATED.get(w, w[:-3]), s, e), ("not", s, e)]
        elif tail in _CONTRACTIONS:
            out += [(w[: -len(tail)], s, e), (_CONTRACTIONS[tail], s, e)]
        else:
            out.append((w, s, e))
    return out


def _similarity(q: list[str], w: list[str]) -> float:
    """Mean of character similarity (catches inflections, "fewer"/"less") and word-sequence
    similarity (keeps a shared long word from outweighing a changed short one)."""
    chars = fuzz.ratio(" ".join(q), " ".join(w)) / 100
    return (chars + Indel.normalized_similarity(q, w)) / 2


def _best_window(q: list[str], unit: list[tuple[str, int, int]]) -> tuple[float, int, int]:
    """Best similarity of ``q`` to a run of ``unit``'s words: (score, first, last + 1)."""
    n, size = len(unit), len(q)
    if n == 0 or size == 0:
        return 0.0, 0, 0
    words = [w for w, _, _ in unit]
    if n <= size * 1.3 + 1:
        return _similarity(q, words), 0, n
    lo, hi = 0, n
    if n > size * 3 + 10:
        # A long sentence: let rapidfuzz find the region first, then align words only there.
        offsets: list[int] = []
        pos = 0
        for w in words:
            offsets.append(pos)
            pos += len(w) + 1
        joined = " ".join(words)
        align = fuzz.partial_ratio_alignment(" ".join(q), joined)
        if align is not None:
            lo = max(0, bisect.bisect_right(offsets, align.dest_start) - 1 - size)
            hi = min(n, bisect.bisect_left(offsets, align.dest_end) + size)
    wanted = set(q)
    # Windows start and end at (or next to) words the quote uses; their length stays within
    # what a rendering adds or drops (about half the quote either way).
    anchors = [i for i in range(lo, hi) if words[i] in wanted]
    starts = sorted({max(lo, i - d) for i in anchors for d in (0, 1)} | {lo})
    ends = sorted({min(hi, i + d) for i in anchors for d in (1, 2)} | {hi})
    shortest, longest = max(1, size // 2), size + size // 2 + 2
    best = (0.0, 0, n)
    for i in starts:
        for j in ends:
            if shortest <= j - i <= longest:
                score = _similarity(q, words[i:j])
                if score > best[0]:
                    best = (score, i, j)
    return best


def _negations(words: Iterable[str]) -> set[str]:
    return set(words) & _NEGATIONS


def _numbers(text: str) -> list[str]:
    return sorted(re.sub(r"[,\s]", "", d) for d in re.findall(r"\d[\d,.]*\d|\d", text))


def _variants(q: str, sources: Sequence[PreparedSource]) -> list[_Candidate]:
    words = _content_words(q) or set(_WORD.findall(q))
    q_words = [w for w, _, _ in _compare_words(q)]
    found: list[_Candidate] = []
    for index, source in enumerate(sources):
        units = source.units
        norm = source.norm
        shared: dict[int, int] = {}
        for w in words:
            for u in units.by_word.get(w, ()):
                shared[u] = shared.get(u, 0) + 1
        # Only passages sharing the most words with the quote are aligned: rapidfuzz over
        # every window of a long article would be quadratic.
        for u in sorted(shared, key=lambda u: (-shared[u], u))[:10]:
            s, e, quoted = units.bounds[u]
            unit = _compare_words(norm.text[s:e])
            score, i, j = _best_window(q_words, unit)
            if j <= i:
                continue
            start, end = s + unit[i][1], s + unit[j - 1][2]
            window = norm.text[start:end]
            blocked = ""
            if _numbers(q) != _numbers(window):
                blocked = "its figures differ"
            elif _negations(q_words) != _negations(w for w, _, _ in unit[i:j]):
                blocked = "its negation differs"
            window_words = [w for w, _, _ in unit[i:j]]
            if LCSseq.similarity(q_words, window_words) < MIN_COVERAGE * len(q_words):
                # Similar-sounding but a different sentence: "we shall fight in the fields"
                # for "on the beaches", "the Fed ... support the economy" for "the ECB ...".
                blocked = blocked or "too many of the quote's words are not there"
            found.append(_Candidate(index, start, end, score, quoted, blocked))
    found.sort(key=lambda c: (-c.similarity, not c.quoted))
    return found


def _span(sources: Sequence[str], index: int, start: int, end: int) -> TextSpan:
    return TextSpan(index, start, end, sources[index][start:end])


def _speaker_span(sources: Sequence[str], index: int, m: _Mention | None) -> TextSpan | None:
    return None if m is None else _span(sources, index, m.start, m.end)


def verify_quote(
    quote: str,
    speaker: str | None,
    sources: str | PreparedSource | Sequence[str | PreparedSource],
) -> QuoteCheck:
    """Check ``quote``, attributed to ``speaker``, against ``sources`` (one text or several).

    Spans index into ``sources`` (0 for a single source). ``speaker`` None skips the
    attribution check. A source may be given as a :class:`PreparedSource` of its text, with
    the same result: it only saves preparing the text again. Never raises on any text.
    """
    given = [sources] if isinstance(sources, str | PreparedSource) else sources
    prepared = [_as_prepared(s) for s in given]
    texts: list[str] = [p.text for p in prepared]
    frags = _fragments(quote)
    if not frags:
        return _check(QuoteVerdict.NOT_FOUND, reason="The quote has no words to check.")
    who = _parse_speaker(speaker) if speaker else None

    misattributed: QuoteCheck | None = None
    for index, text in enumerate(texts):
        norm = prepared[index].norm
        for placed in _verbatim(norm, frags):
            pieces = [_span(texts, index, *norm.original(s, e)) for s, e in placed]
            whole = _span(texts, index, pieces[0].start, pieces[-1].end)
            found = f"The quote appears verbatim in source {index}"
            mention = None if who is None else _check_speaker(text, whole.start, whole.end, who)
            if who is None or mention is not None:
                by = f", attributed to {speaker}." if who else "."
                return _check(
                    QuoteVerdict.VERBATIM,
                    whole,
                    pieces,
                    1.0,
                    _speaker_span(texts, index, mention),
                    found + by,
                )
            if misattributed is None:
                misattributed = _check(
                    QuoteVerdict.SPEAKER_UNCONFIRMED,
                    whole,
                    pieces,
                    1.0,
                    reason=f"{found}, but {speaker} is not named near it.",
                )
    if misattributed is not None:
        return misattributed

    if len(frags) > 1:
        for index, source in enumerate(prepared):
            norm = source.norm
            if all(_find_all(norm.text, frag, limit=1) for frag in frags):
                # Every piece is there, just not in this order: a rearranged quote is a
                # misquote, however similar the words.
                return _check(
                    QuoteVerdict.NOT_FOUND,
                    reason=f"Source {index} has every fragment of the quote, but in another order.",
                )
    candidates = _variants(" ".join(frags), prepared)
    blocked: QuoteCheck | None = None
    for c in candidates:
        if c.similarity < (VARIANT_THRESHOLD if c.quoted else UNQUOTED_VARIANT_THRESHOLD):
            break  # sorted best first
        norm = prepared[c.source].norm
        span = _span(texts, c.source, *norm.original(c.start, c.end))
        if c.blocked:
            if blocked is None:
                blocked = QuoteCheck(
                    QuoteVerdict.NOT_FOUND,
                    None,
                    [],
                    span.text,
                    c.similarity,
                    None,
                    f"The closest passage (source {c.source}) is not the quote: {c.blocked}.",
                )
            continue
        mention = (
            None if who is None else _check_speaker(texts[c.source], span.start, span.end, who)
        )
        rendering = f"Source {c.source} has a different rendering (similarity {c.similarity:.2f})"
        if who is None or mention is not None:
            return _check(
                QuoteVerdict.VARIANT,
                span,
                [span],
                c.similarity,
                _speaker_span(texts, c.source, mention),
                rendering + ".",
            )
        if misattributed is None:
            misattributed = _check(
                QuoteVerdict.SPEAKER_UNCONFIRMED,
                span,
                [span],
                c.similarity,
                reason=f"{rendering}, but {speaker} is not named near it.",
            )
    if misattributed is not None:
        return misattributed
    if blocked is not None:
        return blocked
    best = candidates[0].similarity if candidates else 0.0
    if len(frags) > 1 and any(_verbatim(p.norm, frags[:1]) for p in prepared):
        reason = "The quote's fragments are not all in one source in this order."
    else:
        reason = "No source contains the quote or a near-identical rendering of it."
    return _check(QuoteVerdict.NOT_FOUND, similarity=best, reason=reason)


def _check(
    verdict: QuoteVerdict,
    span: TextSpan | None = None,
    fragments: list[TextSpan] | None = None,
    similarity: float = 0.0,
    speaker_span: TextSpan | None = None,
    reason: str = "",
) -> QuoteCheck:
    return QuoteCheck(
        verdict=verdict,
        span=span,
        fragments=fragments or [],
        source_text=None if span is None else span.text,
        similarity=similarity,
        speaker_span=speaker_span,
        reason=reason,
    )
