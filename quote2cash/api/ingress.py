"""Ingress: turn a verified request into inbox entries, before anything is acknowledged.

One inbox entry per vendor event, deduplicated by the vendor's own event identity, so
a redelivered batch stores nothing new; a succeeded payment is deduplicated by the
payment, whichever of its events comes first. Requests refused at the door (signature,
token, JSON, shape) are stored too, as ``rejected`` with the head of the raw body, its
length and SHA-256: evidence for whoever has to find out why a vendor's deliveries fail;
so are the events of a verified Xero request that concern another organisation
(``api.tenancy``).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Collection, Mapping, Sequence
from typing import TypeVar

from pydantic import BaseModel, TypeAdapter, ValidationError
from sqlalchemy.engine import Engine

from quote2cash.api.errors import ApiError, BadPayload, WrongShape
from quote2cash.api.handoff import PAYMENT, PROVISIONING, SHIPMENT, USAGE, not_won_reason
from quote2cash.api.limits import Evidence
from quote2cash.api.schemas import (
    Accepted,
    HubSpotEvent,
    PaymentEvent,
    ProvisioningRequest,
    ShipmentRequest,
    UsageReport,
    XeroEvent,
    XeroPayload,
    too_long,
)
from quote2cash.api.tenancy import foreign_tenant
from quote2cash.messages import UsageBatch
from quote2cash.store import InboxRepository, InboxStatus, unit_of_work

# Never stored: an inbox row must not hand out the credentials of the request.
SECRET_HEADERS = frozenset({"authorization", "cookie", "proxy-authorization"})
T = TypeVar("T")
HUBSPOT_EVENTS = TypeAdapter(list[HubSpotEvent])
XERO_PAYLOAD = TypeAdapter(XeroPayload)


def safe_headers(headers: Mapping[str, str]) -> dict[str, str]:
    return {k.lower(): v for k, v in headers.items() if k.lower() not in SECRET_HEADERS}


def parse(body: bytes, shape: type[T] | TypeAdapter[T]) -> T:
    """JSON of the expected shape, or ``BadPayload`` / ``WrongShape`` saying what is wrong."""
    try:
        data = json.loads(body)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise BadPayload(f"body is not valid JSON: {exc}") from None
    adapter = shape if isinstance(shape, TypeAdapter) else TypeAdapter(shape)
    try:
        return adapter.validate_python(data)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or 'body'}: {e['msg']}" for e in exc.errors()
        )
        raise WrongShape(problems) from None


def store_rejected(
    engine: Engine, source: str, headers: Mapping[str, str], body: bytes, error: ApiError
) -> int:
    """Only the head of a refused body is kept, with its length and digest: whoever
    is refused must not be able to fill our disk."""
    evidence = Evidence.of(body)
    stored_headers = safe_headers(headers) | {
        "q2c-body-length": str(evidence.length),
        "q2c-body-sha256": evidence.sha256,
    }
    with unit_of_work(engine) as session:
        entry, _ = InboxRepository(session).record(
            source,
            f"rejected:{source}:{uuid.uuid4().hex}",
            stored_headers,
            evidence.head,
            InboxStatus.REJECTED,
            f"{type(error).__name__}: {error.detail}; {evidence.note()}",
            kind="rejected",
        )
        assert entry.id is not None
        return entry.id


class _Item(BaseModel):
    dedupe_key: str
    kind: str
    body: str
    ignored: str | None = None
    rejected: str | None = None
    """Refused although its request was verified (an event of another organisation)."""

    @property
    def status(self) -> InboxStatus:
        if self.rejected:
            return InboxStatus.REJECTED
        return InboxStatus.IGNORED if self.ignored else InboxStatus.PENDING


def _store(
    engine: Engine, source: str, headers: Mapping[str, str], items: Sequence[_Item]
) -> Accepted:
    new_ids: list[int] = []
    duplicates = 0
    with unit_of_work(engine) as session:
        inbox = InboxRepository(session)
        for item in items:
            entry, is_new = inbox.record(
                source,
                item.dedupe_key,
                safe_headers(headers),
                item.body,
                item.status,
                item.rejected or item.ignored,
                kind=item.kind,
            )
            assert entry.id is not None
            if not is_new:
                duplicates += 1
            elif item.status is InboxStatus.PENDING:
                new_ids.append(entry.id)
    stored = len(items) - duplicates
    return Accepted(received=len(items), stored=stored, duplicates=duplicates, inbox_ids=new_ids)


def _dump(model: BaseModel) -> str:
    return model.model_dump_json(by_alias=True)


def store_hubspot(
    engine: Engine, headers: Mapping[str, str], events: Sequence[HubSpotEvent], won: frozenset[str]
) -> Accepted:
    items = [
        _Item(
            dedupe_key=f"hubspot:{e.event_id}",
            kind=e.subscription_type,
            body=_dump(e),
            ignored=not_won_reason(e, won),
        )
        for e in events
    ]
    return _store(engine, "hubspot", headers, items)


def xero_dedupe_key(e: XeroEvent) -> str:
    return f"xero:{e.event_category}:{e.event_type}:{e.resource_id}:{e.event_date_utc}"


def _xero_ignored(e: XeroEvent) -> str | None:
    problem = too_long(resourceId=e.resource_id, eventCategory=e.event_category)
    if problem:
        return f"not a Xero event we can use: {problem}"
    return None if e.event_category == "INVOICE" else f"{e.event_category} events: no use"


def store_xero(
    engine: Engine, headers: Mapping[str, str], events: Sequence[XeroEvent], ours: Collection[str]
) -> Accepted:
    """Each event of one of ``ours`` organisations stored for relay; any other stored as
    rejected evidence, under a key of its own so that it never shadows a later event of
    the same resource once that organisation is connected."""
    items = []
    for e in events:
        refused, key = foreign_tenant(e, ours), xero_dedupe_key(e)
        items.append(
            _Item(
                dedupe_key=f"rejected:xero:tenant:{e.tenant_id.lower()}:{key}" if refused else key,
                kind=f"{e.event_category}.{e.event_type}",
                body=_dump(e),
                ignored=_xero_ignored(e),
                rejected=refused,
            )
        )
    return _store(engine, "xero", headers, items)


def store_provisioning(
    engine: Engine, headers: Mapping[str, str], request: ProvisioningRequest
) -> Accepted:
    key = f"ops:provisioning:{request.crm}:{request.deal_id}:{request.confirmation_id}"
    item = _Item(dedupe_key=key, kind=PROVISIONING, body=_dump(request))
    return _store(engine, "ops", headers, [item])


def store_shipment(
    engine: Engine, headers: Mapping[str, str], request: ShipmentRequest
) -> Accepted:
    key = f"ops:shipment:{request.crm}:{request.deal_id}:{request.shipment_id}"
    item = _Item(dedupe_key=key, kind=SHIPMENT, body=_dump(request))
    return _store(engine, "ops", headers, [item])


def payment_dedupe_key(event: PaymentEvent) -> str:
    """A succeeded payment's key: the payment's, not the event's (see ``store_payment``)."""
    return f"payments:payment:{event.data.object.payment_id}"


def store_payment(
    engine: Engine, headers: Mapping[str, str], event: PaymentEvent, ignored: str | None
) -> Accepted:
    """A succeeded payment is stored once per payment, not once per event.

    Stripe sends ``payment_intent.succeeded`` and ``charge.succeeded`` for one payment,
    with different event and object ids: the first stored is relayed, the other is
    stored as ignored, saying which entry holds its payment. An event stored under its
    own id (ignored, a payment's second event, or stored before payments were keyed by
    payment) is a redelivery of that entry.
    """
    event_key = f"payments:{event.id}"
    if ignored:
        item = _Item(dedupe_key=event_key, kind=PAYMENT, body=_dump(event), ignored=ignored)
        return _store(engine, "payments", headers, [item])
    with unit_of_work(engine) as session:
        return _store_succeeded(InboxRepository(session), safe_headers(headers), event)


def _store_succeeded(
    inbox: InboxRepository, headers: dict[str, str], event: PaymentEvent
) -> Accepted:
    event_key, body = f"payments:{event.id}", _dump(event)
    duplicate = Accepted(received=1, stored=0, duplicates=1, inbox_ids=[])
    if inbox.by_key(event_key) is not None:
        inbox.record("payments", event_key, headers, body, kind=PAYMENT)  # counts it
        return duplicate
    entry, is_new = inbox.record("payments", payment_dedupe_key(event), headers, body, kind=PAYMENT)
    assert entry.id is not None
    if is_new:
        return Accepted(received=1, stored=1, duplicates=0, inbox_ids=[entry.id])
    first = PaymentEvent.model_validate_json(entry.body)
    if first.id != event.id:
        payment = event.data.object.payment_id
        reason = (
            f"duplicate: {event.type} {event.id} is payment {payment}, already received as "
            f"{first.type} {first.id} (inbox entry {entry.id}); one payment counts once"
        )
        inbox.record(
            "payments", event_key, headers, body, InboxStatus.IGNORED, reason, kind=PAYMENT
        )
    return duplicate


def usage_dedupe_key(subscription_id: str, event_id: str) -> str:
    """An event id is the meter's: unique within one subscription, not across them."""
    return f"usage:{subscription_id}:{event_id}"


def store_usage(
    engine: Engine, headers: Mapping[str, str], subscription_id: str, batch: UsageBatch
) -> Accepted:
    """One entry per event, so a resent batch stores only the events not seen before."""
    items = [
        _Item(
            dedupe_key=usage_dedupe_key(subscription_id, e.event_id),
            kind=USAGE,
            body=_dump(UsageReport(subscription_id=subscription_id, event=e)),
        )
        for e in batch.events
    ]
    return _store(engine, "usage", headers, items)
