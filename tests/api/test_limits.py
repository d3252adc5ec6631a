"""Nothing forged fills the disk, and nothing out of range is a 500 or a retry loop:
body limits (413 before the body is read whole), short evidence of refused requests,
and values beyond our columns answered as 4xx or recorded as ignored, on every database."""

from __future__ import annotations

import asyncio
import json
import time
from decimal import Decimal
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from quote2cash.connectors.signatures import PAYMENT_SIGNATURE, sign_payment
from quote2cash.store import InboxEntry, InboxStatus, unit_of_work
from quote2cash.store.columns import MAX_AMOUNT, exact_amount
from quote2cash.store.errors import InvalidAmount
from tests.api.helpers import entries, entry
from tests.api.support import Api

MB = 1024 * 1024


def _inbox_size(api: Api) -> tuple[int, int]:
    """Rows and stored body bytes."""
    with unit_of_work(api.app.state.q2c.engine) as session:
        rows, size = session.execute(
            select(func.count(), func.coalesce(func.sum(func.length(InboxEntry.body)), 0))
        ).one()
    return int(rows), int(size)


def _payment(**paid: Any) -> dict[str, Any]:
    obj = {
        "id": "pi_limits",
        "amount": 12050,
        "currency": "gbp",
        "created": 1764201600,
        "metadata": {"q2c_deal_id": "1", "q2c_invoice_id": "inv-1"},
    } | paid
    return {"id": f"evt_{obj['id']}", "type": "payment_intent.succeeded", "data": {"object": obj}}


async def _signed_payment(api: Api, event: dict[str, Any]) -> Any:
    body = json.dumps(event).encode()
    secret = api.app.state.q2c.settings.payments_webhook_secret
    headers = {PAYMENT_SIGNATURE: sign_payment(secret, body, int(time.time()))}
    return await api.http.post("/webhooks/payments", content=body, headers=headers)


async def _raw_post(api: Api, path: str, head: dict[str, str], body: list[bytes]) -> int:
    """POST over a plain socket, sending ``body`` piece by piece while the server may
    already have answered: the status it answered (httpx would insist on sending all)."""
    url = httpx.URL(api.url)
    reader, writer = await asyncio.open_connection(url.host, url.port)
    lines = [f"POST {path} HTTP/1.1", f"host: {url.host}", *(f"{k}: {v}" for k, v in head.items())]
    writer.write(("\r\n".join(lines) + "\r\n\r\n").encode())
    try:
        for piece in body:
            writer.write(piece)
            await writer.drain()
    except ConnectionError:
        pass  # refused mid-body: the answer is already waiting
    status = await asyncio.wait_for(reader.readline(), timeout=10)
    writer.close()
    return int(status.split()[1])


async def test_oversized_unsigned_bodies_are_refused_before_they_are_stored(api: Api) -> None:
    before = _inbox_size(api)
    for path in ("/webhooks/payments", "/webhooks/hubspot", "/webhooks/xero"):
        declared = {"content-length": str(20 * MB), "content-type": "application/json"}
        assert await _raw_post(api, path, declared, [b"x" * 65536]) == 413, path
    response = await api.http.post("/webhooks/payments", content=b"x" * (MB + 1))
    assert response.status_code == 413
    assert response.json()["error"] == "PayloadTooLarge"
    assert _inbox_size(api) == before


async def test_a_chunked_body_is_counted_while_it_streams(api: Api) -> None:
    piece = b"y" * 65536
    chunk = f"{len(piece):x}\r\n".encode() + piece + b"\r\n"
    chunked = {"transfer-encoding": "chunked", "content-type": "application/json"}
    assert await _raw_post(api, "/webhooks/payments", chunked, [chunk] * 320) == 413
    assert _inbox_size(api)[0] == 0


async def test_refused_evidence_is_stored_short_with_length_and_digest(api: Api) -> None:
    body = b"z" * (900 * 1024)  # under the limit, badly signed
    response = await api.http.post(
        "/webhooks/payments", content=body, headers={PAYMENT_SIGNATURE: "t=1,v1=00"}
    )
    assert response.status_code == 401
    [refused] = entries(api, status=InboxStatus.REJECTED)
    assert len(refused.body) == 4096
    assert refused.headers["q2c-body-length"] == str(len(body))
    assert len(refused.headers["q2c-body-sha256"]) == 64
    assert f"body {len(body)} bytes" in (refused.error or "")


@pytest.mark.parametrize(
    ("paid", "reason"),
    [
        ({"created": 10**20}, "is not a date"),
        ({"amount": 10**30}, "beyond what our money columns hold"),
        ({"id": "pi_" + "x" * 5000}, "characters"),
    ],
)
async def test_signed_payments_out_of_range_are_ignored_with_the_reason(
    api: Api, paid: dict[str, Any], reason: str
) -> None:
    response = await _signed_payment(api, _payment(**paid))
    assert response.status_code == 202
    assert response.json()["inbox_ids"] == []  # nothing to relay, nothing to retry
    [ignored] = entries(api, status=InboxStatus.IGNORED)
    assert reason in (ignored.error or "")


async def test_a_huge_xero_resource_id_is_ignored_on_every_database(api: Api) -> None:
    event = {
        "resourceUrl": "https://api.xero.com/api.xro/2.0/Invoices/x",
        "resourceId": "r" * 5000,
        "eventDateUtc": "2025-11-27T10:00:00.000",
        "eventType": "UPDATE",
        "eventCategory": "INVOICE",
        "tenantId": api.app.state.q2c.settings.xero_tenant_id,
        "tenantType": "ORGANISATION",
    }
    payload = {"events": [event], "firstEventSequence": 1, "lastEventSequence": 1, "entropy": "e"}
    assert (await api.xero(payload)).status_code == 200
    [ignored] = entries(api, status=InboxStatus.IGNORED)
    assert "resourceId of 5000 characters" in (ignored.error or "")
    assert (await api.xero(payload)).status_code == 200  # still deduplicated by its digest
    assert entry(api, ignored.id or 0).duplicates == 1


async def test_unreadable_paths_are_4xx_not_500(api: Api) -> None:
    assert (await api.http.get("/runbooks/" + "a" * 300)).status_code == 404
    assert (await api.ops("GET", f"/inbox/{10**20}")).status_code == 422
    assert (await api.ops("GET", "/inbox", params={"before_id": 10**20})).status_code == 422
    assert (await api.ops("POST", f"/inbox/{2**40}/replay")).status_code == 422


def test_money_columns_refuse_what_postgresql_cannot_hold() -> None:
    assert exact_amount(MAX_AMOUNT - Decimal("0.000001")) == MAX_AMOUNT - Decimal("0.000001")
    with pytest.raises(InvalidAmount, match="beyond"):
        exact_amount(MAX_AMOUNT)


async def test_a_refund_beyond_the_money_columns_is_a_422(api: Api) -> None:
    body = {"reason": "typo", "amount": str(MAX_AMOUNT), "refund_id": "R1"}
    response = await api.ops("POST", "/deals/hubspot/1/refund", json=body)
    assert response.status_code == 422
    assert "amount" in response.json()["detail"]
