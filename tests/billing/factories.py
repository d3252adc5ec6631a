"""Typed keyword-only factories for billing tests."""

from __future__ import annotations

from decimal import Decimal

from quote2cash.billing.snapshot import BillTo, QuoteSnapshot, SnapshotLine


def bill_to(
    *,
    country: str = "GB",
    region: str | None = None,
    vat_id: str | None = None,
    tax_exempt: bool = False,
) -> BillTo:
    return BillTo(
        customer_key="cust-1",
        name="Acme Ltd",
        country=country,
        region=region,
        vat_id=vat_id,
        tax_exempt=tax_exempt,
    )


def line(
    *,
    line_id: str = "L1",
    quantity: str = "1",
    unit_price: str = "100.00",
    discount_percent: str = "0",
    discount_amount: str = "0",
    recurring: str = "one_time",
    tax_category: str = "standard",
) -> SnapshotLine:
    return SnapshotLine.model_validate(
        {
            "line_id": line_id,
            "sku": f"SKU-{line_id}",
            "name": f"Item {line_id}",
            "quantity": quantity,
            "unit_price": unit_price,
            "discount_percent": discount_percent,
            "discount_amount": discount_amount,
            "recurring": recurring,
            "tax_category": tax_category,
        }
    )


def snapshot(
    *,
    lines: list[SnapshotLine] | None = None,
    currency: str = "GBP",
    customer: BillTo | None = None,
    order_discount_percent: Decimal = Decimal(0),
    prices_include_tax: bool = False,
    seller_country: str = "GB",
) -> QuoteSnapshot:
    return QuoteSnapshot(
        deal_id="deal-1",
        currency=currency,
        bill_to=customer or bill_to(),
        lines=lines if lines is not None else [line()],
        catalog_version="cat-2024-01",
        order_discount_percent=order_discount_percent,
        prices_include_tax=prices_include_tax,
        seller_country=seller_country,
    )
