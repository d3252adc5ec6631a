"""q2c reconcile [--date D]: run one day's reconciliation now and print what it found.

Starts (or joins) ``ReconciliationWorkflow`` for the date on the configured Temporal,
waits for it, and prints the stored report: a table of findings (kind, amount,
explanation, keys), the work in flight, and per currency how Xero's live invoices split
into matched, pending and mismatched. Exit code 1 when there are findings.
"""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, date, datetime
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from quote2cash.billing.reconcile_model import Finding, Report
from quote2cash.reconciliation import run_reconciliation
from quote2cash.settings import Settings, get_settings


async def reconcile_now(settings: Settings, business_date: date) -> Report:
    """Run the day's reconciliation through Temporal, then read its stored report."""
    from quote2cash.store.db import make_engine, unit_of_work
    from quote2cash.store.reconciliation import ReconciliationRepository
    from quote2cash.temporal import connect

    client = await connect(settings)
    await run_reconciliation(client, settings, business_date)
    engine = make_engine(settings.db_url)
    try:
        with unit_of_work(engine) as session:
            report = ReconciliationRepository(session).of(business_date)
    finally:
        engine.dispose()
    if report is None:  # the workflow stores it before it returns: a wrong database?
        raise RuntimeError(
            f"the reconciliation of {business_date} finished but {settings.db_url} has no "
            "report for it: is Q2C_DATABASE_URL the worker's database?"
        )
    return report


def _findings_table(title: str, rows: tuple[Finding, ...]) -> Table:
    table = Table(title=title, show_lines=True)
    for name, justify in (("kind", "left"), ("amount", "right"), ("what", "left")):
        table.add_column(name, justify=justify)  # type: ignore[arg-type]
    table.add_column("keys", overflow="fold")
    for f in rows:
        keys = "\n".join(f"{k}={v}" for k, v in f.keys.items())
        table.add_row(f.kind.value, f"{f.amount} {f.currency}", f.explanation, keys)
    return table


def render(report: Report, console: Console) -> None:
    """The report as tables: findings, work in flight, totals per currency."""
    day = report.business_date
    console.print(
        f"reconciliation {day}: {report.matched} matched, {len(report.findings)} findings, "
        f"{len(report.pending)} in flight"
    )
    if report.findings:
        console.print(_findings_table(f"findings {day}", report.findings))
    if report.pending:
        console.print(_findings_table(f"in flight {day} (not findings)", report.pending))
    totals = Table(title=f"Xero's live invoices {day}")
    for name in ("currency", "invoiced", "matched", "pending", "mismatched", "unexplained"):
        totals.add_column(name, justify="left" if name == "currency" else "right")
    for t in report.totals:
        totals.add_row(
            t.currency,
            *(str(v) for v in (t.invoiced, t.matched, t.pending, t.mismatched)),
            str(t.unexplained),
        )
    console.print(totals)


def reconcile(
    on: Annotated[
        str, typer.Option("--date", help="Business date YYYY-MM-DD (default: today, UTC).")
    ] = "",
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
) -> None:
    """Run one day's reconciliation now (CRM ↔ Xero ↔ our ledger) and print the findings."""
    try:
        business_date = date.fromisoformat(on) if on else datetime.now(UTC).date()
    except ValueError:
        typer.echo(f"error: --date must be YYYY-MM-DD, got {on!r}", err=True)
        raise typer.Exit(2) from None
    report = asyncio.run(reconcile_now(get_settings(), business_date))
    if as_json:
        typer.echo(json.dumps(report.model_dump(mode="json"), indent=2))
    else:
        render(report, Console())
    if report.findings:
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    app.command()(reconcile)
