"""Published worked examples of other billing systems, reproduced under their conventions.

Each test cites where its figures are published. The figures are theirs; only the
call into our billing core is ours.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from quote2cash.billing.conventions import (
    CHARGEBEE,
    KILL_BILL,
    KILL_BILL_FIXED_30,
    LAGO,
    POLAR,
    STRIPE,
)
from quote2cash.billing.money import Money
from quote2cash.billing.proration import ProrationPolicy, parse_span, plan_change, prorate

ACTUAL = KILL_BILL
FIXED_30 = KILL_BILL_FIXED_30
INCLUSIVE = LAGO


def _factor(period: str, span: str, policy: ProrationPolicy) -> Decimal:
    one = Money.of("1", "USD")
    return prorate(one, period=parse_span(period), span=parse_span(span), policy=policy).factor


# Kill Bill, killbill/killbill
# invoice/src/test/java/org/killbill/billing/invoice/generator/
#   TestInvoiceDateUtilsWithoutFixedProration.java (actual days, 9 places, half-up)
#   TestInvoiceDateUtilsWithFixedProration.java (org.killbill.invoice.proration.fixed.days=30)
@pytest.mark.parametrize(
    ("period", "span", "actual", "fixed"),
    [
        ("2023-05-23..2023-06-23", "2023-05-23..2023-06-15", "0.741935484", "0.733333333"),
        ("2023-06-23..2023-07-23", "2023-06-23..2023-07-15", "0.733333333", "0.733333333"),
        ("2023-02-23..2023-03-23", "2023-02-23..2023-03-15", "0.714285714", "0.733333333"),
        ("2024-02-23..2024-03-23", "2024-02-23..2024-03-15", "0.724137931", "0.733333333"),
        # calculateProRationBeforeFirstBillingPeriod: the period ends on the next BCD.
        ("2023-05-15..2023-06-15", "2023-05-23..2023-06-15", "0.741935484", "0.733333333"),
        ("2023-02-15..2023-03-15", "2023-02-23..2023-03-15", "0.714285714", "0.733333333"),
    ],
)
def test_kill_bill_proration_factors(period: str, span: str, actual: str, fixed: str) -> None:
    assert _factor(period, span, ACTUAL) == Decimal(actual)
    assert _factor(period, span, FIXED_30) == Decimal(fixed)


def test_kill_bill_leading_proration_twelve_of_thirty_one() -> None:
    # killbill/killbill invoice/src/test/java/org/killbill/billing/invoice/proRations/
    # inAdvance/monthly/TestLeadingProRation.java: start 2011-02-01, BCD 13 -> 12/31.
    factor = _factor("2011-01-13..2011-02-13", "2011-02-01..2011-02-13", ACTUAL)
    assert factor == (Decimal(12) / Decimal(31)).quantize(Decimal("1e-9"))


def test_issue_example_actual_days_explanation() -> None:
    # The Kill Bill figure above, priced: the explanation support pastes.
    result = prorate(
        Money.of("19.95", "USD"),
        period=parse_span("2023-05-23..2023-06-23"),
        span=parse_span("2023-05-23..2023-06-15"),
        policy=ACTUAL,
    )
    assert result.explanation == (
        "23 of 31 days (actual days) of 19.95 USD = 14.80 USD, factor 0.741935484, "
        "half-up to 2 places"
    )


def test_lago_upgrade_in_arrears_fourteen_of_thirty_one() -> None:
    # https://docs.getlago.com/guide/subscriptions/upgrades-downgrades ("Subscription
    # paid in arrears"): Plan A EUR 100/month from January 1st, upgraded January 15th:
    # "14 days prorated = EUR 45.16 (14/31 x EUR 100)". Lago's ranges include both ends.
    result = prorate(
        Money.of("100", "EUR"),
        period=parse_span("2024-01-01..2024-01-31"),
        span=parse_span("2024-01-01..2024-01-14"),
        policy=INCLUSIVE,
    )
    assert (result.used, result.of) == (14, 31)
    assert result.amount == Money.of("45.16", "EUR")


def test_lago_trial_period_twenty_five_of_thirty() -> None:
    # https://doc.getlago.com/docs/guide/plans/plan-model ("Trial period"): USD 50 monthly
    # in advance, 5-day trial from April 1st: invoice April 6th to April 30th,
    # "$50 x 25 days due / 30 days in April = $41.67".
    result = prorate(
        Money.of("50", "USD"),
        period=parse_span("2024-04-01..2024-04-30"),
        span=parse_span("2024-04-06..2024-04-30"),
        policy=INCLUSIVE,
    )
    assert (result.used, result.of, result.amount) == (25, 30, Money.of("41.67", "USD"))


def test_polar_seat_upgrade_prorated_to_the_second_and_truncated() -> None:
    # polarsource/polar server/tests/integration/test_seat_subscription.py: period
    # 2025-01-01 12:00 -> 2025-02-01 12:00 UTC, seats 3000 -> 6400 cents on Jan 16 12:00:
    # int(Decimal(3400) * 16 days / 31 days) = 1754 cents.
    result = prorate(
        Money.of("34.00", "USD"),
        period=parse_span("2025-01-01T12:00:00+00:00..2025-02-01T12:00:00+00:00"),
        span=parse_span("2025-01-16T12:00:00+00:00..2025-02-01T12:00:00+00:00"),
        policy=POLAR,
    )
    assert result.amount == Money.of("17.54", "USD")


def test_polar_seat_downgrade_credit() -> None:
    # Same test: 6400 -> 4000 cents on Feb 15 12:00 of Feb 1 -> Mar 1 12:00, credit 1200.
    result = prorate(
        Money.of("24.00", "USD"),
        period=parse_span("2025-02-01T12:00:00+00:00..2025-03-01T12:00:00+00:00"),
        span=parse_span("2025-02-15T12:00:00+00:00..2025-03-01T12:00:00+00:00"),
        policy=POLAR,
    )
    assert result.amount == Money.of("12.00", "USD")


def test_polar_units_exactly_mid_period() -> None:
    # polarsource/polar server/tests/subscription/test_service_units.py
    # (TestUpdateUnits.test_prorated_increase, "Exactly mid-period: 50% of the delta is
    # billed"): 3 -> 5 units of 2900 cents on 2024-01-16 12:00 of a
    # January period: (2 * 2900) // 2 = 2900 cents.
    result = prorate(
        Money.of("58.00", "USD"),
        period=parse_span("2024-01-01T00:00:00+00:00..2024-02-01T00:00:00+00:00"),
        span=parse_span("2024-01-16T12:00:00+00:00..2024-02-01T00:00:00+00:00"),
        policy=POLAR,
    )
    assert result.amount == Money.of("29.00", "USD")


def test_stripe_upgrade_halfway_credit_and_debit() -> None:
    # https://docs.stripe.com/billing/subscriptions/prorations ("How prorations work"):
    # 10 USD -> 20 USD monthly halfway through the period: "-5 USD" unused time on the
    # original plan, "+10 USD" remaining time on the new one, 5 USD more in total.
    change = plan_change(
        Money.of("10", "USD"),
        Money.of("20", "USD"),
        period=parse_span("2024-04-01T00:00:00+00:00..2024-05-01T00:00:00+00:00"),
        change_at=parse_span("2024-04-16T00:00:00+00:00..2024-04-16T00:00:00+00:00").start,
        policy=STRIPE,
    )
    assert change.credit.amount == Money.of("-5.00", "USD")
    assert change.debit.amount == Money.of("10.00", "USD")
    assert change.net == Money.of("5.00", "USD")


def test_chargebee_downgrade_sixty_to_thirty() -> None:
    # https://www.chargebee.com/docs/proration-old.html, "Example 1": USD 60/month,
    # period 1 Apr 2012 to 1 May 2012, downgraded on 21 Apr to USD 30: USD 20 of the old
    # price is unused, the remaining 10 days on the new plan cost USD 10, net credit 10.
    change = plan_change(
        Money.of("60", "USD"),
        Money.of("30", "USD"),
        period=parse_span("2012-04-01..2012-05-01"),
        change_at=date(2012, 4, 21),
        policy=CHARGEBEE,
    )
    assert change.credit.amount == Money.of("-20.00", "USD")
    assert change.debit.amount == Money.of("10.00", "USD")
    assert change.net == Money.of("-10.00", "USD")


def test_chargebee_quantity_reduction() -> None:
    # Same page, "Example 2": 3 x USD 30, period 1 Apr 2013 to 1 May 2013, reduced to
    # 2 units after 10 days of use: USD 60 of the old amount unused, USD 40 for the
    # remaining 20 days at 2 units. (The page counts 1-10 April as used, so the new
    # quantity starts on 11 April.)
    change = plan_change(
        Money.of("90", "USD"),
        Money.of("60", "USD"),
        period=parse_span("2013-04-01..2013-05-01"),
        change_at=date(2013, 4, 11),
        policy=CHARGEBEE,
    )
    assert (change.credit.amount, change.debit.amount) == (
        Money.of("-60.00", "USD"),
        Money.of("40.00", "USD"),
    )


def test_conventions_round_per_currency() -> None:
    from quote2cash.billing.conventions import Conventions
    from quote2cash.billing.rounding import RoundingMode, RoundingPolicy

    tenant = Conventions(
        entity="acme-eu",
        proration=LAGO,
        rounding_by_currency={"CHF": RoundingPolicy(mode=RoundingMode.HALF_EVEN)},
    )
    assert tenant.rounding_for("chf").mode is RoundingMode.HALF_EVEN
    assert tenant.rounding_for("EUR") == RoundingPolicy()
