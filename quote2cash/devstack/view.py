"""What a person sees during the demo: live counts per stage, then a summary."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING

from rich.console import Console
from rich.live import Live
from rich.table import Table

from quote2cash.messages import Stage

if TYPE_CHECKING:
    from quote2cash.devstack.demo import DemoResult
    from quote2cash.devstack.driver import DealDriver

ORDER = ["waiting for webhook", *[s.value for s in Stage if s != Stage.RECEIVED]]


def progress_table(driver: DealDriver) -> Table:
    counts = driver.counts()
    table = Table(title=f"{len(driver.deals)} deals", show_edge=False)
    table.add_column("stage")
    table.add_column("deals", justify="right")
    table.add_column("")
    width = max(1, len(driver.deals))
    for stage in ORDER:
        n = counts.get(stage, 0)
        style = "red" if stage == "needs_attention" and n else ""
        table.add_row(stage, str(n), "█" * round(30 * n / width), style=style)
    return table


@asynccontextmanager
async def live_progress(
    console: Console | None, driver: DealDriver
) -> AsyncIterator[Callable[[], None]]:
    if console is None:
        yield lambda: None
        return
    with Live(progress_table(driver), console=console, refresh_per_second=4) as live:
        yield lambda: live.update(progress_table(driver))


def print_summary(console: Console, result: DemoResult) -> None:
    if not console.is_terminal:
        # Piped, the live table's last frame ends without a newline: the summary's
        # title would continue its last row.
        console.line()
    table = Table(title="quote2cash demo", show_header=False)
    table.add_column("what")
    table.add_column("value", justify="right")
    ok = result.completed == result.deals and result.duplicates == 0 and result.ledger_balanced
    rows = [
        ("deals closed-won", result.deals),
        ("completed (paid, posted, written back)", result.completed),
        ("needs attention", result.needs_attention),
        ("invoices in Xero", result.invoices),
        ("payments in Xero", result.payments),
        ("journal entries in our ledger", result.journal_entries),
        ("duplicates", result.duplicates),
        ("ledger balanced", "yes" if result.ledger_balanced else "NO"),
        ("elapsed", f"{result.elapsed_s:.1f} s"),
    ]
    if result.reconciliation:
        rows.append(("reconciliation", result.reconciliation))
    if result.xero_oauth:
        oauth = result.xero_oauth
        rows.append(
            (
                f"Xero token refreshes ({oauth['token_ttl_s']} s tokens)",
                f"{oauth['refreshes']} ({oauth['invalid_grant']} invalid_grant)",
            )
        )
    for what, value in rows:
        table.add_row(what, str(value))
    console.print(table)
    for deal, reason in result.query_failures.items():
        console.print(f"[red]deal {deal}: its stage could not be read: {reason}[/]")
    console.print(f"Temporal UI: {result.temporal_ui}")
    console.print(f"Ops dashboard: {result.dashboard}")
    console.print(f"One deal's history: [link={result.example_deal}]{result.example_deal}[/link]")
    console.print("[green]all deals posted[/]" if ok else "[red]not every deal completed[/]")
