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

from quote2cash.api.schemas import XeroEvent
from quote2cash.settings import Settings


def our_xero_tenants(settings: Settings) -> frozenset[str]:
    """The tenant ids (lower case) whose events are ours.

    Today the one organisation of the settings (``Q2C_XERO_TENANT_ID``). The one place
    to change when Xero connections live in the database: both callers (webhook ingress
    and the relay) hold an engine to read them with."""
    tenant = settings.xero_tenant_id.strip().lower()
    return frozenset({tenant}) if tenant else frozenset()


def foreign_tenant(event: XeroEvent, ours: Collection[str]) -> str | None:
    """Why the event is refused, or None when it is about one of our organisations."""
    if event.tenant_id.strip().lower() in ours:
        return None
    return (
        f"ForeignTenant: event for Xero tenant {event.tenant_id}, which is not one of our "
        "organisations; refused, never relayed"
    )
