"""``q2c connect hubspot`` against the emulator over HTTP: it sets a portal up once,
updates without duplicating, and names what it cannot do (scopes, types, stages)."""

from __future__ import annotations

from collections import Counter
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest
from typer.testing import CliRunner

from quote2cash.cli import app
from quote2cash.connect.hubspot import check_hubspot, connect_hubspot, webhook_line
from quote2cash.connect.hubspot_contract import GROUP_NAME, OBJECT_TYPES, PROPERTIES, declared
from quote2cash.sandbox.common.server import ThreadedServer
from quote2cash.sandbox.hubspot import HubSpotSandboxConfig, create_app
from quote2cash.sandbox.hubspot.scopes import ALL_SCOPES
from quote2cash.settings import Settings, get_settings

TOKEN = "pat-test-token"


def _portal(**overrides: Any) -> ThreadedServer:
    return ThreadedServer(create_app(HubSpotSandboxConfig(token=TOKEN, **overrides)))


@pytest.fixture
def portal() -> Iterator[ThreadedServer]:
    with _portal() as server:
        yield server


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(timeout=10) as client:
        yield client


def _settings(server: ThreadedServer, **overrides: Any) -> Settings:
    return Settings(hubspot_base_url=server.url, hubspot_token=TOKEN, **overrides)


async def _definitions(http: httpx.AsyncClient, server: ThreadedServer) -> Counter[str]:
    """How often each custom definition and our group exist on the portal."""
    auth = {"Authorization": f"Bearer {TOKEN}"}
    found: Counter[str] = Counter()
    for kind in OBJECT_TYPES:
        props = await http.get(f"{server.url}/crm/v3/properties/{kind}", headers=auth)
        groups = await http.get(f"{server.url}/crm/v3/properties/{kind}/groups", headers=auth)
        found.update(
            f"{kind}.{p['name']}" for p in props.json()["results"] if p["name"].startswith("q2c_")
        )
        found.update(
            f"{kind}:{g['name']}" for g in groups.json()["results"] if g["name"] == GROUP_NAME
        )
    return found


async def test_connect_creates_every_definition_then_finds_them_on_a_second_run(
    http: httpx.AsyncClient, portal: ThreadedServer
) -> None:
    first = await connect_hubspot(_settings(portal), http)
    assert first.ok, [line for line in first.lines if not line.ok]
    assert first.portal_id == HubSpotSandboxConfig().portal_id
    created = [line.name for line in first.lines if line.detail.startswith("created")]
    assert len(created) == len(PROPERTIES) + len(OBJECT_TYPES)

    second = await connect_hubspot(_settings(portal), http)
    assert second.ok
    assert not [line for line in second.lines if line.detail.startswith(("created", "updated"))]
    expected = Counter({f"{p.object_type}.{p.name}": 1 for p in PROPERTIES})
    expected.update({f"{kind}:{GROUP_NAME}": 1 for kind in OBJECT_TYPES})
    assert await _definitions(http, portal) == expected
    assert all(line.ok for line in await check_hubspot(_settings(portal), http))


async def test_a_changed_definition_is_updated_in_place_and_a_wrong_type_reported(
    http: httpx.AsyncClient, portal: ThreadedServer
) -> None:
    await connect_hubspot(_settings(portal), http)
    auth = {"Authorization": f"Bearer {TOKEN}"}
    relabel = {"label": "Renamed by a user", "options": [{"label": "Paid", "value": "PAID"}]}
    await http.patch(
        f"{portal.url}/crm/v3/properties/deals/q2c_invoice_status", json=relabel, headers=auth
    )

    fixed = await connect_hubspot(_settings(portal), http)
    line = next(x for x in fixed.lines if x.name == "deals property q2c_invoice_status")
    assert (line.ok, line.detail) == (True, "updated label, options")
    status = await http.get(
        f"{portal.url}/crm/v3/properties/deals/q2c_invoice_status", headers=auth
    )
    spec = next(p for p in declared("deals") if p.name == "q2c_invoice_status")
    assert [o["value"] for o in status.json()["options"]] == [o.value for o in spec.options]

    with _portal() as other:
        wrong = {"name": "q2c_amount_paid", "label": "Paid", "type": "string"}
        await http.post(
            f"{other.url}/crm/v3/properties/deals",
            json={**wrong, "fieldType": "text", "groupName": "dealinformation"},
            headers=auth,
        )
        result = await connect_hubspot(_settings(other), http)
        assert not result.ok
        line = next(x for x in result.lines if x.name == "deals property q2c_amount_paid")
        assert not line.ok
        assert "exists as a string property; quote2cash needs a number" in line.detail
        assert "cannot convert it in place" in line.fix


async def test_check_changes_nothing_and_says_what_is_missing(
    http: httpx.AsyncClient, portal: ThreadedServer
) -> None:
    lines = await check_hubspot(_settings(portal), http)
    missing = [line for line in lines if not line.ok]
    assert len(missing) == len(PROPERTIES) + len(OBJECT_TYPES)
    assert all(line.fix == "run q2c connect hubspot" for line in missing)
    assert await _definitions(http, portal) == Counter()


async def test_missing_scopes_are_named_with_how_to_add_them(http: httpx.AsyncClient) -> None:
    granted = [s for s in ALL_SCOPES if s != "crm.schemas.deals.write"]
    with _portal(scopes=granted) as portal:
        result = await connect_hubspot(_settings(portal), http)
    assert not result.ok
    scope = next(x for x in result.lines if x.name == "scope crm.schemas.deals.write")
    assert not scope.ok
    assert "tick crm.schemas.deals.write" in scope.fix
    group = next(x for x in result.lines if x.name == "deals property group quote2cash")
    assert not group.ok
    assert "required scopes" in group.detail
    companies = [x for x in result.lines if x.name.startswith("companies property")]
    assert companies
    assert all(x.ok for x in companies)


async def test_a_won_stage_missing_from_the_pipelines_is_reported(
    http: httpx.AsyncClient, portal: ThreadedServer
) -> None:
    settings = _settings(portal, hubspot_won_stages=["closedwon", "signed"])
    result = await connect_hubspot(settings, http)
    assert not result.ok
    line = next(x for x in result.lines if x.name == "won deal stages")
    assert line.detail.startswith("signed not in any deal pipeline; found Sales Pipeline (default)")
    assert "closedwon (Closed Won)" in line.detail
    assert "Q2C_HUBSPOT_WON_STAGES" in line.fix


async def test_an_invalid_token_stops_at_the_first_line(
    http: httpx.AsyncClient, portal: ThreadedServer
) -> None:
    settings = _settings(portal).model_copy(update={"hubspot_token": "pat-wrong"})
    result = await connect_hubspot(settings, http)
    assert [(x.name, x.ok) for x in result.lines] == [("private app token", False)]


def test_the_command_prints_one_line_per_item_and_fails_when_something_did(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    granted = [s for s in ALL_SCOPES if s != "crm.objects.deals.write"]
    for scopes, code in ((list(ALL_SCOPES), 0), (granted, 1)):
        with _portal(scopes=scopes) as portal:
            monkeypatch.setenv("Q2C_HUBSPOT_BASE_URL", portal.url)
            monkeypatch.setenv("Q2C_HUBSPOT_TOKEN", TOKEN)
            get_settings.cache_clear()
            try:
                run = CliRunner().invoke(app, ["connect", "hubspot"])
            finally:
                get_settings.cache_clear()
        assert run.exit_code == code, run.output
        assert "webhooks" in run.output
        assert ("✗ scope crm.objects.deals.write" in run.output) == bool(code)


def test_the_webhook_line_says_what_to_subscribe_and_what_hubspot_cannot_reach() -> None:
    public = Settings(
        hubspot_base_url="https://api.hubapi.com", public_api_url="https://q2c.example.com/"
    )
    line = webhook_line(public)
    assert line.ok
    assert "target URL https://q2c.example.com/webhooks/hubspot" in line.detail
    assert "deal.propertyChange of dealstage" in line.detail
    assert "cannot be read through HubSpot's API" in line.detail
    local = public.model_copy(update={"public_api_url": "http://127.0.0.1:8000"})
    refused = webhook_line(local)
    assert not refused.ok
    assert "Q2C_PUBLIC_API_URL" in refused.fix
    unsigned = public.model_copy(update={"hubspot_client_secret": ""})
    assert not webhook_line(unsigned).ok
