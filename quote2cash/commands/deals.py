"""q2c deals: what ops and finance do to deals, through the API (scoped tokens).

q2c deals list [--stage needs_attention]
q2c deals show DEAL
q2c deals retry DEAL [--note ...]
q2c deals approve DEAL [--reason ...]
q2c deals reject DEAL --reason ...
q2c deals refund DEAL --reason ... [--amount 25.00 --refund-id R1]
q2c deals write-off DEAL --reason ...
q2c deals correct DEAL --reason ...
q2c deals sweep            (straight to Temporal: find won deals whose webhook never came)

The token is ``--token`` or ``Q2C_TOKEN``, else the ops token of the settings. A refusal
(wrong role, the deal's owner, not parked...) prints the workflow's reason, exit code 1.
"""

from __future__ import annotations

import asyncio
import json
from typing import Annotated, Any, NoReturn

import httpx
import typer

from quote2cash.messages import Stage
from quote2cash.settings import get_settings
from quote2cash.sweep_model import SweepResult

Token = Annotated[
    str, typer.Option(envvar="Q2C_TOKEN", help="Bearer token (default: the ops token).")
]
Crm = Annotated[str, typer.Option(help="The CRM the deal lives in.")]


def _fail(message: str, code: int = 1) -> NoReturn:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code=code)


def _call(method: str, path: str, token: str, body: dict[str, Any] | None = None) -> Any:
    settings = get_settings()
    headers = {"Authorization": f"Bearer {token or settings.ops_token}"}
    try:
        response = httpx.request(
            method, f"{settings.api_url}{path}", json=body, headers=headers, timeout=30
        )
    except httpx.HTTPError as exc:
        _fail(f"cannot reach the API at {settings.api_url}: {exc}", code=2)
    answer = response.json()
    if response.is_error:
        _fail(f"{answer.get('error')}: {answer.get('detail')}")
    return answer


def _print(answer: Any) -> None:
    typer.echo(json.dumps(answer, indent=2, default=str))


def list_deals(
    stage: Annotated[Stage | None, typer.Option(help="Only deals resting at this stage.")] = None,
    limit: Annotated[int, typer.Option(min=1, max=1000)] = 100,
    token: Token = "",
) -> None:
    """Deals by stage, from the search attributes in Temporal's visibility store; a deal
    refunded in full reads ``refunded`` (``--stage completed`` lists it too)."""
    params = f"?limit={limit}" + (f"&stage={stage.value}" if stage else "")
    typer.echo(f"{'deal':<28} {'stage':<22} {'needs attention':<24} invoice")
    for row in _call("GET", f"/deals{params}", token):
        sa = row["search_attributes"]
        outcome = row.get("outcome") or sa.get("Q2cStage", "?")
        typer.echo(
            f"{row['workflow_id']:<28} {outcome:<22} "
            f"{sa.get('Q2cAttention', ''):<24} {sa.get('Q2cInvoiceNumber', '')}"
        )


def show(deal: str, crm: Crm = "hubspot", token: Token = "") -> None:
    """The deal's workflow as Temporal describes it, and its full state (the query)."""
    _print(_call("GET", f"/deals/{crm}/{deal}", token))


def retry(
    deal: str,
    note: Annotated[str, typer.Option(help="What was fixed.")] = "",
    crm: Crm = "hubspot",
    token: Token = "",
) -> None:
    """Run a parked deal's failed step again, once its data is fixed at the source."""
    _print(_call("POST", f"/deals/{crm}/{deal}/retry", token, {"note": note}))


def approve(
    deal: str,
    reason: Annotated[str, typer.Option(help="Why (kept with the decision).")] = "",
    crm: Crm = "hubspot",
    token: Token = "",
) -> None:
    """Approve a deal waiting for approval (needs the approver role; not its owner)."""
    _print(_call("POST", f"/deals/{crm}/{deal}/approve", token, {"reason": reason}))


def reject(
    deal: str,
    reason: Annotated[str, typer.Option(help="Why: required, written to the CRM deal.")],
    crm: Crm = "hubspot",
    token: Token = "",
) -> None:
    """Reject a deal waiting for approval; the reason is written back to the CRM."""
    _print(_call("POST", f"/deals/{crm}/{deal}/reject", token, {"reason": reason}))


def refund(
    deal: str,
    reason: Annotated[str, typer.Option(help="Why: kept on the credit note.")],
    amount: Annotated[
        str, typer.Option(help="Refund this much of the invoice (e.g. 25.00); default: all.")
    ] = "",
    refund_id: Annotated[
        str, typer.Option(help="Your key of a partial refund: asking again joins it.")
    ] = "",
    crm: Crm = "hubspot",
    token: Token = "",
) -> None:
    """Refund a completed deal's paid invoice, in full or an amount of it (approver role)."""
    if bool(amount) != bool(refund_id):
        _fail("a partial refund needs both --amount and --refund-id; a full refund neither")
    body: dict[str, Any] = {"reason": reason}
    if amount:
        body |= {"amount": amount, "refund_id": refund_id}
    _print(_call("POST", f"/deals/{crm}/{deal}/refund", token, body))


def write_off(
    deal: str,
    reason: Annotated[str, typer.Option(help="Why: kept with the decision.")],
    crm: Crm = "hubspot",
    token: Token = "",
) -> None:
    """Approve the write-off a long-overdue deal proposed (approver role, not its owner)."""
    _print(_call("POST", f"/deals/{crm}/{deal}/write-off", token, {"reason": reason}))


def correct(
    deal: str,
    reason: Annotated[str, typer.Option(help="Why: kept with the correction.")],
    crm: Crm = "hubspot",
    token: Token = "",
) -> None:
    """Void the unpaid invoice and reissue it under the next number (approver role)."""
    _print(_call("POST", f"/deals/{crm}/{deal}/correct", token, {"reason": reason}))


def sweep(as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """Search the CRM now for won deals with no workflow and start them (what the
    scheduled sweep does every Q2C_SWEEP_EVERY_MINUTES)."""
    from quote2cash.sweep import sweep_now
    from quote2cash.temporal import connect

    async def run() -> SweepResult:
        settings = get_settings()
        return await sweep_now(await connect(settings), settings)

    result = asyncio.run(run())
    if as_json:
        typer.echo(result.model_dump_json(indent=2))
        return
    typer.echo(
        f"won deals changed {result.since:%Y-%m-%d %H:%M} to {result.until:%Y-%m-%d %H:%M} UTC: "
        f"{result.found}; already running or done: {result.already_started}; "
        f"started now (their webhook never came): {len(result.recorded)}"
    )
    for deal_id in result.recorded:
        typer.echo(f"  deal {deal_id}")


def register(app: typer.Typer) -> None:
    """Add this module's commands to the q2c app."""
    group = typer.Typer(help="Ops and finance actions on deals.", no_args_is_help=True)
    group.command("list")(list_deals)
    for command in (show, retry, approve, reject, refund, correct, sweep):
        group.command()(command)
    group.command("write-off")(write_off)
    app.add_typer(group, name="deals")
