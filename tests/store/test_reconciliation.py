"""Reconciliation reports: one per business date, a rerun replaces it, amounts exact."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy.engine import Engine

from quote2cash.billing.reconcile_model import CurrencyTotals, Finding, Kind, Report
from quote2cash.store.db import unit_of_work
from quote2cash.store.reconciliation import ReconciliationRepository

DAY = date(2026, 11, 27)


def report(day: date, *amounts: str) -> Report:
    findings = tuple(
        Finding(
            kind=Kind.CASH_MISMATCH,
            currency="EUR",
            amount=Decimal(a),
            explanation=f"Xero holds {a} more",
            keys={"workflow_id": "deal:hubspot:7"},
        )
        for a in amounts
    )
    totals = (CurrencyTotals(currency="EUR", invoiced=Decimal("10.01"), matched=Decimal("10.01")),)
    return Report(business_date=day, matched=1, findings=findings, totals=totals)


def test_a_report_reads_back_exactly(engine: Engine) -> None:
    with unit_of_work(engine) as s:
        ReconciliationRepository(s).save(report(DAY, "0.01", "-123456.789"))
    with unit_of_work(engine) as s:
        back = ReconciliationRepository(s).of(DAY)
    assert back is not None
    assert [f.amount for f in back.findings] == [Decimal("0.01"), Decimal("-123456.789")]
    assert back.findings[0].keys == {"workflow_id": "deal:hubspot:7"}
    assert back.totals[0].matched == Decimal("10.01")
    assert str(back.findings[0].amount) == "0.01"  # at the currency's exponent again


def test_a_rerun_of_a_day_replaces_its_report(engine: Engine) -> None:
    with unit_of_work(engine) as s:
        ReconciliationRepository(s).save(report(DAY, "1", "2"))
    with unit_of_work(engine) as s:
        ReconciliationRepository(s).save(report(DAY, "3"))
    with unit_of_work(engine) as s:
        repo = ReconciliationRepository(s)
        back = repo.of(DAY)
        assert repo.runs() == 1
    assert back is not None
    assert [f.amount for f in back.findings] == [Decimal(3)]


def test_latest_is_the_newest_business_date(engine: Engine) -> None:
    with unit_of_work(engine) as s:
        repo = ReconciliationRepository(s)
        assert repo.latest() is None
        repo.save(report(date(2026, 11, 28), "5"))
        repo.save(report(DAY, "4"))
    with unit_of_work(engine) as s:
        latest = ReconciliationRepository(s).latest()
    assert latest is not None
    assert latest.business_date == date(2026, 11, 28)
