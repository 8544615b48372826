"""schemas/ must match the models: regenerate with `storysum schema` when this fails."""

from __future__ import annotations

from pathlib import Path

import pytest

from storysum.schemas import SCHEMAS, schema_text

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize("name", sorted(SCHEMAS))
def test_published_schema_is_current(name):
    published = ROOT / "schemas" / name
    assert published.exists(), f"{published} missing: run `storysum schema`"
    assert published.read_text(encoding="utf-8") == schema_text(SCHEMAS[name]), (
        f"{published} is stale: run `storysum schema`"
    )


def test_llm_schema_forbids_extra_fields_and_describes_every_field():
    from storysum.models import ChunkFacts

    schema = ChunkFacts.model_json_schema()
    for name, definition in schema["$defs"].items():
        assert definition.get("additionalProperties") is False, name
        for field, spec in definition["properties"].items():
            assert spec.get("description"), f"{name}.{field} has no description"
