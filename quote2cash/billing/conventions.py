"""A tenant's declared billing conventions, and the major systems' as presets.

One ``Conventions`` per billing entity: its proration policy, its discount stacking
order, and one rounding policy per currency (with a default), so two entities, or
two currencies of one entity, can round differently and each says how.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from quote2cash.billing.discounts import DEFAULT_STACKING, DiscountKind
from quote2cash.billing.proration import ProrationBasis, ProrationPolicy
from quote2cash.billing.rounding import RoundingMode, RoundingPolicy

# Stripe: prorated "down to the second" (docs.stripe.com/billing/scripts/prorations).
STRIPE = ProrationPolicy(basis=ProrationBasis.SECONDS, factor_precision=None)
# Polar: to the second, amounts truncated to the cent with int()
# (polarsource/polar server/tests/integration/test_seat_subscription.py).
POLAR = ProrationPolicy(
    basis=ProrationBasis.SECONDS, factor_precision=None, rounding=RoundingMode.DOWN
)
# Kill Bill: days over the days of the billing period, factor to 9 places half-up
# (KillBillMoney.MAX_SCALE, ROUNDING_METHOD); or a fixed 30-day month when
# org.killbill.invoice.proration.fixed.days=30.
KILL_BILL = ProrationPolicy(basis=ProrationBasis.ACTUAL_DAYS, factor_precision=9)
KILL_BILL_FIXED_30 = ProrationPolicy(basis=ProrationBasis.FIXED_30, factor_precision=9)
# Lago: days counted inclusively, both the first and the last day billed.
LAGO = ProrationPolicy(basis=ProrationBasis.INCLUSIVE_DAYS)
# Chargebee (day-based billing mode): price per day of the current term.
CHARGEBEE = ProrationPolicy(basis=ProrationBasis.ACTUAL_DAYS)

PRESETS: dict[str, ProrationPolicy] = {
    "stripe": STRIPE,
    "polar": POLAR,
    "kill_bill": KILL_BILL,
    "kill_bill_fixed_30": KILL_BILL_FIXED_30,
    "lago": LAGO,
    "chargebee": CHARGEBEE,
}


class Conventions(BaseModel):
    """Everything a billing entity declares about how it computes money."""

    model_config = ConfigDict(frozen=True)

    entity: str = Field(min_length=1)
    proration: ProrationPolicy = ProrationPolicy()
    stacking: tuple[DiscountKind, ...] = DEFAULT_STACKING
    default_rounding: RoundingPolicy = RoundingPolicy()
    rounding_by_currency: dict[str, RoundingPolicy] = {}

    def rounding_for(self, currency: str) -> RoundingPolicy:
        return self.rounding_by_currency.get(currency.upper(), self.default_rounding)
