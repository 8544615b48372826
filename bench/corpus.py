"""Synthetic but realistic coverage of one story, built from the seed articles.

Each article starts from one seed (boilerplate, title and all, so ingest has real work to do)
and is then made its own:

* its paragraphs are a sample of the seed's, in order, with a paragraph or two borrowed from
  other seeds (wire copy) and a few new ones (officials quoted by name, counts, money,
  percentages and dates, from ``bench/validator.py``'s sentence generator);
* every number is rewritten: each distinct figure of the story gets one new value that most
  outlets repeat, and some outlets state another (a rounding, or a different count), which is
  what the merger's corroboration and discrepancy logic is for;
* the story's people get new names, the same across outlets, written in full or by surname.

The same ``seed`` always gives the same articles, and no two articles are the same text.
"""

from __future__ import annotations

import functools
import random
import re
from dataclasses import dataclass
from pathlib import Path

from bench.validator import prose_sentence, synthetic_sentence

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"

FIRST = ["Ana", "Luis", "Maria", "John", "Wei", "Fatima", "Olga", "Pedro", "Amir", "Grace",
         "Tomas", "Ines", "Kofi", "Sara", "Dmitri", "Lena", "Rafael", "Noor", "Hugo", "Mei"]
LAST = ["Ruiz", "Chen", "Okafor", "Novak", "Haddad", "Silva", "Kowalski", "Tanaka", "Berg",
        "Mensah", "Varga", "Lindqvist", "Moreau", "Castillo", "Osei", "Petrov", "Keane", "Abadi"]
TITLES = ["Interior Minister", "police spokesperson", "regional governor", "aid coordinator",
          "army chief", "opposition leader", "mayor", "UN envoy"]
VERBS = ["said", "told reporters", "said in a statement", "wrote on social media"]

# The seeds' people: (full name, surname); each gets one new name for the whole story.
CAST = [("Nicolás Maduro", "Maduro"), ("Donald Trump", "Trump"),
        ("Vladimir Padrino", "Padrino"), ("Gustavo Petro", "Petro")]

_NUMBER = re.compile(r"(?<![\w.])(\d{1,3}(?:,\d{3})+|\d+)(\.\d+)?(?![\w])")


@dataclass(frozen=True)
class Synthetic:
    name: str  # a file name: its stem is the outlet
    text: str


def _paragraphs(text: str) -> list[str]:
    return [p for p in re.split(r"\n\s*\n", text) if p.strip()]


def _variant(value: float, rng: random.Random) -> float:
    """Another outlet's version of a figure: a rounding, or a different count."""
    if rng.random() < 0.5 and value >= 100:
        step = 10 ** (len(str(int(value))) - 2)
        return round(value / step) * step
    return value * rng.choice([0.8, 0.9, 1.1, 1.25, 1.5])


def _format(value: float, like: str, decimals: str | None) -> str:
    if decimals:
        return f"{value:.{len(decimals) - 1}f}"
    number = max(1, round(value))
    return f"{number:,}" if "," in like or number >= 10_000 else str(number)


class Story:
    """The story-wide choices: new values for the seeds' figures, new names for its people."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.values: dict[str, float] = {}
        people = rng.sample([(f, la) for f in FIRST for la in LAST], len(CAST))
        self.names = {full: f"{f} {la}" for (full, _), (f, la) in zip(CAST, people, strict=True)}
        self.surnames = {sur: la for (_, sur), (_, la) in zip(CAST, people, strict=True)}

    def number(self, match: re.Match[str], outlet_rng: random.Random) -> str:
        whole, decimals = match.group(1), match.group(2)
        raw = whole.replace(",", "") + (decimals or "")
        value = float(raw)
        if 1900 <= value <= 2100 and not decimals and "," not in whole:
            return whole  # a year: left alone
        if raw not in self.values:
            self.values[raw] = value * self.rng.uniform(0.6, 1.6) if value > 3 else value
        new = self.values[raw]
        if outlet_rng.random() < 0.15:
            new = _variant(new, outlet_rng)
        return _format(new, whole, decimals)

    def rename(self, text: str, outlet_rng: random.Random) -> str:
        for full, new in self.names.items():
            # Some outlets give the full name every time, others the surname after the first.
            text = text.replace(full, new if outlet_rng.random() < 0.7 else new.split()[-1])
        for old, new in self.surnames.items():
            text = re.sub(rf"\b{re.escape(old)}\b", new, text)
        return text


QUOTES = [
    "We have sent {n} teams and more are on the way",
    "Nobody has shown us evidence for any of these claims",
    "There are {n} families waiting for an answer tonight",
    "This is a matter for the courts, not for the military",
    "We will not be intimidated by {n} ships off our coast",
    "Our people are calm, united and ready",
    "The talks failed after {n} hours because one side walked out",
]


def _official(rng: random.Random) -> str:
    name = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
    quote = rng.choice(QUOTES).format(n=rng.randint(2, 60))
    return f"“{quote},” {name}, the {rng.choice(TITLES)}, {rng.choice(VERBS)}."


def articles(n: int, seed: int = 2024) -> list[Synthetic]:
    """``n`` distinct articles about one story."""
    rng = random.Random(seed)
    seeds = [(p.stem, p.read_text(encoding="utf-8")) for p in sorted(SEEDS.glob("*.txt"))]
    if not seeds:
        raise FileNotFoundError(f"no seed articles in {SEEDS}")
    story = Story(rng)
    pool = [p for _, text in seeds for p in _paragraphs(text) if len(p.split()) >= 25]
    out: list[Synthetic] = []
    seen: set[str] = set()
    while len(out) < n:
        i = len(out)
        outlet_rng = random.Random(rng.random())
        _, base = seeds[i % len(seeds)]
        paragraphs = _paragraphs(base)
        kept = [p for p in paragraphs if len(p.split()) < 25 or outlet_rng.random() < 0.75]
        body_at = next((k for k, p in enumerate(kept) if len(p.split()) >= 25), len(kept))
        extra = [outlet_rng.choice(pool) for _ in range(outlet_rng.randint(0, 2))]
        extra += [_official(outlet_rng) for _ in range(outlet_rng.randint(1, 2))]
        extra += [" ".join(synthetic_sentence(outlet_rng) for _ in range(3))
                  for _ in range(outlet_rng.randint(1, 2))]
        for paragraph in extra:
            kept.insert(outlet_rng.randint(body_at + 1, max(body_at + 1, len(kept) - 2)),
                        paragraph)
        text = "\n\n".join(kept)
        text = _NUMBER.sub(functools.partial(story.number, outlet_rng=outlet_rng), text)
        text = story.rename(text, outlet_rng)
        if text in seen:
            continue
        seen.add(text)
        outlet = f"{i:04d}_outlet-{outlet_rng.randint(1, 120)}"
        out.append(Synthetic(name=f"{outlet}.txt", text=text))
    return out


def write(folder: Path, n: int, seed: int = 2024) -> list[Path]:
    """Write ``n`` articles into ``folder`` as .txt files; return their paths."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for article in articles(n, seed):
        path = folder / article.name
        path.write_text(article.text, encoding="utf-8")
        paths.append(path)
    return paths


def short_articles(n: int, seed: int = 7, chars: int = 900) -> list[Synthetic]:
    """``n`` distinct articles of one chunk each (under ``chars`` characters of story text)."""
    rng = random.Random(seed)
    out = []
    for i in range(n):
        sentences = [f"Report {i}: {_official(rng)}"]
        while sum(len(s) + 1 for s in sentences) < chars * 0.7:
            sentences.append(synthetic_sentence(rng) if rng.random() < 0.5
                             else prose_sentence(rng))
        out.append(Synthetic(name=f"short_{i:04d}.txt", text=" ".join(sentences)))
    return out
