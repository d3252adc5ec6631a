"""Reconciliation reports (a token with the ``ops`` role): the newest, or one day's."""

from __future__ import annotations

import asyncio
from datetime import date

from fastapi import APIRouter, Depends

from quote2cash.api.deps import StateDep
from quote2cash.api.errors import NotFound
from quote2cash.api.tokens import ROLE_OPS, require
from quote2cash.billing.reconcile_model import Report
from quote2cash.store import unit_of_work
from quote2cash.store.reconciliation import ReconciliationRepository

router = APIRouter()
OpsDep = Depends(require(ROLE_OPS))


@router.get("/reconciliations/latest", tags=["ops"], dependencies=[OpsDep])
async def latest(state: StateDep) -> Report:
    """The newest day's report: every finding with its amount, explanation and keys."""

    def read() -> Report | None:
        with unit_of_work(state.engine) as session:
            return ReconciliationRepository(session).latest()

    report = await asyncio.to_thread(read)
    if report is None:
        raise NotFound(
            "no reconciliation has run yet: run `q2c reconcile` or wait for the schedule"
        )
    return report


@router.get("/reconciliations/{business_date}", tags=["ops"], dependencies=[OpsDep])
async def of_day(business_date: date, state: StateDep) -> Report:
    """The report of one business date (YYYY-MM-DD)."""

    def read() -> Report | None:
        with unit_of_work(state.engine) as session:
            return ReconciliationRepository(session).of(business_date)

    report = await asyncio.to_thread(read)
    if report is None:
        raise NotFound(
            f"no reconciliation for {business_date}: run `q2c reconcile --date {business_date}`"
        )
    return report
