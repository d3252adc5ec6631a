"""The demo's stand-in for the humans and customers around a deal.

It closes the seeded deals in the CRM (the emulator then sends signed webhooks), confirms
provisioning through the API like an ops tool would, and pays each invoice in the
accounting emulator like a customer's bank transfer being recorded. It reads progress
with the workflow's ``stage`` query: the same view an on-call engineer has.
"""

from __future__ import annotations

import asyncio
import itertools
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from datetime import date
from typing import Any

import httpx
from temporalio.client import Client, WorkflowQueryFailedError
from temporalio.service import RPCError, RPCStatusCode

from quote2cash.chart.mapping import mapping_for
from quote2cash.connect.clients import xero_client, xero_tokens
from quote2cash.connectors.hubspot import HubSpotClient
from quote2cash.connectors.xero_models import XeroAccountRef, XeroInvoiceRef, XeroPaymentIn
from quote2cash.devstack.seed import SeededDeal
from quote2cash.messages import QUERY_STAGE, DealStatus, Stage, deal_workflow_id
from quote2cash.settings import Settings
from quote2cash.store.db import make_engine

# A busy dev server can time a query out: the deal's stage is read again next round.
TRANSIENT_RPC = {
    RPCStatusCode.CANCELLED,  # the client's own timeout: "Timeout expired"
    RPCStatusCode.DEADLINE_EXCEEDED,
    RPCStatusCode.UNAVAILABLE,
    RPCStatusCode.RESOURCE_EXHAUSTED,
}


class DealDriver:
    def __init__(
        self,
        settings: Settings,
        client: Client,
        http: httpx.AsyncClient,
        deals: list[SeededDeal],
    ) -> None:
        self._settings = settings
        self.mapping = mapping_for(settings)
        self._client = client
        self._http = http
        self.hubspot = HubSpotClient(
            http, base_url=settings.hubspot_base_url, token=settings.hubspot_token
        )
        # The stored Xero connection, as the workers use it (and refresh it with them).
        self._xero_tokens = xero_tokens(settings, make_engine(settings.db_url))
        self.xero = xero_client(settings, http, engine=None, tokens=self._xero_tokens)
        self.deals = deals
        self.status: dict[str, DealStatus | None] = {d.deal_id: None for d in deals}
        self._confirmed: set[str] = set()
        self._paid: set[str] = set()
        self.query_failures: dict[str, str] = {}
        """Deals whose last stage query failed, with the reason (shown in the summary)."""

    async def close_all(self) -> None:
        """Move every deal to closed-won, as a sales rep would in the CRM."""
        for deal in self.deals:
            await self.hubspot.update_deal(deal.deal_id, {"dealstage": "closedwon"})

    def counts(self) -> Counter[str]:
        return Counter(s.stage.value if s else "waiting for webhook" for s in self.status.values())

    def done(self) -> bool:
        return all(s is not None and s.stage == Stage.COMPLETED for s in self.status.values())

    async def run(
        self,
        give_up_after: float,
        *,
        each_tick: Callable[[], Awaitable[None]] | None = None,
        pause: float = 0.2,
    ) -> bool:
        """Tick until every deal completed or ``give_up_after`` seconds passed; True when
        all completed. ``each_tick`` runs after every round (a display, extra actors)."""
        started = time.monotonic()
        while not self.done() and time.monotonic() - started < give_up_after:
            await self.tick()
            if each_tick is not None:
                await each_tick()
            await asyncio.sleep(pause)
        return self.done()

    async def xero_records(self, name: str) -> list[dict[str, Any]]:
        """Every record of a Xero collection (``Invoices``, ``Payments``...), page by page,
        as the accounting system itself lists them: the demo's and tests' source of truth."""
        found: list[dict[str, Any]] = []
        headers = await self.xero_headers()
        url = f"{self._settings.xero_base_url}/api.xro/2.0/{name}"
        for page in itertools.count(1):
            response = await self._http.get(url, params={"page": page}, headers=headers)
            response.raise_for_status()
            batch = response.json().get(name, [])
            found.extend(batch)
            if len(batch) < 100:
                break
        return found

    async def xero_headers(self) -> dict[str, str]:
        """Headers of a raw call to the Xero API with the stored connection's token."""
        token = await self._xero_tokens.access_token()
        tenant = getattr(self._xero_tokens, "tenant_id", "") or self._settings.xero_tenant_id
        return {
            "Authorization": f"Bearer {token}",
            "xero-tenant-id": tenant,
            "Accept": "application/json",
        }

    async def tick(self) -> None:
        """Read every open deal's stage once and act where a person or customer would."""
        open_deals = [d for d, s in self.status.items() if s is None or s.stage != Stage.COMPLETED]
        await asyncio.gather(*(self._advance(d) for d in open_deals))

    async def _advance(self, deal_id: str) -> None:
        handle = self._client.get_workflow_handle(deal_workflow_id("hubspot", deal_id))
        try:
            status = await handle.query(QUERY_STAGE, result_type=DealStatus)
        except WorkflowQueryFailedError as err:
            # The deal's worker could not answer (e.g. a failing workflow task): keep the
            # last known stage, so the summary shows where the deal stopped.
            self.query_failures[deal_id] = str(err)
            return
        except RPCError as err:
            if err.status in (RPCStatusCode.NOT_FOUND, RPCStatusCode.FAILED_PRECONDITION):
                return
            if err.status in TRANSIENT_RPC:
                return
            raise
        self.query_failures.pop(deal_id, None)
        self.status[deal_id] = status
        if status.stage == Stage.PROVISIONING and deal_id not in self._confirmed:
            await self.confirm(deal_id)
        elif status.stage == Stage.AWAITING_PAYMENT:
            await self.pay(deal_id, status)

    async def confirm(self, deal_id: str) -> None:
        """Confirm provisioning through the API, as an ops tool would."""
        response = await self._http.post(
            f"{self._settings.api_url}/provisioning/confirm",
            json={
                "deal_id": deal_id,
                "confirmation_id": f"demo-provisioning-{deal_id}",
                "confirmed_by": "demo-ops",
                "note": "tenant created by the demo",
            },
            headers={"Authorization": f"Bearer {self._settings.ops_token}"},
        )
        response.raise_for_status()
        self._confirmed.add(deal_id)

    async def pay(self, deal_id: str, status: DealStatus) -> None:
        """Pay each of the deal's invoices in full in the accounting emulator, once."""
        # A deal billed in parts owes each part; any other deal its current invoice only
        # (a corrected deal lists the voided invoice too).
        invoices = [(i.invoice_id, i.total, i.number) for i in status.invoices]
        if not status.billing_schedule or not invoices:
            invoices = [(status.invoice_id, status.amount, status.invoice_number)]
        for invoice_id, amount, number in invoices:
            if invoice_id in self._paid:
                continue
            await self.xero.create_payment(
                XeroPaymentIn(
                    invoice=XeroInvoiceRef(invoice_id=invoice_id),
                    account=XeroAccountRef(code=self.mapping.accounts.cash),
                    date=date.today(),
                    amount=amount,
                    reference=f"bank transfer for {number}",
                ),
                idempotency_key=f"demo-payment-{invoice_id}",
            )
            self._paid.add(invoice_id)
