from __future__ import annotations

from datetime import date
from decimal import Decimal

from quote2cash.billing.invoice import build_invoice
from quote2cash.billing.rounding import RoundingMode, RoundingPolicy
from quote2cash.billing.tax import TaxRate, TaxTable
from tests.billing.factories import bill_to, line, snapshot

NZ_GST = TaxTable(
    name="nz",
    rates=(TaxRate(country="NZ", rate=Decimal(15), name="GST on income (OUTPUT2)"),),
)


def test_xero_published_quote_line_is_reproduced() -> None:
    # Xero Accounting API spec, GET /Quotes example QU-0001 (shared/vendor-specs/xero/
    # xero_accounting.yaml): UnitAmount 19.95, Quantity 1, DiscountRate 10, OUTPUT2 15 %
    # -> LineAmount 17.96, TaxAmount 2.69; SubTotal 17.96, TotalTax 2.69, Total 20.65.
    snap = snapshot(
        currency="AUD",
        seller_country="NZ",
        customer=bill_to(country="NZ"),
        lines=[line(unit_price="19.95", discount_percent="10")],
    )
    invoice = build_invoice(snap, issue_date=date(2019, 10, 24), tax_table=NZ_GST)
    (only,) = invoice.lines
    assert (only.net_amount, only.tax_amount) == (Decimal("17.96"), Decimal("2.69"))
    assert (invoice.subtotal, invoice.tax_total, invoice.total) == (
        Decimal("17.96"),
        Decimal("2.69"),
        Decimal("20.65"),
    )
    assert "less line discount 10% = 17.955 AUD" in only.explanation


def test_due_date_follows_payment_terms() -> None:
    invoice = build_invoice(snapshot(), issue_date=date(2024, 1, 31))
    assert invoice.due_date == date(2024, 3, 1)


def test_per_invoice_rounding_allocates_the_residual() -> None:
    lines = [line(line_id=f"L{i}", unit_price="0.333") for i in range(3)]
    policy = RoundingPolicy(mode=RoundingMode.HALF_UP, phase="per_invoice")
    invoice = build_invoice(snapshot(lines=lines), issue_date=date(2024, 1, 1), policy=policy)
    assert invoice.subtotal == Decimal("1.00")
    assert sorted(li.net_amount for li in invoice.lines) == [
        Decimal("0.33"),
        Decimal("0.33"),
        Decimal("0.34"),
    ]
    assert invoice.tax_total == Decimal("0.20")
    assert sum(li.tax_amount for li in invoice.lines) == invoice.tax_total


def test_trusted_lines_equal_validated_lines() -> None:
    # The builder skips revalidating lines it computed itself (bench: 10,000 lines);
    # the result must be indistinguishable from a validated model.
    from quote2cash.billing.invoice import InvoiceDraft, InvoiceLine

    invoice = build_invoice(
        snapshot(lines=[line(discount_percent="12.5")]), issue_date=date(2024, 1, 1)
    )
    (built,) = invoice.lines
    validated = InvoiceLine.model_validate(built.model_dump())
    assert validated == built
    assert built.model_fields_set == validated.model_fields_set
    assert InvoiceDraft.model_validate_json(invoice.model_dump_json()) == invoice
