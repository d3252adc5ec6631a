"""``q2c reconcile``'s tables: every finding's amount, explanation and keys are shown."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from rich.console import Console
from typer.testing import CliRunner

from quote2cash.billing.reconcile_model import CurrencyTotals, Finding, Kind, Report
from quote2cash.cli import app
from quote2cash.commands.reconcile import render


def test_findings_pending_and_totals_are_printed() -> None:
    report = Report(
        business_date=date(2026, 11, 27),
        matched=2,
        findings=(
            Finding(
                kind=Kind.CASH_MISMATCH,
                currency="EUR",
                amount=Decimal("-19.99"),
                explanation="Xero holds less cash than we posted",
                keys={"workflow_id": "deal:hubspot:7"},
            ),
        ),
        pending=(
            Finding(
                kind=Kind.AWAITING_PAYMENT,
                currency="EUR",
                amount=Decimal("5.00"),
                explanation="open",
                keys={"invoice": "INV-000009"},
            ),
        ),
        totals=(
            CurrencyTotals(
                currency="EUR",
                invoiced=Decimal("30.00"),
                matched=Decimal("10.00"),
                pending=Decimal("5.00"),
                mismatched=Decimal("15.00"),
                unexplained=Decimal("19.99"),
            ),
        ),
    )
    console = Console(record=True, width=200)
    render(report, console)
    text = console.export_text()
    assert "2 matched, 1 findings, 1 in flight" in text
    assert "-19.99 EUR" in text
    assert "workflow_id=deal:hubspot:7" in text
    assert "INV-000009" in text
    assert "15.00" in text


def test_a_bad_date_is_refused_with_the_format() -> None:
    result = CliRunner().invoke(app, ["reconcile", "--date", "27/11/2026"])
    assert result.exit_code == 2
    assert "YYYY-MM-DD" in result.output
