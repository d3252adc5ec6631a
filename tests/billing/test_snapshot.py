from __future__ import annotations

import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from pydantic import ValidationError

from activities.crm_mapping import build_snapshot
from quote2cash.billing.snapshot import QuoteSnapshot
from quote2cash.connectors.hubspot_models import HubSpotObject
from tests.billing.factories import line, snapshot


def test_hash_is_stable_across_processes() -> None:
    here = snapshot().content_hash
    code = "from tests.billing.factories import snapshot; print(snapshot().content_hash)"
    there = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        env={"PYTHONHASHSEED": "12345", "PATH": ""},
        cwd=Path(__file__).resolve().parents[2],
    ).stdout.strip()
    assert here == there


def test_trailing_zeros_do_not_change_the_hash() -> None:
    assert (
        snapshot(lines=[line(unit_price="10")]).content_hash
        == snapshot(lines=[line(unit_price="10.00")]).content_hash
    )


def test_snapshot_is_frozen() -> None:
    snap = snapshot()
    with pytest.raises(ValidationError):
        snap.currency = "USD"  # type: ignore[misc]


def test_a_catalog_change_cannot_reach_a_snapshot() -> None:
    # The catalog a deal is frozen from in production: HubSpot line items, whose
    # properties are a plain mutable dict the client hands us.
    deal = HubSpotObject(id="D-9", properties={"deal_currency_code": "GBP"})
    company = HubSpotObject(id="C-9", properties={"name": "Acme Ltd", "country": "GB"})
    item = HubSpotObject(
        id="LI-1",
        properties={"hs_product_id": "P-1", "name": "Seat", "quantity": "2", "price": "100.00"},
    )
    snap = build_snapshot(deal, [item], company)
    frozen_hash = snap.content_hash

    item.properties["price"] = "120.00"
    item.properties["name"] = "Seat (renamed)"

    assert (snap.lines[0].unit_price, snap.lines[0].name) == (Decimal("100.00"), "Seat")
    assert snap.content_hash == frozen_hash
    rebuilt = build_snapshot(deal, [item], company)
    assert rebuilt.lines[0].unit_price == Decimal("120.00")
    assert rebuilt.content_hash != frozen_hash


def test_duplicate_line_ids_are_refused() -> None:
    with pytest.raises(ValidationError, match="repeated: L1"):
        snapshot(lines=[line(), line()])


@pytest.mark.parametrize("field", ["discount_percent"])
def test_discount_percent_bounds(field: str) -> None:
    with pytest.raises(ValidationError, match="between 0 and 100"):
        line(**{field: "101"})


def test_snapshot_round_trips_through_json() -> None:
    snap = snapshot()
    again = QuoteSnapshot.model_validate_json(snap.model_dump_json())
    assert again.content_hash == snap.content_hash
