"""What the HubSpot routes share: config, records, webhook delivery, request helpers."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fastapi import Request

from quote2cash.connectors import jsoncodec
from quote2cash.sandbox.common.faults import Faults
from quote2cash.sandbox.common.webhooks import WebhookDispatcher
from quote2cash.sandbox.hubspot import events
from quote2cash.sandbox.hubspot.config import HubSpotSandboxConfig
from quote2cash.sandbox.hubspot.crm import Crm
from quote2cash.sandbox.hubspot.errors import HubSpotError


@dataclass
class HubSpot:
    config: HubSpotSandboxConfig
    crm: Crm
    faults: Faults
    dispatcher: WebhookDispatcher

    def deals_created(self, ids: list[str]) -> None:
        events.deliver(self.config, self.dispatcher, events.creations(self.config, ids))

    def deal_changed(self, changes: list[tuple[str, dict[str, str | None]]]) -> None:
        """Queue one webhook request for all subscribed changes of one API call."""
        found = [e for i, c in changes for e in events.property_changes(self.config, i, c)]
        events.deliver(self.config, self.dispatcher, found)


def hubspot(request: Request) -> HubSpot:
    state: HubSpot = request.app.state.hubspot
    return state


async def read_json(request: Request) -> dict[str, Any]:
    raw = await request.body()
    try:
        body = jsoncodec.loads(raw or b"{}")
    except ValueError as exc:
        raise HubSpotError(400, f"Invalid input JSON: {exc}") from exc
    if not isinstance(body, dict):
        raise HubSpotError(400, "Invalid input JSON: expected an object")
    return body


def list_param(request: Request, name: str) -> list[str]:
    """``?properties=a,b`` and ``?properties=a&properties=b`` both work on HubSpot."""
    values = request.query_params.getlist(name)
    return [p.strip() for v in values for p in v.split(",") if p.strip()]


def inputs_of(body: dict[str, Any]) -> list[dict[str, Any]]:
    inputs = body.get("inputs")
    if not isinstance(inputs, list) or not all(isinstance(i, dict) for i in inputs):
        raise HubSpotError(400, "Invalid input JSON: 'inputs' must be a list of objects")
    if len(inputs) > 100:
        raise HubSpotError(400, "Batch input limit exceeded: at most 100 inputs")
    return inputs
