"""The bad-debts account: the write-off credit note against the running Xero emulator,
through the worker's real activities, refused before the devstack seed creates the
account and accepted (and allocated, settling the invoice) after it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date

import httpx
import pytest
from temporalio.exceptions import ApplicationError
from temporalio.testing import ActivityEnvironment

from activities.deps import Deps
from activities.models import AllocationRequest, CreditNoteRequest
from activities.refunds import RefundActivities
from quote2cash.billing.accounts import Accounts
from quote2cash.chart.presets import UK
from quote2cash.connect.accounts import AccountMismatch, ensure_bad_debts_account
from quote2cash.connectors.xero import XeroAccountIn, XeroClient
from quote2cash.sandbox.common.server import ThreadedServer
from quote2cash.settings import Settings
from tests.sandbox.conftest import XERO_TENANT, XERO_TOKEN
from tests.sandbox.factories import invoice
from tests.sandbox.test_xero_emulator import customer
from workflows.writeoff import write_off_note

NOT_VALID = "Account code 'BADDEBT' is not a valid code for this document."


@pytest.fixture
async def refunds(
    database_url: str, xero_server: ThreadedServer, xero_http: httpx.AsyncClient
) -> AsyncIterator[RefundActivities]:
    """The worker's refund activities on its real ``Deps``, over the contract-checked client."""
    settings = Settings(
        _env_file=None,
        database_url=database_url,
        xero_base_url=xero_server.url,
        xero_token=XERO_TOKEN,
        xero_tenant_id=XERO_TENANT,
    )
    deps = Deps.build(settings, xero_http)
    yield RefundActivities(deps)
    deps.engine.dispose()


async def _write_off_request(xero: XeroClient) -> tuple[CreditNoteRequest, str]:
    contact = await customer(xero)
    unpaid = await xero.create_invoice(invoice(contact_id=contact.contact_id), idempotency_key="i")
    assert unpaid.amount_due is not None
    note = write_off_note("GBP", "d-1", unpaid.amount_due, date(2024, 9, 1), Accounts())
    request = CreditNoteRequest(
        business_key="deal:hubspot:d-1:write_off",
        contact_id=contact.contact_id,
        invoice_number=unpaid.invoice_number or "",
        note=note,
    )
    return request, unpaid.invoice_id


async def test_write_off_is_refused_before_the_seed_and_settles_the_invoice_after(
    xero: XeroClient, refunds: RefundActivities
) -> None:
    request, invoice_id = await _write_off_request(xero)
    env = ActivityEnvironment()
    with pytest.raises(ApplicationError) as refused:
        await env.run(refunds.create_credit_note, request)
    assert refused.value.type == "Xero.ValidationFailed"
    assert refused.value.non_retryable
    assert NOT_VALID in refused.value.details

    created = await ensure_bad_debts_account(xero, UK)
    assert (created.code, created.name, created.type) == ("BADDEBT", "Bad Debts", "EXPENSE")
    assert (await ensure_bad_debts_account(xero, UK)).account_id == created.account_id

    ref = await env.run(refunds.create_credit_note, request)  # the deal's retry
    assert ref.total == request.note.total
    allocation = AllocationRequest(
        business_key=f"{request.business_key}:allocation",
        credit_note_id=ref.credit_note_id,
        invoice_id=invoice_id,
        amount=ref.total,
        on=request.note.issue_date,
    )
    await env.run(refunds.allocate_credit_note, allocation)
    settled = await xero.get_invoice(invoice_id)
    assert settled.status == "PAID"
    assert settled.amount_due == 0


async def test_the_seed_refuses_a_code_taken_by_another_kind_of_account(
    xero: XeroClient,
) -> None:
    taken = XeroAccountIn(code="BADDEBT", name="Bad Debt Recoveries", type="OTHERINCOME")
    await xero.create_account(taken, idempotency_key="user-made")
    with pytest.raises(AccountMismatch, match="OTHERINCOME account; write-offs need an expense"):
        await ensure_bad_debts_account(xero, UK)
