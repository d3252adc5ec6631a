"""Quote snapshots: what was sold, frozen, with a content hash.

A snapshot copies every priced field out of the quote and the catalog version it was
priced from. Nothing in it refers back to the catalog, so a later catalog change can
never alter it; the hash lets any later step prove it prices the same snapshot.
"""

from __future__ import annotations

import hashlib
import json
from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from quote2cash.billing.accounts import DEFAULT_ACCOUNTS, Accounts
from quote2cash.billing.currency import CurrencyCode
from quote2cash.billing.decimals import HUNDRED, ZERO, Dec

Recurring = Literal["one_time", "monthly", "quarterly", "annual"]

# Bumped whenever the canonical form changes, so old and new hashes never collide.
HASH_VERSION = "q2c-snapshot-v1"


class BillTo(BaseModel):
    model_config = ConfigDict(frozen=True)

    customer_key: str = Field(min_length=1)
    name: str
    country: str = Field(min_length=2, max_length=2)
    region: str | None = None
    vat_id: str | None = None
    tax_exempt: bool = False
    email: str | None = None

    @field_validator("country")
    @classmethod
    def _upper_country(cls, value: str) -> str:
        return value.upper()


class SnapshotLine(BaseModel):
    model_config = ConfigDict(frozen=True)

    line_id: str = Field(min_length=1)
    sku: str
    name: str
    quantity: Dec
    unit_price: Dec
    discount_percent: Dec = ZERO
    discount_amount: Dec = ZERO
    recurring: Recurring = "one_time"
    tax_category: str = "standard"

    @model_validator(mode="after")
    def _discounts_in_range(self) -> SnapshotLine:
        if not ZERO <= self.discount_percent <= HUNDRED:
            raise ValueError(
                f"line {self.line_id}: discount_percent {self.discount_percent} "
                "must be between 0 and 100"
            )
        if self.discount_amount < ZERO:
            raise ValueError(
                f"line {self.line_id}: discount_amount {self.discount_amount} must not be negative"
            )
        return self


class QuoteSnapshot(BaseModel):
    model_config = ConfigDict(frozen=True)

    deal_id: str = Field(min_length=1)
    currency: CurrencyCode
    bill_to: BillTo
    lines: list[SnapshotLine]
    catalog_version: str
    payment_terms_days: int = Field(default=30, ge=0)
    order_discount_percent: Dec = ZERO
    prices_include_tax: bool = False
    seller_country: str = Field(default="GB", min_length=2, max_length=2)
    billing_schedule: str = ""
    """How the whole is billed in parts (``50/50``: signature, delivery); empty: once."""
    accounts: Accounts = DEFAULT_ACCOUNTS
    """The billing entity's account codes, frozen with the deal so that a replay or a later
    step posts where the first did. Absent from snapshots taken before it existed: those
    were priced on the UK codes it defaults to."""

    @model_validator(mode="after")
    def _consistent(self) -> QuoteSnapshot:
        ids = [line.line_id for line in self.lines]
        duplicates = sorted({i for i in ids if ids.count(i) > 1})
        if duplicates:
            raise ValueError(f"line ids must be unique; repeated: {', '.join(duplicates)}")
        if not ZERO <= self.order_discount_percent <= HUNDRED:
            raise ValueError(
                f"order_discount_percent {self.order_discount_percent} must be between 0 and 100"
            )
        return self

    @property
    def content_hash(self) -> str:
        """SHA-256 of the canonical JSON of every field; equal snapshots hash equal."""
        fields = self.model_dump(mode="python")
        # The organisation's chart is where the sale is booked, not what was sold.
        del fields["accounts"]
        # Added after the first snapshots were hashed: absent, it leaves their hash as is.
        if not fields["billing_schedule"]:
            del fields["billing_schedule"]
        canonical = json.dumps(
            {"v": HASH_VERSION, "snapshot": _canonical(fields)},
            sort_keys=True,
            separators=(",", ":"),
            ensure_ascii=True,
        )
        return hashlib.sha256(canonical.encode("ascii")).hexdigest()

    def line(self, line_id: str) -> SnapshotLine:
        for line in self.lines:
            if line.line_id == line_id:
                return line
        raise KeyError(line_id)


def _canonical(value: Any) -> Any:
    """Decimals as normalized plain strings: 10, 10.0 and 10.00 are the same price."""
    if isinstance(value, Decimal):
        normal = value.normalize()
        return "0" if normal.is_zero() else format(normal, "f")
    if isinstance(value, dict):
        return {key: _canonical(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_canonical(item) for item in value]
    return value
