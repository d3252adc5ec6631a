"""The reconciliation activity's paging: every page read once, a rate limit waited out
on the same page instead of starting the listing over."""

from __future__ import annotations

from temporalio.testing import ActivityEnvironment

from activities import reconciliation
from activities.reconciliation import _all_pages, _day
from quote2cash.connectors.errors import RateLimited


async def test_pages_until_a_short_one_and_waits_out_a_rate_limit() -> None:
    asked: list[int] = []
    limited = [True]

    async def fetch(page: int) -> list[int]:
        asked.append(page)
        if page == 2 and limited[0]:
            limited[0] = False
            raise RateLimited("xero", "slow down", retry_after=0.01)
        return list(range(100)) if page < 3 else [7, 8, 9]

    beats: list[object] = []
    env = ActivityEnvironment()
    env.on_heartbeat = lambda *details: beats.append(details)
    items = await env.run(_all_pages, fetch, "invoices")
    assert len(items) == 203
    assert asked == [1, 2, 2, 3]
    assert any("rate limited at page 2" in str(b) for b in beats)


async def test_an_exact_multiple_of_the_page_size_ends_on_an_empty_page() -> None:
    async def fetch(page: int) -> list[int]:
        return list(range(reconciliation.XERO_PAGE)) if page == 1 else []

    assert len(await ActivityEnvironment().run(_all_pages, fetch, "credit notes")) == 100


def test_hubspot_dates_in_either_form() -> None:
    assert str(_day("2026-11-27T10:11:12.000Z")) == "2026-11-27"
    assert str(_day("1795000000000")) == "2026-11-18"
    assert _day("") is None
    assert _day("not a date") is None
