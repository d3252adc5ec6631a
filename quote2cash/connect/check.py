"""``q2c connect check``: everything the product needs from both vendors, one line each.

HubSpot (token, scopes, properties, won stages, webhook), Xero (connection, token,
organisation still connected, scopes, webhook key and target), the organisation's
account, tax and currency mapping (read through the Xero connection, so only once the
connection works), and our API answering at the public URL the vendors call. Read only:
nothing is created or changed; the connect commands do that.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import httpx
from sqlalchemy import Engine

from quote2cash.connect import Requirement, all_met
from quote2cash.connect.clients import xero_client
from quote2cash.connect.hubspot import check_hubspot
from quote2cash.connect.mapping import check_mapping
from quote2cash.connect.xero import check_xero_connection
from quote2cash.connectors.errors import VendorError
from quote2cash.settings import DEV_SECRET, Settings

XERO = "xero"
REAL_XERO_HOST = "api.xero.com"


async def check_everything(
    settings: Settings, http: httpx.AsyncClient, engine: Engine
) -> list[Requirement]:
    lines = await check_hubspot(settings, http)
    connection = await check_xero_connection(settings, engine, http)
    lines += connection
    lines += await _mapping(settings, http, engine, usable=all_met(connection))
    lines += _xero_webhook(settings)
    lines.append(await _api_reachable(settings, http))
    return lines


async def _mapping(
    settings: Settings, http: httpx.AsyncClient, engine: Engine, *, usable: bool
) -> list[Requirement]:
    if not usable:
        return [
            Requirement(
                vendor=XERO,
                name="account and tax mapping",
                ok=False,
                detail="not checked: it is read from the organisation through the connection",
                fix="run q2c connect xero first",
            )
        ]
    try:
        return await check_mapping(settings, xero_client(settings, http, engine))
    except VendorError as exc:
        return [
            Requirement(
                vendor=XERO,
                name="account and tax mapping",
                ok=False,
                detail=f"could not read the organisation's chart: {exc}",
                fix="check the connection's accounting.settings scope, then run this again",
            )
        ]


def _xero_webhook(settings: Settings) -> list[Requirement]:
    """Xero's delivery needs the app's webhook key here and an HTTPS target it can reach;
    whether Xero's 'intent to receive' passed only its developer portal can say."""
    target = f"{settings.api_url}/webhooks/xero"
    key_ok = bool(settings.xero_webhook_key) and (
        settings.xero_webhook_key != DEV_SECRET or not _real_xero(settings)
    )
    lines = [
        Requirement(
            vendor=XERO,
            name="webhook key",
            ok=key_ok,
            detail="set" if key_ok else "Q2C_XERO_WEBHOOK_KEY is empty or the development value",
            fix="copy the webhook key from the app's Webhooks tab into Q2C_XERO_WEBHOOK_KEY",
        )
    ]
    reachable = not _real_xero(settings) or _public_https(target)
    lines.append(
        Requirement(
            vendor=XERO,
            name="webhook target",
            ok=reachable,
            detail=target + ("" if reachable else ": Xero delivers only to a public HTTPS address"),
            fix="set Q2C_PUBLIC_API_URL to the HTTPS address Xero can reach, then set it "
            "as the delivery URL and send 'intent to receive' in the app's Webhooks tab",
        )
    )
    return lines


async def _api_reachable(settings: Settings, http: httpx.AsyncClient) -> Requirement:
    url = f"{settings.api_url}/healthz"
    try:
        response = await http.get(url, timeout=10)
        ok, detail = response.status_code == 200, f"{url} answered {response.status_code}"
    except httpx.HTTPError as exc:
        ok, detail = False, f"{url}: {type(exc).__name__}"
    return Requirement(
        vendor="quote2cash",
        name="API reachable at its public URL",
        ok=ok,
        detail=detail,
        fix="start the API (q2c api) and set Q2C_PUBLIC_API_URL to where vendors reach it",
    )


def _real_xero(settings: Settings) -> bool:
    return urlsplit(settings.xero_base_url).hostname == REAL_XERO_HOST


def _public_https(url: str) -> bool:
    parts = urlsplit(url)
    host = parts.hostname or ""
    return parts.scheme == "https" and host not in ("localhost", "") and not host.startswith("127.")
