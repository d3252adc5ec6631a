"""Partial refunds end to end: a deal paid through the real spine, refunded in parts
through the API and the CLI; one more than the rest is refused. The credit notes and
the cash refunds (payments against them) counted in the Xero emulator, the journals in
our ledger."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import httpx
import pytest
from temporalio.client import WorkflowFailureError
from temporalio.exceptions import ApplicationError
from typer.testing import CliRunner

from quote2cash.billing.accounts import Accounts
from quote2cash.billing.decimals import ZERO
from quote2cash.cli import app
from quote2cash.messages import refund_workflow_id
from quote2cash.reconciliation import run_reconciliation
from quote2cash.settings import get_settings
from quote2cash.store.db import make_engine, unit_of_work
from quote2cash.store.ledger import LedgerRepository
from tests.e2e.conftest import Spine
from tests.e2e.paid import paid_deal, receivable_and_cash, xero_list
from tests.recording import record_history

D = Decimal


def _cli_refund(spine: Spine, deal_id: str, amount: str, refund_id: str) -> tuple[int, str]:
    get_settings.cache_clear()
    env = {"Q2C_PUBLIC_API_URL": spine.api.url, "Q2C_TOKEN": spine.settings.ops_token}
    args = ["deals", "refund", deal_id, "--amount", amount, "--refund-id", refund_id]
    try:
        result = CliRunner().invoke(app, [*args, "--reason", "seats unused"], env=env)
    finally:
        get_settings.cache_clear()
    return result.exit_code, result.output


async def _result(spine: Spine, deal_id: str, refund_id: str) -> Any:
    handle = spine.client.get_workflow_handle(refund_workflow_id("hubspot", deal_id, refund_id))
    return await asyncio.wait_for(handle.result(), timeout=60)


async def test_partial_refunds_of_apaid_deal(spine: Spine) -> None:
    auth = {"Authorization": f"Bearer {spine.settings.ops_token}"}
    async with httpx.AsyncClient(timeout=20) as http:
        deal_id = await paid_deal(spine, http)
        [invoice] = await xero_list(spine, http, "Invoices")
        total = D(str(invoice["Total"]))
        path = f"{spine.api.url}/deals/hubspot/{deal_id}/refund"
        body = {"reason": "two seats unused", "amount": "10.00", "refund_id": "R1"}
        started = await http.post(path, json=body, headers=auth)
        assert started.status_code == 202, started.text
        assert started.json()["workflow_id"] == f"refund:hubspot:{deal_id}:R1"
        await _result(spine, deal_id, "R1")
        state = (await http.get(path, params={"refund_id": "R1"}, headers=auth)).json()
        again = await http.post(path, json=body, headers=auth)
        other = await http.post(path, json=body | {"amount": "11.00"}, headers=auth)
        half = await http.post(path, json={"reason": "x", "amount": "1.00"}, headers=auth)

        rest = total - D("10.00")
        code, output = await asyncio.to_thread(
            _cli_refund, spine, deal_id, str(rest + D("0.01")), "R2"
        )
        assert code == 0, output
        with pytest.raises(WorkflowFailureError) as refused:
            await _result(spine, deal_id, "R2")
        code, output = await asyncio.to_thread(_cli_refund, spine, deal_id, str(rest), "R3")
        assert code == 0, output
        await _result(spine, deal_id, "R3")
        full = await http.post(path, json={"reason": "all of it"}, headers=auth)
        [invoice] = await xero_list(spine, http, "Invoices")
        notes = await xero_list(spine, http, "CreditNotes")
        payments = await xero_list(spine, http, "Payments")
    # Xero sends no cash total on a credit note: what went back is its Payments, and
    # the day's reconciliation finds the refunded deal in order from them.
    summary = await run_reconciliation(spine.client, spine.settings, datetime.now(UTC).date())
    assert (summary.findings, summary.pending, summary.matched) == (0, 0, 1)

    assert (state["step"], state["amount"], state["done"]) == (
        "refunded",
        "10.00",
        ["amount reserved", "credit note", "cash refunded"],
    )
    # R1 is done: the same request is answered done, another amount under R1 refused.
    assert (again.status_code, again.json()["state"]) == (200, "done")
    assert other.status_code == 409
    assert "was asked for 10.00 (reason 'two seats unused')" in other.json()["detail"]
    assert half.status_code == 422  # an amount without a refund id
    assert full.status_code == 409  # a full refund would pay the partial ones back twice
    assert f"refund:hubspot:{deal_id}:R1" in full.json()["detail"]
    cause = refused.value.cause
    assert isinstance(cause, ApplicationError)
    assert cause.type == "RefundRefused"
    assert f"ask for at most {rest}" in cause.message
    assert [D(str(n["Total"])) for n in notes] == [D("10.00"), rest]
    assert {n["Status"] for n in notes} == {"PAID"}  # all their credit paid out as cash
    assert [[D(str(p["Amount"])) for p in n["Payments"]] for n in notes] == [[D("10.00")], [rest]]
    assert not any("AmountPaid" in n for n in notes)
    refunds = [p for p in payments if p["PaymentType"] == "ARCREDITPAYMENT"]
    assert sorted(D(str(p["Amount"])) for p in refunds) == sorted([D("10.00"), rest])
    # The invoice itself never changes: paid in full, the money back on the credit notes.
    assert (invoice["Status"], D(str(invoice["AmountPaid"]))) == ("PAID", total)
    engine = make_engine(spine.settings.db_url)
    with unit_of_work(engine) as session:
        ledger = LedgerRepository(session)
        assert ledger.count() == 6  # invoice, payment, 2 x (credit note, refund)
    engine.dispose()
    # Paid `total`; 10.00 and `rest` (= total - 10.00) paid back on credit notes: the
    # receivable is cleared and the bank is back where it started.
    assert D("10.00") + rest == total
    assert receivable_and_cash(spine, Accounts()) == {invoice["CurrencyCode"]: (ZERO, ZERO)}
    await record_history(
        spine.client.get_workflow_handle(refund_workflow_id("hubspot", deal_id, "R1")),
        "refund_workflow_v2_partial",
    )
