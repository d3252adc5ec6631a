"""Assertions on the inbox and on Temporal shared by the API tests."""

from __future__ import annotations

from typing import Any

from temporalio.testing import WorkflowEnvironment

from quote2cash.messages import deal_workflow_id
from quote2cash.store import IdMapRepository, InboxEntry, InboxRepository, InboxStatus, unit_of_work
from tests.api.support import Api


def entries(api: Api, **filters: Any) -> list[InboxEntry]:
    with unit_of_work(api.app.state.q2c.engine) as session:
        return InboxRepository(session).list(**filters)


def entry(api: Api, entry_id: int) -> InboxEntry:
    with unit_of_work(api.app.state.q2c.engine) as session:
        found = InboxRepository(session).get(entry_id)
    assert found is not None
    return found


async def settled(api: Api, entry_id: int) -> InboxEntry | None:
    """The entry once the relay is done with it (relayed, ignored, posted, held), else None."""
    found = entry(api, entry_id)
    done = (InboxStatus.RELAYED, InboxStatus.IGNORED, InboxStatus.POSTED, InboxStatus.HELD)
    return found if found.status in done else None


async def runs(env: WorkflowEnvironment, deal_id: str) -> int:
    query = f'WorkflowId = "{deal_workflow_id("hubspot", deal_id)}"'
    return len([w async for w in env.client.list_workflows(query)])


def our_invoice(api: Api, deal_id: str, invoice_id: str = "inv-1") -> None:
    """Record ``invoice_id`` as the deal's invoice, as the invoice activity does once
    Xero has created it: a payment naming it is then the deal's."""
    with unit_of_work(api.app.state.q2c.engine) as session:
        IdMapRepository(session).put(
            "xero", "invoice", deal_workflow_id("hubspot", deal_id), invoice_id
        )
