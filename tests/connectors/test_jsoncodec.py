"""Money crosses JSON exactly: numbers in, Decimal out, and back with the same digits."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from quote2cash.connectors import jsoncodec


def test_fractions_parse_as_decimal_never_float() -> None:
    parsed = jsoncodec.loads(b'{"Total": 40.10, "Rate": 0.1, "Quantity": 2}')
    assert parsed == {"Total": Decimal("40.10"), "Rate": Decimal("0.1"), "Quantity": 2}
    assert isinstance(parsed["Total"], Decimal)


def test_decimal_written_as_number_with_its_digits() -> None:
    body = {"Total": Decimal("40.00"), "Small": Decimal("0.000001"), "Date": date(2024, 1, 2)}
    assert jsoncodec.dumps(body) == b'{"Total":40.00,"Small":0.000001,"Date":"2024-01-02"}'


def test_round_trip_keeps_cents() -> None:
    value = {"Lines": [Decimal("0.10"), Decimal("0.20")], "Name": 'Ada "A"', "Ok": True}
    again = jsoncodec.loads(jsoncodec.dumps(value))
    assert again == value
    assert sum(again["Lines"]) == Decimal("0.30")


def test_floats_and_non_finite_refused() -> None:
    with pytest.raises(TypeError, match="float"):
        jsoncodec.dumps({"x": 0.1})
    with pytest.raises(ValueError, match="not a JSON number"):
        jsoncodec.dumps(Decimal("NaN"))
