"""``GET /metrics``: the figures ops alert on, in Prometheus' text format.

A parked deal is an alert: it waits for a person, and nobody watches the dashboard at
night. Point Prometheus (or anything that scrapes this format) here with the ops token
as its bearer token and alert on the rules in ``docs/alerts.md``:

- ``q2c_up{dependency}``: the database and Temporal answer;
- ``q2c_workflows{stage}``: deal workflows by their ``Q2cStage`` search attribute;
- ``q2c_needs_attention{reason}``: running workflows parked in ``needs_attention``, by
  reason (the name of the runbook that says what to do);
- ``q2c_inbox_entries{status}``: stored webhooks and events by relay status
  (``failed`` ones are retried for ever, but someone should know why);
- ``q2c_ledger_imbalance{currency}``: Σ debits - Σ credits of our ledger, zero always.

Read live on every scrape, like the dashboard: scrape every 30 s or slower.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from fastapi import APIRouter, Depends
from fastapi.responses import PlainTextResponse

from quote2cash.api.board import Board, collect
from quote2cash.api.deps import StateDep, require_ops

router = APIRouter(tags=["ops"])
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


def _label(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def _family(
    name: str, help_text: str, label: str, samples: Iterable[tuple[str, int | Decimal]]
) -> list[str]:
    lines = [f"# HELP {name} {help_text}", f"# TYPE {name} gauge"]
    lines += [f'{name}{{{label}="{_label(key)}"}} {value}' for key, value in samples]
    return lines


def render(board: Board) -> str:
    up = [("database", int(not board.database_error)), ("temporal", int(board.temporal_up))]
    imbalance = [
        (currency, sum(accounts.values(), Decimal(0)))
        for currency, accounts in sorted(board.balances.items())
    ]
    lines = [
        *_family("q2c_up", "1 when quote2cash reaches the dependency.", "dependency", up),
        *_family(
            "q2c_workflows",
            "Deal workflows by their Q2cStage search attribute (running and closed).",
            "stage",
            sorted(board.stages.items()),
        ),
        *_family(
            "q2c_needs_attention",
            "Running workflows parked in needs_attention, by reason (runbooks/<reason>.md).",
            "reason",
            sorted(board.parked_by_reason.items()),
        ),
        *_family(
            "q2c_inbox_entries",
            "Stored inbound events by relay status.",
            "status",
            sorted(board.inbox.items()),
        ),
        *_family(
            "q2c_ledger_imbalance",
            "Sum of debits minus credits in our ledger per currency; always 0.",
            "currency",
            imbalance,
        ),
    ]
    return "\n".join(lines) + "\n"


@router.get("/metrics", response_class=PlainTextResponse, dependencies=[Depends(require_ops)])
async def metrics(state: StateDep) -> PlainTextResponse:
    board = await collect(state)
    return PlainTextResponse(render(board), media_type=CONTENT_TYPE)
