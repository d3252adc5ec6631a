"""q2c sandbox: run the vendor emulators and load sample data into them.

q2c sandbox hubspot --port 8101 --db var/hubspot.db --webhook-url URL --client-secret S
q2c sandbox xero --port 8102 --db var/xero.db --webhook-url URL --webhook-key K
q2c sandbox seed hubspot|xero
"""

from __future__ import annotations

import typer

from quote2cash.sandbox.launch import hubspot_command, seed_command, xero_command


def register(app: typer.Typer) -> None:
    """Add this module's commands to the q2c app."""
    group = typer.Typer(help="Local HubSpot and Xero emulators.", no_args_is_help=True)
    group.command("hubspot")(hubspot_command)
    group.command("xero")(xero_command)
    group.command("seed")(seed_command)
    app.add_typer(group, name="sandbox")
