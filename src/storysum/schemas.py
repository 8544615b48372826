"""The JSON Schemas storysum publishes, written to schemas/ by ``storysum schema``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from .models import Brief, ChunkFacts

SCHEMAS: dict[str, type[Any]] = {
    "extraction.schema.json": ChunkFacts,  # what the model fills, as the model sees it
    "brief.schema.json": Brief,
}


def schema_text(model: type[Any]) -> str:
    return (
        json.dumps(model.model_json_schema(mode="serialization"), indent=2, sort_keys=True) + "\n"
    )


def write_schemas(out_dir: Path) -> list[Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for name, model in SCHEMAS.items():
        path = out_dir / name
        path.write_text(schema_text(model), encoding="utf-8")
        written.append(path)
    return written
