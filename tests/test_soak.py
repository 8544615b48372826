"""Load against the fault server: a 200-chunk soak with 30% faults, and the timelines that
show ``concurrency``, ``rpm``, ``tpm`` and Retry-After respected.

Counts are printed (run with ``-s`` to see them) and asserted.
"""

from __future__ import annotations

import asyncio
import itertools
import json

import pytest

from faultserver import FAULTS, FaultApp, FaultServer, Hit, scripted, share_of_faults
from storysum.articles import make_article
from storysum.config import Settings
from storysum.extraction import ChunkResult
from storysum.llm.limits import RateLimiter
from storysum.llm.openai_compat import OpenAICompatible
from storysum.models import Article, Brief
from storysum.pipeline import asummarize

KEY = "sk-soak-planted-0123456789abcdef"
STUBBORN = "Stubborn chunk"


@pytest.fixture
def allowed_hosts() -> list[str]:
    return ["127.0.0.1"]


def articles(n: int) -> list[Article]:
    """``n`` one-chunk articles, each with a sentence no other article has."""
    return [
        make_article(
            f"Report {i}: the river at gauge {i} rose to {300 + i} centimetres overnight, "
            f"officials said. Crews sandbagged {40 + i} homes on the east bank by morning.",
            source=f"r{i}.txt",
            outlet=f"Outlet{i}",
        )
        for i in range(n)
    ]


def settings(url: str, **kw: object) -> Settings:
    base: dict[str, object] = dict(
        base_url=url,
        api_key=KEY,
        model="m",
        backoff_max=0.01,
        timeout=0.3,
        summary=False,
        max_tokens=64,
    )
    base.update(kw)
    return Settings.resolve(env={}, **base)


def test_soak_200_chunks_with_30_percent_faults():
    thirty = share_of_faults(0.30)
    app = FaultApp()
    # 30% of the calls fault, all kinds in turn; and a few chunks the model never gets right.
    planned = itertools.count()  # the 30% plan numbers only its own requests
    app.plan = lambda _n, body: (
        "schema" if STUBBORN in json.dumps(body) else thirty(next(planned), body)
    )
    app.slow_seconds = 0.5  # past the 0.3 s timeout
    retries, reasks, chunks = 3, 1, 200
    done: list[ChunkResult] = []
    work = articles(chunks)
    for i in (7, 77, 177):
        work[i] = make_article(work[i].text + f" {STUBBORN}.", source=f"r{i}.txt", outlet="S")
    stubborn = {f"{work[i].id}#0" for i in (7, 77, 177)}
    # Its own process: the server must see every request the client sends, however busy
    # the client is validating.
    with FaultServer(app, separate_process=True) as server:
        config = settings(server.url, retries=retries, reasks=reasks, concurrency=8)
        # A limiter that never waits, to count every HTTP request the client starts.
        counter = RateLimiter(rpm=10**9)
        llm = OpenAICompatible(
            base_url=server.url,
            model="m",
            api_key=KEY,
            retries=retries,
            reasks=reasks,
            timeout=config.timeout,
            max_tokens=config.max_tokens,
            backoff_max=0.01,
            limiter=counter,
        )

        async def go() -> Brief:
            try:
                return await asummarize(work, settings=config, llm=llm, on_chunk_done=done.append)
            finally:
                await llm.aclose()

        brief = asyncio.run(go())
        hits = server.hits()
    stubborn_hits = [h for h in hits if STUBBORN in json.dumps(h.body)]
    others = [h for h in hits if STUBBORN not in json.dumps(h.body)]
    faults = [h for h in others if h.kind != "ok"]
    failed = {f.subject for f in brief.failures if f.stage == "extract"}
    extracted = {r.chunk.id for r in done if r.extraction is not None}
    # Per chunk: (retries + 1) transport attempts of (reasks + 1) calls, twice if truncated.
    budget = chunks * (retries + 1) * (reasks + 1) * 2
    print(
        f"\nsoak: {chunks} chunks, {len(hits)} calls: {len(others)} under the 30% plan "
        f"({len(faults)} faulted, {len(faults) / len(others):.0%}: "
        + ", ".join(f"{k} {sum(h.kind == k for h in faults)}" for k in FAULTS)
        + f") and {len(stubborn_hits)} to the {len(stubborn)} stubborn chunks; "
        f"client counted {brief.run.calls}; budget {budget}; extracted {len(extracted)}, failed {len(failed)}; "
        f"retries and re-asks {brief.run.retries}"
    )
    assert brief.run.chunks == chunks
    # None missing: every chunk extracted or listed as failed, never both.
    assert extracted | failed == {r.chunk.id for r in done} and not extracted & failed
    assert len(extracted) + len(failed) == chunks
    assert brief.run.failed_chunks == len(failed)
    # Every extracted chunk's article is cited by the brief's verified claims and figures.
    cited = {s.article_id for item in [*brief.claims, *brief.figures] for s in item.sources}
    assert {a.id for a in work if f"{a.id}#0" not in failed} <= cited
    # Calls: every HTTP request the client started is counted, and the count is in budget.
    assert brief.run.calls == counter.admitted <= budget
    # The server saw them all, but for a request or two sent on a pooled connection the
    # server had just reset: those die in the client's socket and never reach the server.
    assert len(hits) <= brief.run.calls <= len(hits) + 2
    assert abs(len(faults) - 0.30 * len(others)) <= 1
    # The stubborn chunks fail after their re-asks, no more calls; the faults are survived.
    assert stubborn <= failed and len(stubborn_hits) == len(stubborn) * (reasks + 1)
    assert len(failed - stubborn) <= 3
    assert all(f.reason for f in brief.failures)
    # No invented number got through.
    assert all("9999" not in f.normalized for f in brief.figures)


def timeline(hits: list[Hit]) -> str:
    t0 = min(h.start for h in hits)
    return " ".join(f"{h.start - t0:.2f}" for h in sorted(hits, key=lambda h: h.start))


def most_in_window(hits: list[Hit], period: float, weight=lambda h: 1) -> int:
    """The most requests (or tokens) that reached the server within ``period`` seconds.

    The window is measured 30 ms short: the limiter times admissions at the client, and a
    request on a fresh connection reaches the server a few milliseconds later than one on
    a reused connection."""
    period -= 0.03
    starts = sorted(hits, key=lambda h: h.start)
    return max(
        sum(weight(o) for o in starts if h.start <= o.start < h.start + period) for h in starts
    )


def test_concurrency_bounds_requests_in_flight(fault_server: FaultApp):
    fault_server.delay = 0.05
    brief = asyncio.run(
        asummarize(articles(24), settings=settings(fault_server.url, concurrency=3, timeout=5))
    )
    print(f"\nconcurrency 3: peak in flight at the server {fault_server.peak}")
    assert not brief.failures and len(fault_server.hits) == 24
    assert fault_server.peak == 3  # used, and never exceeded


def test_rpm_bounds_requests_started_per_window(fault_server: FaultApp):
    period, rpm = 0.5, 5
    brief = asyncio.run(
        asummarize(
            articles(12),
            settings=settings(
                fault_server.url, concurrency=8, rpm=rpm, rate_period=period, timeout=5
            ),
        )
    )
    hits = fault_server.hits
    print(f"\nrpm {rpm} per {period} s, request starts: {timeline(hits)}")
    assert not brief.failures and len(hits) == 12
    assert most_in_window(hits, period) <= rpm
    # 12 requests at 5 a window need three windows: the limit was binding.
    assert max(h.start for h in hits) - min(h.start for h in hits) >= 2 * period - 0.05


def test_tpm_bounds_tokens_per_window(fault_server: FaultApp):
    period = 0.5

    def billed(hit: Hit) -> int:
        return len(json.dumps(hit.body)) // 4 + 64  # what the server bills, at most

    asyncio.run(asummarize(articles(1), settings=settings(fault_server.url, timeout=5)))
    one = billed(fault_server.hits[0])
    tpm = int(3.5 * one)  # room for three requests a window
    fault_server.reset()
    brief = asyncio.run(
        asummarize(
            articles(9),
            settings=settings(
                fault_server.url, concurrency=8, tpm=tpm, rate_period=period, timeout=5
            ),
        )
    )
    hits = fault_server.hits
    print(f"\ntpm {tpm} per {period} s, requests of ~{one} tokens, starts: {timeline(hits)}")
    assert not brief.failures and len(hits) == 9
    assert most_in_window(hits, period, billed) <= tpm
    # 9 requests at 3 a window need three windows: the limit was binding.
    assert max(h.start for h in hits) - min(h.start for h in hits) >= 2 * period - 0.05


def test_retry_after_pauses_every_request_not_just_the_one(fault_server: FaultApp):
    fault_server.plan = scripted(["429"])
    fault_server.retry_after = "1"
    fault_server.delay = 0.1  # the 429 comes back first; the others are still in flight
    brief = asyncio.run(
        asummarize(
            articles(6),
            settings=settings(fault_server.url, concurrency=4, rpm=1000, timeout=5),
        )
    )
    first = fault_server.hits[0]
    # Requests admitted before the client read the 429 may reach the server just after it.
    later = [h for h in fault_server.hits if h.start > first.end + 0.05]
    print(
        f"\n429 with Retry-After 1 s at {first.end - first.start:.2f}: starts "
        f"{timeline(fault_server.hits)}"
    )
    assert not brief.failures and first.kind == "429" and len(fault_server.hits) == 7
    # The retry and the chunks queued behind the 429 all waited it out.
    assert len(later) == 3 and min(h.start for h in later) - first.end >= 0.95


def test_rate_limiter_windows_with_a_fake_clock():
    from storysum.llm.limits import RateLimiter, estimate_tokens

    now = [0.0]
    slept: list[float] = []

    async def fake_sleep(seconds: float) -> None:
        slept.append(seconds)
        now[0] += seconds

    async def go() -> list[float]:
        limiter = RateLimiter(rpm=2, tpm=100, period=60, clock=lambda: now[0])
        starts = []
        for tokens in (40, 40, 40, 500):  # the third waits for tokens, the fourth goes alone
            ticket = await limiter.acquire(tokens)
            starts.append(ticket.at)
        return starts

    import unittest.mock

    with unittest.mock.patch("storysum.llm.limits.asyncio.sleep", fake_sleep):
        starts = asyncio.run(go())
    # rpm 2: the third request waits a window (and the margin for the time between being
    # admitted and arriving: a tenth of the period, at most 1 s); tpm 100: the 500-token one
    # waits for an empty window rather than forever.
    assert starts == [0.0, 0.0, 61.0, 122.0]
    assert estimate_tokens(b'{"messages": [], "max_tokens": 64}') == 64 + 34 // 4
