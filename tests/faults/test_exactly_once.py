"""Invariant 2 against lost answers: the vendor acted, the connection dropped before the
activity heard, Temporal retried it. The retry must find the first write, not repeat it.

Each activity runs in Temporal's ``ActivityEnvironment``; a "retry" is the same activity
run again with the same input, as Temporal would after the retryable failure.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import date
from typing import TypeVar

import pytest
from temporalio.exceptions import ApplicationError
from temporalio.testing import ActivityEnvironment

from activities.accounting import AccountingActivities
from activities.crm import CrmActivities
from activities.models import CustomerRequest, InvoiceRequest, WriteBackRequest
from quote2cash.billing.invoice import build_invoice
from quote2cash.sandbox.common.faults import FaultConfig, RouteFault
from tests.billing.factories import bill_to, snapshot
from tests.faults.conftest import Vendors

XERO = "/api.xro/2.0"
WORKFLOW_ID = "deal:hubspot:lost-answers"
A = TypeVar("A")
R = TypeVar("R")


def lost_after_commit(path: str, method: str) -> FaultConfig:
    return FaultConfig(routes=[RouteFault(path=path, methods=[method], drop_after_rate=1.0)])


async def retried(env: ActivityEnvironment, activity: Callable[[A], Awaitable[R]], request: A) -> R:
    """Run once (the answer is lost: a retryable failure), then once more."""
    with pytest.raises(ApplicationError) as caught:
        await env.run(activity, request)
    assert caught.value.type == "Xero.Unavailable"
    assert not caught.value.non_retryable
    return await env.run(activity, request)


async def test_a_lost_invoice_answer_does_not_create_a_second_invoice(vendors: Vendors) -> None:
    env = ActivityEnvironment()
    accounting = AccountingActivities(vendors.deps)
    customer = await env.run(
        accounting.ensure_customer, CustomerRequest(deal_id="d1", bill_to=bill_to())
    )
    request = InvoiceRequest(
        workflow_id=WORKFLOW_ID,
        business_key=f"{WORKFLOW_ID}:invoice:1",
        contact_id=customer.accounting_contact_id,
        invoice=build_invoice(snapshot(), issue_date=date(2026, 11, 2)),
    )
    # Every invoice create keeps losing its answer, during the retry too: only the
    # lookup by number before creating can make the retry succeed.
    await vendors.faults(vendors.xero, lost_after_commit(f"{XERO}/Invoices", "PUT"))
    ref = await retried(env, accounting.create_invoice, request)

    invoices = await vendors.deps.xero.list_invoices(invoice_numbers=[ref.invoice_number])
    assert [i.invoice_id for i in invoices] == [ref.invoice_id]
    assert await vendors.counts(vendors.xero) == {"drop_after": 1}


async def test_a_lost_contact_answer_does_not_create_a_second_contact(vendors: Vendors) -> None:
    env = ActivityEnvironment()
    accounting = AccountingActivities(vendors.deps)
    await vendors.faults(vendors.xero, lost_after_commit(f"{XERO}/Contacts", "PUT"))
    customer = await retried(
        env, accounting.ensure_customer, CustomerRequest(deal_id="d1", bill_to=bill_to())
    )
    assert not customer.created
    found = await vendors.deps.xero.find_contact(contact_number=bill_to().customer_key)
    assert found is not None
    assert str(found.contact_id) == customer.accounting_contact_id
    assert await vendors.counts(vendors.xero) == {"drop_after": 1}


async def test_a_lost_write_back_answer_is_repeated_harmlessly(vendors: Vendors) -> None:
    env = ActivityEnvironment()
    deal = await vendors.deps.hubspot.create_object("deals", {"dealname": "Lost answers"})
    await vendors.faults(
        vendors.hubspot,
        FaultConfig(routes=[RouteFault(path="/crm/*", methods=["PATCH"], drop_after_rate=1.0)]),
    )
    props = {"q2c_invoice_number": "INV-000001", "q2c_invoice_status": "PAID"}
    crm = CrmActivities(vendors.deps)
    for _ in range(2):  # the same-value PATCH, twice, each answer lost
        with pytest.raises(ApplicationError, match="HubSpot"):
            await env.run(crm.write_back, WriteBackRequest(deal_id=deal.id, properties=props))
    await vendors.faults(vendors.hubspot, FaultConfig())
    await env.run(crm.write_back, WriteBackRequest(deal_id=deal.id, properties=props))
    read = await vendors.deps.hubspot.get_deal(deal.id, properties=list(props), associations=())
    assert {k: read.properties.get(k) for k in props} == props
