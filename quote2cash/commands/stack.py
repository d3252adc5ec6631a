"""q2c commands that run processes: demo, dev (the stack only), worker, api."""

from __future__ import annotations

import asyncio
import json
import logging
import sys
from typing import Annotated

import typer
from rich.console import Console

from quote2cash.devstack.processes import StackError, Supervisor
from quote2cash.settings import get_settings

err = Console(stderr=True)


def _fail(message: str) -> None:
    err.print(f"[red]error:[/] {message}")
    raise typer.Exit(2)


def demo(
    deals: Annotated[int, typer.Option(min=1, max=5000, help="How many deals to close.")] = 25,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print one JSON object at the end.")
    ] = False,
    keep: Annotated[bool, typer.Option(help="Leave the stack up to explore.")] = False,
    fresh: Annotated[
        bool,
        typer.Option(
            help="Delete the earlier demo runs' folders under var/demo/ first (each run "
            "has its own; q2c dev's var/ is never touched)."
        ),
    ] = False,
    faults: Annotated[
        str, typer.Option(help="Vendor fault profile: none, or chaos (see devstack/faults.py).")
    ] = "none",
    scenario: Annotated[
        str,
        typer.Option(
            help="spine (N plain deals) or lifecycle (approval, needs-attention and retry, "
            "a 50/50 split, a refund, a subscription that renews and upgrades; --deals is "
            "ignored)."
        ),
    ] = "spine",
    xero_token_ttl: Annotated[
        int,
        typer.Option(
            min=5,
            help="Seconds the Xero emulator's access tokens live (Xero's own: 1800); short "
            "enough by default that the demo's workers refresh them while it runs.",
        ),
    ] = 15,
) -> None:
    """Start the embedded stack, close N deals in the CRM, watch them reach posted."""
    from quote2cash.devstack.demo import DemoResult, run_demo
    from quote2cash.devstack.faults import PROFILES

    if faults not in PROFILES:
        _fail(f"unknown fault profile {faults!r}; one of {', '.join(PROFILES)}")
    console = None if as_json else Console()

    def print_json(result: DemoResult) -> None:
        # Before --keep waits: a script reading the JSON must not wait for Ctrl-C.
        typer.echo(json.dumps(result.as_json()))
        sys.stdout.flush()

    try:
        result = asyncio.run(
            run_demo(
                get_settings(),
                deals=deals,
                keep=keep,
                console=console,
                faults=faults,
                scenario=scenario,
                xero_token_ttl=xero_token_ttl,
                fresh=fresh,
                on_result=print_json if as_json else None,
            )
        )
    except StackError as exc:
        _fail(str(exc))
    except KeyboardInterrupt:
        err.print("stopped; every child process was stopped too")
        raise typer.Exit(130) from None
    if result.completed != result.deals or result.duplicates or not result.ledger_balanced:
        raise typer.Exit(1)


def dev() -> None:
    """Start the embedded stack (Temporal + UI, emulators, API, worker) until Ctrl-C."""
    from quote2cash.devstack.stack import start_stack

    settings = get_settings()
    console = Console()

    async def run() -> None:
        supervisor = Supervisor(settings.var_dir / "logs")
        try:
            await start_stack(settings, supervisor)
            console.print(f"Temporal UI  http://127.0.0.1:{settings.temporal_ui_port}")
            console.print(f"API          {settings.api_url}/docs")
            console.print(f"HubSpot      {settings.hubspot_base_url}")
            console.print(f"Xero         {settings.xero_base_url}")
            console.print(
                "Ctrl-C stops everything. A child that dies is restarted "
                f"(logged in {settings.var_dir / 'logs' / 'supervisor.log'})."
            )
            await supervisor.watch()
        finally:
            supervisor.stop_all()

    try:
        asyncio.run(run())
    except StackError as exc:
        _fail(str(exc))
    except KeyboardInterrupt:
        console.print("stopped")


def worker() -> None:
    """Run a worker: every workflow and activity on the deals task queue."""
    from quote2cash.chart.mapping import MappingError
    from quote2cash.connect.mapping import MappingRefused
    from workers.main import run_worker

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    try:
        asyncio.run(run_worker(get_settings()))
    except (MappingError, MappingRefused) as exc:
        logging.getLogger("q2c.worker").error("refusing to start: %s", exc)
        raise typer.Exit(2) from None


def api() -> None:
    """Run the API: webhook ingress, ops endpoints, codec server for the Temporal UI."""
    from quote2cash.api.app import serve
    from quote2cash.chart.mapping import MappingError
    from quote2cash.tracing import setup_tracing

    settings = get_settings()
    try:
        serve(settings, interceptors=setup_tracing(settings, "q2c-api"))
    except MappingError as exc:
        logging.getLogger("q2c.api").error("refusing to start: %s", exc)
        raise typer.Exit(2) from None


def register(app: typer.Typer) -> None:
    for command in (demo, dev, worker, api):
        app.command()(command)
