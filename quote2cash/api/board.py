"""What ops look at, read live: deals by stage, parked deals and why, the inbox, the ledger.

One collection feeds two views: the HTML dashboard (``dashboard.py``) for people and
``GET /metrics`` (``metrics.py``) for the alerting system. Temporal being unreachable
is part of the answer, not an error: the store's figures are still worth showing.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal

import sqlalchemy as sa

from quote2cash.api.deps import AppState
from quote2cash.api.errors import TemporalUnavailable
from quote2cash.messages import DEAL_WORKFLOW, Stage
from quote2cash.store import InboxRepository, LedgerRepository, unit_of_work

PARKED_SHOWN = 50
PARKED_COUNTED = 10_000
# Collections and subscriptions use the same stages; "deals by stage" counts deals.
DEALS = f'WorkflowType = "{DEAL_WORKFLOW}"'
PARKED_QUERY = f'Q2cStage = "{Stage.NEEDS_ATTENTION.value}" AND ExecutionStatus = "Running"'


@dataclass
class Board:
    stages: dict[str, int] = field(default_factory=dict)
    """Deal workflows by stage (running and closed)."""
    parked: list[tuple[str, str]] = field(default_factory=list)
    """The first ``PARKED_SHOWN`` parked workflows: (workflow id, reason)."""
    parked_by_reason: Counter[str] = field(default_factory=Counter)
    """Every parked, running workflow by reason (up to ``PARKED_COUNTED``): deals,
    subscriptions and collections alike."""
    temporal_error: str = ""
    database_error: str = ""
    inbox: dict[str, int] = field(default_factory=dict)
    balances: dict[str, dict[str, Decimal]] = field(default_factory=dict)
    balanced: bool = True

    @property
    def temporal_up(self) -> bool:
        return not self.temporal_error


async def _temporal(state: AppState, board: Board) -> None:
    try:
        client = await state.gateway.client()
        counts = await asyncio.gather(
            *(client.count_workflows(f'{DEALS} AND Q2cStage = "{s.value}"') for s in Stage)
        )
        board.stages = {s.value: c.count for s, c in zip(Stage, counts, strict=True)}
        # Visibility cannot group by a custom attribute: list the parked ones and count.
        async for wf in client.list_workflows(PARKED_QUERY, limit=PARKED_COUNTED):
            values = wf.search_attributes.get("Q2cAttention", [""])
            reason = str(values[0]) if values else ""
            board.parked_by_reason[reason] += 1
            if len(board.parked) < PARKED_SHOWN:
                board.parked.append((wf.id, reason))
    except TemporalUnavailable as exc:
        board.temporal_error = str(exc)


def _store(state: AppState, board: Board) -> None:
    try:
        with unit_of_work(state.engine) as session:
            board.inbox = InboxRepository(session).counts()
            ledger = LedgerRepository(session)
            board.balances = ledger.trial_balance()
            board.balanced = ledger.is_balanced()
    except sa.exc.SQLAlchemyError as exc:
        board.database_error = f"{type(exc).__name__}: {exc}".splitlines()[0]


async def collect(state: AppState) -> Board:
    board = Board()
    await asyncio.gather(_temporal(state, board), asyncio.to_thread(_store, state, board))
    return board
