"""The rate limiter on a fake clock: proactive windows, concurrency, the vendors' answers."""

from __future__ import annotations

import asyncio

import pytest

from quote2cash.connectors.errors import RateLimited
from quote2cash.connectors.ratelimit import (
    RateLimiter,
    Window,
    hubspot_feedback,
    hubspot_limiter,
    xero_feedback,
    xero_limiter,
)


class FakeTime:
    """A clock that only moves when someone sleeps; every sleep is recorded."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(round(seconds, 6))
        self.now += seconds


def limiter(time: FakeTime, *windows: Window, max_wait: float = 100.0) -> RateLimiter:
    return RateLimiter(
        "xero",
        {"default": list(windows)},
        max_wait=max_wait,
        read_feedback=xero_feedback,
        clock=time.clock,
        sleep=time.sleep,
    )


async def call(limits: RateLimiter, times: int = 1, bucket: str = "default") -> None:
    for _ in range(times):
        async with limits.slot(bucket):
            pass


async def test_a_window_lets_its_limit_through_then_spaces_calls_by_the_window() -> None:
    time = FakeTime()
    limits = limiter(time, Window("minute", 3, 60))
    await call(limits, 3)
    assert time.sleeps == []
    await call(limits, 1)
    assert time.sleeps == [60.0]  # the first call leaves the window
    await call(limits, 2)
    assert time.sleeps == [60.0]  # the 2nd and 3rd left at the same moment
    await call(limits, 1)
    assert time.sleeps == [60.0, 60.0]


def test_no_sliding_window_ever_holds_more_than_the_limit() -> None:
    time = FakeTime()
    window = Window("minute", 60, 60)
    starts = []
    for i in range(500):
        time.now = 1000 + i * 0.3  # 200 calls a minute wanted
        at = window.next_free(time.now)
        window.reserve(at)
        starts.append(at)
    assert starts == sorted(starts)
    for first in starts:
        assert sum(1 for s in starts if first <= s < first + 60) <= 60


async def test_every_window_of_the_bucket_must_agree() -> None:
    time = FakeTime()
    limits = limiter(time, Window("minute", 60, 60), Window("day", 2, 86_400))
    await call(limits, 2)
    with pytest.raises(RateLimited) as caught:
        await call(limits)
    assert caught.value.status is None  # refused here, never sent
    assert "day" in caught.value.detail
    assert caught.value.retry_after is not None
    assert caught.value.retry_after >= 86_400
    assert limits.deferred == 1


async def test_a_call_beyond_max_wait_is_refused_with_a_jittered_retry_after() -> None:
    time = FakeTime()
    limits = limiter(time, Window("second", 1, 1), max_wait=5)
    await call(limits, 6)  # 5 waits of one second each: within the budget
    assert time.sleeps == [1.0] * 5
    waits = [limits._reserve("default", time.now) for _ in range(5)]  # five callers queue
    assert waits == [1.0, 2.0, 3.0, 4.0, 5.0]
    with pytest.raises(RateLimited) as caught:
        await call(limits)
    assert caught.value.retry_after is not None
    assert 6.0 <= caught.value.retry_after <= 9.0


async def test_searches_count_in_their_own_window_and_in_the_general_one() -> None:
    time = FakeTime()
    limits = hubspot_limiter(
        per_10s=100, search_per_second=4, max_wait=30, clock=time.clock, sleep=time.sleep
    )
    await call(limits, 4, bucket="search")
    await call(limits, 10)  # ordinary calls are not held back by the search limit
    assert time.sleeps == []
    await call(limits, 1, bucket="search")
    assert time.sleeps == [1.0]
    assert limits.windows["interval"].remaining(time.now) == 100 - 15


async def test_concurrency_caps_calls_in_flight() -> None:
    limits = xero_limiter(per_minute=1000, per_day=5000, concurrency=2, max_wait=5)
    in_flight = peak = 0

    async def one() -> None:
        nonlocal in_flight, peak
        async with limits.slot():
            in_flight += 1
            peak = max(peak, in_flight)
            await asyncio.sleep(0.01)
            in_flight -= 1

    await asyncio.gather(*(one() for _ in range(7)))
    assert peak == 2


async def test_a_full_concurrency_cap_beyond_max_wait_is_refused() -> None:
    limits = xero_limiter(per_minute=1000, per_day=5000, concurrency=1, max_wait=0.05)
    async with limits.slot():
        with pytest.raises(RateLimited) as caught:
            await call(limits)
    assert "concurrent" in caught.value.detail
    await call(limits)  # the slot is free again


async def test_a_429_pauses_every_call_until_retry_after() -> None:
    time = FakeTime()
    limits = limiter(time, Window("minute", 60, 60))
    limits.observe(429, {"Retry-After": "7", "X-Rate-Limit-Problem": "minute"})
    await call(limits)
    assert time.sleeps == [7.0]
    limits.observe(429, {})  # no Retry-After: a short pause anyway
    await call(limits)
    assert time.sleeps == [7.0, 1.0]


async def test_a_daily_429_refuses_calls_instead_of_sleeping_for_hours() -> None:
    time = FakeTime()
    limits = limiter(time, Window("minute", 60, 60), max_wait=10)
    limits.observe(429, {"Retry-After": "3600", "X-Rate-Limit-Problem": "daily"})
    with pytest.raises(RateLimited) as caught:
        await call(limits)
    assert "paused by the vendor" in caught.value.detail
    assert caught.value.retry_after is not None
    assert caught.value.retry_after >= 3600


async def test_xero_remaining_headers_count_calls_someone_else_made() -> None:
    time = FakeTime()
    limits = limiter(time, Window("minute", 60, 60), Window("day", 5000, 86_400))
    await call(limits, 10)
    # Another worker on the same tenant spent 40 more calls this minute.
    limits.observe(200, {"X-MinLimit-Remaining": "10", "X-DayLimit-Remaining": "4950"})
    assert limits.windows["minute"].remaining(time.now) == 10
    assert limits.windows["day"].remaining(time.now) == 4950
    await call(limits, 10)
    assert time.sleeps == []
    await call(limits, 1)
    assert time.sleeps == [60.0]


async def test_remaining_headers_never_loosen_our_own_count() -> None:
    time = FakeTime()
    limits = limiter(time, Window("minute", 60, 60))
    await call(limits, 30)
    limits.observe(200, {"X-MinLimit-Remaining": "59"})
    assert limits.windows["minute"].remaining(time.now) == 30


def test_hubspot_headers_set_the_tier_and_the_remaining_count() -> None:
    time = FakeTime()
    limits = hubspot_limiter(
        per_10s=100, search_per_second=4, max_wait=30, clock=time.clock, sleep=time.sleep
    )
    limits.observe(
        200,
        {
            "X-HubSpot-RateLimit-Max": "190",
            "X-HubSpot-RateLimit-Interval-Milliseconds": "10000",
            "X-HubSpot-RateLimit-Remaining": "150",
        },
    )
    assert limits.windows["interval"].limit == 190
    assert limits.windows["interval"].remaining(time.now) == 150


def test_feedback_readers_ignore_missing_and_garbled_headers() -> None:
    assert xero_feedback({"X-MinLimit-Remaining": "soon"}).remaining == {}
    assert hubspot_feedback({}).remaining == {}
    assert hubspot_feedback({}).limits == {}
    assert xero_feedback({"X-AppMinLimit-Remaining": "9000"}).remaining == {"app-minute": 9000}


async def test_a_timed_out_call_keeps_its_concurrency_slot_a_while() -> None:
    limits = xero_limiter(
        per_minute=1000, per_day=5000, concurrency=1, max_wait=0.01, linger_after_timeout=0.1
    )
    async with limits.slot() as turn:
        turn.abandon()  # the vendor may still be working on it
    with pytest.raises(RateLimited):
        await call(limits)
    await asyncio.sleep(0.15)
    await call(limits)
    async with limits.slot():  # an answered call frees its slot at once
        pass
    await call(limits)
