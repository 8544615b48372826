"""Merge throughput on synthetic multi-outlet stories: seconds per thousand items.

    python bench/merge.py [--items 10000]

Builds articles from templated news sentences (names, counts, quotes, claims) and the validated
items a model would have extracted from them, then times ``merging.merge`` at 1/10, 1/2 and the
full size, measured side by side in one run. The target: well under a second per thousand
items, and time per item roughly flat as the input grows (no quadratic blow-up).
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))

from storysum.articles import make_article
from storysum.merging import merge
from storysum.models import (
    ExtractedActor,
    ExtractedClaim,
    ExtractedFigure,
    ExtractedQuote,
    Span,
    Verdict,
)
from storysum.validation import Checked

FIRST = ["Ana", "Luis", "Maria", "John", "Wei", "Fatima", "Olga", "Pedro", "Amir", "Grace"]
LAST = [
    "Ruiz",
    "Chen",
    "Okafor",
    "Novak",
    "Haddad",
    "Silva",
    "Kowalski",
    "Tanaka",
    "Berg",
    "Mensah",
]
NOUNS = [
    "troops",
    "residents",
    "vehicles",
    "homes",
    "schools",
    "workers",
    "boats",
    "flights",
    "patients",
    "voters",
    "tons of grain",
    "barrels of oil",
]
PLACES = ["the capital", "the north", "the coast", "the border region", "the port", "the valley"]


SYLLABLES = [
    "ka",
    "lo",
    "mi",
    "ren",
    "tas",
    "vo",
    "dre",
    "pol",
    "sun",
    "gar",
    "tel",
    "bri",
    "mon",
    "fe",
    "zu",
    "lan",
    "dor",
    "sha",
]


def lexicon(rng: random.Random, size: int = 3000) -> list[str]:
    words: set[str] = set()
    while len(words) < size:
        words.add("".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 3))))
    return sorted(words)


def build(n_items: int, seed: int = 7) -> tuple[list, list]:
    """Articles as a story's coverage looks: shared names and counts, wire quotes repeated
    across outlets (some reworded), each outlet's own quotes otherwise."""
    rng = random.Random(seed)
    words = lexicon(rng)
    pool: list[str] = []
    n_articles = max(5, n_items // 50)
    articles, items = [], []
    for a in range(n_articles):
        lines, plan = [], []
        for _ in range(12):
            who = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
            count = rng.choice([120, 450, 1200, 5000, 12000, 48000]) * rng.choice([1, 1, 2])
            noun = rng.choice(NOUNS)
            place = rng.choice(PLACES)
            roll = rng.random()
            if pool and roll < 0.3:
                quote = rng.choice(pool)  # wire copy: the same words in another outlet
            elif pool and roll < 0.4:
                parts = rng.choice(pool).split()
                parts[rng.randrange(len(parts))] = rng.choice(words)  # reworded
                quote = " ".join(parts)
            else:
                quote = "We " + " ".join(rng.choice(words) for _ in range(10))
                pool.append(quote)
            lines.append(
                f"Officials said {count:,} {noun} were affected in {place} on Monday, "
                f"according to {who}. “{quote},” {who.split()[1]} said."
            )
            plan.append((who, count, noun, quote, place))
        text = "\n\n".join(lines)
        article = make_article(text, source=f"a{a}.txt", outlet=f"Outlet {a % 40}")
        articles.append(article)
        for who, count, noun, quote, place in plan:
            if len(items) >= n_items:
                break
            at = text.find(f"{count:,} {noun}")
            num = f"{count:,}"
            span = Span(article_id=article.id, start=at, end=at + len(num), text=num)
            qa = text.find(quote)
            qspan = Span(article_id=article.id, start=qa, end=qa + len(quote), text=quote)
            wa = text.find(who)
            wspan = Span(article_id=article.id, start=wa, end=wa + len(who), text=who)
            sa = text.rfind("Officials said", 0, at + 1)
            claim = f"{num} {noun} were affected in {place}."
            cspan = Span(article_id=article.id, start=sa, end=sa + 60, text=text[sa : sa + 60])
            items += [
                Checked(
                    "figure",
                    ExtractedFigure(value=num, counted=noun, evidence=num),
                    article,
                    "c",
                    Verdict.VERIFIED,
                    "",
                    span,
                    "exact",
                    None,
                ),
                Checked(
                    "actor",
                    ExtractedActor(name=who),
                    article,
                    "c",
                    Verdict.VERIFIED,
                    "",
                    wspan,
                    "named",
                ),
                Checked(
                    "quote",
                    ExtractedQuote(quote=quote, speaker=who),
                    article,
                    "c",
                    Verdict.VERIFIED,
                    "",
                    qspan,
                    "verbatim",
                ),
                Checked(
                    "claim",
                    ExtractedClaim(text=claim),
                    article,
                    "c",
                    Verdict.VERIFIED,
                    "",
                    cspan,
                    "grounded",
                ),
            ]
    return items[:n_items], articles


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--items", type=int, default=10_000)
    args = parser.parse_args()
    rows = []
    for n in (args.items // 10, args.items // 2, args.items):
        items, articles = build(n)
        started = time.perf_counter()
        merged = merge(items, articles)
        seconds = time.perf_counter() - started
        rows.append((n, len(articles), seconds, len(merged.figures), len(merged.claims)))
    print(
        f"{'items':>7} {'articles':>8} {'seconds':>8} {'s/1000 items':>13} {'figures':>8} {'claims':>7}"
    )
    for n, arts, sec, figs, claims in rows:
        print(f"{n:>7} {arts:>8} {sec:>8.2f} {sec / n * 1000:>13.3f} {figs:>8} {claims:>7}")
    base = rows[0][2] / rows[0][0]
    print(
        f"per-item cost at full size / at 1/10 size: {rows[-1][2] / rows[-1][0] / base:.2f}x "
        "(1.0 = linear)"
    )


if __name__ == "__main__":
    main()
