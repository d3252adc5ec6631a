"""Catalog: products, price books and their versions; quotes frozen into snapshots.

A price book version is immutable: a price change is a new version. Freezing a quote
copies every price it uses out of one version into the snapshot, with the version's
name, so the snapshot never needs the catalog again and no later version can alter it.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, model_validator

from quote2cash.billing.currency import CurrencyCode
from quote2cash.billing.decimals import ZERO, Dec
from quote2cash.billing.errors import BillingError
from quote2cash.billing.snapshot import BillTo, QuoteSnapshot, Recurring, SnapshotLine


class Product(BaseModel):
    model_config = ConfigDict(frozen=True)

    sku: str = Field(min_length=1)
    name: str
    recurring: Recurring = "one_time"
    tax_category: str = "standard"


class Price(BaseModel):
    model_config = ConfigDict(frozen=True)

    sku: str
    currency: CurrencyCode
    unit_price: Dec


class PriceBookVersion(BaseModel):
    """One immutable version of a price book: products and their prices."""

    model_config = ConfigDict(frozen=True)

    book: str
    version: int = Field(ge=1)
    products: tuple[Product, ...]
    prices: tuple[Price, ...]

    @property
    def label(self) -> str:
        return f"{self.book}@v{self.version}"

    @model_validator(mode="after")
    def _priced(self) -> PriceBookVersion:
        skus = {p.sku for p in self.products}
        unknown = sorted({p.sku for p in self.prices} - skus)
        if unknown:
            raise ValueError(f"prices for unknown products: {', '.join(unknown)}")
        return self

    def product(self, sku: str) -> Product:
        for product in self.products:
            if product.sku == sku:
                return product
        raise BillingError(f"{self.label} has no product {sku!r}")

    def price(self, sku: str, currency: str) -> Price:
        for price in self.prices:
            if price.sku == sku and price.currency == currency:
                return price
        raise BillingError(f"{self.label} has no {currency} price for {sku!r}")

    def revise(self, prices: tuple[Price, ...]) -> PriceBookVersion:
        """The next version with some prices replaced; this version is unchanged."""
        changed = {(p.sku, p.currency) for p in prices}
        kept = tuple(p for p in self.prices if (p.sku, p.currency) not in changed)
        return PriceBookVersion(
            book=self.book, version=self.version + 1, products=self.products, prices=kept + prices
        )


class QuoteItem(BaseModel):
    line_id: str
    sku: str
    quantity: Dec
    discount_percent: Dec = ZERO
    discount_amount: Dec = ZERO
    unit_price_override: Dec | None = None  # a negotiated price, recorded as such


class Quote(BaseModel):
    deal_id: str
    currency: CurrencyCode
    bill_to: BillTo
    items: list[QuoteItem]
    payment_terms_days: int = 30
    order_discount_percent: Dec = ZERO
    prices_include_tax: bool = False
    seller_country: str = "GB"


def freeze(quote: Quote, book: PriceBookVersion) -> QuoteSnapshot:
    """Copy the quote and the prices it uses out of ``book`` into a snapshot."""
    lines = []
    for item in quote.items:
        product = book.product(item.sku)
        price = item.unit_price_override
        if price is None:
            price = book.price(item.sku, quote.currency).unit_price
        lines.append(
            SnapshotLine(
                line_id=item.line_id,
                sku=product.sku,
                name=product.name,
                quantity=item.quantity,
                unit_price=price,
                discount_percent=item.discount_percent,
                discount_amount=item.discount_amount,
                recurring=product.recurring,
                tax_category=product.tax_category,
            )
        )
    return QuoteSnapshot(
        deal_id=quote.deal_id,
        currency=quote.currency,
        bill_to=quote.bill_to,
        lines=lines,
        catalog_version=book.label,
        payment_terms_days=quote.payment_terms_days,
        order_discount_percent=quote.order_discount_percent,
        prices_include_tax=quote.prices_include_tax,
        seller_country=quote.seller_country,
    )
