"""The two rounding phases: round each line, or round per tax rate and allocate.

Both return, for every priced line, its net and tax on the currency's minor unit, and
the residual a per-invoice rounding moved onto it (for the explanation).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

from quote2cash.billing.currency import quantum
from quote2cash.billing.decimals import CONTEXT, HUNDRED, ZERO, div, mul
from quote2cash.billing.pending import PendingLine
from quote2cash.billing.rounding import RoundingPolicy, allocate, round_amount, round_to_total


@dataclass(slots=True)
class Amounts:
    net: Decimal
    tax: Decimal
    residual: Decimal = ZERO  # rounding residual allocated to this line (per invoice)


def tax_factor(rate: Decimal, inclusive: bool) -> Decimal:
    """What to multiply an amount by to get its tax: rate/100, or rate/(100+rate) inclusive."""
    return div(rate, HUNDRED + rate) if inclusive else div(rate, HUNDRED)


def per_line(
    pending: Sequence[PendingLine],
    rates: Mapping[str, Decimal],
    currency: str,
    inclusive: bool,
    policy: RoundingPolicy,
) -> list[Amounts]:
    """Xero's way: round each line's amount, then each line's tax."""
    unit, rounding = quantum(currency), policy.mode.decimal_rounding
    factors = {category: tax_factor(rate, inclusive) for category, rate in rates.items()}
    result = []
    for p in pending:
        amount = p.exact.quantize(unit, rounding=rounding, context=CONTEXT)
        factor = factors[p.tax_category]
        tax = ZERO
        if factor:
            tax = CONTEXT.multiply(amount, factor).quantize(
                unit, rounding=rounding, context=CONTEXT
            )
        result.append(Amounts(amount - tax if inclusive else amount, tax))
    return result


def per_invoice(
    pending: Sequence[PendingLine],
    rates: Mapping[str, Decimal],
    currency: str,
    inclusive: bool,
    policy: RoundingPolicy,
) -> list[Amounts]:
    """Round once per tax rate, then spread the residual minor units over the lines."""
    result: list[Amounts] = [Amounts(ZERO, ZERO)] * len(pending)
    groups: dict[Decimal, list[int]] = {}
    for i, p in enumerate(pending):
        groups.setdefault(rates[p.tax_category], []).append(i)
    for rate, members in groups.items():
        exact = [pending[i].exact for i in members]
        total = round_amount(sum(exact, ZERO), currency, policy.mode)
        amounts = round_to_total(exact, total, currency)
        tax_total = round_amount(mul(total, tax_factor(rate, inclusive)), currency, policy.mode)
        taxes = allocate(tax_total, amounts, currency) if tax_total else [ZERO] * len(members)
        for i, amount, tax in zip(members, amounts, taxes, strict=True):
            alone = round_amount(pending[i].exact, currency, policy.mode)
            net = amount - tax if inclusive else amount
            result[i] = Amounts(net=net, tax=tax, residual=amount - alone)
    return result
