"""The LLM result cache: content-addressed keys, resume after a kill, concurrent runs.

The resume test kills a real ``storysum`` process with SIGKILL while it waits on the fault
server, then counts the requests the next runs make.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import signal
import sqlite3
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from faultserver import FaultApp, Hit, article_text
from storysum.cache import Cache, CachedLLM, schema_hash, scope
from storysum.models import ChunkFacts, Usage

KEY = "sk-cache-planted-0123456789abcdef"


@pytest.fixture
def allowed_hosts() -> list[str]:
    return ["127.0.0.1"]


ANSWER = ChunkFacts.model_validate(
    {"figures": [], "quotes": [], "actors": ["A"]}
)
MESSAGES = [{"role": "user", "content": "From A:\n\nA thing happened.\n\nNumbers: none"}]


def make_scope(**over: object) -> dict[str, object]:
    base: dict[str, object] = dict(model="m", prompt_version="p1", params={"temperature": 0.0})
    base.update(over)
    return scope(**base)  # type: ignore[arg-type]


def test_the_key_changes_with_everything_that_decides_the_answer(tmp_path):
    path = tmp_path / "c.sqlite3"

    def key(messages=MESSAGES, schema=ChunkFacts, **over: object) -> str:
        with Cache(path, scope=make_scope(**over)) as cache:
            return cache.key(messages, schema)

    base = key()
    assert key() == base  # deterministic, across instances
    other_text = [{"role": "user", "content": "From A:\n\nAnother thing happened.\n\nNumbers: none"}]
    variants = [
        key(messages=other_text),
        key(model="other"),
        key(prompt_version="p2"),
        key(params={"temperature": 0.7}),
        key(schema=Usage),
    ]
    assert base not in variants and len(set(variants)) == len(variants)
    assert schema_hash(ChunkFacts) != schema_hash(Usage)


def test_put_get_stats_clear(tmp_path):
    path = tmp_path / "c.sqlite3"
    with Cache(path, scope=make_scope()) as cache:
        key = cache.key(MESSAGES, ChunkFacts)
        assert cache.get(key) is None
        cache.put(key, "m", ANSWER, Usage(prompt_tokens=100, completion_tokens=20, calls=2))
        hit = cache.get(key)
        assert hit is not None and ChunkFacts.model_validate_json(hit.value) == ANSWER
        assert (cache.hits, cache.misses) == (1, 1)
        stats = cache.stats()
        assert (stats.entries, stats.prompt_tokens, stats.completion_tokens) == (1, 100, 20)
        assert stats.models == {"m": 1}
        assert cache.clear() == 1 and cache.stats().entries == 0
    mode = sqlite3.connect(path).execute("PRAGMA journal_mode").fetchone()[0]
    assert mode == "wal"


def test_cached_llm_answers_a_repeat_from_disk_and_does_not_store_failures(tmp_path):
    import asyncio

    from storysum.llm.fake import FakeLLM

    answers = iter([RuntimeError("down"), ANSWER.model_dump(), ANSWER.model_dump()])
    fake = FakeLLM(lambda _m: next(answers))
    with Cache(tmp_path / "c.sqlite3", scope=make_scope()) as cache:
        llm = CachedLLM(fake, cache)
        with pytest.raises(Exception, match="down"):
            asyncio.run(llm.structured(MESSAGES, ChunkFacts))
        assert cache.stats().entries == 0  # a failure is asked again next time
        value, usage = asyncio.run(llm.structured(MESSAGES, ChunkFacts))
        assert usage.calls == 1
        again, usage = asyncio.run(llm.structured(MESSAGES, ChunkFacts))
        assert again == value and usage == Usage()  # no call, nothing spent
    assert len(fake.calls) == 2


def write_many(path: Path, who: str) -> None:
    """One run's worth of writes: its own keys, and keys every run writes."""
    value = ANSWER
    with Cache(path) as cache:
        for i in range(150):
            own = cache.key([{"role": "user", "content": f"{who}-{i}"}], ChunkFacts)
            shared = cache.key([{"role": "user", "content": f"shared-{i}"}], ChunkFacts)
            cache.put(own, who, value, Usage(calls=1))
            cache.put(shared, who, value, Usage(calls=1))
            if cache.get(shared) is None:
                raise SystemExit(1)


def test_concurrent_runs_do_not_corrupt_the_cache(tmp_path):
    path = tmp_path / "c.sqlite3"
    # Separate processes, each with its own connection, as separate runs would have.
    fork = multiprocessing.get_context("fork")
    procs = [fork.Process(target=write_many, args=(path, f"w{n}")) for n in range(4)]
    for proc in procs:
        proc.start()
    for proc in procs:
        proc.join(timeout=60)
        assert proc.exitcode == 0
    db = sqlite3.connect(path)
    assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    # 4 writers x 150 own keys, plus 150 keys all four wrote: nothing lost, nothing doubled.
    assert db.execute("SELECT count(*) FROM results").fetchone()[0] == 4 * 150 + 150


# --- resume after a kill, through the command line -----------------------------------

ARTICLES = {
    f"wire{n}.txt": f"The flood in district {n} forced {100 + n} families from their homes on "
    f"Monday, the regional office said. Crews cleared {20 + n} roads by the evening."
    for n in range(6)
}


def start_cli(tmp: Path, url: str, *extra: str) -> subprocess.Popen[str]:
    env = {
        "PATH": "/usr/bin:/bin",
        "HOME": str(tmp),
        "STORYSUM_CACHE_DIR": str(tmp / "cache"),
        "STORYSUM_BACKOFF_MAX": "0.01",
        "OPENAI_API_KEY": KEY,
    }
    args = ["summarize", *ARTICLES, "--base-url", url, "--model", "m", "-q", "-o", "b.json"]
    return subprocess.Popen(
        [sys.executable, "-m", "storysum", *args, "-f", "json", *extra],
        cwd=tmp,
        env=env,
        text=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


def run_cli(tmp: Path, url: str, *extra: str) -> subprocess.CompletedProcess[str]:
    proc = start_cli(tmp, url, *extra)
    stdout, stderr = proc.communicate(timeout=120)
    return subprocess.CompletedProcess(proc.args, proc.returncode, stdout, stderr)


def chunk_texts(hits: list[Hit]) -> set[str]:
    return {
        article_text(h.body)
        for h in hits
        if h.body["tool_choice"]["function"]["name"] == "ChunkFacts"
    }


def test_a_killed_run_resumes_with_exactly_the_missing_calls(fault_server: FaultApp, tmp_path):
    for name, text in ARTICLES.items():
        (tmp_path / name).write_text(text + "\n", encoding="utf-8")
    answered_before_kill = 3
    reached = threading.Event()

    def hang_on_the_fourth(hit: Hit) -> None:
        if hit.n == answered_before_kill:
            hit.kind = "slow"  # never answered: the process dies waiting for it
            reached.set()

    fault_server.slow_seconds = 30
    fault_server.on_request = hang_on_the_fourth
    first = start_cli(tmp_path, fault_server.url, "--concurrency", "1")
    assert reached.wait(60), first.communicate()[1]
    os.kill(first.pid, signal.SIGKILL)
    first.communicate(timeout=10)
    assert first.returncode == -signal.SIGKILL
    killed = list(fault_server.hits)
    assert len(killed) == answered_before_kill + 1
    answered = chunk_texts(killed[:answered_before_kill])

    fault_server.on_request = None
    fault_server.reset()
    second = run_cli(tmp_path, fault_server.url, "--concurrency", "4")
    assert second.returncode == 0, second.stderr
    resumed = list(fault_server.hits)
    # Exactly the chunks not answered before the kill (the one in flight included), and
    # the summary, which the first run never reached.
    missing = len(ARTICLES) - answered_before_kill
    assert len(resumed) == missing + 1
    assert chunk_texts(resumed) == set(ARTICLES.values()) - answered
    run = json.loads((tmp_path / "b.json").read_text())["run"]
    assert (run["calls"], run["cache_hits"]) == (missing + 1, answered_before_kill)
    print(
        f"\nkilled after {len(killed)} calls ({answered_before_kill} answered); "
        f"resume made {len(resumed)} calls ({missing} chunks + summary), "
        f"{run['cache_hits']} from cache"
    )

    fault_server.reset()
    third = run_cli(tmp_path, fault_server.url)
    assert third.returncode == 0, third.stderr
    assert fault_server.hits == []  # the same input again: zero calls
    assert f"0 calls, {len(ARTICLES) + 1} from cache" in third.stderr

    fault_server.reset()
    fourth = run_cli(tmp_path, fault_server.url, "--no-cache")
    assert fourth.returncode == 0, fourth.stderr
    assert len(fault_server.hits) == len(ARTICLES) + 1  # --no-cache asks everything again


def test_cache_stats_and_clear_commands(tmp_path):
    from typer.testing import CliRunner

    from storysum.cli import app

    with Cache(tmp_path / "llm-cache.sqlite3", scope=make_scope()) as cache:
        cache.put(cache.key(MESSAGES, ChunkFacts), "m", ANSWER, Usage(prompt_tokens=7))
    (tmp_path / "prefix").mkdir()
    (tmp_path / "prefix" / "a.kv").write_bytes(b"x" * 10)

    def cli(*args: str):
        result = CliRunner().invoke(app, ["cache", *args, "--cache-dir", str(tmp_path)])
        assert result.exit_code == 0, result.output
        return result

    stats = cli("stats")
    assert "1 results" in stats.stdout and "7 prompt" in stats.stdout and "m 1" in stats.stdout
    assert "instruction states: 1, 10 bytes" in stats.stdout
    assert "removed 1 results" in (cleared := cli("clear").stderr)
    assert "and 1 instruction states" in cleared
    after = cli("stats").stdout
    assert "0 results" in after and "instruction states: 0, 0 bytes" in after
