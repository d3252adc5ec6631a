"""The bench's stand-in for sales, ops and customers: like the demo's, but cheap to watch.

The demo's driver queries every open workflow each tick; at hundreds of deals those
queries would cost the server and the worker more than the deals themselves. This one
reads, per tick, one visibility list per resting stage (the ``Q2cStage`` search
attribute) and one page of open invoices from the Xero emulator, then confirms and pays
through ``DealDriver`` (the API's ops endpoint and the Xero API, as in the demo).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

import httpx
from temporalio.client import Client

from quote2cash.devstack.driver import DealDriver
from quote2cash.devstack.seed import SeededDeal
from quote2cash.messages import DEAL_WORKFLOW, DealStatus, Stage
from quote2cash.settings import Settings

TICK_S = 0.1
CLOSE_CONCURRENCY = 16


@dataclass
class DealTimes:
    """Wall-clock seconds (epoch) of one deal's milestones."""

    closed: float = 0.0
    started: float = 0.0
    invoiced: float = 0.0
    completed: float = 0.0


@dataclass
class Batch:
    deals: list[SeededDeal]
    times: dict[str, DealTimes] = field(default_factory=dict)
    began: float = 0.0

    def ids(self) -> set[str]:
        return {d.deal_id for d in self.deals}


def iso(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


class BenchDriver:
    def __init__(self, settings: Settings, client: Client, http: httpx.AsyncClient) -> None:
        self._settings = settings
        self._client = client
        self._http = http
        self.demo = DealDriver(settings, client, http, [])
        self._confirmed: set[str] = set()
        self._paid: set[str] = set()

    async def close(self, batch: Batch, rate: float | None) -> None:
        """Move the batch's deals to closed-won: all at once, or ``rate`` a second."""
        gate = asyncio.Semaphore(CLOSE_CONCURRENCY)
        batch.began = time.time()

        async def one(i: int, deal: SeededDeal) -> None:
            if rate:
                await asyncio.sleep(max(0.0, batch.began + i / rate - time.time()))
            async with gate:
                batch.times[deal.deal_id] = DealTimes(closed=time.time())
                await self.demo.hubspot.update_deal(deal.deal_id, {"dealstage": "closedwon"})

        await asyncio.gather(*(one(i, d) for i, d in enumerate(batch.deals)))

    async def run(self, batch: Batch, rate: float | None, give_up_after: float) -> int:
        """Close the batch and drive it until every deal completed or ``give_up_after`` seconds;
        the number completed."""
        _, done = await asyncio.gather(
            self.close(batch, rate), self._keep_ticking(batch, give_up_after)
        )
        return done

    async def _keep_ticking(self, batch: Batch, give_up_after: float) -> int:
        deadline = time.monotonic() + give_up_after
        done = 0
        while time.monotonic() < deadline:
            await self._tick(batch.ids())
            done = await self._completed(batch)
            if done >= len(batch.deals):
                break
            await asyncio.sleep(TICK_S)
        return done

    async def _tick(self, ids: set[str]) -> None:
        waiting = await self._at_stage(Stage.PROVISIONING.value)
        due = sorted((ids & waiting) - self._confirmed)
        self._confirmed.update(due)
        payable = (ids & await self._at_stage(Stage.AWAITING_PAYMENT.value)) - self._paid
        invoices = await self._open_invoices() if payable else {}
        unpaid = [(d, invoices[d]) for d in sorted(payable) if d in invoices]
        self._paid.update(d for d, _ in unpaid)
        await asyncio.gather(
            *(self.demo.confirm(d) for d in due),
            *(self.demo.pay(d, status) for d, status in unpaid),
        )

    async def _at_stage(self, stage: str) -> set[str]:
        query = (
            f"WorkflowType='{DEAL_WORKFLOW}' AND Q2cStage='{stage}' AND ExecutionStatus='Running'"
        )
        return {w.id.rsplit(":", 1)[1] async for w in self._client.list_workflows(query)}

    async def _completed(self, batch: Batch) -> int:
        query = (
            f"WorkflowType='{DEAL_WORKFLOW}' AND ExecutionStatus='Completed' "
            f"AND StartTime >= '{iso(batch.began - 1)}'"
        )
        return (await self._client.count_workflows(query)).count

    async def _open_invoices(self) -> dict[str, DealStatus]:
        """Authorised (unpaid) invoices by deal id, as payable statuses."""
        found: dict[str, DealStatus] = {}
        for invoice in await self.xero_invoices("AUTHORISED"):
            deal_id = str(invoice.get("Reference", "")).removeprefix("deal ")
            found[deal_id] = DealStatus(
                workflow_id="",
                deal_id=deal_id,
                stage=Stage.AWAITING_PAYMENT,
                invoice_id=invoice["InvoiceID"],
                invoice_number=invoice.get("InvoiceNumber", ""),
                amount=str(invoice["AmountDue"]),
            )
        return found

    async def xero_invoices(self, status: str = "") -> list[dict[str, str]]:
        """Every invoice in the Xero emulator (of one status), page by page."""
        found: list[dict[str, str]] = []
        headers = await self.demo.xero_headers()
        params = {"Statuses": status} if status else {}
        for page in range(1, 1000):
            response = await self._http.get(
                f"{self._settings.xero_base_url}/api.xro/2.0/Invoices",
                params={**params, "page": page},
                headers=headers,
            )
            response.raise_for_status()
            batch = response.json().get("Invoices", [])
            found.extend(batch)
            if len(batch) < 100:
                break
        return found

    async def record_times(self, batch: Batch) -> None:
        """Fill in start, invoice and completion times from Temporal and the emulator."""
        query = f"WorkflowType='{DEAL_WORKFLOW}' AND StartTime >= '{iso(batch.began - 1)}'"
        async for w in self._client.list_workflows(query):
            times = batch.times.get(w.id.rsplit(":", 1)[1])
            if times is not None:
                times.started = w.start_time.timestamp()
                times.completed = w.close_time.timestamp() if w.close_time else 0.0
        for reference, created in await self.invoice_journals():
            times = batch.times.get(reference.removeprefix("deal "))
            if times is not None:
                times.invoiced = created

    async def invoice_journals(self) -> list[tuple[str, float]]:
        """(reference, creation time) of every invoice: Xero posts an ACCREC journal in
        the same transaction that creates the invoice, and only journals carry
        ``CreatedDateUTC``."""
        found: list[tuple[str, float]] = []
        offset = 0
        for _ in range(100_000):
            journals = await self.demo.xero.list_journals(offset=offset)
            if not journals:
                break
            offset = journals[-1].journal_number
            found.extend(
                (j.reference or "", j.created_date_utc.timestamp())
                for j in journals
                if j.source_type == "ACCREC" and j.created_date_utc is not None
            )
        return found


def completed_times(batches: Sequence[Batch]) -> list[float]:
    return sorted(t.completed for b in batches for t in b.times.values() if t.completed)
