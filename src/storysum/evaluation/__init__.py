"""The evaluation harness: a brief scored against a hand-written gold file.

``storysum eval GOLD BRIEF`` (or two directories) runs it; see each module for the exact
rules:

- ``gold``: the gold format (``gold/FORMAT.md``) as pydantic models, and its loader;
- ``matching``: how values, counted things, names, quotes and articles are recognised;
- ``metrics``: the scores and their definitions; ``recheck``: unverified numbers
  presented as verified;
- ``thresholds``: the quality gates; ``runner``: pairing files and one run;
  ``report``: the table and the JSON.
"""

from __future__ import annotations

from .gold import Gold, GoldError, load_gold, missing_articles, parse_gold
from .metrics import METRICS, Metric, StoryResult, evaluate, pooled
from .runner import Outcome, load_brief, run_eval
from .thresholds import Thresholds, check, load_thresholds, parse_thresholds

__all__ = [
    "METRICS",
    "Gold",
    "GoldError",
    "Metric",
    "Outcome",
    "StoryResult",
    "Thresholds",
    "check",
    "evaluate",
    "load_brief",
    "load_gold",
    "load_thresholds",
    "missing_articles",
    "parse_gold",
    "parse_thresholds",
    "pooled",
    "run_eval",
]
