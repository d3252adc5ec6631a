"""The ``q2c`` command: one Typer app; each group of commands lives in its own module."""

from __future__ import annotations

import typer

from quote2cash.commands import (
    billing,
    connect,
    deals,
    reconcile,
    sandbox,
    stack,
    subscriptions,
)

app = typer.Typer(
    name="q2c",
    help="quote2cash: closed-won deal to paid, posted and reconciled invoice, on Temporal.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
stack.register(app)
billing.register(app)
sandbox.register(app)
deals.register(app)
subscriptions.register(app)
reconcile.register(app)
connect.register(app)

if __name__ == "__main__":
    app()
