"""Our tax treatment of a line -> the organisation's tax type, per preset."""

from __future__ import annotations

from decimal import Decimal

import pytest

from activities.xero_mapping import tax_type
from quote2cash.billing.invoice import InvoiceLine
from quote2cash.billing.tax import TaxTreatment
from quote2cash.chart.presets import AU, UK, US, EntityMapping


def _line(treatment: TaxTreatment, rate: str) -> InvoiceLine:
    return InvoiceLine(
        line_id="l1",
        description="Platform",
        quantity=Decimal(1),
        unit_price=Decimal(100),
        discount_percent=Decimal(0),
        net_amount=Decimal(100),
        tax_rate=Decimal(rate),
        tax_amount=Decimal(rate),
        tax_treatment=treatment,
        revenue_account="200",
        explanation="",
    )


@pytest.mark.parametrize(
    ("mapping", "treatment", "rate", "expected"),
    [
        (UK, "standard", "20", "OUTPUT2"),
        # A standard-treatment line at the organisation's reduced rate: its own type.
        (UK, "standard", "5", "RROUTPUT"),
        (UK, "reverse_charge", "0", "ECZROUTPUTSERVICES"),
        (UK, "zero", "0", "ZERORATEDOUTPUT"),
        (UK, "out_of_scope", "0", "NONE"),
        (AU, "standard", "10", "OUTPUT"),
        # AU has no reduced GST rate: any standard line stays under OUTPUT.
        (AU, "standard", "5", "OUTPUT"),
        (AU, "reverse_charge", "0", "EXEMPTEXPORT"),
        (AU, "exempt", "0", "INPUTTAXED"),
        (AU, "out_of_scope", "0", "BASEXCLUDED"),
        (US, "standard", "6.5", "OUTPUT"),
        (US, "exempt", "0", "NONE"),
    ],
)
def test_tax_type_of_a_line(
    mapping: EntityMapping, treatment: TaxTreatment, rate: str, expected: str
) -> None:
    assert tax_type(_line(treatment, rate), mapping) == expected
