"""Client-side rate limits: requests and tokens per minute, shared by every call of a run.

Endpoints enforce quotas per minute (OpenAI's ``rpm``/``tpm``); staying under them costs
less than being told 429 and backing off. ``RateLimiter`` admits an HTTP request when the
last ``period`` seconds hold fewer than ``rpm`` requests and fewer than ``tpm`` tokens with
it counted in. A request's tokens are not known until its answer comes back, so it reserves
an estimate (its prompt and its whole completion budget) and ``settle`` corrects the
reservation to what the endpoint reported. ``hold`` pauses admissions when the endpoint
says ``Retry-After``: one 429 means the quota is spent for every caller, not just one.

A request is counted when it is admitted, just before it is written; the endpoint counts it
when it arrives, a little later (the event loop may be busy, the network slow). So a ticket
keeps its place for ``period`` plus a margin of a tenth of the period, at most a second:
measured, a request admitted at 0.00 s reached a local endpoint at up to 0.04 s while the
run was checking other chunks, and without the margin the endpoint saw 6 requests in a
0.5 s window limited to 5.

How many calls are *in flight* is bounded elsewhere (``extraction.extract_all``); this
module bounds how many *start* per period.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass


@dataclass
class Ticket:
    """One admitted request's place in the window; ``tokens`` is corrected by ``settle``."""

    at: float
    tokens: int


class RateLimiter:
    """Admit requests so no window of ``period`` seconds exceeds ``rpm`` or ``tpm``."""

    def __init__(
        self,
        *,
        rpm: int | None = None,
        tpm: int | None = None,
        period: float = 60.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if (rpm is not None and rpm < 1) or (tpm is not None and tpm < 1):
            raise ValueError("rpm and tpm must be at least 1")
        self.rpm = rpm
        self.tpm = tpm
        self.period = period
        self.margin = min(1.0, 0.1 * period)
        self._clock = clock
        self._window: deque[Ticket] = deque()
        self._held_until = 0.0
        # One lock: waiters are admitted in arrival order, and no one jumps a sleeper.
        self._lock = asyncio.Lock()
        self.waited = 0.0  # seconds spent waiting for admission, summed over requests
        self.admitted = 0  # requests let through: every HTTP request the client started

    @property
    def active(self) -> bool:
        return self.rpm is not None or self.tpm is not None

    def _prune(self, now: float) -> None:
        while self._window and self._window[0].at <= now - self.period - self.margin:
            self._window.popleft()

    def _delay(self, tokens: int, now: float) -> float:
        """Seconds until a request of ``tokens`` fits; 0 when it fits now."""
        self._prune(now)
        delay = max(0.0, self._held_until - now)
        if self.rpm is not None and len(self._window) >= self.rpm:
            oldest = self._window[len(self._window) - self.rpm]
            delay = max(delay, oldest.at + self.period + self.margin - now)
        if self.tpm is not None and self._window:
            # Drop the oldest requests until the rest plus this one fit. A request larger
            # than the whole budget goes alone into an empty window rather than never.
            excess = sum(t.tokens for t in self._window) + tokens - self.tpm
            for ticket in self._window:
                if excess <= 0:
                    break
                excess -= ticket.tokens
                delay = max(delay, ticket.at + self.period + self.margin - now)
        return delay

    async def acquire(self, tokens: int = 0) -> Ticket:
        """Wait until a request of about ``tokens`` may start, and count it."""
        async with self._lock:
            while True:
                now = self._clock()
                delay = self._delay(tokens, now)
                if delay <= 0:
                    ticket = Ticket(now, tokens)
                    self._window.append(ticket)
                    self.admitted += 1
                    return ticket
                self.waited += delay
                await asyncio.sleep(delay)

    def settle(self, ticket: Ticket, tokens: int) -> None:
        """The endpoint reported what the request really cost."""
        ticket.tokens = tokens

    def hold(self, seconds: float) -> None:
        """Admit nothing for ``seconds`` (the endpoint said Retry-After)."""
        self._held_until = max(self._held_until, self._clock() + seconds)


def estimate_tokens(body: bytes) -> int:
    """A request's worst case: its whole body at ~4 bytes a token, plus ``max_tokens``.

    Over-estimating only makes the limiter cautious until ``settle`` corrects it.
    """
    completion = 0
    try:
        request = json.loads(body)
        if isinstance(request, dict):
            budget = request.get("max_tokens") or request.get("max_completion_tokens") or 0
            completion = budget if isinstance(budget, int) else 0
    except ValueError:
        pass
    return len(body) // 4 + completion
