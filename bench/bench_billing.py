"""Benchmark: build a 10,000-line usage invoice (target: under 50 ms).

Part of ``make bench``; alone: ``.venv/bin/python -m bench.bench_billing``.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from datetime import date
from decimal import Decimal

from quote2cash.billing.invoice import build_invoice
from quote2cash.billing.journal import invoice_entry
from quote2cash.billing.rounding import RoundingPolicy
from quote2cash.billing.snapshot import BillTo, QuoteSnapshot
from quote2cash.billing.usage import PerUnit, UsageCharge

LINES = 10_000
RUNS = 15


def _charges(lines: int = LINES) -> list[UsageCharge]:
    # Varied quantities and prices (up to 4 places) so rounding really happens.
    return [
        UsageCharge(
            charge_id=f"meter-{i}",
            description=f"Metered feature {i % 50}",
            price=PerUnit(unit_price=Decimal(f"0.{(i * 37) % 10000:04d}")),
            quantity=Decimal((i * 7919) % 100_000),
        )
        for i in range(lines)
    ]


SNAPSHOT = QuoteSnapshot(
    deal_id="bench",
    currency="USD",
    bill_to=BillTo(customer_key="bench", name="Bench Inc", country="US", region="NY"),
    lines=[],
    catalog_version="bench",
)


def _time_ms(
    action: Callable[[], object], runs: int, clock: Callable[[], float] = time.perf_counter
) -> list[float]:
    timings = []
    for _ in range(runs):
        start = clock()
        action()
        timings.append((clock() - start) * 1000)
    return timings


def run(lines: int = LINES, runs: int = RUNS) -> dict[str, float]:
    """Median and best timings in ms of building (and posting) the invoice."""
    charges = _charges(lines)
    issue = date(2024, 2, 1)
    per_invoice = RoundingPolicy(phase="per_invoice")
    build_invoice(SNAPSHOT, issue_date=issue, usage=charges)  # warm-up
    per_line = _time_ms(lambda: build_invoice(SNAPSHOT, issue_date=issue, usage=charges), runs)
    invoice_phase = _time_ms(
        lambda: build_invoice(SNAPSHOT, issue_date=issue, usage=charges, policy=per_invoice), runs
    )
    # CPU time of this process alone: on a shared machine, the steadier figure.
    cpu = _time_ms(
        lambda: build_invoice(SNAPSHOT, issue_date=issue, usage=charges), runs, time.process_time
    )
    invoice = build_invoice(SNAPSHOT, issue_date=issue, usage=charges)
    journal = _time_ms(lambda: invoice_entry(invoice, key="bench"), runs)
    return {
        "build_per_line_median_ms": statistics.median(per_line),
        "build_per_line_best_ms": min(per_line),
        "build_per_line_best_cpu_ms": min(cpu),
        "build_per_invoice_median_ms": statistics.median(invoice_phase),
        "invoice_entry_median_ms": statistics.median(journal),
    }


if __name__ == "__main__":
    for name, value in run().items():
        print(f"{name}: {value:.1f}")
