"""The floor: the cheapest orchestration of a deal's external work on the same server.

``FloorWorkflow`` makes one no-op activity per vendor round trip a deal makes and waits
for the deal's two signals at the same points (provisioning after the customer, payment
after the invoice). No search attributes, timers, codec or pydantic: the default
converter, plain JSON. Its worker runs as a child process like the deal worker
(``python -m bench.floor``), with the same activity concurrency.

Vendor round trips of a plain deal (activities/crm.py, activities/accounting.py):
snapshot = deal, line items, company (3); customer = find contact (1; the first deal
of each company also creates it); then invoice = find + create (2); after payment,
read invoice (1) and write back (1).
"""

from __future__ import annotations

import argparse
import asyncio
import signal
from dataclasses import dataclass
from datetime import timedelta

from temporalio import activity, workflow
from temporalio.client import Client
from temporalio.worker import Worker

FLOOR_WORKFLOW = "FloorWorkflow"
FLOOR_SIGNAL = "floor_event"
FLOOR_QUEUE = "q2c-bench-floor"


@dataclass(frozen=True)
class FloorPlan:
    """Activities before the first signal, between the two, and after the second."""

    before: int = 4
    between: int = 2
    after: int = 2

    @property
    def round_trips(self) -> int:
        return self.before + self.between + self.after


@activity.defn(name="floor_round_trip")
async def round_trip() -> None:
    """No-op: the floor counts what orchestration costs, not what a vendor does."""


@workflow.defn(name=FLOOR_WORKFLOW)
class FloorWorkflow:
    def __init__(self) -> None:
        self.signals = 0

    @workflow.run
    async def run(self, plan: FloorPlan) -> int:
        await self._trips(plan.before)
        await workflow.wait_condition(lambda: self.signals >= 1)
        await self._trips(plan.between)
        await workflow.wait_condition(lambda: self.signals >= 2)
        await self._trips(plan.after)
        return plan.round_trips

    async def _trips(self, count: int) -> None:
        for _ in range(count):
            await workflow.execute_activity(
                round_trip, start_to_close_timeout=timedelta(seconds=30)
            )

    @workflow.signal(name=FLOOR_SIGNAL)
    def event(self) -> None:
        self.signals += 1


async def serve(address: str, namespace: str, task_queue: str) -> None:
    """Run the floor worker until SIGINT/SIGTERM."""
    client = await Client.connect(address, namespace=namespace)
    worker = Worker(
        client,
        task_queue=task_queue,
        workflows=[FloorWorkflow],
        activities=[round_trip],
        max_concurrent_activities=100,
        graceful_shutdown_timeout=timedelta(seconds=5),
    )
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    async with worker:
        await stop.wait()


def main() -> None:
    parser = argparse.ArgumentParser(description="the floor workflow's worker")
    parser.add_argument("--address", required=True)
    parser.add_argument("--namespace", default="default")
    parser.add_argument("--task-queue", default=FLOOR_QUEUE)
    args = parser.parse_args()
    asyncio.run(serve(args.address, args.namespace, args.task_queue))


if __name__ == "__main__":
    main()
