"""The missed-deal sweep's activity: won deals in the CRM that have no workflow.

The CRM search pages in order of last modification and restarts from the last time seen
before HubSpot's cap of 10,000 results per search, so a window of any size is read
whole. A deal already started (our id map says so) is counted and left alone; any
other is stored in the inbox, where the relay starts it exactly as a webhook would.
The mark only moves once everything found is stored: a sweep that fails is repeated
from the same place.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from temporalio import activity

from activities.deps import Deps
from activities.errors import vendor_errors
from quote2cash.connectors.hubspot import HubSpotFilter, HubSpotObject
from quote2cash.messages import deal_workflow_id
from quote2cash.store import IdMapRepository, InboxRepository
from quote2cash.store.columns import utcnow
from quote2cash.store.db import unit_of_work
from quote2cash.store.idmap import DEAL_RUN
from quote2cash.store.sweep import SweepMarkRepository
from quote2cash.sweep_model import (
    SWEEP_ACTIVITY,
    SWEPT_DEAL,
    SweepRequest,
    SweepResult,
    SweptDeal,
    swept_dedupe_key,
)

MARK = "won-deals:hubspot"
PROPERTIES = ("dealstage", "closedate", "hs_lastmodifieddate")
PAGE = 100
SEARCH_CAP = 9_900
"""HubSpot refuses to page past 10,000 results of one search: restart before that."""


class SweepActivities:
    def __init__(self, deps: Deps) -> None:
        self._deps = deps

    @activity.defn(name=SWEEP_ACTIVITY)
    async def sweep_won_deals(self, request: SweepRequest) -> SweepResult:
        until = utcnow()
        since = await asyncio.to_thread(self._since, request, until)
        with vendor_errors():
            deals = await self._won_since(since)
        started, recorded = await asyncio.to_thread(self._record, deals)
        await asyncio.to_thread(self._advance, until)
        return SweepResult(
            since=since, until=until, found=len(deals), already_started=started, recorded=recorded
        )

    def _since(self, request: SweepRequest, now: datetime) -> datetime:
        with unit_of_work(self._deps.engine) as session:
            mark = SweepMarkRepository(session).swept_until(MARK)
        if mark is None:
            return now - timedelta(hours=request.first_lookback_hours)
        return mark - timedelta(minutes=request.overlap_minutes)

    async def _won_since(self, since: datetime) -> list[HubSpotObject]:
        stages = self._deps.settings.hubspot_won_stages
        found: dict[str, HubSpotObject] = {}
        cursor, after, read = since, None, 0
        while True:
            page = await self._deps.hubspot.search(
                "deals",
                filter_groups=[
                    [
                        HubSpotFilter(property_name="dealstage", operator="IN", values=stages),
                        HubSpotFilter(
                            property_name="hs_lastmodifieddate",
                            operator="GTE",
                            value=str(_millis(cursor)),
                        ),
                    ]
                ],
                properties=PROPERTIES,
                sorts=["hs_lastmodifieddate"],
                limit=PAGE,
                after=after,
            )
            found.update((d.id, d) for d in page.results)
            read += len(page.results)
            activity.heartbeat(f"{len(found)} won deals since {since.isoformat()}")
            if page.after is None:
                return list(found.values())
            after = page.after
            last = _last_modified(page.results, cursor)
            # Start a new search where this one got to, before HubSpot's cap; one
            # millisecond holding 9,900 changes cannot move on, and pages into the cap.
            if read >= SEARCH_CAP and last > cursor:
                cursor, after, read = last, None, 0

    def _record(self, deals: Sequence[HubSpotObject]) -> tuple[int, list[str]]:
        started, recorded = 0, []
        with unit_of_work(self._deps.engine) as session:
            ids, inbox = IdMapRepository(session), InboxRepository(session)
            for deal in sorted(deals, key=lambda d: d.id):
                if ids.get("temporal", DEAL_RUN, deal_workflow_id("hubspot", deal.id)):
                    started += 1
                    continue
                body = SweptDeal(
                    deal_id=deal.id,
                    stage=deal.properties.get("dealstage") or "",
                    closed_at=_closed_at(deal),
                )
                _, is_new = inbox.record(
                    "sweep",
                    swept_dedupe_key("hubspot", deal.id),
                    {},
                    body.model_dump_json(),
                    kind=SWEPT_DEAL,
                )
                if is_new:
                    recorded.append(deal.id)
        return started, recorded

    def _advance(self, until: datetime) -> None:
        with unit_of_work(self._deps.engine) as session:
            SweepMarkRepository(session).advance(MARK, until)


def _millis(at: datetime) -> int:
    return int(at.timestamp() * 1000)


def _last_modified(deals: Sequence[HubSpotObject], floor: datetime) -> datetime:
    times = [d.updated_at for d in deals if d.updated_at is not None]
    return max([floor, *times])


def _closed_at(deal: HubSpotObject) -> datetime:
    """When the deal closed, as the CRM says; else its last change (when it was seen)."""
    raw = deal.properties.get("closedate")
    if raw:
        try:
            at = datetime.fromisoformat(raw.replace("Z", "+00:00"))
            return at if at.tzinfo else at.replace(tzinfo=UTC)
        except ValueError:
            pass
    return deal.updated_at or utcnow()
