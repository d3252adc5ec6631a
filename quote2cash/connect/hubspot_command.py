"""The terminal side of ``q2c connect hubspot``: run ``connect_hubspot``, one line per item.

Exit code 1 when something could not be done (the line says what to do about it).
"""

from __future__ import annotations

import asyncio
from typing import Annotated

import httpx
import typer
from rich.console import Console
from rich.markup import escape

from quote2cash.connect import Requirement
from quote2cash.connect.hubspot import HubSpotConnection, connect_hubspot
from quote2cash.settings import get_settings


def render(lines: list[Requirement], console: Console) -> None:
    for line in lines:
        mark = "[green]✓[/green]" if line.ok else "[red]✗[/red]"
        console.print(f"{mark} [bold]{escape(line.name)}[/bold]: {escape(line.detail)}")
        if line.fix:
            console.print(f"    [yellow]→ {escape(line.fix)}[/yellow]")


async def _connect(call_seconds: float) -> HubSpotConnection:
    async with httpx.AsyncClient(timeout=call_seconds) as http:
        return await connect_hubspot(get_settings(), http)


def hubspot(
    timeout: Annotated[float, typer.Option(help="seconds per HubSpot call")] = 30.0,
) -> None:
    """Check the private-app token and its scopes, create or update the quote2cash
    properties, check the won stages, and print the webhook subscription to set up."""
    console = Console()
    result = asyncio.run(_connect(timeout))
    render(result.lines, console)
    failed = sum(not line.ok for line in result.lines)
    if failed:
        console.print(f"[red]{failed} item(s) need attention[/red]")
        raise typer.Exit(1)
    console.print(f"[green]HubSpot portal {result.portal_id} is connected[/green]")
