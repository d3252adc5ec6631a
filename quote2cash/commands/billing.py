"""q2c commands: billing — ``prorate`` (why this amount?) and ``preview`` (what will we bill?).

Both print what the billing core computes, from the same code path the workflows use.
Bad input ends in one line on stderr saying what was wrong and what to do, exit code 2.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, NoReturn

import typer
from pydantic import ValidationError

from quote2cash.billing.errors import BillingError, first_problem
from quote2cash.billing.money import Money
from quote2cash.billing.preview import load_document, preview_document
from quote2cash.billing.proration import (
    ProrationBasis,
    ProrationPolicy,
    parse_span,
    prorate,
)
from quote2cash.billing.rounding import RoundingMode

_BASES = ", ".join(b.value for b in ProrationBasis)
_MODES = ", ".join(m.value for m in RoundingMode)


def _fail(message: str) -> NoReturn:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code=2)


def _choice(value: str, allowed: type[ProrationBasis] | type[RoundingMode], what: str) -> str:
    names = [item.value for item in allowed]
    if value not in names:
        _fail(f"{what} {value!r} is not one of: {', '.join(names)}")
    return value


def _precision(text: str) -> int | None:
    if text.strip().lower() == "none":
        return None
    if not text.strip().isdigit() or int(text) > 30:
        _fail(f"factor precision {text!r} must be a whole number of places (0-30) or 'none'")
    return int(text)


def prorate_command(
    amount: Annotated[str, typer.Option(help="Price of the whole period, e.g. 19.95")],
    currency: Annotated[str, typer.Option(help="ISO 4217 code, e.g. USD")],
    period: Annotated[str, typer.Option(help="Billing period START..END (end = next start)")],
    span: Annotated[str, typer.Option(help="Part of the period to charge, START..END")],
    basis: Annotated[str, typer.Option(help=f"One of: {_BASES}")] = "actual_days",
    rounding: Annotated[str, typer.Option(help=f"Amount rounding: {_MODES}")] = "half_up",
    factor_precision: Annotated[
        str, typer.Option(help="Decimal places of the factor, or 'none' for unrounded")
    ] = "9",
    as_json: Annotated[bool, typer.Option("--json", help="Print amount, factor, explanation")] = (
        False
    ),
) -> None:
    """Prorate an amount over part of a period, and explain it (support's calculator).

    Ranges are START..END with END exclusive (the next period's start), except with
    --basis inclusive_days where both ends are billed days, as on Lago invoices.
    Datetimes with a time and an explicit offset are accepted with --basis seconds.
    """
    try:
        policy = ProrationPolicy(
            basis=ProrationBasis(_choice(basis, ProrationBasis, "basis")),
            rounding=RoundingMode(_choice(rounding, RoundingMode, "rounding")),
            factor_precision=_precision(factor_precision),
        )
        price = Money.of(amount, currency)
        result = prorate(price, period=parse_span(period), span=parse_span(span), policy=policy)
    except (BillingError, ValidationError) as exc:
        _fail(first_problem(exc))
    if as_json:
        payload = {
            "amount": format(result.amount.amount, "f"),
            "currency": result.amount.currency,
            "factor": format(result.factor, "f"),
            "explanation": result.explanation,
        }
        typer.echo(json.dumps(payload, indent=2))
        return
    typer.echo(str(result.amount))
    typer.echo(result.explanation)


def preview_command(
    file: Annotated[
        Path, typer.Argument(help="Preview document (JSON), see docs/preview-format.md")
    ],
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON")] = False,
) -> None:
    """Print the invoice (or amendment delta) the workflow would produce, explained."""
    try:
        text = file.read_text(encoding="utf-8")
    except OSError as exc:
        _fail(f"cannot read {file}: {exc.strerror}; pass the path of a preview JSON file")
    try:
        result = preview_document(load_document(text))
    except (BillingError, ValidationError) as exc:
        _fail(f"{file}: {first_problem(exc)}")
    if as_json:
        typer.echo(result.model_dump_json(indent=2))
        return
    typer.echo(result.text)


def register(app: typer.Typer) -> None:
    """Add this module's commands to the q2c app."""
    app.command("prorate")(prorate_command)
    app.command("preview")(preview_command)
