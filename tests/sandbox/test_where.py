"""The part of Xero's ``where`` filter the emulator reads."""

from __future__ import annotations

from decimal import Decimal

import pytest

from quote2cash.sandbox.xero import where
from quote2cash.sandbox.xero.envelope import XeroValidation

DOC = {
    "Name": "Acme Widgets",
    "ContactNumber": "CUST-1",
    "Total": Decimal("120.00"),
    "IsCustomer": True,
    "Contact": {"ContactID": "ab12cd34-0000-4000-8000-000000000001"},
}


@pytest.mark.parametrize(
    ("clause", "expected"),
    [
        ('ContactNumber=="CUST-1"', True),
        ('Name=="acme widgets"', True),
        ('Name!="Acme Widgets"', False),
        ("Total>100", True),
        ("Total<=100", False),
        ("IsCustomer==true", True),
        ('Contact.ContactID==guid("AB12CD34-0000-4000-8000-000000000001")', True),
        ('Name.Contains("widg")', True),
        ('Name.StartsWith("Bolt")', False),
        ('Name=="Nope" OR ContactNumber=="CUST-1"', True),
        ('Name=="Acme Widgets" AND Total>500', False),
        ('Name=="Acme Widgets" && Total>=120', True),
    ],
)
def test_clauses(clause: str, expected: bool) -> None:
    assert where.parse(clause)(DOC) is expected


def test_unreadable_clause_is_a_validation_error() -> None:
    with pytest.raises(XeroValidation, match="could not be parsed"):
        where.parse("Name LIKE 'x'")
