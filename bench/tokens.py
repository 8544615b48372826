"""Token economy from recorded traffic: what the LLM calls in ``cassettes/*.yaml`` cost.

    python bench/tokens.py [CASSETTE.yaml ...]      (or as one row of: python -m bench)

The cassettes are vcrpy YAML recorded against a real model (the embedded one for
``seeds.yaml``): each request body is the JSON sent, each response body the JSON answered
with its ``usage``. From them:

* prompt tokens per source token: the extraction calls' ``usage.prompt_tokens`` over the
  source text those calls carried. A call's source text is the lines of its user message
  found verbatim in a known article (seeds/ and stories/; whitespace collapsed, a leading
  sentence number "[3]" dropped): the chunk as the model read it, overlap included, prompt
  scaffolding and hint lists excluded. The source article tokens (whole files, boilerplate
  included) give a second ratio.
* completion tokens per extracted item: ``usage.completion_tokens`` over the items in the
  answer (the elements of every top-level list of the tool call's arguments, whatever the
  schema names them).
* calls per article: every chat call recorded (re-asks and the summary included) over the
  articles the cassette covers; extraction calls per article beside it.

Source tokens are counted with a tokenizer proxy, no model needed: the words and the
punctuation marks of the text (regex ``\\w+|[^\\w\\s]``). It is calibrated on the recording
itself: a least-squares fit of each extraction call's recorded prompt tokens against the proxy
count of its user message gives the model's tokens per proxy token (the slope; 1.06 for Qwen2.5
on seeds.yaml) and the tokens every call pays before its chunk, system prompt and tool schema
(the intercept).
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
CASSETTES = ROOT / "cassettes"
ARTICLE_DIRS = (ROOT / "seeds", ROOT / "stories")  # the stories with cassettes
_TOKEN = re.compile(r"\w+|[^\w\s]")
_MARK = re.compile(r"^\[\d+\]\s*")
MIN_LINE = 20  # shorter lines could match an article by chance


def proxy_tokens(text: str) -> int:
    """Words and punctuation marks: the documented stand-in for a tokenizer."""
    return len(_TOKEN.findall(text))


def _norm(text: str) -> str:
    return " ".join(text.split())


def known_articles() -> dict[str, str]:
    """Article texts the cassettes may cover, by path relative to the repo."""
    found: dict[str, str] = {}
    for folder in ARTICLE_DIRS:
        if not folder.is_dir():
            continue
        for path in sorted(folder.rglob("*")):
            if path.suffix not in (".txt", ".md", ".jsonl") or not path.is_file():
                continue
            text = path.read_text(encoding="utf-8", errors="replace")
            rel = str(path.relative_to(ROOT))
            if path.suffix == ".jsonl":
                for n, line in enumerate(text.splitlines(), 1):
                    try:
                        record = json.loads(line)
                    except ValueError:
                        continue
                    if isinstance(record, dict) and isinstance(record.get("text"), str):
                        found[f"{rel}:{n}"] = record["text"]
            else:
                found[rel] = text
    return found


def _summary_tool() -> str:
    try:
        sys.path.insert(0, str(ROOT / "src"))
        from storysum.summary import SummaryDraft

        return SummaryDraft.__name__
    except Exception:
        return "SummaryDraft"


def _body(raw: Any) -> Any:
    if isinstance(raw, dict):
        raw = raw.get("string", "")
    if isinstance(raw, bytes):
        raw = raw.decode("utf-8", "replace")
    try:
        return json.loads(raw) if raw else None
    except ValueError:
        return None


def _tool_name(body: dict[str, Any]) -> str:
    choice = body.get("tool_choice")
    if isinstance(choice, dict) and choice.get("function", {}).get("name"):
        return str(choice["function"]["name"])
    tools = body.get("tools") or [{}]
    return str(tools[0].get("function", {}).get("name", ""))


def _items(answer: dict[str, Any]) -> int | None:
    """Elements of every top-level list of the first tool call's arguments."""
    try:
        call = answer["choices"][0]["message"]["tool_calls"][0]["function"]["arguments"]
        arguments = json.loads(call)
    except (KeyError, IndexError, TypeError, ValueError):
        return None
    if not isinstance(arguments, dict):
        return None
    return sum(len(v) for v in arguments.values() if isinstance(v, list))


def source_lines(user: str, articles: dict[str, str]) -> tuple[list[str], set[str]]:
    """The lines of a prompt that some known article states, and which articles."""
    lines: list[str] = []
    covered: set[str] = set()
    for raw in user.splitlines():
        line = _norm(_MARK.sub("", raw.strip()))
        if len(line) < MIN_LINE:
            continue
        hits = {name for name, text in articles.items() if line in text}
        if hits:
            lines.append(line)
            covered |= hits
    return lines, covered


def analyse(path: Path, articles: dict[str, str] | None = None) -> dict[str, Any]:
    """The counts of one cassette."""
    articles = articles if articles is not None else known_articles()
    normalized = {name: _norm(text) for name, text in articles.items()}
    summary_tool = _summary_tool()
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    totals: dict[str, Any] = {
        "cassette": str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path),
        "calls": 0, "extraction_calls": 0, "summary_calls": 0, "failed_calls": 0,
        "prompt_tokens": 0, "completion_tokens": 0,
        "extraction_prompt_tokens": 0, "extraction_completion_tokens": 0,
        "items": 0, "calls_with_items": 0, "completion_tokens_of_calls_with_items": 0,
        "source_tokens": 0, "calls_without_source": 0,
    }
    covered: set[str] = set()
    fit: list[tuple[int, int]] = []
    for interaction in data.get("interactions", []):
        request, response = interaction.get("request", {}), interaction.get("response", {})
        if request.get("method") != "POST" or "chat/completions" not in request.get("uri", ""):
            continue
        body = _body(request.get("body")) or {}
        totals["calls"] += 1
        answer = _body(response.get("body"))
        status = (response.get("status") or {}).get("code", 200)
        if status != 200 or not isinstance(answer, dict):
            totals["failed_calls"] += 1
            continue
        usage = answer.get("usage") or {}
        prompt = int(usage.get("prompt_tokens") or 0)
        completion = int(usage.get("completion_tokens") or 0)
        totals["prompt_tokens"] += prompt
        totals["completion_tokens"] += completion
        if _tool_name(body) == summary_tool:
            totals["summary_calls"] += 1
            continue
        totals["extraction_calls"] += 1
        totals["extraction_prompt_tokens"] += prompt
        totals["extraction_completion_tokens"] += completion
        items = _items(answer)
        if items is not None:
            totals["items"] += items
            totals["calls_with_items"] += 1
            totals["completion_tokens_of_calls_with_items"] += completion
        user = next((m.get("content", "") for m in body.get("messages", [])
                     if m.get("role") == "user" and isinstance(m.get("content"), str)), "")
        fit.append((proxy_tokens(user), prompt))
        lines, hits = source_lines(user, normalized)
        if not lines:
            totals["calls_without_source"] += 1
        totals["source_tokens"] += sum(proxy_tokens(line) for line in lines)
        covered |= hits
    totals["articles"] = len(covered)
    totals["covered"] = sorted(covered)
    totals["article_tokens"] = sum(proxy_tokens(articles[name]) for name in covered)
    totals["fit_points"] = fit
    return totals


def least_squares(points: list[tuple[int, int]]) -> tuple[float, float] | None:
    """(slope, intercept) of y on x; None with fewer than three points or no spread."""
    if len(points) < 3:
        return None
    n = len(points)
    mx = sum(x for x, _ in points) / n
    my = sum(y for _, y in points) / n
    spread = sum((x - mx) ** 2 for x, _ in points)
    if not spread:
        return None
    slope = sum((x - mx) * (y - my) for x, y in points) / spread
    return slope, my - slope * mx


def _ratio(a: float, b: float) -> float | None:
    return a / b if b else None


def run(paths: list[Path] | None = None) -> dict[str, Any]:
    """The ratios over every cassette (``cassettes/*.yaml`` unless given), and per cassette."""
    paths = paths if paths is not None else sorted(CASSETTES.glob("*.yaml"))
    articles = known_articles()
    per = [analyse(p, articles) for p in paths]
    keys = [k for k, v in (per[0] if per else {}).items() if isinstance(v, int)]
    total = {k: sum(c[k] for c in per) for k in keys}
    articles_n = total.get("articles", 0)
    fit = least_squares([p for c in per for p in c.pop("fit_points")])
    return {
        # Recorded prompt tokens against the proxy count of the user message, call by call:
        # the slope calibrates the proxy against the model's tokenizer, the intercept is what
        # every call pays before its chunk (system prompt and tool schema).
        "tokenizer_tokens_per_proxy_token": fit[0] if fit else None,
        "fixed_prompt_tokens_per_call": fit[1] if fit else None,
        "cassettes": per,
        "totals": total,
        "tokenizer": "proxy: words and punctuation marks, regex \\w+|[^\\w\\s]",
        "prompt_tokens_per_source_token": _ratio(total.get("extraction_prompt_tokens", 0),
                                                 total.get("source_tokens", 0)),
        "prompt_tokens_per_article_token": _ratio(total.get("extraction_prompt_tokens", 0),
                                                  total.get("article_tokens", 0)),
        "completion_tokens_per_item": _ratio(
            total.get("completion_tokens_of_calls_with_items", 0), total.get("items", 0)),
        "calls_per_article": _ratio(total.get("calls", 0), articles_n),
        "extraction_calls_per_article": _ratio(total.get("extraction_calls", 0), articles_n),
        "prompt_tokens_per_call": _ratio(total.get("extraction_prompt_tokens", 0),
                                         total.get("extraction_calls", 0)),
        "completion_tokens_per_call": _ratio(total.get("extraction_completion_tokens", 0),
                                             total.get("extraction_calls", 0)),
    }


def main() -> None:
    paths = [Path(a).resolve() for a in sys.argv[1:]] or None
    result = run(paths)
    for c in result["cassettes"]:
        print(f"{c['cassette']}: {c['calls']} calls ({c['extraction_calls']} extraction, "
              f"{c['summary_calls']} summary, {c['failed_calls']} failed) over "
              f"{c['articles']} articles; {c['prompt_tokens']:,} prompt and "
              f"{c['completion_tokens']:,} completion tokens; {c['items']} items")
    for key in ("prompt_tokens_per_source_token", "prompt_tokens_per_article_token",
                "completion_tokens_per_item", "calls_per_article",
                "extraction_calls_per_article", "prompt_tokens_per_call",
                "completion_tokens_per_call", "fixed_prompt_tokens_per_call",
                "tokenizer_tokens_per_proxy_token"):
        value = result[key]
        print(f"  {key.replace('_', ' '):<34} {'-' if value is None else f'{value:.2f}'}")
    print(f"  source tokens: {result['tokenizer']}")


if __name__ == "__main__":
    main()
