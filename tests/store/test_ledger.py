from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from quote2cash.store import (
    InvalidAmount,
    LedgerConflict,
    LedgerLineIn,
    LedgerRepository,
    UnbalancedEntry,
    unit_of_work,
)

D = Decimal


def _invoice_lines(total: str = "121.00", tax: str = "21.00") -> list[LedgerLineIn]:
    net = D(total) - D(tax)
    return [
        LedgerLineIn("1200-receivables", debit=D(total), memo="INV-000001"),
        LedgerLineIn("4000-revenue", credit=net),
        LedgerLineIn("2200-vat", credit=D(tax)),
    ]


def _post(engine: Engine, key: str, lines: list[LedgerLineIn], currency: str = "EUR") -> bool:
    with unit_of_work(engine) as session:
        return LedgerRepository(session).post(
            key,
            deal_id="deal:hubspot:1",
            currency=currency,
            entry_date=date(2025, 3, 1),
            description="invoice INV-000001",
            source="invoice",
            lines=lines,
        )


def test_post_once_per_key(engine: Engine) -> None:
    assert _post(engine, "deal:1:invoice:v1", _invoice_lines()) is True
    assert _post(engine, "deal:1:invoice:v1", _invoice_lines()) is False
    with unit_of_work(engine) as session:
        ledger = LedgerRepository(session)
        assert ledger.count() == 1
        [entry] = ledger.entries(deal_id="deal:hubspot:1")
    assert entry.lines == tuple(_invoice_lines())
    assert entry.lines[0].memo == "INV-000001"


def test_same_key_with_other_amounts_is_a_conflict(engine: Engine) -> None:
    _post(engine, "k", _invoice_lines())
    with pytest.raises(LedgerConflict):
        _post(engine, "k", _invoice_lines(total="242.00", tax="42.00"))


def test_unbalanced_entries_are_refused(engine: Engine) -> None:
    lines = [LedgerLineIn("1200", debit=D("100.01")), LedgerLineIn("4000", credit=D("100.00"))]
    with pytest.raises(UnbalancedEntry, match=r"difference 0\.01"):
        _post(engine, "k", lines)
    with pytest.raises(UnbalancedEntry):
        _post(engine, "k", [])
    with pytest.raises(UnbalancedEntry, match="all lines are zero"):
        _post(engine, "k", [LedgerLineIn("1200"), LedgerLineIn("4000")])
    with unit_of_work(engine) as session:
        assert LedgerRepository(session).count() == 0


@pytest.mark.parametrize(
    ("lines", "message"),
    [
        ([LedgerLineIn("a", debit=D("-1")), LedgerLineIn("b", credit=D("-1"))], "negative"),
        ([LedgerLineIn("a", debit=D("1"), credit=D("1"))], "a debit or a credit"),
        (
            [LedgerLineIn("a", debit=D("0.0000001")), LedgerLineIn("b", credit=D("0.0000001"))],
            "decimal places",
        ),
    ],
)
def test_invalid_amounts_are_refused(
    engine: Engine, lines: list[LedgerLineIn], message: str
) -> None:
    with pytest.raises(InvalidAmount, match=message):
        _post(engine, "k", lines)


def test_money_is_stored_exactly_never_as_float(engine: Engine) -> None:
    # 0.1 + 0.2 is the classic float trap; six decimals survive the round trip.
    lines = [
        LedgerLineIn("1200", debit=D("0.1")),
        LedgerLineIn("1200", debit=D("0.2")),
        LedgerLineIn("4000", credit=D("0.3")),
        LedgerLineIn("1300", debit=D("12345678901234.123456")),
        LedgerLineIn("4100", credit=D("12345678901234.123456")),
    ]
    _post(engine, "k", lines)
    with unit_of_work(engine) as session:
        [entry] = LedgerRepository(session).entries()
        raw = session.connection().execute(sa.text("SELECT debit FROM ledger_line")).scalars()
        assert not any(isinstance(v, float) for v in raw)
    assert entry.lines[3].debit == D("12345678901234.123456")
    assert [(x.account, x.debit, x.credit) for x in entry.lines] == [
        ("1200", D("0.1"), D(0)),
        ("1200", D("0.2"), D(0)),
        ("4000", D(0), D("0.3")),
        ("1300", D("12345678901234.123456"), D(0)),
        ("4100", D(0), D("12345678901234.123456")),
    ]


def test_trial_balance_per_currency(engine: Engine) -> None:
    _post(engine, "inv", _invoice_lines())
    _post(
        engine,
        "pay",
        [
            LedgerLineIn("1000-bank", debit=D("121")),
            LedgerLineIn("1200-receivables", credit=D("121")),
        ],
    )
    _post(
        engine,
        "usd",
        [LedgerLineIn("1000", debit=D("5")), LedgerLineIn("4000", credit=D("5"))],
        "USD",
    )
    with unit_of_work(engine) as session:
        ledger = LedgerRepository(session)
        balance = ledger.trial_balance()
        assert ledger.is_balanced()
        assert ledger.count() == 3
    assert balance["EUR"] == {
        "1200-receivables": D(0),
        "4000-revenue": D("-100"),
        "2200-vat": D("-21"),
        "1000-bank": D("121"),
    }
    assert balance["USD"] == {"1000": D(5), "4000": D(-5)}


def test_currency_must_be_an_iso_code(engine: Engine) -> None:
    with pytest.raises(InvalidAmount, match="ISO 4217"):
        _post(engine, "k", _invoice_lines(), currency="eur")
