"""Smoke test of the benchmarks: ``python -m bench --quick`` runs, prints its table, writes its
JSON, and every number it measured is there and positive. No timing is asserted: the sizes
are too small to mean anything, and the machine is shared.

The benchmarks run in a child process: their fake endpoint is a real HTTP server on
127.0.0.1, which this suite's network block would otherwise refuse.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
ROWS = ["validator", "merge", "pipeline", "concurrency", "tokens"]


def run(*args: str, timeout: float = 600) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, *args], cwd=ROOT, capture_output=True, text=True, timeout=timeout
    )


def test_quick_run_prints_one_table_and_writes_positive_numbers(tmp_path):
    out = tmp_path / "bench.json"
    done = run("-m", "bench", "--quick", "--json", str(out))
    assert done.returncode == 0, done.stderr[-3000:]

    lines = done.stdout.splitlines()
    header = next(i for i, line in enumerate(lines) if line.split()[:2] == ["bench", "measure"])
    body = lines[header + 2 :]
    for row in ROWS:
        assert any(line.startswith(row) for line in body), f"no {row} row in:\n{done.stdout}"
    assert any(
        line.startswith("embedded") and "skipped: pass --embedded" in line for line in body
    )

    result = json.loads(out.read_text())
    assert result["mode"] == "quick"
    rows = {r["bench"]: r for r in result["rows"]}
    assert set(rows) == {*ROWS, "embedded"}
    assert rows["embedded"]["status"] == "skipped"
    for name in ROWS:
        row = rows[name]
        assert row["status"] == "ok", row["message"]
        assert row["metrics"], name
        for metric in row["metrics"]:
            value = metric["value"]
            assert isinstance(value, (int, float)), (name, metric)
            if metric["measure"].startswith("false alarms"):
                assert value >= 0, (name, metric)  # none is the goal
            else:
                assert value > 0, (name, metric)
            if metric["target"] not in (None, "-"):
                assert isinstance(metric["met"], bool), (name, metric)

    pipeline = rows["pipeline"]["details"]
    assert pipeline["articles"] == 20
    assert pipeline["failed_chunks"] == 0, pipeline["failures"]
    assert pipeline["calls"] >= pipeline["chunks"] > 0
    assert pipeline["verified"] > 0  # the fake's answers are checked against real text
    concurrency = rows["concurrency"]["details"]["rows"]
    assert [c["concurrency"] for c in concurrency] == [1, 4, 16]
    assert all(c["chunks"] == 10 and c["failed_chunks"] == 0 for c in concurrency)
    assert concurrency[0]["peak_in_flight"] == 1


def test_only_selects_rows_and_merge_runs_on_its_own(tmp_path):
    done = run("-m", "bench", "--quick", "--only", "tokens")
    assert done.returncode == 0, done.stderr[-3000:]
    assert "tokens" in done.stdout and "validator" not in done.stdout

    done = run("bench/merge.py", "--items", "300")
    assert done.returncode == 0, done.stderr[-3000:]
    assert "per-item cost" in done.stdout


def test_embedded_bench_reads_the_servers_timing_lines():
    """bench/embedded.py's figures come from storysum's server log: one line per completion
    (written by storysum.llm.llama_server). Other log lines are ignored."""
    sys.path.insert(0, str(ROOT))
    from bench.embedded import parse_timing, summarize_timing

    log = (
        "llama_perf_context_print: prompt eval time =   17731.81 ms /  1552 tokens\n"
        "storysum timing: completion 41.250 s; prompt 1552 tokens 38.100 s; generation "
        "182 tokens 2.500 s; sampling 0.400 s\n"
        "INFO:     127.0.0.1:43402 - \"POST /v1/chat/completions HTTP/1.1\" 200 OK\n"
        "storysum timing: completion 10.000 s; prompt 100 tokens 2.000 s; generation "
        "18 tokens 7.000 s; sampling 0.500 s; passes 10, guessed 12\n"
        "storysum timing: completion 1.000 s; prompt 10 tokens 0.500 s; generation "
        "1 tokens 0.100 s; sampling 0.000 s; passes 0, guessed 0; from disk 771 tokens\n"
    )
    calls = parse_timing(log)
    assert [c["prompt_tokens"] for c in calls] == [1552, 100, 10]
    assert [c["from_disk"] for c in calls] == [0, 0, 771]
    total = summarize_timing(calls[:2])
    assert total["calls"] == 2
    # The first line is from before speculative decoding: no passes counted.
    assert (total["eval_passes"], total["guessed_tokens"]) == (10, 12)
    assert total["tokens_per_pass"] == pytest.approx((18 - 1) / 10)
    assert total["raw_seconds"] == pytest.approx(38.1 + 2.5 + 2.0 + 7.0)
    assert total["sampling_seconds"] == pytest.approx(0.9)
    assert total["completion_seconds"] == pytest.approx(51.25)
    assert total["prompt_tokens_per_second"] == pytest.approx(1652 / 40.1)
    assert total["eval_tokens_per_second"] == pytest.approx(200 / 9.5)
    assert summarize_timing(calls)["prompt_tokens_from_disk"] == 771


def test_the_embedded_floor_is_the_articles_text_at_the_runs_prompt_rate_plus_its_answers():
    sys.path.insert(0, str(ROOT))
    from bench.embedded import floor

    perf = {"prompt_tokens_per_second": 40.0, "prompt_eval_tokens": 6000, "eval_seconds": 100.0}
    low = floor(perf, article_tokens=4000, articles=5)
    assert low["article_seconds"] == pytest.approx(100.0)
    assert (low["other_prompt_tokens"], low["other_prompt_seconds"]) == (2000, 50.0)
    assert low["seconds_per_article"] == pytest.approx((100.0 + 100.0) / 5)
    # A run that logged no prompt time: no division by zero, and no reading time claimed.
    assert floor({**perf, "prompt_tokens_per_second": 0.0}, 4000, 5)["article_seconds"] == 0.0
