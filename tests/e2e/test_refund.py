"""A refund end to end: a deal paid through the real spine, refunded through the API;
the credit note, the removed payment and the allocation counted in the Xero emulator,
the journals in our ledger."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime

import httpx
import pytest

from quote2cash.billing.decimals import ZERO
from quote2cash.chart.presets import PRESETS
from quote2cash.reconciliation import run_reconciliation
from quote2cash.sandbox.xero.reference_data import Region
from quote2cash.store.db import make_engine, unit_of_work
from quote2cash.store.ledger import LedgerRepository
from tests.e2e.charted import assert_lines_charted
from tests.e2e.conftest import Spine
from tests.e2e.paid import paid_deal, receivable_and_cash, xero_list
from tests.recording import record_history


@pytest.mark.parametrize("organisation", ["uk", "au"])
async def test_refund_of_apaid_deal(spine: Spine, organisation: Region) -> None:
    auth = {"Authorization": f"Bearer {spine.settings.ops_token}"}
    async with httpx.AsyncClient(timeout=20) as http:
        deal_id = await paid_deal(spine, http)
        path = f"{spine.api.url}/deals/hubspot/{deal_id}/refund"
        started = await http.post(path, json={"reason": "service not delivered"}, headers=auth)
        assert started.status_code == 202, started.text
        deadline = time.monotonic() + 60
        while (state := (await http.get(path, headers=auth)).json()).get("step") != "refunded":
            assert time.monotonic() < deadline, state
            await asyncio.sleep(0.2)
        again = await http.post(path, json={"reason": "twice"}, headers=auth)
        [invoice] = await xero_list(spine, http, "Invoices")
        [note] = await xero_list(spine, http, "CreditNotes")
        payments = await xero_list(spine, http, "Payments")
        journals = await xero_list(spine, http, "Journals")
    # Xero sends no cash total on a credit note: what went back is its Payments, and
    # the day's reconciliation finds the refunded deal in order from them.
    summary = await run_reconciliation(spine.client, spine.settings, datetime.now(UTC).date())
    assert (summary.findings, summary.pending, summary.matched) == (0, 0, 1)

    assert again.status_code == 409  # one refund per deal
    assert state["done"] == [
        "amount reserved",
        "credit note",
        "payments removed",
        "credit note allocated",
    ]
    assert note["Total"] == invoice["Total"]
    assert note["Status"] == "PAID"  # fully allocated
    assert invoice["AmountPaid"] == 0
    assert invoice["AmountCredited"] == invoice["Total"]
    assert [p["Status"] for p in payments] == ["DELETED"]
    mapping = PRESETS[organisation]
    assert_lines_charted(mapping, [invoice, note])
    [credited] = [j for j in journals if j["SourceType"] == "ACCRECCREDIT"]
    assert mapping.accounts.receivable in {line["AccountCode"] for line in credited["JournalLines"]}
    engine = make_engine(spine.settings.db_url)
    with unit_of_work(engine) as session:
        ledger = LedgerRepository(session)
        assert ledger.count() == 4  # invoice, payment, credit note, refund
    engine.dispose()
    # Paid in, credited in full and paid back: nothing owed, nothing kept.
    assert receivable_and_cash(spine, mapping.accounts) == {invoice["CurrencyCode"]: (ZERO, ZERO)}
    # The Australian run's snapshot and drafts carry the AU chart: that shape replays too.
    name = {"uk": "refund_workflow_v1", "au": "refund_workflow_v5_au_chart"}[organisation]
    await record_history(spine.client.get_workflow_handle(f"refund:hubspot:{deal_id}"), name)
