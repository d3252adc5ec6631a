"""An Australian customer's deal in an Australian organisation: invoiced at 10 % GST under
the organisation's ``OUTPUT`` tax type, booked by Xero to its receivable and GST
accounts, and paid into its bank account, as the emulator stores them."""

from __future__ import annotations

from decimal import Decimal

import httpx
import pytest

from quote2cash.devstack.driver import DealDriver
from quote2cash.devstack.scenarios import DealSpec, seed_deal
from quote2cash.messages import deal_workflow_id
from tests.e2e.conftest import Spine
from tests.e2e.paid import xero_list
from tests.recording import record_history

SYDNEY = DealSpec(
    label="GST on an Australian sale",
    company={"name": "Wattle Software Pty Ltd", "country": "Australia"},
    lines=[("PLAT-ANNUAL", "1", "0"), ("ONBOARD", "1", "0")],
    currency="AUD",
)


def _lines(journal: dict[str, object]) -> dict[str, tuple[Decimal, str]]:
    """Net amount and tax types per account code (one line per invoice line)."""
    lines = journal["JournalLines"]
    assert isinstance(lines, list)
    found: dict[str, tuple[Decimal, str]] = {}
    for line in lines:
        net, types = found.get(line["AccountCode"], (Decimal(0), ""))
        kind = str(line.get("TaxType", ""))
        joined = ",".join(sorted({*types.split(","), kind} - {""}))
        found[line["AccountCode"]] = (net + Decimal(str(line["NetAmount"])), joined)
    return found


@pytest.mark.parametrize("organisation", ["au"])
async def test_an_australian_deal_is_invoiced_with_gst_in_the_au_chart(spine: Spine) -> None:
    async with httpx.AsyncClient(timeout=20) as http:
        probe = DealDriver(spine.settings, spine.client, http, [])
        driver = DealDriver(
            spine.settings, spine.client, http, [await seed_deal(probe.hubspot, SYDNEY)]
        )
        await driver.close_all()
        assert await driver.run(60), f"deal stuck: {driver.counts()}"
        [invoice] = await xero_list(spine, http, "Invoices")
        journals = await xero_list(spine, http, "Journals")

    assert invoice["CurrencyCode"] == "AUD"
    assert invoice["Status"] == "PAID"
    for line in invoice["LineItems"]:
        assert (line["AccountCode"], line["TaxType"]) == ("200", "OUTPUT")
        assert Decimal(str(line["TaxAmount"])) == Decimal(str(line["LineAmount"])) / 10
    net, tax = Decimal(str(invoice["SubTotal"])), Decimal(str(invoice["TotalTax"]))
    assert tax == net / 10 > 0

    [sale] = [j for j in journals if j["SourceType"] == "ACCREC"]
    assert _lines(sale) == {
        "610": (net + tax, ""),  # Accounts Receivable (DEBTORS)
        "200": (-net, "OUTPUT"),  # Sales, GST on Income
        "820": (-tax, ""),  # GST (the GST system account)
    }
    [paid] = [j for j in journals if j["SourceType"] == "ACCRECPAYMENT"]
    assert _lines(paid) == {"090": (net + tax, ""), "610": (-(net + tax), "")}
    deal = spine.client.get_workflow_handle(deal_workflow_id("hubspot", driver.deals[0].deal_id))
    await record_history(deal, "deal_workflow_v14_au_chart")
