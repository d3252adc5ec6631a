"""The bodies of ``POST /subscriptions`` and ``.../usage``: what a person writes
(examples/subscription.json, examples/usage.json).

Two things of the workflow's input a person cannot know or should not have to write:
the customer's contact id in Xero (found in our id map by the bill-to customer key, the
contact a deal of that customer created) and the start day (today in the customer's time
zone); likewise a usage event's time (when it was received). Everything else is the
workflow's ``SubscriptionStart`` and ``UsageBatch`` as they are.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from pydantic import BaseModel, Field
from sqlalchemy.engine import Engine

from quote2cash.api.errors import Conflict
from quote2cash.billing.snapshot import QuoteSnapshot
from quote2cash.messages import (
    SubscriptionStart,
    SubscriptionTerms,
    UsageBatch,
    UsageRecord,
)
from quote2cash.store import unit_of_work
from quote2cash.store.idmap import IdMapRepository


class SubscriptionTermsIn(SubscriptionTerms):
    contact_id: str = Field(
        default="",
        description="The customer's Xero contact; empty: the one our id map holds for "
        "snapshot.bill_to.customer_key (a deal of that customer created it).",
    )
    starts_on: date | None = Field(  # type: ignore[assignment]
        default=None, description="First day; none: today in the customer's time zone."
    )


class SubscriptionRequest(BaseModel):
    terms: SubscriptionTermsIn
    snapshot: QuoteSnapshot


def _contact_of(engine: Engine, customer_key: str) -> str:
    with unit_of_work(engine) as session:
        return IdMapRepository(session).get("xero", "contact", customer_key) or ""


async def subscription_start(engine: Engine, body: SubscriptionRequest) -> SubscriptionStart:
    """The workflow's input: the contact and the start day filled in where not given."""
    terms = body.terms
    contact_id = terms.contact_id
    if not contact_id:
        key = body.snapshot.bill_to.customer_key
        contact_id = await asyncio.to_thread(_contact_of, engine, key)
        if not contact_id:
            raise Conflict(
                f"no Xero contact is known for customer {key}: give terms.contact_id, or "
                "bill a deal of that customer first (it creates the contact)"
            )
    starts_on = terms.starts_on or datetime.now(UTC).astimezone(ZoneInfo(terms.timezone)).date()
    fields = terms.model_dump() | {"contact_id": contact_id, "starts_on": starts_on}
    return SubscriptionStart(terms=SubscriptionTerms(**fields), snapshot=body.snapshot)


class UsageRecordIn(UsageRecord):
    occurred_at: datetime | None = Field(  # type: ignore[assignment]
        default=None, description="When it happened; none: when it was received."
    )


class UsageBatchIn(BaseModel):
    events: list[UsageRecordIn]

    def received(self, now: datetime) -> UsageBatch:
        """The batch with every event's time, ``now`` where the sender gave none."""
        events = [
            UsageRecord(**e.model_dump() | {"occurred_at": e.occurred_at or now})
            for e in self.events
        ]
        return UsageBatch(events=events)
