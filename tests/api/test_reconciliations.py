"""GET /reconciliations/latest and /reconciliations/{date}: ops token, stored reports."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from quote2cash.billing.reconcile_model import CurrencyTotals, Finding, Kind, Report
from quote2cash.store import unit_of_work
from quote2cash.store.reconciliation import ReconciliationRepository
from tests.api.support import Api


def _store(api: Api, day: date, amount: str) -> None:
    report = Report(
        business_date=day,
        matched=3,
        findings=(
            Finding(
                kind=Kind.UNKNOWN_INVOICE,
                currency="GBP",
                amount=Decimal(amount),
                explanation="typed in by hand",
                keys={"invoice": "MAN-1"},
            ),
        ),
        totals=(
            CurrencyTotals(currency="GBP", invoiced=Decimal(amount), mismatched=Decimal(amount)),
        ),
    )
    with unit_of_work(api.app.state.q2c.engine) as session:
        ReconciliationRepository(session).save(report)


async def test_reports_need_the_ops_token(api: Api) -> None:
    for path in ("/reconciliations/latest", "/reconciliations/2026-11-27"):
        assert (await api.http.get(path)).status_code == 401, path


async def test_latest_and_by_date(api: Api) -> None:
    missing = await api.ops("GET", "/reconciliations/latest")
    assert missing.status_code == 404
    assert "q2c reconcile" in missing.json()["detail"]
    _store(api, date(2026, 11, 26), "42.50")
    _store(api, date(2026, 11, 27), "0.01")
    latest = (await api.ops("GET", "/reconciliations/latest")).json()
    assert latest["business_date"] == "2026-11-27"
    assert latest["matched"] == 3
    [finding] = latest["findings"]
    assert (finding["kind"], finding["amount"], finding["keys"]) == (
        "unknown_invoice",
        "0.01",
        {"invoice": "MAN-1"},
    )
    older = (await api.ops("GET", "/reconciliations/2026-11-26")).json()
    assert older["findings"][0]["amount"] == "42.50"
    assert (await api.ops("GET", "/reconciliations/2026-01-01")).status_code == 404
    assert (await api.ops("GET", "/reconciliations/yesterday")).status_code == 422
