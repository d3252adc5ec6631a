"""Per-shipment billing: one invoice for what each shipment delivered.

A line's amounts are billed cumulatively: after shipping ``s`` of its ``q`` units the
line has billed ``allocate(net, [s, q - s])[0]`` (exact minor units), and each shipment
invoices the difference since the last one. The shipment that completes a line bills
exactly the rest, so the shipments of a deal sum to its whole invoice to the cent.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal

from quote2cash.billing.decimals import ZERO, plain
from quote2cash.billing.invoice import InvoiceDraft
from quote2cash.billing.rounding import allocate
from quote2cash.billing.split import part_invoice, part_line

__all__ = ["PER_SHIPMENT", "shipment_invoice", "shipment_problems", "unshipped"]

PER_SHIPMENT = "per_shipment"
"""The billing schedule of a deal invoiced once per shipment confirmation."""


def unshipped(whole: InvoiceDraft, shipped: Mapping[str, Decimal]) -> dict[str, Decimal]:
    """Quantity still to ship per line id (lines fully shipped are left out)."""
    rest = {line.line_id: line.quantity - shipped.get(line.line_id, ZERO) for line in whole.lines}
    return {line_id: q for line_id, q in rest.items() if q > ZERO}


def shipment_problems(
    whole: InvoiceDraft, shipped: Mapping[str, Decimal], shipment: Mapping[str, Decimal]
) -> list[str]:
    """Why a shipment cannot be billed as confirmed; empty when it can."""
    rest = unshipped(whole, shipped)
    problems = []
    if not shipment:
        problems.append("the shipment lists no lines")
    for line_id, quantity in shipment.items():
        if quantity <= ZERO:
            problems.append(f"line {line_id}: quantity {plain(quantity)} must be above zero")
        elif quantity > rest.get(line_id, ZERO):
            left = plain(rest.get(line_id, ZERO))
            problems.append(f"line {line_id}: {plain(quantity)} shipped, only {left} left to ship")
    return problems


def shipment_invoice(
    whole: InvoiceDraft, shipped: Mapping[str, Decimal], shipment: Mapping[str, Decimal], n: int
) -> InvoiceDraft:
    """Invoice ``n``: what ``shipment`` delivered, after ``shipped`` went before."""
    lines = []
    for line in whole.lines:
        quantity = shipment.get(line.line_id, ZERO)
        if quantity == ZERO:
            continue
        before = shipped.get(line.line_id, ZERO)
        after = before + quantity
        net = _billed(line.net_amount, line.quantity, after, whole.currency) - _billed(
            line.net_amount, line.quantity, before, whole.currency
        )
        tax = _billed(line.tax_amount, line.quantity, after, whole.currency) - _billed(
            line.tax_amount, line.quantity, before, whole.currency
        )
        label = f"shipment {n}: {plain(quantity)} of {plain(line.quantity)}"
        lines.append(part_line(line, net, tax, label))
    return part_invoice(whole, lines, f"Shipment invoice {n} of deal {whole.deal_id}.")


def _billed(amount: Decimal, quantity: Decimal, shipped: Decimal, currency: str) -> Decimal:
    """What a line has billed once ``shipped`` of its ``quantity`` units shipped."""
    if shipped >= quantity:
        return amount
    return allocate(amount, [shipped, quantity - shipped], currency)[0]
