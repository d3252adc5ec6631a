"""q2c subscriptions: what ops do to subscriptions, through the API.

q2c subscriptions start FILE.json              (the body of POST /subscriptions:
                                                examples/subscription.json)
q2c subscriptions show SUB
q2c subscriptions amend SUB --line L1:quantity=15 --reason ... [--dry-run]
q2c subscriptions cancel SUB --reason ... [--immediately]
q2c subscriptions usage SUB FILE.json          (a usage batch: examples/usage.json)

An amendment answers with the prorated delta before it applies (``--dry-run`` only
quotes it) and the invoice it made after. Token: ``--token``, ``Q2C_TOKEN`` or the ops
token of the settings; a refusal prints the workflow's reason, exit code 1.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from quote2cash.commands.deals import Token, _call, _fail, _print

FIELDS = ("quantity", "unit_price", "sku", "name")


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        _fail(f"cannot read {path}: {exc}", code=2)


def parse_change(text: str) -> dict[str, str]:
    """``L1:quantity=15,unit_price=9.50`` → {"line_id": "L1", "quantity": "15", ...}."""
    line_id, _, assignments = text.partition(":")
    change = {"line_id": line_id.strip()}
    for assignment in filter(None, assignments.split(",")):
        field, _, value = assignment.partition("=")
        if field.strip() not in FIELDS or not value.strip():
            raise ValueError(f"{assignment!r}: expected one of {', '.join(FIELDS)} = a value")
        change[field.strip()] = value.strip()
    if not change["line_id"] or len(change) == 1:
        raise ValueError(f"{text!r}: expected LINE_ID:field=value[,field=value]")
    return change


def start(
    body: Annotated[
        Path,
        typer.Argument(help="JSON body of POST /subscriptions, e.g. examples/subscription.json."),
    ],
    token: Token = "",
) -> None:
    """Start a subscription (or join it: the id is the subscription's).

    Example: q2c subscriptions start examples/subscription.json (against the demo stack:
    the customer's Xero contact is found by its customer key; it starts today)."""
    _print(_call("POST", "/subscriptions", token, _read_json(body)))


def show(subscription: str, token: Token = "") -> None:
    """The subscription's state: period, lines, invoices, amendments, usage."""
    _print(_call("GET", f"/subscriptions/{subscription}", token))


def amend(
    subscription: str,
    reason: Annotated[str, typer.Option(help="Why: kept with the amendment.")],
    line: Annotated[
        list[str],
        typer.Option(help="LINE_ID:field=value[,field=value]; fields: " + ", ".join(FIELDS)),
    ],
    dry_run: Annotated[bool, typer.Option(help="Only quote the prorated delta.")] = False,
    token: Token = "",
) -> None:
    """Upgrade, downgrade or change quantities; prints the prorated delta, explained."""
    try:
        changes = [parse_change(text) for text in line]
    except ValueError as exc:
        _fail(str(exc), code=2)
    body = {"reason": reason, "changes": changes, "dry_run": dry_run}
    _print(_call("POST", f"/subscriptions/{subscription}/amend", token, body))


def cancel(
    subscription: str,
    reason: Annotated[str, typer.Option(help="Why: kept with the cancellation.")],
    immediately: Annotated[
        bool, typer.Option(help="End now with a credit for the unused rest of the period.")
    ] = False,
    token: Token = "",
) -> None:
    """Cancel at the end of the current term (default) or immediately with a credit."""
    body = {"reason": reason, "when": "immediately" if immediately else "end_of_term"}
    _print(_call("POST", f"/subscriptions/{subscription}/cancel", token, body))


def usage(
    subscription: str,
    batch: Annotated[Path, typer.Argument(help="JSON usage batch, e.g. examples/usage.json.")],
    token: Token = "",
) -> None:
    """Send usage events (stored first, idempotent by event id; an event without
    occurred_at happened when it was received).

    Example: q2c subscriptions usage example-1 examples/usage.json"""
    _print(_call("POST", f"/subscriptions/{subscription}/usage", token, _read_json(batch)))


def register(app: typer.Typer) -> None:
    """Add this module's commands to the q2c app."""
    group = typer.Typer(help="Ops actions on subscriptions.", no_args_is_help=True)
    for command in (start, show, amend, cancel, usage):
        group.command()(command)
    app.add_typer(group, name="subscriptions")
