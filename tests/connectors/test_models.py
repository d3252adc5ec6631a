"""Vendor shapes, checked against the documented examples.

HubSpot: https://developers.hubspot.com/docs/api-reference/crm-objects-v3/guide (a record
is ``{id, properties, createdAt, updatedAt, archived, associations?}``; properties are
strings) and https://developers.hubspot.com/docs/api-reference/crm-associations-v4/guide.
Xero: examples of ``xero_accounting.yaml`` v16.1.0 (``/Date(ms+0000)/`` dates).
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

from quote2cash.connectors import jsoncodec
from quote2cash.connectors.hubspot_models import (
    HubSpotObject,
    SimplePublicObject,
    WebhookEvent,
    canonical_type,
)
from quote2cash.connectors.xero_dates import date_string, msdate, parse_date, parse_datetime
from quote2cash.connectors.xero_models import XeroInvoice, XeroJournal


def test_hubspot_record_with_associations_normalised() -> None:
    # Shape of GET /crm/v3/objects/deals/{id}?associations=line_items,companies.
    wire = SimplePublicObject.model_validate(
        {
            "id": "512",
            "properties": {"dealname": "Big deal", "amount": "100.00", "closedate": None},
            "createdAt": "2019-10-30T03:30:17.883Z",
            "updatedAt": "2019-12-07T16:50:06.678Z",
            "archived": False,
            "associations": {
                "line items": {"results": [{"id": "9", "type": "deal_to_line_item"}]},
                "companies": {"results": [{"id": "77", "type": "deal_to_company"}]},
            },
        }
    )
    record = HubSpotObject.from_wire(wire)
    assert record.associations == {"line_items": ["9"], "companies": ["77"]}
    assert record.properties["closedate"] is None
    assert record.created_at == datetime(2019, 10, 30, 3, 30, 17, 883000, tzinfo=UTC)


def test_hubspot_object_type_ids() -> None:
    assert [canonical_type(t) for t in ("0-3", "0-2", "0-1", "0-8", "0-7", "DEALS")] == [
        "deals",
        "companies",
        "contacts",
        "line_items",
        "products",
        "deals",
    ]


def test_hubspot_webhook_event_fields() -> None:
    # Field list of the webhooks API (deal.propertyChange).
    event = WebhookEvent.model_validate(
        {
            "eventId": 100,
            "subscriptionId": 2104,
            "portalId": 62515,
            "appId": 1160452,
            "occurredAt": 1700000000000,
            "subscriptionType": "deal.propertyChange",
            "attemptNumber": 0,
            "objectId": 123,
            "propertyName": "dealstage",
            "propertyValue": "closedwon",
            "changeSource": "CRM",
        }
    )
    assert event.object_id == 123
    assert event.property_value == "closedwon"


def test_xero_dates_both_ways() -> None:
    assert parse_date("/Date(1552262400000+0000)/") == date(2019, 3, 11)
    assert parse_date("2019-03-11T00:00:00") == date(2019, 3, 11)
    assert parse_datetime("/Date(1552327126117+0000)/") == datetime(
        2019, 3, 11, 17, 58, 46, 117000, tzinfo=UTC
    )
    assert msdate(date(2019, 3, 11)) == "/Date(1552262400000+0000)/"
    assert date_string(date(2019, 3, 11)) == "2019-03-11T00:00:00"


def test_xero_invoice_from_the_spec_example() -> None:
    # The createInvoices 200 example of xero_accounting.yaml, trimmed.
    raw = b"""{"Type":"ACCREC","InvoiceID":"ed255415-e141-4150-aab7-89c3bbbb851c",
    "InvoiceNumber":"INV-0007","AmountDue":40.00,"AmountPaid":0.00,"CurrencyRate":1.000000,
    "Contact":{"ContactID":"430fa14a-f945-44d3-9f97-5df5e28441b8","Name":"Liam Gallagher"},
    "DateString":"2019-03-11T00:00:00","Date":"/Date(1552262400000+0000)/",
    "DueDate":"/Date(1544400000000+0000)/","Status":"AUTHORISED","LineAmountTypes":"Exclusive",
    "LineItems":[{"Description":"Acme Tires","UnitAmount":20.00,"TaxType":"NONE",
    "TaxAmount":0.00,"LineAmount":40.00,"AccountCode":"200","Quantity":2.0000,
    "LineItemID":"5f7a612b-fdcc-4d33-90fa-a9f6bc6db32f"}],
    "SubTotal":40.00,"TotalTax":0.00,"Total":40.00,
    "UpdatedDateUTC":"/Date(1552327126117+0000)/","CurrencyCode":"NZD"}"""
    invoice = XeroInvoice.model_validate(jsoncodec.loads(raw))
    assert invoice.total == Decimal("40.00")
    assert str(invoice.line_items[0].quantity) == "2.0000"
    assert invoice.date == date(2019, 3, 11)
    assert invoice.contact.name == "Liam Gallagher"


def test_xero_journal_signs() -> None:
    journal = XeroJournal.model_validate(
        {
            "JournalID": "1b31feeb-aa23-404c-8c19-24c827c53661",
            "JournalDate": "/Date(1539993600000+0000)/",
            "JournalNumber": 1,
            "SourceType": "ACCREC",
            "JournalLines": [
                {
                    "JournalLineID": "a",
                    "AccountCode": "610",
                    "NetAmount": Decimal("40.00"),
                    "GrossAmount": Decimal("40.00"),
                    "TaxAmount": Decimal("0.00"),
                },
                {
                    "JournalLineID": "b",
                    "AccountCode": "200",
                    "NetAmount": Decimal("-40.00"),
                    "GrossAmount": Decimal("-40.00"),
                    "TaxAmount": Decimal("0.00"),
                },
            ],
        }
    )
    assert sum(line.net_amount for line in journal.journal_lines) == 0
