"""Merge: validated items from every chunk and article -> one entry per thing.

    actors.py         one entry per person or organisation, mentions found in every article
    figures.py        every number grouped by what it counts; typed discrepancies
    claims.py         the claim ledger: equivalent claims clustered, outlets credited
    quotes.py         quotes merged across outlets; renderings in other words as variants
    rejected.py       what failed validation, with the reason

Deterministic: no LLM. Where the model missed an item in an article that states it, the
scans here credit that article anyway, since the evidence is located by code.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ..models import (
    Article,
    BriefActor,
    BriefClaim,
    BriefFigure,
    BriefQuote,
    Discrepancy,
    QuoteVariant,
    Rejected,
)
from ..validation import Checked
from .actors import merge_actors, name_key, name_tokens
from .claims import merge_claims
from .figures import merge_figures
from .quotes import merge_quotes
from .rejected import rejected
from .text import WordIndex


@dataclass(frozen=True)
class Merged:
    figures: list[BriefFigure]
    discrepancies: list[Discrepancy]
    actors: list[BriefActor]
    quotes: list[BriefQuote]
    quote_variants: list[QuoteVariant]
    claims: list[BriefClaim]
    rejected: list[Rejected]


def merge(items: Sequence[Checked], articles: Sequence[Article]) -> Merged:
    figures, discrepancies = merge_figures(items, articles)
    indexes = {a.id: WordIndex(a.text) for a in articles}
    actors = merge_actors(items, articles, indexes)
    quotes, variants = merge_quotes(items, articles, actors, indexes)
    return Merged(
        figures=figures,
        discrepancies=discrepancies,
        actors=actors,
        quotes=quotes,
        quote_variants=variants,
        claims=merge_claims(items, articles),
        rejected=rejected(items),
    )


__all__ = [
    "Merged",
    "merge",
    "merge_actors",
    "merge_claims",
    "merge_figures",
    "merge_quotes",
    "name_key",
    "name_tokens",
    "rejected",
]
