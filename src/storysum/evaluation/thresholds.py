"""Quality gates: a JSON file of metric -> bound, checked against each story's scores.

```json
{
  "unverified_as_verified": 0,
  "boilerplate_leaks": 0,
  "stories": {"seeds": {"figure_recall": 0.95, "quote_recall": 0.8}}
}
```

Top-level metric entries apply to every story; ``stories`` overrides or adds entries for
one story (named by its gold file's stem). For a rate (goal ``min``) the bound is a
minimum; for a count of failures (goal ``max``: ``unverified_as_verified``,
``boilerplate_leaks``) it is a maximum. Keys starting with ``_`` are comments. A metric
that is n/a for a story (nothing to score: no gold quotes, say) is not checked. A file that
names an unknown metric, or gives a bound that is not a number in range, is refused with
one line (``ConfigError``, exit code 2).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import ConfigError
from .metrics import METRICS, StoryResult

Bounds = dict[str, float]


@dataclass(frozen=True, slots=True)
class Thresholds:
    default: Bounds
    stories: dict[str, Bounds]

    def for_story(self, story: str) -> Bounds:
        return {**self.default, **self.stories.get(story, {})}


@dataclass(frozen=True, slots=True)
class Failure:
    story: str
    metric: str
    value: float
    bound: float

    def line(self) -> str:
        goal = METRICS[self.metric][0]
        if goal == "max":
            return (f"{self.story}: {self.metric} is {self.value:g}, more than the maximum "
                    f"{self.bound:g}")
        return (f"{self.story}: {self.metric} is {self.value:.3f}, below the minimum "
                f"{self.bound:g}")


def _bounds(raw: Any, where: str, name: str) -> Bounds:
    if not isinstance(raw, dict):
        raise ConfigError(f"{name}: {where.rstrip('.')} must be an object of metric -> bound")
    out: Bounds = {}
    for metric, bound in raw.items():
        if metric.startswith("_"):
            continue
        if metric not in METRICS:
            raise ConfigError(f"{name}: {where}unknown metric {metric!r} "
                              f"(one of {', '.join(METRICS)})")
        if isinstance(bound, bool) or not isinstance(bound, int | float):
            raise ConfigError(f"{name}: {where}{metric}: the bound must be a number, "
                              f"not {bound!r}")
        if METRICS[metric][0] == "min" and not 0 <= bound <= 1:
            raise ConfigError(f"{name}: {where}{metric}: a rate's minimum is between 0 and 1")
        if bound < 0:
            raise ConfigError(f"{name}: {where}{metric}: a count's maximum is 0 or more")
        out[metric] = float(bound)
    return out


def parse_thresholds(text: str, name: str) -> Thresholds:
    try:
        raw = json.loads(text)
    except ValueError as exc:
        raise ConfigError(f"{name}: not JSON ({exc})") from None
    if not isinstance(raw, dict):
        raise ConfigError(f"{name}: a thresholds file is a JSON object of metric -> bound")
    stories_raw = raw.pop("stories", {})
    if not isinstance(stories_raw, dict):
        raise ConfigError(f"{name}: stories must be an object of story -> thresholds")
    stories = {story: _bounds(b, f"stories.{story}.", name) for story, b in stories_raw.items()}
    return Thresholds(_bounds(raw, "", name), stories)


def load_thresholds(path: Path) -> Thresholds:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = "no such file" if isinstance(exc, FileNotFoundError) else f"cannot read ({exc})"
        raise ConfigError(f"{path}: {reason}") from None
    return parse_thresholds(text, str(path))


def check(results: list[StoryResult], thresholds: Thresholds) -> list[Failure]:
    """Every (story, metric) whose value is on the wrong side of its bound, in the order of
    ``METRICS``."""
    failures: list[Failure] = []
    for result in results:
        bounds = thresholds.for_story(result.story)
        for metric in (m for m in METRICS if m in bounds):
            bound = bounds[metric]
            value = result.metrics[metric].value
            if value is None:
                continue
            goal = METRICS[metric][0]
            if (goal == "min" and value < bound) or (goal == "max" and value > bound):
                failures.append(Failure(result.story, metric, value, bound))
    return failures
