"""Subscription periods: anniversary and calendar alignment, in the customer's time zone."""

from __future__ import annotations

from datetime import UTC, date, datetime

from quote2cash.messages import SubscriptionTerms
from workflows.subscription_terms import local_day, midnight, period


def _terms(starts_on: date, interval: str, alignment: str) -> SubscriptionTerms:
    return SubscriptionTerms.model_validate(
        {
            "subscription_id": "s",
            "contact_id": "c",
            "starts_on": starts_on,
            "interval": interval,
            "alignment": alignment,
        }
    )


def test_anniversary_months_keep_the_start_day_clamped_to_the_month_end() -> None:
    terms = _terms(date(2027, 1, 31), "monthly", "anniversary")
    spans = [(period(terms, i).start, period(terms, i).end) for i in range(3)]
    assert spans == [
        (date(2027, 1, 31), date(2027, 2, 28)),
        (date(2027, 2, 28), date(2027, 3, 31)),
        (date(2027, 3, 31), date(2027, 4, 30)),
    ]
    assert period(terms, 0).include_one_time
    assert not period(terms, 1).include_one_time


def test_calendar_quarters_start_with_a_prorated_stub() -> None:
    terms = _terms(date(2027, 2, 15), "quarterly", "calendar")
    stub, second = period(terms, 0), period(terms, 1)
    assert (stub.start, stub.end, stub.cycle_start) == (
        date(2027, 2, 15),
        date(2027, 4, 1),
        date(2027, 1, 1),
    )
    assert (second.start, second.end) == (date(2027, 4, 1), date(2027, 7, 1))


def test_calendar_years_renew_on_the_first_of_january() -> None:
    terms = _terms(date(2027, 6, 10), "annual", "calendar")
    assert (period(terms, 0).end, period(terms, 2).start) == (date(2028, 1, 1), date(2029, 1, 1))


def test_periods_begin_at_midnight_in_the_customers_time_zone() -> None:
    start = midnight(date(2027, 7, 1), "America/New_York")
    assert start.astimezone(UTC) == datetime(2027, 7, 1, 4, tzinfo=UTC)
    assert local_day(datetime(2027, 7, 1, 3, 30, tzinfo=UTC), "America/New_York") == date(
        2027, 6, 30
    )
