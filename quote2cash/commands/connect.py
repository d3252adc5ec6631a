"""q2c connect hubspot|xero|mapping|check: set up and check the real vendors' connections.

Each subcommand lives with its vendor in ``quote2cash.connect``; this module only
gathers them into the ``connect`` group and talks to the terminal.
"""

from __future__ import annotations

import asyncio
import json
import sys
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from quote2cash.connect import Requirement
from quote2cash.connect.hubspot_command import hubspot
from quote2cash.connect.mapping import mapping_command
from quote2cash.settings import get_settings


def xero(
    paste: Annotated[
        bool, typer.Option(help="Headless: print the URL, paste back where it redirected.")
    ] = False,
    client_credentials: Annotated[
        bool,
        typer.Option(
            "--client-credentials", help="A Xero custom connection: client id and secret only."
        ),
    ] = False,
    tenant: Annotated[
        str, typer.Option(help="The organisation's tenant id, when the grant has several.")
    ] = "",
    timeout: Annotated[float, typer.Option(help="Seconds to wait for the browser.")] = 300.0,
) -> None:
    """Connect a Xero organisation (again, to reconnect): authorization code + PKCE with a
    loopback redirect, or a custom connection. Stores the grant encrypted; prints what
    it stored, never the tokens."""
    import httpx

    from quote2cash.connect.clients import xero_client
    from quote2cash.connect.consent import loopback_consent, paste_consent
    from quote2cash.connect.mapping import check_mapping
    from quote2cash.connect.xero import ConnectError, connect_xero, connect_xero_custom
    from quote2cash.store.db import make_engine, migrate

    settings = get_settings()
    migrate(settings.db_url)
    engine = make_engine(settings.db_url)

    async def run() -> list[Requirement]:
        async with httpx.AsyncClient(timeout=30) as http:
            if client_credentials:
                stored = await connect_xero_custom(
                    settings, engine, http, tenant=tenant, choose=_prompt_tenant
                )
            else:
                redirect = settings.xero_redirect_uri
                consent = (
                    paste_consent(typer.echo, sys.stdin.readline, redirect)
                    if paste
                    else loopback_consent(typer.echo, redirect, timeout=timeout)
                )
                stored = await connect_xero(
                    settings, engine, http, consent=consent, tenant=tenant, choose=_prompt_tenant
                )
            typer.echo(stored.model_dump_json(indent=2))
            # The organisation we just reached must hold what the mapping names.
            picked = settings.model_copy(update={"xero_tenant_id": stored.tenant_id})
            return await check_mapping(picked, xero_client(picked, http, engine))

    try:
        mapping = asyncio.run(run())
    except ConnectError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from exc
    finally:
        engine.dispose()
    problems = [line for line in mapping if not line.ok]
    typer.echo(
        f"account and tax mapping: {len(mapping) - len(problems)} of {len(mapping)} met"
        + ("" if problems else "; the connection is ready")
    )
    for line in problems:
        typer.echo(f"  MISSING {line.name}: {line.detail}; {line.fix}")
    if problems:
        typer.echo("  then: q2c connect mapping (--create-missing adds the bad-debts account)")


def check(as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """Everything both vendors must provide, one line each (read only); exit 1 while
    anything is missing."""
    import httpx

    from quote2cash.connect import all_met
    from quote2cash.connect.check import check_everything
    from quote2cash.store.db import make_engine, migrate

    settings = get_settings()
    migrate(settings.db_url)
    engine = make_engine(settings.db_url)

    async def run() -> list[Requirement]:
        async with httpx.AsyncClient(timeout=30) as http:
            return await check_everything(settings, http, engine)

    try:
        lines = asyncio.run(run())
    finally:
        engine.dispose()
    if as_json:
        typer.echo(json.dumps([line.model_dump() for line in lines], indent=2))
    else:
        _print_lines(lines)
    if not all_met(lines):
        raise typer.Exit(1)


def _print_lines(lines: list[Requirement]) -> None:
    table = Table(title="q2c connect check", show_lines=False)
    for column in ("vendor", "", "requirement", "detail"):
        table.add_column(column)
    for line in lines:
        mark = "[green]ok[/]" if line.ok else "[red]MISSING[/]"
        detail = line.detail if line.ok else f"{line.detail}\n[bold]fix:[/] {line.fix}"
        table.add_row(line.vendor, mark, line.name, detail)
    Console().print(table)
    missing = sum(not line.ok for line in lines)
    Console().print(
        f"{len(lines) - missing} of {len(lines)} met" + (f", {missing} missing" if missing else "")
    )


def _prompt_tenant(listed: list[dict[str, Any]]) -> str:
    for number, organisation in enumerate(listed, start=1):
        typer.echo(f"{number}. {organisation['tenantName']} ({organisation['tenantId']})")
    picked: int = typer.prompt("Which organisation", type=int)
    if not 1 <= picked <= len(listed):
        raise typer.BadParameter(f"choose 1 to {len(listed)}")
    return str(listed[picked - 1]["tenantId"])


def register(app: typer.Typer) -> None:
    """Add this module's commands to the q2c app."""
    group = typer.Typer(
        help="Connect a real HubSpot portal and Xero organisation, and check them.",
        no_args_is_help=True,
    )
    group.command("hubspot")(hubspot)
    group.command("xero")(xero)
    group.command("mapping")(mapping_command)
    group.command("check")(check)
    app.add_typer(group, name="connect")
