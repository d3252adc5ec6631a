"""Command-line entry points of the emulators, shared by ``q2c sandbox`` and ``python -m``.

Every flag has an environment variable (``Q2C_HUBSPOT_*``, ``Q2C_XERO_*``); a flag given
on the command line wins. A launcher (``q2c demo``) can run either emulator as a child
process with ``python -m quote2cash.sandbox.hubspot --port N`` and poll
``GET /_sandbox/health`` until it answers.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from quote2cash.sandbox.common.faults import FaultConfig

Host = Annotated[str, typer.Option(help="interface to bind; keep loopback")]
Db = Annotated[str | None, typer.Option(help="SQLite file or :memory:")]
WebhookUrl = Annotated[str | None, typer.Option(help="where webhooks go; empty: off")]
Reset = Annotated[bool, typer.Option("--reset", help="wipe the database at start")]
Seed = Annotated[bool, typer.Option("--seed", help="load sample data at start")]
FaultsOpt = Annotated[
    str | None, typer.Option("--faults", help="fault settings: JSON text or a JSON file path")
]


def _faults(value: str | None) -> dict[str, Any]:
    if not value:
        return {}
    text = Path(value).read_text() if Path(value).is_file() else value
    return {"faults": FaultConfig.model_validate(json.loads(text))}


def _switches(*, reset: bool, seed: bool) -> dict[str, bool]:
    """A switch left off leaves the environment's value in place."""
    return {k: True for k, on in (("reset_on_start", reset), ("seed_on_start", seed)) if on}


def _given(**values: Any) -> dict[str, Any]:
    """Only the flags actually given, so the environment fills in the rest."""
    return {k: v for k, v in values.items() if v is not None}


def hubspot_command(
    port: Annotated[int, typer.Option(envvar="Q2C_HUBSPOT_PORT")] = 8101,
    host: Host = "127.0.0.1",
    db: Db = None,
    webhook_url: WebhookUrl = None,
    client_secret: Annotated[str | None, typer.Option(help="signs webhooks (v3)")] = None,
    token: Annotated[str | None, typer.Option(help="bearer token the API accepts")] = None,
    reset: Reset = False,
    seed: Seed = False,
    faults: FaultsOpt = None,
) -> None:
    """Run the HubSpot CRM emulator."""
    from quote2cash.sandbox.hubspot import HubSpotSandboxConfig, run_hubspot

    given = _given(db=db, webhook_url=webhook_url, client_secret=client_secret, token=token)
    options: dict[str, Any] = {**given, **_switches(reset=reset, seed=seed)}
    # The constructor, not model_validate: only __init__ reads the environment.
    config = HubSpotSandboxConfig(**options, **_faults(faults))
    run_hubspot(config, host, port)


def xero_command(
    port: Annotated[int, typer.Option(envvar="Q2C_XERO_PORT")] = 8102,
    host: Host = "127.0.0.1",
    db: Db = None,
    webhook_url: WebhookUrl = None,
    webhook_key: Annotated[str | None, typer.Option(help="signs webhooks")] = None,
    tenant_id: Annotated[str | None, typer.Option(help="the one tenant it serves")] = None,
    organisation: Annotated[
        str | None,
        typer.Option(help="uk, au or us: its chart, tax rates and currencies (default uk)"),
    ] = None,
    access_token_ttl: Annotated[
        int | None, typer.Option(help="seconds an OAuth access token lives (Xero: 1800)")
    ] = None,
    reset: Reset = False,
    seed: Seed = False,
    faults: FaultsOpt = None,
) -> None:
    """Run the Xero Accounting emulator."""
    from quote2cash.sandbox.xero import XeroSandboxConfig, run_xero

    given = _given(
        db=db,
        webhook_url=webhook_url,
        webhook_key=webhook_key,
        tenant_id=tenant_id,
        organisation=organisation,
        access_token_ttl_seconds=access_token_ttl,
    )
    options: dict[str, Any] = {**given, **_switches(reset=reset, seed=seed)}
    config = XeroSandboxConfig(**options, **_faults(faults))
    run_xero(config, host, port)


def seed_command(
    vendor: Annotated[str, typer.Argument(help="hubspot or xero")],
    url: Annotated[str | None, typer.Option(help="emulator base URL (default: settings)")] = None,
) -> None:
    """Load the sample data into a running emulator, through its vendor API."""
    import asyncio

    import httpx

    from quote2cash.settings import get_settings

    settings = get_settings()

    async def run() -> dict[str, Any]:
        async with httpx.AsyncClient(timeout=30) as http:
            if vendor == "hubspot":
                from quote2cash.connectors.hubspot import HubSpotClient
                from quote2cash.sandbox.hubspot.seed import seed

                base = url or settings.hubspot_base_url
                return await seed(HubSpotClient(http, base_url=base, token=settings.hubspot_token))
            if vendor == "xero":
                # The emulator seeds itself: its API takes only OAuth tokens.
                base = (url or settings.xero_base_url).rstrip("/")
                answer = await http.post(f"{base}/_sandbox/seed")
                answer.raise_for_status()
                seeded: dict[str, Any] = answer.json()
                return seeded
        raise typer.BadParameter(f"unknown vendor {vendor!r}: hubspot or xero")

    typer.echo(json.dumps(asyncio.run(run()), indent=2))
