from __future__ import annotations

from decimal import Decimal

import pytest

from quote2cash.billing.catalog import (
    Price,
    PriceBookVersion,
    Product,
    Quote,
    QuoteItem,
    freeze,
)
from quote2cash.billing.errors import BillingError
from tests.billing.factories import bill_to

D = Decimal
BOOK = PriceBookVersion(
    book="standard",
    version=1,
    products=(
        Product(sku="PRO", name="Pro plan", recurring="monthly"),
        Product(sku="SETUP", name="Setup"),
    ),
    prices=(
        Price(sku="PRO", currency="EUR", unit_price=D("49.00")),
        Price(sku="SETUP", currency="EUR", unit_price=D("200.00")),
    ),
)
QUOTE = Quote(
    deal_id="D-1",
    currency="EUR",
    bill_to=bill_to(country="IE"),
    items=[
        QuoteItem(line_id="L1", sku="PRO", quantity=D(3), discount_percent=D(10)),
        QuoteItem(line_id="L2", sku="SETUP", quantity=D(1)),
    ],
)


def test_freeze_copies_prices_and_records_the_version() -> None:
    snap = freeze(QUOTE, BOOK)
    assert snap.catalog_version == "standard@v1"
    assert [(li.sku, li.unit_price, li.recurring) for li in snap.lines] == [
        ("PRO", D("49.00"), "monthly"),
        ("SETUP", D("200.00"), "one_time"),
    ]


def test_a_new_price_book_version_never_alters_an_existing_snapshot() -> None:
    snap = freeze(QUOTE, BOOK)
    frozen_hash = snap.content_hash
    v2 = BOOK.revise((Price(sku="PRO", currency="EUR", unit_price=D("59.00")),))
    assert (v2.version, v2.price("PRO", "EUR").unit_price) == (2, D("59.00"))
    assert BOOK.price("PRO", "EUR").unit_price == D("49.00")
    assert snap.content_hash == frozen_hash
    assert freeze(QUOTE, v2).content_hash != frozen_hash


def test_missing_price_in_the_quote_currency() -> None:
    with pytest.raises(BillingError, match="has no USD price for 'PRO'"):
        freeze(QUOTE.model_copy(update={"currency": "USD"}), BOOK)


def test_negotiated_price_override() -> None:
    item = QuoteItem(line_id="L1", sku="PRO", quantity=D(1), unit_price_override=D("45.00"))
    snap = freeze(QUOTE.model_copy(update={"items": [item]}), BOOK)
    assert snap.lines[0].unit_price == D("45.00")
