"""End to end: deals through the embedded stack, then the floor, on the same server.

One stack (``quote2cash.devstack``) under its own var dir and ports, so a running demo
is not disturbed. Three runs, one after the other: a burst of N deals (the maximum
throughput), the floor workflow N times, then N more deals closed at half the burst's
throughput (the latency a deal sees below saturation).
"""

from __future__ import annotations

import asyncio
import math
import os
import statistics
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from temporalio.client import Client

from bench.driver import Batch, BenchDriver, iso
from bench.floor import FLOOR_QUEUE, FLOOR_SIGNAL, FLOOR_WORKFLOW, FloorPlan
from quote2cash.devstack.demo import reset_state
from quote2cash.devstack.processes import Service, Supervisor
from quote2cash.devstack.seed import prepare_crm, seed_deals
from quote2cash.devstack.stack import FAST_SQLITE, start_stack, worker_polling
from quote2cash.messages import DEAL_WORKFLOW
from quote2cash.settings import Settings
from quote2cash.store.db import migrate
from quote2cash.temporal import connect

START_CONCURRENCY = 16
HISTORY_SAMPLE = 50
UNLIMITED = 1_000_000_000
# The dev server's SQLite syncs each transaction to disk by default: then every
# workflow waits on the disk, and the bench measures fsyncs, not orchestration.
STACK_PROCESSES = ("temporal", "worker", "floor-worker", "api", "hubspot", "xero")


def bench_settings(var_dir: Path, port_base: int) -> Settings:
    """The stack's settings on ``port_base`` .. ``port_base + 4`` and ``var_dir``."""
    return Settings(
        var_dir=var_dir,
        database_url="",
        temporal_address=f"127.0.0.1:{port_base}",
        temporal_ui_port=port_base + 1,
        api_host="127.0.0.1",
        api_port=port_base + 2,
        public_api_url="",
        hubspot_port=port_base + 3,
        hubspot_base_url=f"http://127.0.0.1:{port_base + 3}",
        xero_port=port_base + 4,
        xero_base_url=f"http://127.0.0.1:{port_base + 4}",
        task_queue="q2c-bench",
        otel_exporter="none",
        # The emulators answer at once and enforce no quota: the bench measures our
        # orchestration, so the worker's client-side vendor limits are lifted too.
        xero_calls_per_minute=UNLIMITED,
        xero_calls_per_day=UNLIMITED,
        xero_concurrency=100,
        hubspot_requests_per_10s=UNLIMITED,
        hubspot_search_per_second=UNLIMITED,
    )


@dataclass
class Run:
    """One run's throughput and its timeline (epoch seconds)."""

    name: str
    count: int
    completed: int
    began: float
    ended: float
    completions: list[float] = field(default_factory=list)
    latencies_s: list[float] = field(default_factory=list)
    cpu_s: dict[str, float] = field(default_factory=dict)
    """CPU seconds per process during the run (where the time goes)."""

    @property
    def per_second(self) -> float:
        return self.completed / max(1e-9, self.ended - self.began)


@dataclass
class E2EResult:
    deals: Run
    floor: Run
    paced: Run
    paced_rate: float
    history_events: dict[str, list[int]]
    worker_peak_rss_mb: float
    floor_worker_peak_rss_mb: float
    temporal_peak_rss_mb: float
    needs_attention: int

    @property
    def ratio(self) -> float:
        return self.deals.per_second / max(1e-9, self.floor.per_second)


def peak_rss_mb(pid: int | None) -> float:
    """The process's high-water resident set (VmHWM), in MB."""
    if pid is None:
        return 0.0
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def cpu_seconds(pid: int | None) -> float:
    """User + system CPU the process has used so far, in seconds."""
    if pid is None:
        return 0.0
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class CpuMeter:
    """CPU seconds each stack process spends between ``start`` and ``stop``."""

    def __init__(self, supervisor: Supervisor, names: Sequence[str]) -> None:
        self._pids = {name: supervisor.pid(name) for name in names}
        self._before: dict[str, float] = {}

    def start(self) -> None:
        self._before = {name: cpu_seconds(pid) for name, pid in self._pids.items()}
        self._before["bench"] = time.process_time()

    def stop(self) -> dict[str, float]:
        used = {n: cpu_seconds(pid) - self._before[n] for n, pid in self._pids.items()}
        used["bench"] = time.process_time() - self._before["bench"]
        return used


def deal_run(name: str, batch: Batch, completed: int) -> Run:
    times = list(batch.times.values())
    done = sorted(t.completed for t in times if t.completed)
    return Run(
        name=name,
        count=len(batch.deals),
        completed=completed,
        began=batch.began,
        ended=done[-1] if done else time.time(),
        completions=done,
        latencies_s=sorted(t.invoiced - t.closed for t in times if t.invoiced),
    )


async def drive_deals(
    driver: BenchDriver, name: str, batch: Batch, rate: float | None, give_up_after: float
) -> Run:
    completed = await driver.run(batch, rate, give_up_after)
    await driver.record_times(batch)
    return deal_run(name, batch, completed)


async def run_floor(client: Client, count: int, plan: FloorPlan, give_up_after: float) -> Run:
    """Start ``count`` floor workflows, signal each twice at once, wait for them all."""
    gate = asyncio.Semaphore(START_CONCURRENCY)
    began = time.time()
    prefix = f"floor-{int(began * 1000)}"

    async def one(i: int) -> None:
        async with gate:
            handle = await client.start_workflow(
                FLOOR_WORKFLOW, plan, id=f"{prefix}-{i}", task_queue=FLOOR_QUEUE
            )
            await handle.signal(FLOOR_SIGNAL)
            await handle.signal(FLOOR_SIGNAL)

    await asyncio.gather(*(one(i) for i in range(count)))
    query = f"WorkflowType='{FLOOR_WORKFLOW}' AND StartTime >= '{iso(began - 1)}'"
    deadline = time.monotonic() + give_up_after
    done = 0
    while time.monotonic() < deadline:
        done = (await client.count_workflows(f"{query} AND ExecutionStatus='Completed'")).count
        if done >= count:
            break
        await asyncio.sleep(0.1)
    closes = sorted(
        [w.close_time.timestamp() async for w in client.list_workflows(query) if w.close_time]
    )
    return Run("floor", count, done, began, closes[-1] if closes else time.time(), closes)


async def history_events(client: Client, workflow_type: str) -> list[int]:
    """Event counts of up to HISTORY_SAMPLE completed workflows of one type."""
    query = f"WorkflowType='{workflow_type}' AND ExecutionStatus='Completed'"
    ids = [w.id async for w in client.list_workflows(query, limit=HISTORY_SAMPLE)]
    counts = []
    for workflow_id in ids:
        history = await client.get_workflow_handle(workflow_id).fetch_history()
        counts.append(len(history.events))
    return sorted(counts)


def floor_worker(settings: Settings) -> Service:
    return Service(
        name="floor-worker",
        argv=[sys.executable, "-m", "bench.floor", "--address", settings.temporal_address],
        ports=[],
        ready=worker_polling(settings.model_copy(update={"task_queue": FLOOR_QUEUE})),
    )


async def _runs(
    settings: Settings, supervisor: Supervisor, deals: int, give_up_after: float
) -> E2EResult:
    client = await connect(settings)
    bare = await Client.connect(settings.temporal_address, namespace=settings.temporal_namespace)
    async with httpx.AsyncClient(timeout=30.0) as http:
        driver = BenchDriver(settings, client, http)
        await prepare_crm(settings, http)
        seeded = await seed_deals(driver.demo.hubspot, 2 * deals)
        await supervisor.start(floor_worker(settings))
        meter = CpuMeter(supervisor, STACK_PROCESSES)
        meter.start()
        burst = await drive_deals(driver, "deals", Batch(seeded[:deals]), None, give_up_after)
        burst.cpu_s = meter.stop()
        meter.start()
        floor = await run_floor(bare, deals, FloorPlan(), give_up_after)
        floor.cpu_s = meter.stop()
        rate = max(0.5, burst.per_second / 2)
        paced = await drive_deals(driver, "paced", Batch(seeded[deals:]), rate, give_up_after)
        events = {
            DEAL_WORKFLOW: await history_events(bare, DEAL_WORKFLOW),
            FLOOR_WORKFLOW: await history_events(bare, FLOOR_WORKFLOW),
        }
        stuck = f"WorkflowType='{DEAL_WORKFLOW}' AND Q2cStage='needs_attention'"
        return E2EResult(
            deals=burst,
            floor=floor,
            paced=paced,
            paced_rate=rate,
            history_events=events,
            worker_peak_rss_mb=peak_rss_mb(supervisor.pid("worker")),
            floor_worker_peak_rss_mb=peak_rss_mb(supervisor.pid("floor-worker")),
            temporal_peak_rss_mb=peak_rss_mb(supervisor.pid("temporal")),
            needs_attention=(await bare.count_workflows(stuck)).count,
        )


async def run_e2e(
    settings: Settings, deals: int, give_up_after: float = 300.0, *, fsync: bool = False
) -> E2EResult:
    """``fsync=False`` runs the dev server's SQLite in WAL mode without a sync per commit
    (``FAST_SQLITE``); ``True`` keeps its defaults, which sync every transaction."""
    reset_state(settings)
    supervisor = Supervisor(settings.var_dir / "logs")
    try:
        await start_stack(settings, supervisor, () if fsync else FAST_SQLITE)
        await asyncio.to_thread(migrate, settings.db_url)
        return await _runs(settings, supervisor, deals, give_up_after)
    finally:
        supervisor.stop_all()


def percentile(values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile (0 < q <= 100); 0 for no values."""
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = max(1, min(len(ordered), math.ceil(q / 100 * len(ordered))))
    return ordered[rank - 1]


def median(values: Sequence[int]) -> float:
    return statistics.median(values) if values else 0.0
