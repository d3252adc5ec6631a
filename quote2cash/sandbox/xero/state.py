"""What the Xero routes share: the books, idempotent writes, the envelope, webhooks.

``Idempotency-Key`` (at most 128 characters): the first successful answer to a key is
stored in the same transaction as the write it describes, and replayed for the same
method, path, query and body; the same key with anything else is a 400. Failed answers
are not stored, so a request that failed can be retried once its cause is fixed.
"""

from __future__ import annotations

import hashlib
import json
import secrets
import string
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC
from typing import Any

from fastapi import Request, Response

from quote2cash.connectors import jsoncodec
from quote2cash.connectors.signatures import XERO_SIGNATURE, sign_xero
from quote2cash.sandbox.common.faults import Faults
from quote2cash.sandbox.common.store import Doc, DocStore
from quote2cash.sandbox.common.webhooks import WebhookDispatcher
from quote2cash.sandbox.xero.books import Books
from quote2cash.sandbox.xero.config import XeroSandboxConfig
from quote2cash.sandbox.xero.envelope import XeroJSON, XeroValidation
from quote2cash.sandbox.xero.shapes import COLLECTIONS, project

IDEMPOTENCY_KIND = "_idempotency"
MAX_KEY_LENGTH = 128
RESOURCE_PATHS = {"INVOICE": "Invoices", "CONTACT": "Contacts", "CREDITNOTE": "CreditNotes"}


@dataclass
class Xero:
    config: XeroSandboxConfig
    books: Books
    faults: Faults
    dispatcher: WebhookDispatcher

    def respond(self, collection: str, items: list[Doc]) -> XeroJSON:
        """The collection as Xero sends it: only what its spec declares, nothing stored
        for the emulator's own bookkeeping."""
        return XeroJSON({collection: project(COLLECTIONS[collection], items)})

    def _event(self, base: str, at: str, category: str, kind: str, rid: str) -> dict[str, Any]:
        event: dict[str, Any] = {
            "resourceUrl": f"{base}/api.xro/2.0/{RESOURCE_PATHS[category]}/{rid}",
            "resourceId": rid,
            "eventDateUtc": at,
            "eventType": kind,
            "eventCategory": category,
            "tenantId": self.config.tenant_id,
            "tenantType": "ORGANISATION",
        }
        note = self.books.store.get("creditnotes", rid) if category == "CREDITNOTE" else None
        if note is not None:
            # Credit note events carry the note's type and status (xero-webhooks.yaml).
            event["data"] = {"Type": note["Type"], "Status": note["Status"]}
        return event

    def send_events(self) -> None:
        """One signed webhook request with the events the last write raised."""
        raised = list(dict.fromkeys(self.books.events))
        self.books.events.clear()
        if not raised or not self.config.webhook_url:
            return
        base = (self.config.public_url or "https://api.xero.com").rstrip("/")
        at = self.books.clock().astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3]
        events = [self._event(base, at, c, kind, rid) for c, kind, rid in raised]
        first = last = self.books.store.next_value("webhook-sequence")
        for _ in events[1:]:
            last = self.books.store.next_value("webhook-sequence")
        payload = {
            "events": events,
            "firstEventSequence": first,
            "lastEventSequence": last,
            "entropy": "".join(secrets.choice(string.ascii_uppercase) for _ in range(20)),
        }
        body = json.dumps(payload).encode()
        key = self.config.webhook_key

        def build(_: int) -> tuple[bytes, dict[str, str]]:
            return body, {"Content-Type": "application/json", XERO_SIGNATURE: sign_xero(key, body)}

        label = ",".join(f"{e['eventCategory']}.{e['eventType']}:{e['resourceId']}" for e in events)
        self.dispatcher.submit(
            self.config.webhook_url, build, label=label, signature_header=XERO_SIGNATURE
        )


def xero(request: Request) -> Xero:
    state: Xero = request.app.state.xero
    return state


def unit_dp(request: Request) -> int:
    return 4 if request.query_params.get("unitdp") == "4" else 2


def elements(body: Any, collection: str) -> list[Doc]:
    """``{"Invoices": [...]}`` or a single bare object, as Xero accepts both."""
    items: list[Any]
    if isinstance(body, dict) and isinstance(body.get(collection), list):
        items = body[collection]
    elif isinstance(body, dict):
        items = [body]
    else:
        items = []
    if not items or not all(isinstance(i, dict) for i in items):
        raise XeroValidation([f"The request body must contain {collection}."])
    return [dict(i) for i in items]


async def write(
    request: Request,
    state: Xero,
    collection: str,
    run_one: Callable[[Doc], Doc],
    *,
    single: bool = False,
) -> Response:
    """Run a write once per Idempotency-Key, atomically, then send its webhooks.

    ``summarizeErrors=false`` answers 200 with each element either done or carrying its
    ``ValidationErrors``; by default one bad element fails the whole request with 400.
    """
    raw = await request.body()
    key = request.headers.get("idempotency-key")
    fingerprint = _fingerprint(request, raw)
    if key is not None:
        replay = _replay(state, key, fingerprint)
        if replay is not None:
            return replay
    try:
        body = jsoncodec.loads(raw) if raw else {}
    except ValueError as exc:
        raise XeroValidation([f"The request body is not valid JSON: {exc}"]) from exc
    items = elements(body, collection)[: 1 if single else None]
    summarize = request.query_params.get("summarizeErrors", "true").lower() != "false"
    store = state.books.store
    try:
        with store.atomic():
            done = [_run(store, run_one, item, summarize) for item in items]
            response = state.respond(collection, done)
            if key is not None:
                stored = {
                    "fingerprint": fingerprint,
                    "body": bytes(response.body).decode(),
                    "at": str(state.books.clock().timestamp()),
                }
                store.put(IDEMPOTENCY_KIND, key, stored)
    except BaseException:
        state.books.events.clear()
        raise
    state.send_events()
    return response


def _fingerprint(request: Request, raw: bytes) -> str:
    """What makes two requests "the same" for an idempotency key."""
    parts = [request.method, request.url.path, request.url.query]
    return hashlib.sha256(b"\n".join([*(p.encode() for p in parts), raw])).hexdigest()


def _run(store: DocStore, run_one: Callable[[Doc], Doc], item: Doc, summarize: bool) -> Doc:
    if summarize:
        return run_one(item)
    try:
        with store.atomic():  # a savepoint: a failed element leaves nothing behind
            return {**run_one(item), "StatusAttributeString": "OK"}
    except XeroValidation as failed:
        errors = [{"Message": m} for m in failed.messages]
        # Documents flag it HasErrors, contacts and payments HasValidationErrors: the
        # answer keeps the one its schema declares.
        return {
            **item,
            "HasErrors": True,
            "HasValidationErrors": True,
            "StatusAttributeString": "ERROR",
            "ValidationErrors": errors,
        }


def _replay(state: Xero, key: str, fingerprint: str) -> Response | None:
    if not key or len(key) > MAX_KEY_LENGTH:
        raise XeroValidation([f"Idempotency-Key must be 1 to {MAX_KEY_LENGTH} characters."])
    stored = state.books.store.get(IDEMPOTENCY_KIND, key)
    ttl = state.config.idempotency_ttl_seconds
    age = state.books.clock().timestamp() - float((stored or {}).get("at", 0))
    if ttl is not None and age > ttl:
        stored = None  # forgotten, as by a vendor that keeps keys only for a while
    if stored is None:
        return None
    if stored["fingerprint"] != fingerprint:
        raise XeroValidation([f"Idempotency-Key {key} was already used with a different request."])
    return Response(
        stored["body"], media_type=XeroJSON.media_type, headers={"Idempotent-Replayed": "true"}
    )
