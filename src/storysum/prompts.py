"""Prompt templates: versioned text files with ``{{ named }}`` slots, shipped in the package.

A template starts with a small front matter holding its ``version``; the version goes into
the brief's run facts (and, later, into cache keys), so a changed prompt is never confused
with the old one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

_HERE = Path(__file__).resolve().parent
# Installed wheel: storysum/prompts; source checkout (editable install): <repo>/prompts.
_SEARCH = (_HERE / "prompts", _HERE.parent.parent / "prompts")
_SLOT = re.compile(r"\{\{\s*(\w+)\s*\}\}")
_FRONT = re.compile(r"\A---\n(.*?)\n---\n", re.DOTALL)


@dataclass(frozen=True)
class Prompt:
    name: str
    version: str
    template: str

    @property
    def slots(self) -> set[str]:
        return set(_SLOT.findall(self.template))

    def render(self, **values: str) -> str:
        """Fill every ``{{ slot }}``; values are inserted as they are, never re-parsed."""
        missing = self.slots - values.keys()
        if missing:
            raise KeyError(f"prompt {self.name} needs {sorted(missing)}")
        return _SLOT.sub(lambda m: values[m.group(1)], self.template)


@cache
def load_prompt(name: str) -> Prompt:
    """Load ``prompts/<name>.md`` (the newest ``<name>.vN.md``)."""
    for folder in _SEARCH:
        candidates = sorted(
            folder.glob(f"{name}.v*.md"), key=lambda p: int(p.stem.rsplit(".v", 1)[1])
        )
        if candidates:
            raw = candidates[-1].read_text(encoding="utf-8")
            front = _FRONT.match(raw)
            if not front:
                raise ValueError(f"{candidates[-1]} has no front matter with a version")
            meta = dict(line.split(":", 1) for line in front.group(1).splitlines() if ":" in line)
            return Prompt(name, meta["version"].strip(), raw[front.end() :].strip() + "\n")
    raise FileNotFoundError(f"no prompt template named {name!r} in {[str(p) for p in _SEARCH]}")
