"""Xero's "intent to receive" check, on demand: ``POST /_sandbox/webhooks/intent-to-receive``.

Before Xero delivers any event it sends two payloads without events to the webhook URL,
one signed with the webhook key and one signed with something else. The receiver passes
when it answers the first with 200 and the second with 401, each within five seconds.
"""

from __future__ import annotations

import json
import secrets
import string
from typing import Annotated, Any

import httpx
from fastapi import APIRouter, Depends

from quote2cash.connectors.signatures import XERO_SIGNATURE, sign_xero
from quote2cash.sandbox.xero.state import Xero, xero

router = APIRouter(prefix="/_sandbox", tags=["sandbox admin"])
TIMEOUT_SECONDS = 5.0


def _payload() -> bytes:
    entropy = "".join(secrets.choice(string.ascii_uppercase) for _ in range(20))
    body = {"events": [], "firstEventSequence": 0, "lastEventSequence": 0, "entropy": entropy}
    return json.dumps(body).encode()


async def _send(http: httpx.AsyncClient, url: str, body: bytes, signature: str) -> int | str:
    headers = {"Content-Type": "application/json", XERO_SIGNATURE: signature}
    try:
        response = await http.post(url, content=body, headers=headers)
    except httpx.HTTPError as exc:
        return f"error: {type(exc).__name__}"
    return response.status_code


@router.post("/webhooks/intent-to-receive")
async def intent_to_receive(state: Annotated[Xero, Depends(xero)]) -> dict[str, Any]:
    url = state.config.webhook_url
    if not url:
        return {"passed": False, "reason": "no webhook URL configured"}
    async with httpx.AsyncClient(timeout=TIMEOUT_SECONDS) as http:
        good, bad = _payload(), _payload()
        signed = await _send(http, url, good, sign_xero(state.config.webhook_key, good))
        forged = await _send(http, url, bad, sign_xero(secrets.token_hex(16), bad))
    return {
        "passed": signed == 200 and forged == 401,
        "correctly_signed": signed,
        "incorrectly_signed": forged,
    }
