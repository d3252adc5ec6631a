"""Refund reservations on the real database (SQLite, or PostgreSQL when
Q2C_TEST_DATABASE_URL is set): refunds of one invoice never hold more than its total,
also when they reserve at the same moment through different connection pools."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

import pytest
from sqlalchemy.engine import Engine

from quote2cash.store import (
    Hold,
    OverRefund,
    RefundReservationRepository,
    ReservationConflict,
    make_engine,
    unit_of_work,
)

D = Decimal
TOTAL = D("47.88")
INVOICE = "INV-000001"


def _reserve(engine: Engine, key: str, amount: str, run_id: str = "run-1") -> Hold:
    with unit_of_work(engine) as session:
        return RefundReservationRepository(session).reserve(
            INVOICE, key, D(amount), total=TOTAL, run_id=run_id
        )


def _release(engine: Engine, key: str, run_id: str = "run-1") -> bool:
    with unit_of_work(engine) as session:
        return RefundReservationRepository(session).release(key, run_id=run_id)


def _held(engine: Engine) -> dict[str, Decimal]:
    with unit_of_work(engine) as session:
        return {r.refund_key: r.amount for r in RefundReservationRepository(session).held(INVOICE)}


def test_partials_hold_up_to_the_total_and_no_more(engine: Engine) -> None:
    assert _reserve(engine, "R1", "30.00") == Hold("R1", D("30.00"), D(0))
    with pytest.raises(OverRefund) as refused:
        _reserve(engine, "R2", "20.00")
    assert str(refused.value) == (
        "refund of 20.00 exceeds what is still refundable on INV-000001: 17.88 of 47.88 "
        "(held by other refunds, running or done: 30.00 by R1); ask for at most 17.88"
    )
    assert _reserve(engine, "R3", "17.88").held_by_others == D("30.00")
    assert _held(engine) == {"R1": D("30.00"), "R3": D("17.88")}


def test_the_same_key_twice_is_one_reservation(engine: Engine) -> None:
    _reserve(engine, "R1", "30.00")
    assert _reserve(engine, "R1", "30.00") == Hold("R1", D("30.00"), D(0))
    assert _held(engine) == {"R1": D("30.00")}
    with pytest.raises(ReservationConflict, match=r"already holds 30\.00 of INV-000001"):
        _reserve(engine, "R1", "31.00")


def test_a_full_refund_and_a_partial_exclude_each_other(engine: Engine) -> None:
    _reserve(engine, "partial", "0.01")
    with pytest.raises(OverRefund, match=r"47\.87 of 47\.88 .* 0\.01 by partial"):
        _reserve(engine, "full", str(TOTAL))
    assert _release(engine, "partial")
    _reserve(engine, "full", str(TOTAL))
    with pytest.raises(OverRefund, match="nothing is left to refund"):
        _reserve(engine, "partial-2", "0.01")


def test_a_release_frees_the_amount_and_the_key_can_hold_again(engine: Engine) -> None:
    _reserve(engine, "R1", "47.88")
    assert _release(engine, "R1")
    assert not _release(engine, "R1")  # released once: a retried compensation is a no-op
    assert _held(engine) == {}
    _reserve(engine, "R2", "40.00")
    with pytest.raises(OverRefund):
        _reserve(engine, "R1", "47.88", run_id="run-2")  # R1 asked again, for too much
    _reserve(engine, "R1", "7.88", run_id="run-2")
    assert _held(engine) == {"R2": D("40.00"), "R1": D("7.88")}


def test_a_hold_left_by_an_earlier_run_is_not_taken_over(engine: Engine) -> None:
    """run-1 ended without undoing its steps (it may have paid out): run-2 of the same
    refund is refused rather than paying a second time."""
    _reserve(engine, "R1", "10.00", run_id="run-1")
    with pytest.raises(ReservationConflict, match=r"earlier run of R1 still holds 10\.00"):
        _reserve(engine, "R1", "10.00", run_id="run-2")
    assert _held(engine) == {"R1": D("10.00")}


def test_a_late_release_of_an_earlier_run_keeps_the_later_runs_hold(engine: Engine) -> None:
    _reserve(engine, "R1", "10.00", run_id="run-1")
    assert _release(engine, "R1", run_id="run-1")  # run-1 compensated
    _reserve(engine, "R1", "12.00", run_id="run-2")  # the retry takes the released key
    assert not _release(engine, "R1", run_id="run-1")
    assert _held(engine) == {"R1": D("12.00")}
    assert not _release(engine, "unknown")


def test_a_second_reservation_waits_for_the_first_transaction(
    engine: Engine, database_url: str
) -> None:
    """The first holds the invoice's lock, uncommitted; the second (another pool) waits
    for it, then sees its hold and is refused. The invoice's lock row exists already (an
    earlier refund, since undone), so only the row lock can make the second one wait."""
    _reserve(engine, "R0", "1.00")
    _release(engine, "R0")
    other = make_engine(database_url)
    reserved, go_on = threading.Event(), threading.Event()

    def first() -> Hold:
        with unit_of_work(engine) as session:
            hold = RefundReservationRepository(session).reserve(
                INVOICE, "A", D("30.00"), total=TOTAL, run_id="r"
            )
            reserved.set()
            go_on.wait(timeout=20)
            return hold

    try:
        with ThreadPoolExecutor(max_workers=2) as pool:
            a = pool.submit(first)
            assert reserved.wait(timeout=20)
            b = pool.submit(_reserve, other, "B", "20.00")
            with pytest.raises(TimeoutError):
                b.result(timeout=0.5)  # blocked on the lock, not answered from old data
            go_on.set()
            assert a.result(timeout=20).amount == D("30.00")
            with pytest.raises(OverRefund, match=r"17\.88 of 47\.88"):
                b.result(timeout=20)
    finally:
        go_on.set()
        other.dispose()


def test_racing_reservations_exactly_one_wins(engine: Engine, database_url: str) -> None:
    """Eight refunds of 30.00 of a 47.88 invoice at once, through two connection pools
    (a worker's and another's): one holds, seven are refused."""
    other = make_engine(database_url)
    start = threading.Barrier(8)

    def race(n: int) -> str:
        start.wait(timeout=20)
        try:
            _reserve(engine if n % 2 else other, f"R{n}", "30.00")
        except OverRefund:
            return "refused"
        return "held"

    try:
        with ThreadPoolExecutor(max_workers=8) as pool:
            outcomes = list(pool.map(race, range(8)))
    finally:
        other.dispose()
    assert sorted(outcomes) == ["held"] + ["refused"] * 7
    [(key, amount)] = _held(engine).items()
    assert amount == D("30.00")
    assert outcomes[int(key[1:])] == "held"
