"""Ingress endpoints: verify in a dependency, store, acknowledge, relay in the background.

The answer is sent only after the inbox transaction committed (invariant 7). Relaying
to Temporal happens after the answer, so a vendor never waits for, or fails because
of, Temporal; the relay loop picks up whatever the background attempt could not do.
"""

from __future__ import annotations

import asyncio
from typing import Annotated, NoReturn, TypeVar

from fastapi import APIRouter, BackgroundTasks, Depends, Request, Response
from pydantic import TypeAdapter

from quote2cash.api.deps import AppState, StateDep, bearer_token
from quote2cash.api.errors import ApiError, BadSignature, EndpointDisabled
from quote2cash.api.ingress import (
    HUBSPOT_EVENTS,
    XERO_PAYLOAD,
    parse,
    store_hubspot,
    store_provisioning,
    store_rejected,
    store_shipment,
    store_xero,
)
from quote2cash.api.schemas import Accepted, ProvisioningRequest, ShipmentRequest
from quote2cash.api.tenancy import our_xero_tenants
from quote2cash.api.tokens import ROLE_PROVISIONING, Forbidden, principal_of
from quote2cash.connectors.signatures import (
    HUBSPOT_SIGNATURE,
    HUBSPOT_TIMESTAMP,
    XERO_SIGNATURE,
    SignatureError,
    verify_hubspot_v3,
    verify_xero,
)

router = APIRouter(tags=["ingress"])
T = TypeVar("T")


async def reject(
    state: AppState, source: str, request: Request, body: bytes, error: ApiError
) -> NoReturn:
    """Store the refused request as evidence, then answer the error."""
    engine, headers = state.engine, dict(request.headers)
    await asyncio.to_thread(store_rejected, engine, source, headers, body, error)
    raise error


async def parsed(
    state: AppState, source: str, request: Request, body: bytes, shape: TypeAdapter[T]
) -> T:
    try:
        return parse(body, shape)
    except ApiError as exc:
        await reject(state, source, request, body, exc)


def signed_uri(request: Request, public_url: str) -> str:
    """The URI HubSpot signed: our public URL when we sit behind a proxy, else as received."""
    if not public_url:
        return str(request.url)
    query = f"?{request.url.query}" if request.url.query else ""
    return public_url.rstrip("/") + request.url.path + query


async def hubspot_body(request: Request, state: StateDep) -> bytes:
    body = await request.body()
    secret = state.settings.hubspot_client_secret
    if not secret:
        await reject(state, "hubspot", request, body, EndpointDisabled("no HubSpot client secret"))
    try:
        verify_hubspot_v3(
            secret,
            method=request.method,
            uri=signed_uri(request, state.settings.public_api_url),
            body=body,
            timestamp=request.headers.get(HUBSPOT_TIMESTAMP),
            signature=request.headers.get(HUBSPOT_SIGNATURE),
            now_ms=int(state.clock().timestamp() * 1000),
        )
    except SignatureError as exc:
        await reject(state, "hubspot", request, body, BadSignature(str(exc)))
    return body


async def xero_body(request: Request, state: StateDep) -> bytes:
    body = await request.body()
    key = state.settings.xero_webhook_key
    if not key:
        await reject(state, "xero", request, body, EndpointDisabled("no Xero webhook key"))
    try:
        verify_xero(key, body=body, signature=request.headers.get(XERO_SIGNATURE))
    except SignatureError as exc:
        await reject(state, "xero", request, body, BadSignature(str(exc)))
    return body


@router.post("/webhooks/hubspot", status_code=202)
async def hubspot_webhook(
    request: Request,
    state: StateDep,
    background: BackgroundTasks,
    body: Annotated[bytes, Depends(hubspot_body)],
) -> Accepted:
    events = await parsed(state, "hubspot", request, body, HUBSPOT_EVENTS)
    won = state.relay.policy.won_stages
    accepted = await asyncio.to_thread(store_hubspot, state.engine, request.headers, events, won)
    background.add_task(state.relay.relay_ids, accepted.inbox_ids)
    return accepted


@router.post("/webhooks/xero", status_code=200)
async def xero_webhook(
    request: Request,
    state: StateDep,
    background: BackgroundTasks,
    body: Annotated[bytes, Depends(xero_body)],
) -> Response:
    """Xero wants 200 (or 401 for a bad signature) and no body; its "intent to receive"
    handshake is a correctly or wrongly signed payload without events. Events of an
    organisation not ours are refused one by one, the request still answered 200."""
    payload = await parsed(state, "xero", request, body, XERO_PAYLOAD)
    ours = await asyncio.to_thread(our_xero_tenants, state.settings, state.engine)
    accepted = await asyncio.to_thread(
        store_xero, state.engine, request.headers, payload.events, ours
    )
    background.add_task(state.relay.relay_ids, accepted.inbox_ids)
    return Response(status_code=200, background=background)


async def _fulfilment_body(request: Request, state: AppState) -> bytes:
    """The body of a provisioning or shipment confirmation from a caller holding the
    provisioning role; a refused caller is recorded like any refused message."""
    body = await request.body()
    try:
        who = principal_of(state.settings, bearer_token(request))
        if ROLE_PROVISIONING not in who.roles:
            raise Forbidden(f"{who.subject} does not hold the {ROLE_PROVISIONING!r} role")
    except ApiError as exc:
        await reject(state, "ops", request, body, exc)
    return body


@router.post("/shipments/confirm", status_code=202)
async def confirm_shipment(
    request: Request, state: StateDep, background: BackgroundTasks
) -> Accepted:
    """One shipment of a ``per_shipment`` deal went out: the deal invoices what shipped."""
    body = await _fulfilment_body(request, state)
    shipment = await parsed(state, "ops", request, body, TypeAdapter(ShipmentRequest))
    accepted = await asyncio.to_thread(store_shipment, state.engine, request.headers, shipment)
    background.add_task(state.relay.relay_ids, accepted.inbox_ids)
    return accepted


@router.post("/provisioning/confirm", status_code=202)
async def confirm_provisioning(
    request: Request, state: StateDep, background: BackgroundTasks
) -> Accepted:
    body = await _fulfilment_body(request, state)
    confirmation = await parsed(state, "ops", request, body, TypeAdapter(ProvisioningRequest))
    accepted = await asyncio.to_thread(
        store_provisioning, state.engine, request.headers, confirmation
    )
    background.add_task(state.relay.relay_ids, accepted.inbox_ids)
    return accepted
