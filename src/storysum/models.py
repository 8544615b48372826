"""The data that flows between stages: articles, chunks, the LLM-filled schema, the Brief.

Every item that claims to come from a source carries a ``Span`` into the *original* text of
an article, or a verdict that says why it has none.
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

SCHEMA_VERSION = "2"


class Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


# --- sources -----------------------------------------------------------------------------


class Span(Frozen):
    """``text[start:end]`` of one article's original text."""

    article_id: str = Field(description="Id of the article the span points into.")
    start: int = Field(ge=0, description="Offset of the first character in the original text.")
    end: int = Field(ge=0, description="Offset just past the last character.")
    text: str = Field(description="The original text of the span, verbatim.")


class Article(Frozen):
    """One article as read: its original text and the regions of it that are the story."""

    id: str = Field(description="Stable id: a hash of the original text.")
    source: str = Field(description="Where it was read from: a path, or path:line for JSONL.")
    outlet: str = Field(description="Who published it, from metadata or the file name.")
    title: str | None = None
    url: str | None = None
    published: str | None = None
    text: str = Field(description="The original text, exactly as read (HTML: the extracted text).")
    segments: list[tuple[int, int]] = Field(
        description="Kept paragraphs as (start, end) offsets into text, in order; "
        "everything outside them is boilerplate."
    )
    dropped: int = Field(0, description="Characters of boilerplate removed.")

    def body(self) -> str:
        """The story text: kept paragraphs joined by blank lines."""
        return "\n\n".join(self.text[s:e] for s, e in self.segments)


class Chunk(Frozen):
    """A run of an article's kept text sized for one LLM call."""

    id: str = Field(description="article id, '#', index.")
    article_id: str
    index: int
    pieces: list[tuple[int, int]] = Field(
        description="(start, end) offsets into the article's original text; the chunk text "
        "is these slices joined by blank lines."
    )

    def texts(self, article: Article) -> list[str]:
        return [article.text[s:e] for s, e in self.pieces]

    def text(self, article: Article) -> str:
        return "\n\n".join(self.texts(article))

    @property
    def start(self) -> int:
        return self.pieces[0][0]

    @property
    def end(self) -> int:
        return self.pieces[-1][1]


# --- the schema the LLM fills ------------------------------------------------------------
# The field descriptions are the prompt: the model sees them as the tool's JSON Schema.
# Lists are capped because small models loop.


class ExtractedActor(Frozen):
    """A person or organisation that acts or speaks in the text."""

    name: str = Field(min_length=1, max_length=120, description="Name exactly as in the text.")
    role: str | None = Field(
        None, max_length=120, description="Their role or title as the text gives it, if any."
    )


class ExtractedFigure(Frozen):
    """A number the text states about the story."""

    value: str = Field(
        min_length=1,
        max_length=60,
        description="The number exactly as written in the text, e.g. '5,000' or '4.5 million'.",
    )
    counted: str = Field(
        min_length=1, max_length=120, description="What the number counts or measures."
    )
    unit: str | None = Field(None, max_length=40, description="Unit or currency, if any.")
    qualifier: str | None = Field(
        None, max_length=40, description="Word before the number such as 'over' or 'nearly'."
    )
    evidence: str = Field(
        min_length=1,
        max_length=300,
        description="The words of the text around the number, copied exactly.",
    )


class ExtractedQuote(Frozen):
    """Words inside quotation marks in the text, with who said them."""

    quote: str = Field(
        min_length=1, max_length=600, description="The quoted words, copied exactly."
    )
    speaker: str = Field(min_length=1, max_length=120, description="Who said them.")


class ExtractedClaim(Frozen):
    """A statement of fact the text makes about the story."""

    text: str = Field(
        min_length=1, max_length=2000, description="The claim, in the words of the text."
    )
    claimant: str | None = Field(
        None, max_length=120, description="Who makes the claim, if the text says."
    )


class ChunkExtraction(Frozen):
    """Everything the text says about the story: figures, quotes, claims, actors."""

    # Figures first: a small model gives its best attention to what it writes first. Every
    # list is required, so a grammar-constrained model cannot skip a kind by writing "{}".
    figures: list[ExtractedFigure] = Field(max_length=24, description="Every number stated.")
    quotes: list[ExtractedQuote] = Field(max_length=12, description="Words in quotation marks.")
    claims: list[ExtractedClaim] = Field(max_length=200, description="Statements of fact.")
    actors: list[ExtractedActor] = Field(max_length=24, description="People and organisations.")


# --- what the model writes ---------------------------------------------------------------
# The wire schema is compact on purpose: on a small local model, output tokens are the run's
# cost. The model refers to sentences and quotations by number instead of copying them, and
# leaves evidence, qualifiers and units to code; ``extraction.expand`` turns its answer into a
# ``ChunkExtraction`` with the text filled in from the chunk. Descriptions are the prompt.
# Claims are not asked of the model: every statement of the text goes into the claim ledger
# (``extraction.is_statement``), with its claimant found by code among the model's actors. A
# model asked to pick them (or to set some aside) picked runs of sentence numbers, not
# claims, and lost single-source claims; see the README's "Extraction" notes.


class FactFigure(Frozen):
    value: str = Field(
        min_length=1, max_length=40, description="The number exactly as written: '5,000'."
    )
    counts: str = Field(min_length=1, max_length=40, description="What it counts, in 1-3 words.")


class FactQuote(Frozen):
    quotation: int = Field(ge=1, le=99, description="Its number in the Quotations list.")
    speaker: str = Field(min_length=1, max_length=80, description="Who said it.")


class ChunkFacts(Frozen):
    """The facts of the numbered text."""

    figures: list[FactFigure] = Field(max_length=24)
    quotes: list[FactQuote] = Field(max_length=12)
    actors: list[str] = Field(max_length=12, description="Names of people and organisations.")


# --- verdicts ----------------------------------------------------------------------------


class Verdict(StrEnum):
    """What the validator found for one extracted item."""

    VERIFIED = "verified"  # stated in the source: exact, equivalent or a faithful rounding
    MISMATCH = "mismatch"  # the source speaks of it with another number
    UNSUPPORTED = "unsupported"  # nothing in the source supports it
    VARIANT = "variant"  # a quote the source renders in other words
    SPEAKER_UNCONFIRMED = "speaker-unconfirmed"  # the words are there, the speaker is not

    @property
    def accepted(self) -> bool:
        return self is Verdict.VERIFIED


class Usage(Frozen):
    prompt_tokens: int = 0
    completion_tokens: int = 0
    calls: int = Field(0, description="HTTP calls made, retries and re-asks included.")

    def __add__(self, other: Usage) -> Usage:
        return Usage(
            prompt_tokens=self.prompt_tokens + other.prompt_tokens,
            completion_tokens=self.completion_tokens + other.completion_tokens,
            calls=self.calls + other.calls,
        )


# --- the brief ---------------------------------------------------------------------------


class Source(Frozen):
    """One article's support for an item."""

    article_id: str
    outlet: str
    span: Span
    verdict: str = Field(description="How the source states it: exact, equivalent, verbatim, ...")
    found_by: str = Field(
        description="'model' when the model extracted it from this article, 'scan' when the "
        "validator found it there by itself."
    )
    qualifier: str | None = Field(
        None, description="For figures: how this source bounds the number (over, about, ...)."
    )


class Support(StrEnum):
    CORROBORATED = "corroborated"  # stated by two or more articles
    SINGLE_SOURCE = "single-source"


class BriefFigure(Frozen):
    """One number about one thing, with every article that states it."""

    value: str = Field(description="The number as the sources write it (most common form).")
    normalized: str = Field(description="Its exact value, scale applied, as a decimal string.")
    kind: str = Field(description="cardinal, money, percent, measure, date, ...")
    counted: str = Field(description="What it counts or measures.")
    unit: str | None = Field(None, description="Unit or currency code.")
    verdict: Verdict = Field(description="Always verified: the brief shows no other figure.")
    support: Support
    extracted: bool = Field(
        description="True when the model extracted it; false when only the validator's scan of "
        "the sources found it."
    )
    sources: list[Source] = Field(description="Every article that states it, with its span.")

    @property
    def outlets(self) -> list[str]:
        return sorted({s.outlet for s in self.sources})


class DiscrepancyKind(StrEnum):
    CONFLICT = "conflict"  # different values for the same thing
    ROUNDING = "rounding"  # one value is a rounding of the other
    SCOPE = "scope"  # different period or population
    QUALIFIER = "qualifier"  # same number, bounded differently ("over 8 million" vs "8 million")


class DiscrepancyValue(Frozen):
    value: str = Field(description="The value as these sources write it.")
    normalized: str
    qualifier: str | None = None
    outlets: list[str]
    sources: list[Source]


class Discrepancy(Frozen):
    """Where sources disagree about one thing, with both sides and their spans."""

    kind: DiscrepancyKind
    counted: str = Field(description="What the disagreeing values count or measure.")
    values: list[DiscrepancyValue] = Field(min_length=2)
    note: str = Field(description="One sentence saying what differs.")


class BriefActor(Frozen):
    name: str = Field(description="The fullest name any source uses.")
    aliases: list[str] = Field(description="Other names the sources and the model use.")
    roles: list[str] = Field(description="Roles or titles given for them.")
    mentions: list[Span] = Field(description="Every mention found, in every article.")
    outlets: list[str]


class BriefQuote(Frozen):
    quote: str = Field(description="The words, as the first source renders them.")
    speaker: str
    verdict: Verdict
    support: Support
    sources: list[Source] = Field(description="Every article that carries these exact words.")


class QuoteRendering(Frozen):
    text: str
    outlets: list[str]
    sources: list[Source]


class QuoteVariant(Frozen):
    """One quote rendered in different words by different outlets."""

    speaker: str
    renderings: list[QuoteRendering] = Field(min_length=2)
    similarity: float = Field(description="How alike the renderings are, 0 to 1.")


class BriefClaim(Frozen):
    """One entry of the claim ledger: a claim and the outlets that carry it."""

    text: str = Field(description="The claim as the model stated it, grounded on its sources.")
    claimant: str | None
    verdict: Verdict
    support: Support
    outlets: list[str]
    sources: list[Source] = Field(description="The sentence of each article that states it.")


class RemovedSentence(Frozen):
    text: str
    reason: str


class Summary(Frozen):
    """A short narrative written by the model from verified items only, then checked."""

    sentences: list[str] = Field(description="The sentences that passed the check.")
    removed: list[RemovedSentence] = Field(description="Sentences dropped, with the reason.")


class Rejected(Frozen):
    """An extracted item that did not pass validation; kept so nothing disappears."""

    kind: str = Field(description="actor, figure, quote or claim.")
    item: str = Field(description="The item as the model gave it.")
    article_id: str
    outlet: str
    chunk_id: str
    verdict: Verdict
    reason: str
    span: Span | None = Field(None, description="Where the source speaks of it, if anywhere.")


class Failure(Frozen):
    """Something that could not be processed: an unreadable article or a failed chunk."""

    stage: str = Field(description="ingest or extract.")
    subject: str = Field(description="The path or chunk id.")
    reason: str


class ArticleRef(Frozen):
    """An article as the brief cites it; ``text`` is what every span points into."""

    id: str
    source: str
    outlet: str
    title: str | None
    url: str | None = None
    published: str | None = None
    chars: int
    kept_chars: int
    chunks: int
    text: str = Field(description="The original text; spans are offsets into it.")
    segments: list[tuple[int, int]] = Field(description="The kept (non-boilerplate) regions.")


class RunFacts(Frozen):
    model: str
    backend: str
    prompt_version: str
    schema_version: str = SCHEMA_VERSION
    articles: int
    chunks: int
    calls: int
    prompt_tokens: int
    completion_tokens: int
    seconds: float
    verified: int
    rejected: int
    failed_chunks: int
    cache_hits: int = Field(0, description="Chunks answered from the cache, with no call.")
    retries: int = Field(
        0, description="Extraction calls beyond one per chunk sent: retries and re-asks."
    )
    cost_usd: float | None = Field(
        None, description="Estimated from the price table, when the model is listed in one."
    )


class Brief(Frozen):
    """The consolidated, checked brief of one story."""

    schema_version: str = SCHEMA_VERSION
    summary: Summary | None = Field(None, description="None when no summary was asked for.")
    articles: list[ArticleRef]
    figures: list[BriefFigure]
    discrepancies: list[Discrepancy]
    actors: list[BriefActor]
    quotes: list[BriefQuote]
    quote_variants: list[QuoteVariant]
    claims: list[BriefClaim]
    rejected: list[Rejected]
    failures: list[Failure]
    notices: list[str] = Field(
        default_factory=list,
        description="Processed, but worth knowing: duplicates skipped, non-English text, "
        "text addressed to the model left out.",
    )
    run: RunFacts
