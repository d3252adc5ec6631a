"""The whole path the spine walks, on both emulators, through the clients only:
a deal closes in HubSpot, a signed webhook says so, the deal is read with its lines, the
customer and invoice land in Xero, a payment settles it, Xero's journals balance, and the
outcome is written back on the deal."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from decimal import Decimal

import httpx
import pytest

from quote2cash.connectors.hubspot import HubSpotClient
from quote2cash.connectors.xero import XeroClient
from quote2cash.connectors.xero_models import (
    XeroContactIn,
    XeroContactRef,
    XeroInvoiceIn,
    XeroLineItemIn,
)
from quote2cash.devstack.seed import prepare_crm
from quote2cash.sandbox.common.server import ThreadedServer
from quote2cash.sandbox.hubspot import create_app as hubspot_app
from quote2cash.sandbox.hubspot.seed import seed
from quote2cash.sandbox.xero import create_app as xero_app
from quote2cash.settings import Settings
from tests.sandbox.conftest import (
    HUBSPOT_TOKEN,
    XERO_TENANT,
    XERO_TOKEN,
    hubspot_config,
    xero_config,
)
from tests.sandbox.factories import payment
from tests.sandbox.receiver import Receiver


@pytest.fixture
def both(receiver: Receiver) -> Iterator[tuple[str, str]]:
    hubspot = hubspot_app(hubspot_config(webhook_url=f"{receiver.url}/hubspot"))
    xero = xero_app(xero_config(webhook_url=f"{receiver.url}/xero"))
    with ThreadedServer(hubspot) as crm, ThreadedServer(xero) as books:
        yield crm.url, books.url


async def test_closed_won_deal_to_paid_invoice(
    both: tuple[str, str],
    receiver: Receiver,
    http: httpx.AsyncClient,
    xero_http: httpx.AsyncClient,
) -> None:
    crm_url, books_url = both
    crm = HubSpotClient(http, base_url=crm_url, token=HUBSPOT_TOKEN)
    books = XeroClient(xero_http, base_url=books_url, tenant_id=XERO_TENANT, token=XERO_TOKEN)
    # As a user does before any deal: the quote2cash properties the write-back sets.
    await prepare_crm(Settings(hubspot_base_url=crm_url, hubspot_token=HUBSPOT_TOKEN), http)
    deal_id = (await seed(crm))["deals"][0]
    await crm.update_deal(deal_id, {"dealstage": "closedwon"})

    (closed,) = await receiver.wait_for(1)
    assert closed.verified
    assert closed.body[0]["objectId"] == int(deal_id)

    deal = await crm.get_deal(deal_id, properties=["dealname", "deal_currency_code"])
    lines = await crm.batch_read(
        "line_items",
        deal.associations["line_items"],
        properties=["name", "quantity", "price", "hs_discount_percentage", "hs_sku"],
    )
    (company_id,) = deal.associations["companies"]
    company = await crm.get_object("companies", company_id, properties=["name", "q2c_vat_id"])

    key = f"hubspot-company-{company.id}"
    contact = await books.find_contact(contact_number=key) or await books.create_contact(
        XeroContactIn(
            name=company.properties["name"] or "?",
            contact_number=key,
            tax_number=company.properties["q2c_vat_id"],
        ),
        idempotency_key=f"contact:{key}",
    )
    invoice = await books.create_invoice(
        XeroInvoiceIn(
            contact=XeroContactRef(contact_id=contact.contact_id),
            invoice_number="INV-0001",
            status="AUTHORISED",
            date=date(2024, 5, 1),
            due_date=date(2024, 5, 31),
            currency_code=deal.properties["deal_currency_code"],
            line_items=[
                XeroLineItemIn(
                    description=x.properties["name"] or "",
                    quantity=Decimal(x.properties["quantity"] or "1"),
                    unit_amount=Decimal(x.properties["price"] or "0"),
                    discount_rate=Decimal(x.properties["hs_discount_percentage"] or "0"),
                    item_code=None,
                    account_code="200",
                    tax_type="OUTPUT2",
                )
                for x in lines
            ],
        ),
        idempotency_key=f"deal:{deal_id}:invoice:1",
    )
    assert (invoice.sub_total, invoice.total_tax, invoice.total) == (
        Decimal("13300.00"),
        Decimal("2660.00"),
        Decimal("15960.00"),
    )

    await books.create_payment(
        payment(invoice_id=invoice.invoice_id, amount="15960.00"),
        idempotency_key=f"deal:{deal_id}:payment:1",
    )
    paid = await books.get_invoice(invoice.invoice_id)
    assert paid.status == "PAID"
    journals = await books.list_journals()
    assert all(sum(x.net_amount for x in j.journal_lines) == 0 for j in journals)

    await crm.update_deal(deal_id, {"q2c_invoice_number": "INV-0001", "q2c_invoice_status": "PAID"})
    back = await crm.get_deal(deal_id, properties=["q2c_invoice_status"])
    assert back.properties["q2c_invoice_status"] == "PAID"
    xero_events = [d for d in await receiver.wait_for(3) if d.vendor == "xero"]
    assert {e["eventType"] for d in xero_events for e in d.body["events"]} >= {"CREATE"}
