"""q2c connect hubspot|xero|check: set up and check the real vendors' connections.

Each subcommand lives with its vendor in ``quote2cash.connect``; this module only
gathers them into the ``connect`` group.
"""

from __future__ import annotations

import typer

from quote2cash.connect.hubspot_command import hubspot
from quote2cash.connect.mapping import mapping_command


def register(app: typer.Typer) -> None:
    """Add this module's commands to the q2c app."""
    group = typer.Typer(
        help="Connect a real HubSpot portal and Xero organisation, and check them.",
        no_args_is_help=True,
    )
    group.command("hubspot")(hubspot)
    app.add_typer(group, name="connect")
    group.command("mapping")(mapping_command)
