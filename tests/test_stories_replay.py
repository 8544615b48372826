"""Every story with gold (gold/<story>.json), briefed from its cassette and scored.

The cassettes were recorded against the embedded model (Qwen2.5-Coder-1.5B-Instruct,
Q4_K_M) served by llama-cpp-python on 127.0.0.1; this module is also how they are recorded:

    pytest tests/test_stories_replay.py --record-mode=rewrite

Quality is held by gold/thresholds.json: a change that makes a story's brief worse than
its bounds fails the build. The bounds are the replay's own scores, rounded down a little.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from recording import ROOT, replaying, story_brief
from storysum.cli import app
from storysum.evaluation.gold import load_gold

GOLD_DIR = ROOT / "gold"
STORIES = sorted(
    p.stem for p in GOLD_DIR.glob("*.json") if not p.name.startswith("thresholds")
)


@pytest.mark.parametrize("story", STORIES)
def test_story_brief_meets_its_quality_thresholds(story: str, record_mode, tmp_path: Path):
    gold = load_gold(GOLD_DIR / f"{story}.json")
    brief = story_brief(story, ROOT / gold.articles_dir, record_mode)
    assert brief.articles and not brief.failures
    if not replaying(record_mode):
        return  # recorded; the scores are checked on replay
    (tmp_path / f"{story}.json").write_text(brief.model_dump_json(), encoding="utf-8")
    result = CliRunner().invoke(
        app,
        ["eval", str(GOLD_DIR / f"{story}.json"), str(tmp_path / f"{story}.json"), "--json",
         "--thresholds", str(GOLD_DIR / "thresholds.json")],
    )
    data = json.loads(result.stdout)
    [scored] = data["stories"]
    assert data["thresholds"]["failed"] == [], scored["details"]
    assert result.exit_code == 0
    metrics = scored["metrics"]
    # The two counts that must be 0 in every story, and proof the numbers were checked.
    assert metrics["unverified_as_verified"]["value"] == 0
    assert metrics["unverified_as_verified"]["total"] > 20
    assert metrics["boilerplate_leaks"]["value"] == 0
