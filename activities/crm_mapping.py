"""From HubSpot's objects to a frozen quote snapshot; bad data is named, never guessed.

HubSpot properties are strings (or null). Every one we read is listed here, so a
missing or malformed value becomes one ``InvalidMasterData`` message that says which
record, which property, and what to put there.
"""

from __future__ import annotations

import hashlib
from decimal import Decimal, InvalidOperation
from functools import lru_cache

from babel import Locale
from babel.numbers import get_currency_name

from activities.errors import InvalidMasterData
from quote2cash.billing.errors import BillingError
from quote2cash.billing.shipments import PER_SHIPMENT
from quote2cash.billing.snapshot import BillTo, QuoteSnapshot, SnapshotLine
from quote2cash.billing.split import parse_schedule
from quote2cash.connect.hubspot_contract import (
    BILLING_SCHEDULE,
    ORDER_DISCOUNT_PERCENT,
    PAYMENT_TERMS_DAYS,
    TAX_CATEGORY,
    TAX_EXEMPT,
    VAT_ID,
)
from quote2cash.connectors.hubspot import HubSpotObject

DEAL_PROPERTIES = (
    "dealname",
    "amount",
    "deal_currency_code",
    "dealstage",
    "closedate",
    PAYMENT_TERMS_DAYS.name,
    ORDER_DISCOUNT_PERCENT.name,
    BILLING_SCHEDULE.name,
)
LINE_PROPERTIES = (
    "name",
    "quantity",
    "price",
    "hs_sku",
    "hs_product_id",
    "hs_discount_percentage",
    "discount",
    "recurringbillingfrequency",
    TAX_CATEGORY.name,
)
COMPANY_PROPERTIES = ("name", "country", "state", VAT_ID.name, TAX_EXEMPT.name, "domain")
RECURRING = {
    "monthly": "monthly",
    "quarterly": "quarterly",
    "annually": "annual",
    "annual": "annual",
}


@lru_cache(maxsize=1)
def _country_codes() -> dict[str, str]:
    names = Locale("en").territories
    by_name = {name.lower(): code for code, name in names.items() if len(code) == 2}
    by_name.update({"uk": "GB", "usa": "US", "united states of america": "US"})
    return by_name


def country_code(value: str | None, *, where: str) -> str:
    """ISO 3166 alpha-2 from a code or an English country name."""
    text = (value or "").strip()
    if len(text) == 2 and text.upper() in Locale("en").territories:
        return text.upper()
    code = _country_codes().get(text.lower())
    if code is None:
        raise InvalidMasterData(
            f"{where}: country {text!r} is not a country we know; "
            "set it to an ISO code such as GB or a full English name such as Germany"
        )
    return code


def _decimal(value: str | None, *, where: str, default: str | None = None) -> Decimal:
    text = value if value not in (None, "") else default
    try:
        return Decimal(str(text))
    except (InvalidOperation, TypeError):
        raise InvalidMasterData(f"{where}: {value!r} is not a number; enter a number") from None


def _currency(value: str | None, *, where: str) -> str:
    code = (value or "").strip().upper()
    if len(code) != 3 or get_currency_name(code, locale="en") == code:
        raise InvalidMasterData(
            f"{where}: currency {value!r} is not an ISO 4217 code; set deal_currency_code"
        )
    return code


def bill_to(company: HubSpotObject) -> BillTo:
    p = company.properties
    where = f"HubSpot company {company.id}"
    name = (p.get("name") or "").strip()
    if not name:
        raise InvalidMasterData(f"{where}: the company has no name; fill in 'name'")
    return BillTo(
        customer_key=f"hubspot-company-{company.id}",
        name=name,
        country=country_code(p.get("country"), where=f"{where} property 'country'"),
        region=(p.get("state") or None),
        vat_id=(p.get(VAT_ID.name) or None),
        tax_exempt=(p.get(TAX_EXEMPT.name) or "").lower() == "true",
    )


def snapshot_line(item: HubSpotObject) -> SnapshotLine:
    p = item.properties
    where = f"HubSpot line item {item.id}"
    quantity = _decimal(p.get("quantity"), where=f"{where} 'quantity'", default="1")
    if quantity <= 0:
        raise InvalidMasterData(f"{where}: quantity {quantity} must be above zero")
    frequency = (p.get("recurringbillingfrequency") or "").lower()
    return SnapshotLine(
        line_id=item.id,
        sku=p.get("hs_sku") or p.get("hs_product_id") or f"line-{item.id}",
        name=p.get("name") or f"line {item.id}",
        quantity=quantity,
        unit_price=_decimal(p.get("price"), where=f"{where} 'price'"),
        discount_percent=_decimal(p.get("hs_discount_percentage"), where=where, default="0"),
        discount_amount=_decimal(p.get("discount"), where=where, default="0"),
        recurring=RECURRING.get(frequency, "one_time"),
        tax_category=p.get(TAX_CATEGORY.name) or "standard",
    )


def catalog_version(items: list[HubSpotObject]) -> str:
    """The prices the lines were sold at name the catalog state we froze."""
    basis = sorted(
        f"{i.properties.get('hs_product_id')}={i.properties.get('price')}" for i in items
    )
    return "hubspot:" + hashlib.sha256("|".join(basis).encode()).hexdigest()[:12]


def build_snapshot(
    deal: HubSpotObject, items: list[HubSpotObject], company: HubSpotObject
) -> QuoteSnapshot:
    p = deal.properties
    where = f"HubSpot deal {deal.id}"
    if not items:
        raise InvalidMasterData(f"{where}: the deal has no line items; add the products sold")
    return QuoteSnapshot(
        deal_id=deal.id,
        currency=_currency(p.get("deal_currency_code"), where=where),
        bill_to=bill_to(company),
        lines=[snapshot_line(i) for i in sorted(items, key=lambda i: i.id)],
        catalog_version=catalog_version(items),
        payment_terms_days=int(_decimal(p.get(PAYMENT_TERMS_DAYS.name), where=where, default="30")),
        order_discount_percent=_decimal(
            p.get(ORDER_DISCOUNT_PERCENT.name), where=where, default="0"
        ),
        billing_schedule=billing_schedule(p.get(BILLING_SCHEDULE.name), where=where),
    )


def billing_schedule(value: str | None, *, where: str) -> str:
    """Empty (one invoice), ``per_shipment``, or percentages such as ``50/50``."""
    text = (value or "").replace(" ", "")
    if text and text != PER_SHIPMENT:
        try:
            parse_schedule(text)
        except BillingError as err:
            raise InvalidMasterData(
                f"{where} '{BILLING_SCHEDULE.name}': {err}; clear it to bill once"
            ) from None
    return text
