"""Errors of the billing core.

Every error is a ``ValueError`` so that pydantic validators turn it into a
``ValidationError`` at a model boundary, and callers (CLI, API, activities) can map
the whole tree to "bad input" with one ``except``::

    BillingError(ValueError)
     ├── MoneyError
     │    ├── FloatAmountError        a float reached an amount
     │    ├── UnknownCurrencyError    not an ISO 4217 code
     │    └── CurrencyMismatchError   arithmetic across currencies
     ├── AllocationError              nothing to allocate against
     ├── ProrationError               reversed dates, span outside period, naive datetimes
     ├── TaxError                     no rate declared for a taxable supply
     ├── UsageError                   bad tiers, events of another metric
     ├── UnbalancedEntryError         a journal entry whose debits differ from its credits
     └── DocumentError                a preview document that cannot be read
"""

from __future__ import annotations


class BillingError(ValueError):
    """Base of every error the billing core raises on bad input."""


class MoneyError(BillingError):
    pass


class FloatAmountError(MoneyError):
    pass


class UnknownCurrencyError(MoneyError):
    pass


class CurrencyMismatchError(MoneyError):
    pass


class AllocationError(BillingError):
    pass


class ProrationError(BillingError):
    pass


class TaxError(BillingError):
    pass


class UsageError(BillingError):
    pass


class UnbalancedEntryError(BillingError):
    pass


class DocumentError(BillingError):
    pass


def first_problem(exc: Exception) -> str:
    """One line for a person: the first validation problem and where it is."""
    errors = getattr(exc, "errors", None)
    if callable(errors):
        found = errors()
        if found:
            first = found[0]
            where = ".".join(str(part) for part in first.get("loc", ()))
            text = str(first.get("msg", exc)).removeprefix("Value error, ")
            return f"{where}: {text}" if where else text
    lines = str(exc).splitlines()
    return lines[0] if lines else type(exc).__name__
