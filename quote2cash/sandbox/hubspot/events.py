"""``deal.propertyChange`` webhooks, batched per request and signed with signature v3.

HubSpot POSTs a JSON array of events to the app's target URL, each with
``attemptNumber`` (0 on the first try), signed over ``POST`` + target URL + body +
timestamp with the app's client secret.
"""

from __future__ import annotations

import json
import random
import time
from collections.abc import Sequence
from typing import Any

from quote2cash.connectors.signatures import (
    HUBSPOT_SIGNATURE,
    HUBSPOT_TIMESTAMP,
    sign_hubspot_v3,
)
from quote2cash.sandbox.common.webhooks import WebhookDispatcher
from quote2cash.sandbox.hubspot.config import HubSpotSandboxConfig

_ids = random.SystemRandom()


def _event(config: HubSpotSandboxConfig, kind: str, object_id: str) -> dict[str, Any]:
    return {
        "eventId": _ids.randrange(10**9, 10**10),
        "subscriptionId": config.subscription_id,
        "portalId": config.portal_id,
        "appId": config.app_id,
        "occurredAt": int(time.time() * 1000),
        "subscriptionType": kind,
        "objectId": int(object_id),
        "changeSource": "API",
    }


def property_changes(
    config: HubSpotSandboxConfig, object_id: str, changed: dict[str, str | None]
) -> list[dict[str, Any]]:
    """Events for the subscribed properties among ``changed`` (attemptNumber filled later)."""
    if "deal.propertyChange" not in config.webhook_subscriptions:
        return []
    return [
        {
            **_event(config, "deal.propertyChange", object_id),
            "propertyName": name,
            "propertyValue": value or "",
        }
        for name, value in changed.items()
        if name in config.webhook_properties
    ]


def creations(config: HubSpotSandboxConfig, object_ids: Sequence[str]) -> list[dict[str, Any]]:
    if "deal.creation" not in config.webhook_subscriptions:
        return []
    return [_event(config, "deal.creation", i) for i in object_ids]


def deliver(
    config: HubSpotSandboxConfig,
    dispatcher: WebhookDispatcher,
    events: Sequence[dict[str, Any]],
) -> None:
    if not events or not config.webhook_url:
        return
    url = config.webhook_url

    def build(attempt: int) -> tuple[bytes, dict[str, str]]:
        body = json.dumps([{**e, "attemptNumber": attempt} for e in events]).encode()
        timestamp = int(time.time() * 1000)
        signature = sign_hubspot_v3(
            config.client_secret, method="POST", uri=url, body=body, timestamp_ms=timestamp
        )
        return body, {
            "Content-Type": "application/json",
            HUBSPOT_SIGNATURE: signature,
            HUBSPOT_TIMESTAMP: str(timestamp),
        }

    label = ",".join(f"{e['subscriptionType']}:{e['objectId']}" for e in events)
    dispatcher.submit(url, build, label=label, signature_header=HUBSPOT_SIGNATURE)
