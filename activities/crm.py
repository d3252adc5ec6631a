"""CRM activities: read a closed deal into a snapshot; write the outcome back."""

from __future__ import annotations

from temporalio import activity

from activities.crm_mapping import (
    COMPANY_PROPERTIES,
    DEAL_PROPERTIES,
    LINE_PROPERTIES,
    build_snapshot,
)
from activities.deps import Deps
from activities.errors import InvalidMasterData, vendor_errors
from activities.models import DealOwner, SnapshotRequest, WriteBackRequest
from quote2cash.billing.snapshot import QuoteSnapshot


class CrmActivities:
    def __init__(self, deps: Deps) -> None:
        self._hubspot = deps.hubspot
        self._mapping = deps.mapping

    @activity.defn
    async def fetch_snapshot(self, request: SnapshotRequest) -> QuoteSnapshot:
        with vendor_errors():
            deal = await self._hubspot.get_deal(
                request.deal_id,
                properties=DEAL_PROPERTIES,
                associations=("line_items", "companies"),
            )
            companies = deal.associations.get("companies", [])
            if not companies:
                raise InvalidMasterData(
                    f"HubSpot deal {deal.id} has no associated company to bill; associate one"
                )
            items = await self._hubspot.batch_read(
                "line_items", deal.associations.get("line_items", []), properties=LINE_PROPERTIES
            )
            company = await self._hubspot.get_object(
                "companies", sorted(companies)[0], properties=COMPANY_PROPERTIES
            )
            snapshot = build_snapshot(deal, items, company)
        # The deal is sold by, and booked in, the billing entity's organisation.
        return snapshot.model_copy(
            update={"accounts": self._mapping.accounts, "seller_country": self._mapping.country}
        )

    @activity.defn
    async def deal_owner(self, request: SnapshotRequest) -> DealOwner:
        with vendor_errors():
            deal = await self._hubspot.get_deal(
                request.deal_id, properties=("hubspot_owner_id",), associations=()
            )
        owner = deal.properties.get("hubspot_owner_id") or ""
        return DealOwner(deal_id=request.deal_id, owner_id=str(owner))

    @activity.defn
    async def write_back(self, request: WriteBackRequest) -> None:
        # Same-value PATCH: repeating it leaves the deal as it was.
        with vendor_errors():
            await self._hubspot.update_deal(request.deal_id, request.properties)
