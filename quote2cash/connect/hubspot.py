"""``q2c connect hubspot``: set a HubSpot portal up for quote2cash, and check it.

``connect_hubspot(settings, http)`` checks the private-app token and its scopes, creates
or updates the ``quote2cash`` property group and every declared property
(``hubspot_contract``), checks that the won stages exist in a deal pipeline, and says
which webhook subscription to set up. ``check_hubspot(settings, http)`` checks the same
things without changing anything. Both return ``Requirement`` lines, one per item; no
terminal needed (the demo's seeding calls ``connect_hubspot``).
"""

from __future__ import annotations

from ipaddress import ip_address
from urllib.parse import urlsplit

import httpx
from pydantic import BaseModel

from quote2cash.connect import Requirement, all_met
from quote2cash.connect.hubspot_contract import REQUIRED_SCOPES, WEBHOOK_EVENTS, WEBHOOK_PATH
from quote2cash.connect.hubspot_properties import sync_all
from quote2cash.connectors.errors import VendorError
from quote2cash.connectors.hubspot_setup import HubSpotSetupClient, TokenInfo
from quote2cash.settings import Settings

VENDOR = "hubspot"
SCOPES_HOWTO = (
    "in HubSpot: Settings → Integrations → Private apps → your app → Scopes, tick {scope}, "
    "commit the change, then set Q2C_HUBSPOT_TOKEN to the app's token"
)


class HubSpotConnection(BaseModel):
    """What ``connect_hubspot`` did: one line per item; ``ok`` when nothing failed."""

    portal_id: int | None = None
    lines: list[Requirement]

    @property
    def ok(self) -> bool:
        return all_met(self.lines)


def _line(name: str, ok: bool, detail: str, fix: str = "") -> Requirement:
    return Requirement(vendor=VENDOR, name=name, ok=ok, detail=detail, fix=fix)


def setup_client(settings: Settings, http: httpx.AsyncClient) -> HubSpotSetupClient:
    return HubSpotSetupClient(
        http, base_url=settings.hubspot_base_url, token=settings.hubspot_token
    )


async def connect_hubspot(settings: Settings, http: httpx.AsyncClient) -> HubSpotConnection:
    return await _run(settings, setup_client(settings, http), apply=True)


async def check_hubspot(settings: Settings, http: httpx.AsyncClient) -> list[Requirement]:
    return (await _run(settings, setup_client(settings, http), apply=False)).lines


async def _run(settings: Settings, client: HubSpotSetupClient, *, apply: bool) -> HubSpotConnection:
    token_line, info = await _token(settings, client)
    if info is None:
        return HubSpotConnection(lines=[token_line])
    lines = [token_line, *_scopes(info)]
    lines += await sync_all(client, apply=apply)
    lines.append(await _won_stages(settings, client))
    lines.append(webhook_line(settings))
    return HubSpotConnection(portal_id=info.hub_id, lines=lines)


async def _token(
    settings: Settings, client: HubSpotSetupClient
) -> tuple[Requirement, TokenInfo | None]:
    fix = (
        "create a private app in HubSpot (Settings → Integrations → Private apps) and set "
        "Q2C_HUBSPOT_TOKEN to its access token"
    )
    if not settings.hubspot_token:
        return _line("private app token", False, "Q2C_HUBSPOT_TOKEN is empty", fix), None
    try:
        info = await client.token_info(settings.hubspot_token)
    except VendorError as err:
        return _line("private app token", False, f"refused: {err.detail}", fix), None
    detail = f"valid for portal {info.hub_id} (app {info.app_id})"
    return _line("private app token", True, detail), info


def _scopes(info: TokenInfo) -> list[Requirement]:
    granted = set(info.scopes)
    return [
        _line(
            f"scope {s.name}",
            s.name in granted,
            f"granted: {s.why}" if s.name in granted else f"missing: needed to {s.why}",
            "" if s.name in granted else SCOPES_HOWTO.format(scope=s.name),
        )
        for s in REQUIRED_SCOPES
    ]


async def _won_stages(settings: Settings, client: HubSpotSetupClient) -> Requirement:
    name = "won deal stages"
    wanted = list(settings.hubspot_won_stages)
    try:
        pipelines = await client.pipelines("deals")
    except VendorError as err:
        return _line(name, False, err.detail)
    where = {s.id: p.label or p.id for p in pipelines for s in p.stages}
    missing = [s for s in wanted if s not in where]
    if not wanted or missing:
        found = "; ".join(
            f"{p.label or p.id} ({p.id}): " + ", ".join(f"{s.id} ({s.label})" for s in p.stages)
            for p in pipelines
        )
        return _line(
            name,
            False,
            f"{', '.join(missing) or 'none configured'} not in any deal pipeline; found {found}",
            "set Q2C_HUBSPOT_WON_STAGES to the ids of the stages that mean won "
            '(JSON list, e.g. ["closedwon"])',
        )
    return _line(name, True, ", ".join(f"{s} in {where[s]}" for s in wanted))


def webhook_target(settings: Settings) -> str:
    return settings.api_url.rstrip("/") + WEBHOOK_PATH


def webhook_line(settings: Settings) -> Requirement:
    """What to subscribe to, and what can be checked from here: HubSpot has no API to
    read or edit a private app's webhook subscriptions (they live in its settings)."""
    target = webhook_target(settings)
    events = ", ".join(f"{event} of {prop}" for event, prop in WEBHOOK_EVENTS)
    setup = (
        f"in the private app's Webhooks tab: target URL {target}; subscribe to {events}; "
        "HubSpot signs with the app's client secret (Q2C_HUBSPOT_CLIENT_SECRET)"
    )
    host = urlsplit(target).hostname or ""
    if not settings.hubspot_client_secret:
        return _line("webhooks", False, "Q2C_HUBSPOT_CLIENT_SECRET is empty", setup)
    if _is_vendor(settings) and (_is_local(host) or not target.startswith("https://")):
        detail = f"HubSpot cannot reach {target}: it needs a public https URL"
        return _line("webhooks", False, detail, "set Q2C_PUBLIC_API_URL; then " + setup)
    detail = f"subscriptions cannot be read through HubSpot's API; set them up {setup}"
    return _line("webhooks", True, detail)


def _is_vendor(settings: Settings) -> bool:
    return (urlsplit(settings.hubspot_base_url).hostname or "").endswith("hubapi.com")


def _is_local(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ip_address(host).is_loopback or ip_address(host).is_private
    except ValueError:
        return False
