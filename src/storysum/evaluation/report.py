"""What ``storysum eval`` prints: a short table, or the whole outcome as JSON.

The table has one row per metric and one column per story (plus ``all``, the stories
pooled, when there are several): rates as ``0.86 12/14``, counts of failures as
``0 of 97`` (failures of the items checked). A value that fails its threshold is red and
marked ``✗``. ``--json`` writes every metric with its hits and totals, what each metric
missed (``details``), the pooled metrics, failed thresholds and missing briefs.
"""

from __future__ import annotations

import json
from typing import Any

from rich.console import Console
from rich.table import Table

from .metrics import METRICS, Metric, pooled
from .runner import Outcome


def _cell(metric: Metric, failed: bool) -> str:
    if metric.value is None:
        text = "n/a"
    elif metric.goal == "max":
        text = f"{metric.hits} of {metric.total}"
    else:
        text = f"{metric.value:.2f} {metric.hits}/{metric.total}"
    return f"[red]{text} ✗[/]" if failed else text


def table(outcome: Outcome) -> Table:
    failed = {(f.story, f.metric) for f in outcome.failures}
    grid = Table("metric", *(r.story for r in outcome.results), title="storysum eval")
    many = len(outcome.results) > 1
    overall = pooled(outcome.results) if many else {}
    if many:
        grid.add_column("all")
    for name in METRICS:
        row = [_cell(r.metrics[name], (r.story, name) in failed) for r in outcome.results]
        if many:
            row.append(_cell(overall[name], False))
        grid.add_row(name, *row)
    return grid


def print_table(outcome: Outcome, console: Console) -> None:
    if outcome.results:
        console.print(table(outcome))


def to_json(outcome: Outcome) -> str:
    data: dict[str, Any] = {
        "stories": [r.model_dump(mode="json") for r in outcome.results],
        "overall": {k: m.model_dump(mode="json") for k, m in pooled(outcome.results).items()},
        "thresholds": None if not outcome.checked_thresholds else {
            "passed": not outcome.failures,
            "failed": [
                {"story": f.story, "metric": f.metric, "value": f.value, "bound": f.bound,
                 "message": f.line()}
                for f in outcome.failures
            ],
        },
        "missing": outcome.missing,
        "warnings": outcome.warnings,
    }
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"
