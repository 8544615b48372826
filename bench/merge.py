"""Merge throughput on synthetic multi-outlet stories: seconds per thousand items.

    python bench/merge.py [--items 10000]      (or as one row of: python -m bench)

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
from typing import Any

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
DEFAULT_ITEMS = 10_000
TARGET_S_PER_1000 = 1.0  # "well under a second per thousand items"

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


def run(n_items: int = DEFAULT_ITEMS) -> dict[str, Any]:
    """Time ``merge`` at 1/10, 1/2 and all of ``n_items``; return the numbers (nothing printed).

    ``rows`` holds, per size, the items, articles, seconds, seconds per 1,000 items and what
    came out; ``per_item_ratio`` is the per-item cost at full size over that at 1/10 size
    (1.0 = linear).
    """
    rows: list[dict[str, Any]] = []
    for n in (n_items // 10, n_items // 2, n_items):
        items, articles = build(n)
        started = time.perf_counter()
        merged = merge(items, articles)
        seconds = time.perf_counter() - started
        rows.append({
            "items": len(items),
            "articles": len(articles),
            "seconds": seconds,
            "s_per_1000": seconds / max(1, len(items)) * 1000,
            "figures": len(merged.figures),
            "claims": len(merged.claims),
        })
    return {
        "rows": rows,
        "s_per_1000_at_full": rows[-1]["s_per_1000"],
        "per_item_ratio": rows[-1]["s_per_1000"] / rows[0]["s_per_1000"],
        "target_s_per_1000": TARGET_S_PER_1000,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--items", type=int, default=DEFAULT_ITEMS)
    args = parser.parse_args()
    result = run(args.items)
    print(f"{'items':>7} {'articles':>8} {'seconds':>8} {'s/1000 items':>13} "
          f"{'figures':>8} {'claims':>7}")
    for r in result["rows"]:
        print(f"{r['items']:>7} {r['articles']:>8} {r['seconds']:>8.2f} {r['s_per_1000']:>13.3f} "
              f"{r['figures']:>8} {r['claims']:>7}")
    print(
        f"per-item cost at full size / at 1/10 size: {result['per_item_ratio']:.2f}x "
        "(1.0 = linear)"
    )


if __name__ == "__main__":
    main()
