"""The command line: one clear line and a non-zero exit for bad input, never a traceback."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest


def storysum(*args: str, env: dict[str, str] | None = None, cwd: Path | None = None):
    base = {"PATH": "/usr/bin:/bin", "HOME": str(cwd or Path.cwd())}
    return subprocess.run(
        [sys.executable, "-m", "storysum", *args],
        capture_output=True,
        text=True,
        env={**base, **(env or {})},
        cwd=cwd,
        timeout=120,
    )


@pytest.mark.parametrize(
    "make,expected,code",
    [
        (lambda d: d / "missing.txt", "no such file or directory", 3),
        (lambda d: (d / "empty").mkdir() or d / "empty", "directory holds no files", 3),
        (lambda d: ((d / "e.txt").write_text("") and d / "e.txt") or d / "e.txt", "empty file", 3),
        (lambda d: (d / "b.txt").write_bytes(b"\x00\xff") and d / "b.txt", "binary file", 3),
    ],
)
def test_bad_input_is_one_line_and_exit_code(tmp_path, make, expected, code):
    path = make(tmp_path)
    result = storysum("summarize", str(path), "--base-url", "http://127.0.0.1:9/v1", cwd=tmp_path)
    assert result.returncode == code, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("storysum: error: ") and expected in lines[0]
    assert "Traceback" not in result.stderr


def test_bad_setting_names_the_variable(tmp_path):
    (tmp_path / "a.txt").write_text("A story sentence that is long enough to be kept here.\n")
    result = storysum(
        "summarize", str(tmp_path), env={"STORYSUM_CONCURRENCY": "many"}, cwd=tmp_path
    )
    assert result.returncode == 2
    assert "STORYSUM_CONCURRENCY" in result.stderr and "Traceback" not in result.stderr


def test_unknown_format(tmp_path):
    result = storysum("summarize", str(tmp_path), "--format", "pdf", cwd=tmp_path)
    assert result.returncode == 2 and "--format must be one of json, md" in result.stderr


def test_unreachable_endpoint_fails_every_chunk_and_says_so(tmp_path):
    (tmp_path / "a.txt").write_text(
        "The mayor said on Tuesday that 300 homes were flooded after the storm hit the coast.\n"
    )
    key = "sk-planted-secret-0123456789abcdef"
    result = storysum(
        "summarize",
        str(tmp_path),
        "--base-url",
        "http://127.0.0.1:9/v1",
        "-o",
        "b.md",
        env={"OPENAI_API_KEY": key, "STORYSUM_TIMEOUT": "2"},
        cwd=tmp_path,
    )
    assert result.returncode == 6, result.stderr
    assert "extract failed" in result.stderr and "Connection" in result.stderr
    brief = (tmp_path / "b.md").read_text()
    assert "## Failures" in brief
    assert key not in result.stderr + result.stdout + brief
    assert "Traceback" not in result.stderr


def test_schema_command_writes_both_schemas(tmp_path):
    result = storysum("schema", "--out", str(tmp_path / "s"), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in (tmp_path / "s").iterdir()) == [
        "brief.schema.json",
        "extraction.schema.json",
    ]


def test_verify_prints_verdicts_and_fails_on_an_unsupported_number(tmp_path):
    source = tmp_path / "wire.txt"
    source.write_text(
        "The U.S. has sent 4,500 Marines and sailors to the Caribbean, officials said on Monday.\n"
    )
    ok = storysum("verify", str(source), "--json", "--text", "about 4.5k Marines", cwd=tmp_path)
    assert ok.returncode == 0, ok.stderr
    assert '"verdict": "equivalent"' in ok.stdout or '"verdict": "rounded"' in ok.stdout
    bad = storysum("verify", str(source), "--text", "5,500 Marines were sent", cwd=tmp_path)
    assert bad.returncode == 1
    assert "unsupported" in bad.stdout and "4,500" in bad.stdout


@pytest.mark.parametrize("command", [[], ["summarize"], ["verify"], ["schema"], ["serve"], ["cache"]])
def test_help_renders_for_every_command(tmp_path, command):
    result = storysum(*command, "--help", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "Usage" in result.stdout and "Traceback" not in result.stderr
