"""Reconciliation reports, one per business date: a rerun replaces the day's report
(its findings with it), so a day never shows two answers and never duplicates findings.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

from quote2cash.billing.currency import quantum
from quote2cash.billing.errors import BillingError
from quote2cash.billing.reconcile_model import CurrencyTotals, Finding, Report
from quote2cash.store.columns import utcnow
from quote2cash.store.models import ReconciliationFinding, ReconciliationRun


class ReconciliationRepository:
    def __init__(self, session: Session) -> None:
        self._s = session

    def save(self, report: Report) -> int:
        """Store the report of its business date, replacing an earlier one; the run id."""
        old = self._s.exec(
            select(ReconciliationRun)
            .where(ReconciliationRun.business_date == report.business_date)
            .with_for_update()
        ).first()
        if old is not None:
            self._s.exec(
                sa.delete(ReconciliationFinding).where(col(ReconciliationFinding.run_id) == old.id)
            )
            self._s.delete(old)
            self._s.flush()
        run = ReconciliationRun(
            business_date=report.business_date,
            ran_at=utcnow(),
            matched=report.matched,
            findings=len(report.findings),
            pending=len(report.pending),
            totals=[t.model_dump(mode="json") for t in report.totals],
            pending_items=[p.model_dump(mode="json") for p in report.pending],
        )
        self._s.add(run)
        self._s.flush()
        assert run.id is not None
        for f in report.findings:
            self._s.add(
                ReconciliationFinding(
                    run_id=run.id,
                    kind=f.kind,
                    currency=f.currency,
                    amount=f.amount,
                    explanation=f.explanation,
                    keys=dict(f.keys),
                )
            )
        self._s.flush()
        return run.id

    def latest(self) -> Report | None:
        """The report of the newest business date, or None before the first run."""
        run = self._s.exec(
            select(ReconciliationRun).order_by(col(ReconciliationRun.business_date).desc())
        ).first()
        return None if run is None else self._report(run)

    def of(self, business_date: date) -> Report | None:
        run = self._s.exec(
            select(ReconciliationRun).where(ReconciliationRun.business_date == business_date)
        ).first()
        return None if run is None else self._report(run)

    def runs(self) -> int:
        return int(self._s.exec(select(sa.func.count()).select_from(ReconciliationRun)).one())

    def _report(self, run: ReconciliationRun) -> Report:
        rows = self._s.exec(
            select(ReconciliationFinding)
            .where(ReconciliationFinding.run_id == run.id)
            .order_by(col(ReconciliationFinding.id))
        ).all()
        return Report(
            business_date=run.business_date,
            matched=run.matched,
            findings=tuple(_finding(r) for r in rows),
            pending=tuple(Finding.model_validate(p) for p in run.pending_items),
            totals=tuple(CurrencyTotals.model_validate(t) for t in run.totals),
        )


def _minor_units(amount: Decimal, currency: str) -> Decimal:
    """The stored amount (six places) back at its currency's exponent when that is exact."""
    try:
        short = amount.quantize(quantum(currency))
    except BillingError:
        return amount
    return short if short == amount else amount


def _finding(row: ReconciliationFinding) -> Finding:
    values: dict[str, Any] = {
        "kind": row.kind,
        "currency": row.currency,
        "amount": _minor_units(row.amount, row.currency),
        "explanation": row.explanation,
        "keys": row.keys,
    }
    return Finding.model_validate(values)
