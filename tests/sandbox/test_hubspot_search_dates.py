"""CRM search on dates as HubSpot does it: filter values in epoch milliseconds against
datetime properties, and no paging past the 10,000th result."""

from __future__ import annotations

import asyncio
from datetime import datetime

import pytest

from quote2cash.connectors.errors import ValidationFailed
from quote2cash.connectors.hubspot import HubSpotClient, HubSpotFilter


def _millis(iso: str | None) -> int:
    assert iso is not None
    return int(datetime.fromisoformat(iso.replace("Z", "+00:00")).timestamp() * 1000)


async def test_datetime_filters_take_epoch_milliseconds(hubspot: HubSpotClient) -> None:
    first = await hubspot.create_object("deals", {"dealname": "early", "dealstage": "closedwon"})
    await asyncio.sleep(0.05)
    second = await hubspot.create_object("deals", {"dealname": "late", "dealstage": "closedwon"})
    since = _millis(second.properties["hs_lastmodifieddate"])
    assert since > _millis(first.properties["hs_lastmodifieddate"])

    page = await hubspot.search(
        "deals",
        filter_groups=[
            [HubSpotFilter(property_name="hs_lastmodifieddate", operator="GTE", value=str(since))]
        ],
        properties=["dealname"],
        sorts=["hs_lastmodifieddate"],
    )
    assert [d.properties["dealname"] for d in page.results] == ["late"]


async def test_search_refuses_to_page_past_ten_thousand(hubspot: HubSpotClient) -> None:
    with pytest.raises(ValidationFailed, match="limited to 10000"):
        await hubspot.search("deals", filter_groups=[], properties=[], limit=100, after="9950")
