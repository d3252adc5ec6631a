"""``python -m quote2cash.sandbox.hubspot --port 8101 ...`` (same flags as ``q2c sandbox``)."""

from __future__ import annotations

import typer

from quote2cash.sandbox.launch import hubspot_command

if __name__ == "__main__":
    typer.run(hubspot_command)
