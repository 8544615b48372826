"""Run every benchmark and print one table of the ratios, all measured in this run.

    python -m bench [--quick] [--json FILE] [--embedded] [--only ROW,ROW]

Rows: validator, merge, pipeline, concurrency, tokens, embedded (the last only with
``--embedded``: it runs the embedded model on the seeds, 10 minutes or more). ``--quick``
runs small sizes, for a smoke test; its numbers are not the benchmark's. The exit code is 1
when a row failed to run, 0 otherwise (a missed target is a result, not an error).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
import traceback
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

ROWS = ("validator", "merge", "pipeline", "concurrency", "tokens", "embedded")


@dataclass
class Size:
    validator_bytes: int
    validator_repeat: int
    merge_items: int
    articles: int
    chunks: int
    latency: float


FULL = Size(validator_bytes=100_000, validator_repeat=3, merge_items=10_000, articles=1000,
            chunks=100, latency=0.5)
QUICK = Size(validator_bytes=10_000, validator_repeat=1, merge_items=1000, articles=20,
             chunks=10, latency=0.05)


@dataclass
class Metric:
    measure: str
    value: float | None
    unit: str = ""
    target: str | None = None
    met: bool | None = None
    note: str = ""


@dataclass
class Row:
    bench: str
    status: str = "ok"  # ok, skipped, error
    message: str = ""
    seconds: float = 0.0
    metrics: list[Metric] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    details: dict[str, Any] = field(default_factory=dict)


# --------------------------------------------------------------------------- the rows


def validator_row(size: Size) -> Row:
    from bench import validator

    r = validator.run(base_bytes=size.validator_bytes, repeat=size.validator_repeat)
    big = r["sizes"][100]
    target = r["targets"]
    rates = r["labelled"]["rates"]["all"]["storysum"]
    row = Row("validator", details=r)
    row.metrics = [
        Metric(f"throughput at 100x ({big['bytes'] / 1e6:.1f} MB)", big["storysum_mb_s"], "MB/s",
               f">= {target['mb_s']:g} MB/s", big["storysum_mb_s"] >= target["mb_s"]),
        Metric("throughput vs naive digit-set baseline", big["storysum_mb_s"]
               / big["baseline_mb_s"], "x", note=f"baseline {big['baseline_mb_s']:.1f} MB/s"),
        Metric("time at 10x / at 1x input", r["scaling"]["10x"], "x", note="linear: 10"),
        Metric("time at 100x / at 1x input", r["scaling"]["100x"], "x", note="linear: 100"),
        Metric("false alarms on consistent claims", rates["false_alarms"], "%",
               f"<= {target['false_alarms']:.0%}", rates["false_alarms"] <= target["false_alarms"]),
        Metric("recall of changed numbers", rates["recall"], "%", f">= {target['recall']:.0%}",
               rates["recall"] >= target["recall"]),
    ]
    return row


def merge_row(size: Size) -> Row:
    from bench import merge

    r = merge.run(size.merge_items)
    first, last = r["rows"][0], r["rows"][-1]
    row = Row("merge", details=r)
    row.metrics = [
        Metric(f"s per 1,000 items at {last['items']:,} items", last["s_per_1000"], "s",
               f"< {r['target_s_per_1000']:g} s", last["s_per_1000"] < r["target_s_per_1000"]),
        Metric(f"per-item cost {last['items']:,} / {first['items']:,} items",
               r["per_item_ratio"], "x", note="1.0 = linear"),
    ]
    return row


def pipeline_row(size: Size) -> Row:
    from bench import pipeline

    r = pipeline.overhead(size.articles)
    row = Row("pipeline", details=r)
    label = f"{r['articles']:,} articles, {r['chunks']:,} chunks, LLM at 0 ms"
    row.metrics = [
        Metric(f"articles/s ({label})", r["articles_per_second"], "/s"),
        Metric("seconds per article, every non-LLM stage", r["seconds_per_article"], "s"),
        Metric("fake server CPU share of the run", r["server"]["cpu_seconds"] / r["seconds"],
               "%", note="the stand-in LLM's own cost"),
    ]
    stages = r["stages"]
    total = r["seconds"]  # the wall time: validate overlaps extract, so stages overlap
    row.notes.append("pipeline stages (share of wall time): " + ", ".join(
        f"{name} {sec:.2f} s ({sec / total:.0%})"
        + (" on a worker thread, during extract" if name == "validate" else "")
        + (": checks still queued after extract, and the Brief" if name == "rest" else "")
        for name, sec in stages.items()))
    row.notes.append(
        f"pipeline: concurrency {r['concurrency']}, {r['calls']} calls, "
        f"{r['failed_chunks']} failed chunks, {r['verified']} items verified, "
        f"{r['rejected']} rejected; {r['figures']} figures, {r['claims']} claims, "
        f"{r['actors']} actors in the brief; warm-up {r['warmup_seconds']:.2f} s not counted")
    if r["failed_chunks"]:
        row.notes.append(f"pipeline: failed chunks, e.g. {r['failures'][:1]}")
    return row


def concurrency_row(size: Size) -> Row:
    from bench import pipeline

    r = pipeline.concurrency(size.chunks, size.latency)
    row = Row("concurrency", details=r)
    for c in r["rows"]:
        row.metrics.append(Metric(
            f"wall / ideal at c={c['concurrency']} ({c['chunks']} chunks x "
            f"{r['latency'] * 1000:.0f} ms)", c["ratio"], "x", f"<= {r['target']:g}x",
            c["met"], note=f"{c['wall_seconds']:.2f} s vs {c['ideal_seconds']:.2f} s; "
            f"peak in flight {c['peak_in_flight']}; the whole run, merge included"))
        row.metrics.append(Metric(
            f"extraction / ideal at c={c['concurrency']}", c["extract_ratio"], "x",
            f"<= {r['target']:g}x", c["extract_ratio"] <= r["target"],
            note=f"{c['extract_seconds']:.2f} s: every call, each chunk validated as it lands"))
    return row


def tokens_row(size: Size) -> Row:
    from bench import tokens

    r = tokens.run()
    t = r["totals"]
    names = ", ".join(c["cassette"] for c in r["cassettes"])
    row = Row("tokens", details=r)
    row.metrics = [
        Metric("prompt tokens per source token", r["prompt_tokens_per_source_token"], "x",
               note=f"per article token {_f(r['prompt_tokens_per_article_token'], 'x')}"),
        Metric("completion tokens per extracted item", r["completion_tokens_per_item"], "",
               note=f"{t.get('items', 0)} items"),
        Metric("calls per article", r["calls_per_article"], "",
               note=f"extraction {_f(r['extraction_calls_per_article'], '')}"),
        Metric("fixed prompt tokens per call (fit)", r["fixed_prompt_tokens_per_call"], "",
               note=f"of {_f(r['prompt_tokens_per_call'], '')} per call"),
    ]
    row.notes.append(
        f"tokens: {names}: {t.get('calls', 0)} calls over {t.get('articles', 0)} articles; "
        f"source tokens by {r['tokenizer']} "
        f"(x{_f(r['tokenizer_tokens_per_proxy_token'], '')} = the model's tokens, fitted)")
    return row


def embedded_row(size: Size) -> Row:
    from bench import embedded

    r = embedded.run()
    target = r["targets"]
    row = Row("embedded", details=r)
    share = r["share_outside_llm"]
    row.metrics = [
        Metric(f"seconds per seed article ({r['articles']} articles)", r["seconds_per_article"],
               "s", f"<= {target['seconds_per_article']:g} s",
               r["seconds_per_article"] <= target["seconds_per_article"],
               note=f"server start {r['startup_seconds'] or 0:.1f} s included"),
        Metric("pipeline time / raw llama.cpp time", r["overhead_ratio"], "x",
               note="raw: forward passes, prompt and generation"),
        Metric("share of wall time outside the LLM", share, "%",
               f"< {target['share_outside_llm']:.0%}",
               None if share is None else share < target["share_outside_llm"],
               note=f"sampling/grammar {_f(r['share_sampling'], '%')}, rest of the "
               f"completions {_f(r['share_rest_of_completions'], '%')}, outside them "
               f"{_f(r['share_outside_completions'], '%')}"),
        Metric("floor: articles' own text + answers, per article",
               r["floor"]["seconds_per_article"], "s", f"<= {target['seconds_per_article']:g} s",
               r["floor"]["seconds_per_article"] <= target["seconds_per_article"],
               note=f"{r['floor']['article_tokens']:,} article tokens at this run's prompt rate, "
               f"this run's answers; the rest of the prompts "
               f"{r['floor']['other_prompt_seconds']:.0f} s"),
    ]
    llama = r["llama"]
    ext = r["extraction_seconds_per_article"]
    row.notes.append(
        f"embedded: extraction s per article min {_f(ext['min'], 's')}, median "
        f"{_f(ext['median'], 's')}, max {_f(ext['max'], 's')}; prompt eval "
        f"{llama['prompt_tokens_per_second']:.0f} tok/s, eval {llama['eval_tokens_per_second']:.1f}"
        f" tok/s ({llama['tokens_per_pass']:.2f} tokens per generation pass) over "
        f"{llama['calls']} calls; llama.cpp log {r['log']}")
    return row


RUNNERS: dict[str, Callable[[Size], Row]] = {
    "validator": validator_row,
    "merge": merge_row,
    "pipeline": pipeline_row,
    "concurrency": concurrency_row,
    "tokens": tokens_row,
    "embedded": embedded_row,
}


# --------------------------------------------------------------------------- the table


def _f(value: float | None, unit: str) -> str:
    if value is None:
        return "-"
    if unit == "%":
        return f"{value:.1%}"
    magnitude = abs(value)
    digits = 3 if magnitude < 1 else 2 if magnitude < 100 else 1 if magnitude < 1000 else 0
    text = f"{value:,.{digits}f}"
    return f"{text} {unit}" if unit and unit not in ("x",) else f"{text}{unit}"


def table(rows: list[Row]) -> str:
    head = ("bench", "measure", "value", "target", "met")
    lines: list[tuple[str, ...]] = []
    for row in rows:
        if row.status != "ok":
            lines.append((row.bench, row.message, "", "", ""))
            continue
        for m in row.metrics:
            met = "" if m.met is None else "yes" if m.met else "NO"
            measure = m.measure + (f" [{m.note}]" if m.note else "")
            lines.append((row.bench, measure, _f(m.value, m.unit), m.target or "-", met))
    widths = [max(len(line[i]) for line in [head, *lines]) for i in range(len(head))]
    widths[1] = min(widths[1], 90)

    def fmt(line: tuple[str, ...]) -> str:
        return (f"{line[0]:<{widths[0]}}  {line[1]:<{widths[1]}}  {line[2]:>{widths[2]}}  "
                f"{line[3]:<{widths[3]}}  {line[4]}").rstrip()

    rule = "-" * (sum(widths) + 8)
    return "\n".join([fmt(head), rule, *(fmt(line) for line in lines)])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, for a smoke test")
    parser.add_argument("--json", metavar="FILE", type=Path, help="write the results as JSON")
    parser.add_argument("--embedded", action="store_true",
                        help="also run the embedded model on the seeds (10+ minutes)")
    parser.add_argument("--only", metavar="ROWS",
                        help=f"comma-separated rows of: {', '.join(ROWS)}")
    args = parser.parse_args(argv)
    wanted = tuple(r.strip() for r in args.only.split(",") if r.strip()) if args.only else ROWS
    unknown = [r for r in wanted if r not in ROWS]
    if unknown:
        parser.error(f"unknown rows {unknown}; choose from {', '.join(ROWS)}")
    size = QUICK if args.quick else FULL
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else None
    started = time.perf_counter()
    rows: list[Row] = []
    for name in wanted:
        if name == "embedded" and not args.embedded:
            rows.append(Row(name, status="skipped", message="skipped: pass --embedded"))
            continue
        print(f"running {name} ...", file=sys.stderr, flush=True)
        t0 = time.perf_counter()
        try:
            row = RUNNERS[name](size)
        except Exception as exc:
            row = Row(name, status="error", message=f"error: {type(exc).__name__}: {exc}"[:200])
            row.details["traceback"] = traceback.format_exc()
            print(row.details["traceback"], file=sys.stderr)
        row.seconds = time.perf_counter() - t0
        rows.append(row)
    mode = "quick (smoke-test sizes, not the benchmark's numbers)" if args.quick else "full"
    print(f"storysum benchmarks, {mode}; {os.cpu_count()} cores"
          + (f", load average {load:.2f} before the run" if load is not None else "")
          + f"; {time.perf_counter() - started:.0f} s")
    print(table(rows))
    notes = [n for row in rows for n in row.notes]
    if notes:
        print()
        for note in notes:
            print(f"  {note}")
    if args.json:
        result = {
            "mode": "quick" if args.quick else "full",
            "size": asdict(size),
            "machine": {"cores": os.cpu_count(), "load_before": load,
                        "python": platform.python_version(), "platform": platform.platform()},
            "seconds": time.perf_counter() - started,
            "rows": [asdict(r) for r in rows],
        }
        args.json.write_text(json.dumps(result, indent=2, default=str) + "\n", encoding="utf-8")
    return 1 if any(r.status == "error" for r in rows) else 0


if __name__ == "__main__":
    sys.exit(main())
