"""``python -m quote2cash.sandbox.xero --port 8102 ...`` (same flags as ``q2c sandbox``)."""

from __future__ import annotations

import typer

from quote2cash.sandbox.launch import xero_command

if __name__ == "__main__":
    typer.run(xero_command)
