"""Which Xero organisations are ours: asked before any Xero event may reach a workflow.

Xero signs every webhook of an app with the app's one key, whatever organisation
(tenant) it is about, so a valid signature does not make an event ours: an app
connected to a second organisation, or a key shared by mistake, delivers events about
invoices we never issued. Each event names its organisation (``events[].tenantId``);
one that is not ours is stored as rejected evidence and never relayed. The request is
still answered 200: Xero wants 200 for every correctly signed payload and disables a
webhook whose deliveries keep failing, which would cost us our own events.
"""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import Engine

from quote2cash.api.schemas import XeroEvent
from quote2cash.settings import Settings
from quote2cash.store import connections, unit_of_work


def our_xero_tenants(settings: Settings, engine: Engine) -> frozenset[str]:
    """The tenant ids (lower case) whose events are ours: the organisation the settings
    pick (``Q2C_XERO_TENANT_ID``), or with none picked every organisation stored by
    ``q2c connect xero`` (a connection that needs reconnecting is still ours: its
    payments must not be lost while someone reconnects)."""
    picked = settings.xero_tenant_id.strip().lower()
    if picked:
        return frozenset({picked})
    with unit_of_work(engine) as session:
        stored = connections.states(session)
    return frozenset(c.tenant_id.strip().lower() for c in stored if c.vendor == "xero")


def foreign_tenant(event: XeroEvent, ours: Collection[str]) -> str | None:
    """Why the event is refused, or None when it is about one of our organisations."""
    if event.tenant_id.strip().lower() in ours:
        return None
    return (
        f"ForeignTenant: event for Xero tenant {event.tenant_id}, which is not one of our "
        "organisations; refused, never relayed"
    )
