"""``q2c demo``: the embedded stack, N deals from closed-won to posted, and a summary.

Each run keeps its state in a new folder, ``var/demo/<UTC time>/``: its summary counts
this run's documents alone (a kept Xero organisation would hold the last run's invoices,
and its contacts would refuse this run's customers of the same name), and nothing of
``q2c dev``'s ``var/`` or of an earlier demo is touched. ``--fresh`` deletes the earlier
demo folders, saying which, once the ports are known to be free.
"""

from __future__ import annotations

import asyncio
import shutil
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any

import httpx
from rich.console import Console
from temporalio.client import Client

from quote2cash.connect.accounts import ensure_bad_debts_account
from quote2cash.devstack.driver import DealDriver
from quote2cash.devstack.faults import EXEMPT_HEADERS, FaultProfile, report, with_limits
from quote2cash.devstack.faults import apply as apply_faults
from quote2cash.devstack.faults import profile as fault_profile
from quote2cash.devstack.processes import Supervisor
from quote2cash.devstack.seed import prepare_crm, seed_deals
from quote2cash.devstack.stack import FAST_SQLITE, services, start_stack
from quote2cash.devstack.view import live_progress, print_summary
from quote2cash.messages import deal_workflow_id
from quote2cash.reconciliation import run_reconciliation
from quote2cash.settings import Settings
from quote2cash.store.db import make_engine, migrate, unit_of_work
from quote2cash.store.ledger import LedgerRepository
from quote2cash.temporal import connect

RECONCILE_WAIT_S = 60.0
XERO_TOKEN_TTL_S = 15
"""The demo's Xero access tokens live 15 seconds, not Xero's 30 minutes: the whole demo
takes about half a minute (its 25 deals about ten seconds), so only tokens this short
expire while it runs, and the summary shows the workers refreshing them
(``--xero-token-ttl`` sets another lifetime)."""


@dataclass
class DemoResult:
    deals: int
    completed: int
    needs_attention: int
    invoices: int
    payments: int
    journal_entries: int
    duplicates: int
    ledger_balanced: bool
    elapsed_s: float
    stages: dict[str, int] = field(default_factory=dict)
    temporal_ui: str = ""
    dashboard: str = ""
    query_failures: dict[str, str] = field(default_factory=dict)
    """Deals whose stage could not be read at the end, and why."""
    example_deal: str = ""
    faults: dict[str, Any] = field(default_factory=dict)
    """With ``--faults``: the profile, retries observed and faults injected."""
    reconciliation: str = ""
    """The day's reconciliation once the deals are done: "N matched, M findings"."""
    xero_oauth: dict[str, int] = field(default_factory=dict)
    """Counted by the Xero emulator: token refreshes, invalid_grant answers, revocations."""
    state_dir: str = ""
    """This run's folder (its databases and logs): Q2C_VAR_DIR for q2c commands."""

    def as_json(self) -> dict[str, Any]:
        return asdict(self)


def reset_state(settings: Settings) -> None:
    """The bench starts from nothing in its own var dir: its previous run's state goes."""
    shutil.rmtree(settings.var_dir, ignore_errors=True)
    settings.var_dir.mkdir(parents=True, exist_ok=True)


def demo_state(settings: Settings, *, fresh: bool, say: Console) -> Settings:
    """The settings of a new run folder under ``var/demo/``; with ``fresh`` the earlier
    run folders go first, each named before it does. Call once the ports are free: a
    start that fails on a taken port deletes nothing."""
    runs = settings.var_dir / "demo"
    if fresh:
        for earlier in sorted(p for p in runs.glob("*") if p.is_dir()):
            say.print(f"--fresh: deleting the earlier demo run {earlier}")
            shutil.rmtree(earlier)
    run_dir = runs / datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    run_dir.mkdir(parents=True, exist_ok=False)
    return settings.model_copy(update={"var_dir": run_dir})


async def _summarize(
    settings: Settings, http: httpx.AsyncClient, driver: DealDriver, started: float
) -> DemoResult:
    invoices = await driver.xero_records("Invoices")
    payments = await driver.xero_records("Payments")
    per_reference = Counter(str(i.get("Reference")) for i in invoices)
    # Cash refunded on a credit note is a payment too, against no invoice.
    per_invoice = Counter(str(p["Invoice"]["InvoiceID"]) for p in payments if "Invoice" in p)
    # A deal billed in parts has one invoice per part, all with the deal's reference.
    expected = {f"deal {d}": len(s.invoices) for d, s in driver.status.items() if s}
    duplicates = sum(max(0, n - max(1, expected.get(ref, 1))) for ref, n in per_reference.items())
    duplicates += sum(n - 1 for n in per_invoice.values() if n > 1)
    engine = make_engine(settings.db_url)
    with unit_of_work(engine) as session:
        ledger = LedgerRepository(session)
        entries, balanced = ledger.count(), ledger.is_balanced()
    engine.dispose()
    counts = driver.counts()
    example = driver.deals[0].deal_id if driver.deals else ""
    return DemoResult(
        deals=len(driver.deals),
        completed=counts.get("completed", 0),
        needs_attention=counts.get("needs_attention", 0),
        invoices=len(invoices),
        payments=len(payments),
        journal_entries=entries,
        duplicates=duplicates,
        ledger_balanced=balanced,
        elapsed_s=round(time.monotonic() - started, 2),
        stages=dict(counts),
        temporal_ui=f"http://127.0.0.1:{settings.temporal_ui_port}",
        dashboard=f"{settings.api_url}/dashboard",
        query_failures=dict(driver.query_failures),
        example_deal=(
            f"http://127.0.0.1:{settings.temporal_ui_port}/namespaces/"
            f"{settings.temporal_namespace}/workflows/{deal_workflow_id('hubspot', example)}"
        ),
    )


async def _drive(
    settings: Settings,
    deals: int,
    console: Console | None,
    give_up_after: float,
    chosen: FaultProfile,
) -> DemoResult:
    client = await connect(settings)
    # The driver plays people and the customer's bank: vendor faults are not for them.
    async with httpx.AsyncClient(timeout=30.0, headers=EXEMPT_HEADERS) as http:
        probe = DealDriver(settings, client, http, [])
        await prepare_crm(settings, http)
        await ensure_bad_debts_account(probe.xero, probe.mapping)
        seeded = await seed_deals(probe.hubspot, deals)
        driver = DealDriver(settings, client, http, seeded)
        started = time.monotonic()
        await driver.close_all()
        async with live_progress(console, driver) as refresh:

            async def show() -> None:
                refresh()

            await driver.run(give_up_after, each_tick=show, pause=0.25)
        result = await _summarize(settings, http, driver, started)
        if chosen.name != "none":
            ids = [deal_workflow_id("hubspot", d.deal_id) for d in driver.deals]
            result.faults = {"profile": chosen.name, **await report(client, http, settings, ids)}
        return result


async def xero_oauth_counts(settings: Settings, token_ttl: int) -> dict[str, int]:
    """The emulator's own count of token refreshes and refusals during the run."""
    async with httpx.AsyncClient(timeout=10.0) as http:
        answer = await http.get(f"{settings.xero_base_url}/_sandbox/oauth")
    if answer.status_code != 200:
        return {}
    found = answer.json()
    keys = ("refreshes", "invalid_grant", "revocations")
    return {k: int(found[k]) for k in keys} | {"token_ttl_s": token_ttl}


async def reconcile_today(client: Client, settings: Settings) -> str:
    """Run today's reconciliation; its one-line result, or why there is none."""
    try:
        summary = await asyncio.wait_for(
            run_reconciliation(client, settings, datetime.now(UTC).date()), RECONCILE_WAIT_S
        )
    except TimeoutError:
        return f"not finished after {RECONCILE_WAIT_S:.0f} s (see the Temporal UI)"
    return f"{summary.matched} matched, {summary.findings} findings"


# A busy dev server (SQLite, hundreds of retrying workflows) can time a query out; the
# driver asks again on its next round instead of ending the demo.
async def run_demo(
    settings: Settings,
    *,
    deals: int,
    keep: bool,
    console: Console | None,
    faults: str = "none",
    scenario: str = "spine",
    xero_token_ttl: int = XERO_TOKEN_TTL_S,
    fresh: bool = False,
    on_result: Callable[[DemoResult], None] | None = None,
) -> DemoResult:
    """``on_result`` gets the result as soon as it is known: before ``keep`` waits."""
    chosen = fault_profile(faults)
    settings = with_limits(settings, chosen)
    Supervisor(settings.var_dir / "logs").check_ports(services(settings))
    settings = demo_state(settings, fresh=fresh, say=console or Console(stderr=True))
    supervisor = Supervisor(settings.var_dir / "logs")
    try:
        if console:
            console.print(
                f"[bold]Starting the embedded stack[/] in {settings.var_dir} (its state and "
                f"logs; q2c commands reach it with Q2C_VAR_DIR={settings.var_dir})"
            )
        await start_stack(
            settings, supervisor, temporal_args=FAST_SQLITE, xero_token_ttl=xero_token_ttl
        )
        watcher = asyncio.create_task(supervisor.watch())  # a child that dies comes back
        await asyncio.to_thread(migrate, settings.db_url)
        async with httpx.AsyncClient(timeout=10.0) as admin:
            await apply_faults(admin, settings, chosen)
        if scenario == "lifecycle":
            from quote2cash.devstack.scenarios import run_lifecycle

            result = await run_lifecycle(settings, console, _summarize)
        else:
            give_up = 120 + 2.0 * deals + chosen.extra_seconds
            result = await _drive(settings, deals, console, give_up, chosen)
        result.reconciliation = await reconcile_today(await connect(settings), settings)
        result.xero_oauth = await xero_oauth_counts(settings, xero_token_ttl)
        result.state_dir = str(settings.var_dir)
        if console:
            print_summary(console, result)
            if result.faults:
                console.print_json(data=result.faults)
        if on_result is not None:
            on_result(result)
        if keep:
            if console:
                console.print("[bold]--keep[/]: the stack stays up; Ctrl-C stops it.")
            await asyncio.Event().wait()
        watcher.cancel()
        return result
    finally:
        supervisor.stop_all()
