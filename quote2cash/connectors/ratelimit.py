"""Client-side rate limits: keep within a vendor's published limits, and obey its answers.

Proactive: each call reserves a start time in every sliding window of its bucket ("60
calls in any 60 s", "5,000 a day"), then waits for a concurrency slot. A call that would
wait longer than ``max_wait`` is not made: it raises ``RateLimited`` with that wait as
``retry_after``, so the activity gives its slot back to the worker and Temporal retries it
later, instead of sleeping into its start-to-close timeout.

Reactive: the vendor's headers correct the windows after every response (``Feedback``):
a lower ``Remaining`` than ours means someone else spends the same quota (another worker,
another app on the tenant), so we count their calls too; a ``Max`` / interval replaces
the configured window (HubSpot says which tier it is). A 429 pauses every call of the
limiter until its ``Retry-After``. A call that timed out keeps its concurrency slot a
while longer (``linger_after_timeout``): the vendor may still be running it.

One limiter per vendor per tenant (Xero) or per app token (HubSpot), shared by every
activity of a worker process (``activities.deps``). Time comes from an injected clock
and sleep, so tests are deterministic.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import time
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field

from quote2cash.connectors.errors import RateLimited, parse_retry_after

Clock = Callable[[], float]
Sleep = Callable[[float], Awaitable[None]]
DEFAULT_BUCKET = "default"
PAUSE_WITHOUT_RETRY_AFTER = 1.0


class Window:
    """At most ``limit`` call starts in any ``seconds``-long interval.

    Reservations are appended in time order (never before the last one), so the slot of
    the next call is simply ``limit`` reservations back plus the window's length.
    """

    def __init__(self, name: str, limit: int, seconds: float) -> None:
        if limit < 1 or seconds <= 0:
            raise ValueError(f"window {name}: limit and seconds must be positive")
        self.name = name
        self.limit = limit
        self.seconds = seconds
        self._starts: deque[float] = deque(maxlen=limit)

    def next_free(self, now: float) -> float:
        earliest = max(now, self._starts[-1]) if self._starts else now
        if len(self._starts) < self.limit:
            return earliest
        return max(earliest, self._starts[0] + self.seconds)

    def reserve(self, at: float) -> None:
        # Starts a window old can no longer hold anyone back: forget them (memory stays
        # bounded by the calls of one window, even with an effectively unlimited limit).
        while self._starts and self._starts[0] <= at - self.seconds:
            self._starts.popleft()
        self._starts.append(at)

    def remaining(self, now: float) -> int:
        used = sum(1 for t in self._starts if t > now - self.seconds)
        return self.limit - used

    def spend(self, calls: int, now: float) -> None:
        """Count ``calls`` made by someone else, as if they started now."""
        at = max(now, self._starts[-1]) if self._starts else now
        for _ in range(min(calls, self.limit)):
            self._starts.append(at)

    def resize(self, limit: int, seconds: float) -> None:
        if (limit, seconds) == (self.limit, self.seconds) or limit < 1 or seconds <= 0:
            return
        self.limit, self.seconds = limit, seconds
        self._starts = deque(self._starts, maxlen=limit)


@dataclass(frozen=True)
class Feedback:
    """What one response's headers say about the windows, by window name."""

    remaining: Mapping[str, int] = field(default_factory=dict)
    limits: Mapping[str, tuple[int, float]] = field(default_factory=dict)


ReadFeedback = Callable[[Mapping[str, str]], Feedback]


class Turn:
    """One call's turn; ``abandon()`` when the call timed out without an answer."""

    abandoned = False

    def abandon(self) -> None:
        self.abandoned = True


class RateLimiter:
    def __init__(
        self,
        vendor: str,
        buckets: Mapping[str, Sequence[Window]],
        *,
        concurrency: int | None = None,
        max_wait: float = 10.0,
        read_feedback: ReadFeedback | None = None,
        clock: Clock = time.monotonic,
        sleep: Sleep = asyncio.sleep,
        jitter: random.Random | None = None,
        linger_after_timeout: float = 0.0,
    ) -> None:
        self.vendor = vendor
        self.linger_after_timeout = linger_after_timeout
        """How long a call we stopped waiting for still holds its concurrency slot: the
        vendor may still be working on it, and counts it against the limit meanwhile."""
        self.buckets = {name: list(windows) for name, windows in buckets.items()}
        self.windows = {w.name: w for ws in self.buckets.values() for w in ws}
        self.max_wait = max_wait
        self._read_feedback = read_feedback
        self._clock = clock
        self._sleep = sleep
        self._jitter = jitter or random.Random()
        self._concurrency = asyncio.Semaphore(concurrency) if concurrency else None
        self.paused_until = 0.0
        self.deferred = 0
        """Calls refused because their slot was more than ``max_wait`` away."""

    @contextlib.asynccontextmanager
    async def slot(self, bucket: str = DEFAULT_BUCKET) -> AsyncIterator[Turn]:
        """Wait for this call's turn (or raise ``RateLimited``); hold a concurrency slot."""
        started = self._clock()
        wait = self._reserve(bucket, started)
        if wait > 0:
            await self._sleep(wait)
        turn = Turn()
        if self._concurrency is None:
            yield turn
            return
        await self._enter(max(0.001, self.max_wait - (self._clock() - started)))
        try:
            yield turn
        finally:
            if turn.abandoned and self.linger_after_timeout > 0:
                loop = asyncio.get_running_loop()
                loop.call_later(self.linger_after_timeout, self._concurrency.release)
            else:
                self._concurrency.release()

    async def _enter(self, budget: float) -> None:
        assert self._concurrency is not None
        if not self._concurrency.locked():
            await self._concurrency.acquire()
            return
        try:
            await asyncio.wait_for(self._concurrency.acquire(), budget)
        except TimeoutError:
            raise self._refusal(PAUSE_WITHOUT_RETRY_AFTER, "concurrent calls") from None

    def _reserve(self, bucket: str, now: float) -> float:
        windows = self.buckets.get(bucket) or self.buckets[DEFAULT_BUCKET]
        at = max([now, self.paused_until, *(w.next_free(now) for w in windows)])
        wait = at - now
        if wait > self.max_wait:
            busiest = max(windows, key=lambda w: w.next_free(now))
            reason = "paused by the vendor" if at == self.paused_until else busiest.name
            raise self._refusal(wait, reason)
        for window in windows:
            window.reserve(at)
        return wait

    def _refusal(self, wait: float, reason: str) -> RateLimited:
        # Jitter spreads the refused calls so their retries do not all arrive together.
        self.deferred += 1
        retry_after = round(wait + self._jitter.uniform(0, max(1.0, wait / 2)), 3)
        return RateLimited(
            self.vendor,
            f"client-side limit ({reason}): not called, next slot in {wait:.1f}s",
            status=None,
            retry_after=retry_after,
        )

    def observe(self, status: int, headers: Mapping[str, str]) -> None:
        """Correct the windows from a response; a 429 pauses every call."""
        now = self._clock()
        if status == 429:
            pause = parse_retry_after(headers.get("Retry-After"))
            until = now + (PAUSE_WITHOUT_RETRY_AFTER if pause is None else pause)
            self.paused_until = max(self.paused_until, until)
        if self._read_feedback is None:
            return
        feedback = self._read_feedback(headers)
        for name, (limit, seconds) in feedback.limits.items():
            if name in self.windows:
                self.windows[name].resize(limit, seconds)
        for name, theirs in feedback.remaining.items():
            window = self.windows.get(name)
            if window is not None:
                window.spend(window.remaining(now) - max(0, theirs), now)


def _int(headers: Mapping[str, str], name: str) -> int | None:
    try:
        return int(headers[name])
    except (KeyError, ValueError):
        return None


def xero_feedback(headers: Mapping[str, str]) -> Feedback:
    """``X-MinLimit-Remaining`` (tenant, minute), ``X-DayLimit-Remaining`` (tenant, day),
    ``X-AppMinLimit-Remaining`` (the app across tenants, minute)."""
    names = {
        "minute": "X-MinLimit-Remaining",
        "day": "X-DayLimit-Remaining",
        "app-minute": "X-AppMinLimit-Remaining",
    }
    found = {window: _int(headers, header) for window, header in names.items()}
    return Feedback(remaining={k: v for k, v in found.items() if v is not None})


def hubspot_feedback(headers: Mapping[str, str]) -> Feedback:
    """``X-HubSpot-RateLimit-Remaining`` of ``-Max`` per ``-Interval-Milliseconds``."""
    remaining = _int(headers, "X-HubSpot-RateLimit-Remaining")
    most = _int(headers, "X-HubSpot-RateLimit-Max")
    interval_ms = _int(headers, "X-HubSpot-RateLimit-Interval-Milliseconds")
    limits = {"interval": (most, interval_ms / 1000)} if most and interval_ms else {}
    return Feedback(
        remaining={} if remaining is None else {"interval": remaining},
        limits=limits,
    )


XERO_APP_CALLS_PER_MINUTE = 10_000
XERO_LINGER_AFTER_TIMEOUT = 10.0


def xero_limiter(
    *,
    per_minute: int,
    per_day: int,
    concurrency: int,
    max_wait: float,
    linger_after_timeout: float = XERO_LINGER_AFTER_TIMEOUT,
    clock: Clock = time.monotonic,
    sleep: Sleep = asyncio.sleep,
) -> RateLimiter:
    """Xero, one tenant: a minute and a day window, concurrent calls, the app's minute."""
    windows = [
        Window("minute", per_minute, 60),
        Window("day", per_day, 86_400),
        Window("app-minute", XERO_APP_CALLS_PER_MINUTE, 60),
    ]
    return RateLimiter(
        "xero",
        {DEFAULT_BUCKET: windows},
        concurrency=concurrency,
        max_wait=max_wait,
        read_feedback=xero_feedback,
        clock=clock,
        sleep=sleep,
        linger_after_timeout=linger_after_timeout,
    )


def hubspot_limiter(
    *,
    per_10s: int,
    search_per_second: int,
    max_wait: float,
    clock: Clock = time.monotonic,
    sleep: Sleep = asyncio.sleep,
) -> RateLimiter:
    """HubSpot, one private app: its ten-second window; searches also their own second."""
    interval = Window("interval", per_10s, 10)
    search = Window("search", search_per_second, 1)
    return RateLimiter(
        "hubspot",
        {DEFAULT_BUCKET: [interval], "search": [interval, search]},
        max_wait=max_wait,
        read_feedback=hubspot_feedback,
        clock=clock,
        sleep=sleep,
    )
