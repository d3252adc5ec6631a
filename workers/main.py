"""The one worker entry point: every workflow and activity on the deals task queue.

Configured from settings only. Shuts down gracefully on SIGINT/SIGTERM: it stops
polling, lets running activities finish within the grace period, and exits 0.
"""

from __future__ import annotations

import asyncio
import compileall
import logging
import signal
from collections.abc import Sequence
from datetime import timedelta
from pathlib import Path

import httpx
from temporalio.client import Client
from temporalio.worker import Worker

from activities.accounting import AccountingActivities
from activities.collections import CollectionActivities
from activities.crm import CrmActivities
from activities.deps import Deps
from activities.ledger import LedgerActivities
from activities.reconciliation import ReconciliationActivities
from activities.refunds import RefundActivities
from activities.reservations import ReservationActivities
from activities.sweep import SweepActivities
from quote2cash.connect.clients import xero_client
from quote2cash.connect.mapping import require_mapping
from quote2cash.reconciliation import ensure_schedule
from quote2cash.settings import Settings
from quote2cash.store.db import make_engine, migrate
from quote2cash.sweep import ensure_sweep_schedule
from quote2cash.temporal import connect
from quote2cash.tracing import http_hooks, setup_tracing
from workers.logs import withhold_activity_messages
from workers.sandbox import WORKFLOW_RUNNER
from workflows.collection import CollectionWorkflow
from workflows.deal import DealWorkflow
from workflows.reconciliation import ReconciliationWorkflow
from workflows.refund import RefundWorkflow
from workflows.subscription import SubscriptionWorkflow
from workflows.sweep import SweepWorkflow

log = logging.getLogger("q2c.worker")
WORKFLOWS: Sequence[type] = (
    DealWorkflow,
    SubscriptionWorkflow,
    CollectionWorkflow,
    RefundWorkflow,
    ReconciliationWorkflow,
    SweepWorkflow,
)


def activities_of(deps: Deps) -> list[object]:
    crm, accounting, ledger, refunds = (
        CrmActivities(deps),
        AccountingActivities(deps),
        LedgerActivities(deps),
        RefundActivities(deps),
    )
    reservations = ReservationActivities(deps.engine)
    return [
        crm.fetch_snapshot,
        crm.deal_owner,
        crm.write_back,
        accounting.ensure_customer,
        accounting.create_invoice,
        accounting.invoice_status,
        accounting.apply_payment,
        accounting.void_invoice,
        ledger.post_entries,
        refunds.create_credit_note,
        refunds.void_credit_note,
        refunds.remove_payments,
        refunds.restore_payments,
        refunds.allocate_credit_note,
        refunds.refunded_so_far,
        refunds.refund_cash,
        CollectionActivities().start_collection,
        reservations.reserve_refund,
        reservations.release_refund,
        ReconciliationActivities(deps).reconcile_books,
        SweepActivities(deps).sweep_won_deals,
    ]


def build_worker(client: Client, deps: Deps, task_queue: str) -> Worker:
    return Worker(
        client,
        task_queue=task_queue,
        workflows=list(WORKFLOWS),
        activities=activities_of(deps),  # type: ignore[arg-type]
        max_concurrent_activities=100,
        graceful_shutdown_timeout=timedelta(seconds=10),
        workflow_runner=WORKFLOW_RUNNER,
    )


def http_client(settings: Settings) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        timeout=httpx.Timeout(20.0, connect=5.0),
        limits=httpx.Limits(max_connections=50, max_keepalive_connections=50),
        event_hooks=http_hooks(settings),
    )


def compile_workflow_modules() -> bool:
    """Write the workflow modules' bytecode once, at start.

    The sandbox imports the workflow modules afresh for every workflow run (that is how
    it keeps runs apart); with no bytecode on disk each of those imports compiles the
    source again. Where bytecode writing is off (``PYTHONDONTWRITEBYTECODE``) that was
    11 % of the worker's CPU under load. A read-only tree keeps working (False): ship
    it compiled instead, as the Dockerfile does."""
    workflows_dir = Path(DealWorkflow.__module__.replace(".", "/")).parent
    root = Path(__file__).resolve().parents[1]
    return bool(compileall.compile_dir(root / workflows_dir, quiet=2, workers=1))


async def check_organisation(settings: Settings) -> None:
    """Refuse to start (``MappingRefused``, one line per problem) when the Xero
    organisation lacks an account, tax rate or currency the mapping names."""
    engine = make_engine(settings.db_url)
    try:
        async with http_client(settings) as http:
            xero = xero_client(settings, http, engine)
            requirements = await require_mapping(settings, xero)
    finally:
        engine.dispose()
    log.info("accounting mapping: %d requirements met in Xero", len(requirements))


async def run_worker(settings: Settings) -> None:
    withhold_activity_messages()
    await asyncio.to_thread(migrate, settings.db_url)
    await check_organisation(settings)  # through the stored Xero connection
    interceptors = setup_tracing(settings, "q2c-worker")
    if not await asyncio.to_thread(compile_workflow_modules):
        log.warning("could not write the workflow modules' bytecode: each run compiles them")
    client = await connect(settings, interceptors)
    if await ensure_schedule(client, settings):
        log.info("daily reconciliation scheduled: %s (UTC)", settings.reconciliation_cron)
    if await ensure_sweep_schedule(client, settings):
        log.info("missed-deal sweep every %d minutes", settings.sweep_every_minutes)
    async with http_client(settings) as http:
        worker = build_worker(client, Deps.build(settings, http), settings.task_queue)
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        async with worker:
            log.info("worker polling %s on %s", settings.task_queue, settings.temporal_address)
            await stop.wait()
            log.info("worker shutting down")
