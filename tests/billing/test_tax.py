from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from quote2cash.billing.errors import TaxError
from quote2cash.billing.invoice import build_invoice
from quote2cash.billing.tax import (
    DEFAULT_TAX_TABLE,
    OfflineVatRegistry,
    RecordedVatRegistry,
    VatCheck,
    decide_tax,
)
from tests.billing.factories import bill_to, line, snapshot

VALID_DE = "DE136695976"  # passes the German check digit
INVALID_DE = "DE136695977"  # one digit off: checksum fails
D = Decimal


def _invoice(**kwargs: object):  # type: ignore[no-untyped-def]
    return build_invoice(snapshot(**kwargs), issue_date=date(2024, 3, 1))  # type: ignore[arg-type]


def test_exclusive_prices_add_tax() -> None:
    invoice = _invoice(lines=[line(unit_price="100.00")])
    assert (invoice.subtotal, invoice.tax_total, invoice.total) == (
        D("100.00"),
        D("20.00"),
        D("120.00"),
    )


def test_inclusive_prices_contain_tax() -> None:
    # 120.00 gross at 20 %: tax = 120 x 20/120 = 20.00, net 100.00 (Xero "Inclusive").
    invoice = _invoice(lines=[line(unit_price="120.00")], prices_include_tax=True)
    (only,) = invoice.lines
    assert (only.net_amount, only.tax_amount, only.gross_amount) == (
        D("100.00"),
        D("20.00"),
        D("120.00"),
    )
    assert invoice.total == D("120.00")


def test_inclusive_rounding_keeps_the_gross() -> None:
    invoice = _invoice(lines=[line(unit_price="9.99")], prices_include_tax=True)
    (only,) = invoice.lines
    assert only.tax_amount == D("1.67")  # 9.99 / 6 = 1.665 -> half-up 1.67
    assert only.net_amount + only.tax_amount == D("9.99")


def test_exempt_customer_pays_no_tax_and_the_invoice_says_why() -> None:
    invoice = _invoice(customer=bill_to(tax_exempt=True))
    assert invoice.tax_total == 0
    assert invoice.lines[0].tax_treatment == "exempt"
    assert any("tax exempt" in note for note in invoice.notes)


def test_reverse_charge_with_a_valid_vat_id_in_another_member_state() -> None:
    invoice = _invoice(customer=bill_to(country="DE", vat_id=VALID_DE), seller_country="IE")
    assert invoice.tax_total == 0
    assert invoice.lines[0].tax_treatment == "reverse_charge"
    assert any(note.startswith("Reverse charge") for note in invoice.notes)


def test_invalid_vat_id_is_taxed_as_a_consumer_at_the_buyers_rate() -> None:
    invoice = _invoice(customer=bill_to(country="DE", vat_id=INVALID_DE), seller_country="IE")
    (only,) = invoice.lines
    assert (only.tax_treatment, only.tax_rate, only.tax_amount) == ("standard", D(19), D("19.00"))
    assert "VAT id not accepted" in only.explanation
    assert "checksum" in only.explanation


def test_vat_id_of_another_country_is_not_accepted() -> None:
    decision = decide_tax(
        seller_country="IE",
        bill_to=bill_to(country="FR", vat_id=VALID_DE),
        category="standard",
        table=DEFAULT_TAX_TABLE,
    )
    assert decision.treatment == "standard"
    assert "is from DE, not FR" in decision.reason


def test_domestic_sale_with_vat_id_is_still_taxed() -> None:
    decision = decide_tax(
        seller_country="DE",
        bill_to=bill_to(country="DE", vat_id=VALID_DE),
        category="standard",
        table=DEFAULT_TAX_TABLE,
    )
    assert (decision.treatment, decision.rate) == ("standard", D(19))


def test_online_check_result_replayed_into_the_workflow() -> None:
    # A VIES check made by an activity says the id is not registered, though its
    # checksum is fine: the recorded answer wins over the offline check.
    registry = RecordedVatRegistry(
        {VALID_DE: VatCheck(vat_id=VALID_DE, valid=False, reason="not registered", source="VIES")}
    )
    decision = decide_tax(
        seller_country="IE",
        bill_to=bill_to(country="DE", vat_id=VALID_DE),
        category="standard",
        table=DEFAULT_TAX_TABLE,
        registry=registry,
    )
    assert decision.treatment == "standard"


@pytest.mark.parametrize(
    ("vat_id", "valid", "country"),
    [
        ("DE136695976", True, "DE"),
        ("EL094259216", True, "GR"),
        ("GB980780684", True, "GB"),
        ("DE136695977", False, None),
        ("XX123", False, None),
    ],
)
def test_offline_registry_checks_format_and_checksum(
    vat_id: str, valid: bool, country: str | None
) -> None:
    check = OfflineVatRegistry().check(vat_id)
    assert (check.valid, check.country) == (valid, country)


def test_regional_rate() -> None:
    decision = decide_tax(
        seller_country="US",
        bill_to=bill_to(country="US", region="NY"),
        category="standard",
        table=DEFAULT_TAX_TABLE,
    )
    assert decision.rate == D(4)


def test_outside_the_table_is_out_of_scope_and_says_so() -> None:
    decision = decide_tax(
        seller_country="GB",
        bill_to=bill_to(country="US", region="CA"),
        category="standard",
        table=DEFAULT_TAX_TABLE,
    )
    assert decision.treatment == "out_of_scope"
    assert "US-CA" in decision.reason


def test_unknown_category_in_a_collected_country_is_an_error() -> None:
    with pytest.raises(TaxError, match="none for category 'luxury'"):
        _invoice(lines=[line(tax_category="luxury")])


def test_zero_rated_category() -> None:
    invoice = _invoice(lines=[line(tax_category="zero_rated")])
    assert (invoice.lines[0].tax_treatment, invoice.tax_total) == ("zero", D(0))


def test_per_invoice_tax_rounding_differs_from_per_line() -> None:
    from quote2cash.billing.rounding import RoundingPolicy

    lines = [line(line_id=f"L{i}", unit_price="0.10") for i in range(3)]
    per_line = build_invoice(snapshot(lines=lines), issue_date=date(2024, 1, 1))
    per_invoice = build_invoice(
        snapshot(lines=lines),
        issue_date=date(2024, 1, 1),
        policy=RoundingPolicy(phase="per_invoice"),
    )
    # 0.02 tax per line, three lines: 0.06; on the invoice total 0.30 x 20 % = 0.06.
    assert per_line.tax_total == per_invoice.tax_total == D("0.06")
    odd = [line(line_id=f"L{i}", unit_price="0.13") for i in range(3)]
    assert build_invoice(snapshot(lines=odd), issue_date=date(2024, 1, 1)).tax_total == D("0.09")
    assert build_invoice(
        snapshot(lines=odd), issue_date=date(2024, 1, 1), policy=RoundingPolicy(phase="per_invoice")
    ).tax_total == D("0.08")  # 0.39 x 20 % = 0.078 -> 0.08
