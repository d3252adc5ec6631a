"""The Xero emulator's OAuth 2.0: grants, PKCE, rotation, expiry, revocation, scopes.

Served for real on loopback; time is the app's injectable clock, so expiry is exact.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
import pytest

from quote2cash.sandbox.common.server import ThreadedServer
from quote2cash.sandbox.xero import create_app as xero_app
from quote2cash.settings import (
    DEV_SECRET,
    DEV_XERO_CLIENT_ID,
    DEV_XERO_CUSTOM_CLIENT_ID,
    DEV_XERO_REDIRECT_URI,
)
from tests.sandbox.conftest import XERO_TENANT, xero_config

VERIFIER = "a-verifier-of-at-least-forty-three-characters-xyz"
SCOPES = "offline_access accounting.contacts accounting.settings"
WEB = (DEV_XERO_CLIENT_ID, DEV_SECRET)
CUSTOM = (DEV_XERO_CUSTOM_CLIENT_ID, DEV_SECRET)


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def server(clock: Clock) -> Iterator[ThreadedServer]:
    config = xero_config(static_token="", access_token_ttl_seconds=60)
    with ThreadedServer(xero_app(config, clock=clock)) as running:
        yield running


@pytest.fixture
def client(server: ThreadedServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.url, timeout=10) as http:
        yield http


def challenge(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode()).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def authorize(http: httpx.Client, **overrides: str) -> httpx.Response:
    params = {
        "response_type": "code",
        "client_id": DEV_XERO_CLIENT_ID,
        "redirect_uri": DEV_XERO_REDIRECT_URI,
        "scope": SCOPES,
        "state": "st-1",
        "code_challenge": challenge(VERIFIER),
        "code_challenge_method": "S256",
        **overrides,
    }
    return http.get(f"/identity/connect/authorize?{urlencode(params)}")


def code_of(answer: httpx.Response) -> str:
    assert answer.status_code == 302, answer.text
    query = parse_qs(urlsplit(answer.headers["location"]).query)
    assert query["state"] == ["st-1"]
    return query["code"][0]


def token(http: httpx.Client, auth: tuple[str, str] = WEB, **form: str) -> httpx.Response:
    return http.post("/connect/token", data=form, auth=auth)


def exchange(http: httpx.Client, code: str, verifier: str = VERIFIER) -> httpx.Response:
    return token(
        http,
        grant_type="authorization_code",
        code=code,
        redirect_uri=DEV_XERO_REDIRECT_URI,
        code_verifier=verifier,
    )


def connected(http: httpx.Client) -> dict[str, Any]:
    answer = exchange(http, code_of(authorize(http)))
    assert answer.status_code == 200, answer.text
    tokens: dict[str, Any] = answer.json()
    return tokens


def api(http: httpx.Client, access: str, path: str = "/Contacts") -> httpx.Response:
    headers = {"Authorization": f"Bearer {access}", "xero-tenant-id": XERO_TENANT}
    return http.get(f"/api.xro/2.0{path}", headers=headers)


def counters(http: httpx.Client) -> dict[str, Any]:
    found: dict[str, Any] = http.get("/_sandbox/oauth").json()
    return found


def test_code_flow_gives_rotating_tokens_and_a_connection(client: httpx.Client) -> None:
    tokens = connected(client)
    assert tokens["token_type"] == "Bearer"
    assert tokens["expires_in"] == 60
    assert set(tokens["scope"].split()) == set(SCOPES.split())
    assert api(client, tokens["access_token"]).status_code == 200
    listed = client.get(
        "/connections", headers={"Authorization": f"Bearer {tokens['access_token']}"}
    )
    assert [c["tenantId"] for c in listed.json()] == [XERO_TENANT]
    assert set(listed.json()[0]) == {
        "id",
        "authEventId",
        "tenantId",
        "tenantType",
        "tenantName",
        "createdDateUtc",
        "updatedDateUtc",
    }


def test_unknown_client_or_redirect_gets_an_error_page_not_a_redirect(client: httpx.Client) -> None:
    assert authorize(client, client_id="nobody").status_code == 400
    assert authorize(client, redirect_uri="http://127.0.0.1:9/evil").status_code == 400


def test_openid_is_refused_back_at_the_redirect(client: httpx.Client) -> None:
    answer = authorize(client, scope="openid offline_access")
    assert answer.status_code == 302
    assert parse_qs(urlsplit(answer.headers["location"]).query)["error"] == ["invalid_scope"]


def test_wrong_pkce_verifier_is_refused(client: httpx.Client) -> None:
    answer = exchange(client, code_of(authorize(client)), verifier="x" * 50)
    assert answer.status_code == 400
    assert answer.json() == {"error": "invalid_grant"}


def test_a_code_works_once(client: httpx.Client) -> None:
    code = code_of(authorize(client))
    assert exchange(client, code).status_code == 200
    again = exchange(client, code)
    assert (again.status_code, again.json()) == (400, {"error": "invalid_grant"})


def test_a_code_expires(client: httpx.Client, clock: Clock) -> None:
    code = code_of(authorize(client))
    clock.now += timedelta(seconds=301)
    assert exchange(client, code).status_code == 400


def test_wrong_secret_is_invalid_client(client: httpx.Client) -> None:
    answer = token(client, auth=(DEV_XERO_CLIENT_ID, "wrong"), grant_type="client_credentials")
    assert (answer.status_code, answer.json()["error"]) == (401, "invalid_client")


def test_refresh_rotates_and_a_reused_refresh_token_is_invalid_grant(client: httpx.Client) -> None:
    first = connected(client)
    second = token(client, grant_type="refresh_token", refresh_token=first["refresh_token"])
    assert second.status_code == 200
    assert second.json()["refresh_token"] != first["refresh_token"]
    reused = token(client, grant_type="refresh_token", refresh_token=first["refresh_token"])
    assert (reused.status_code, reused.json()) == (400, {"error": "invalid_grant"})
    seen = counters(client)
    assert seen["refreshes"] == 1
    assert seen["invalid_grant"] == 1
    assert seen["tokens_issued"]["authorization_code"] == 1


def test_expired_access_token_is_401_token_expired(client: httpx.Client, clock: Clock) -> None:
    access = connected(client)["access_token"]
    clock.now += timedelta(seconds=61)
    answer = api(client, access)
    assert answer.status_code == 401
    assert answer.json()["Detail"].startswith("TokenExpired")
    assert answer.headers["www-authenticate"].startswith("Bearer")


def test_unknown_bearer_is_401(client: httpx.Client) -> None:
    assert api(client, "made-up").status_code == 401


def test_revocation_stops_refresh_and_access_at_once(client: httpx.Client) -> None:
    tokens = connected(client)
    answer = client.post("/connect/revocation", data={"token": tokens["refresh_token"]}, auth=WEB)
    assert answer.status_code == 200
    assert api(client, tokens["access_token"]).status_code == 401
    refresh = token(client, grant_type="refresh_token", refresh_token=tokens["refresh_token"])
    assert refresh.json() == {"error": "invalid_grant"}
    assert counters(client)["revocations"] == 1


def test_admin_revoke_and_expire(client: httpx.Client) -> None:
    tokens = connected(client)
    assert client.post("/_sandbox/oauth/expire").json() == {"expired": 1}
    assert api(client, tokens["access_token"]).status_code == 401
    revoked = client.post("/_sandbox/oauth/revoke", params={"client_id": DEV_XERO_CLIENT_ID})
    assert revoked.json() == {"revoked": 1}
    refresh = token(client, grant_type="refresh_token", refresh_token=tokens["refresh_token"])
    assert refresh.status_code == 400


def test_client_credentials_custom_connection(client: httpx.Client) -> None:
    answer = token(client, auth=CUSTOM, grant_type="client_credentials")
    assert answer.status_code == 200
    assert "refresh_token" not in answer.json()
    assert api(client, answer.json()["access_token"], "/Invoices").status_code == 200
    web = token(client, grant_type="client_credentials")
    assert web.json()["error"] == "unauthorized_client"
    assert counters(client)["tokens_issued"]["client_credentials"] == 1


def test_scopes_are_enforced(client: httpx.Client) -> None:
    access = connected(client)["access_token"]  # contacts and settings, not invoices
    assert api(client, access, "/Accounts").status_code == 200
    refused = api(client, access, "/Invoices")
    assert refused.status_code == 403
    assert refused.json()["Detail"] == "AuthorizationUnsuccessful"
    read_only = token(
        client, auth=CUSTOM, grant_type="client_credentials", scope="accounting.invoices.read"
    ).json()["access_token"]
    assert api(client, read_only, "/Invoices").status_code == 200
    headers = {"Authorization": f"Bearer {read_only}", "xero-tenant-id": XERO_TENANT}
    write = client.put("/api.xro/2.0/Invoices", headers=headers, json={"Invoices": []})
    assert write.status_code == 403


def test_disconnected_tenant_is_403(client: httpx.Client) -> None:
    access = connected(client)["access_token"]
    bearer = {"Authorization": f"Bearer {access}"}
    connection = client.get("/connections", headers=bearer).json()[0]
    assert client.delete(f"/connections/{connection['id']}", headers=bearer).status_code == 204
    assert client.get("/connections", headers=bearer).json() == []
    assert api(client, access).status_code == 403


def test_other_tenant_is_403(client: httpx.Client) -> None:
    access = connected(client)["access_token"]
    headers = {"Authorization": f"Bearer {access}", "xero-tenant-id": "someone-else"}
    assert client.get("/api.xro/2.0/Contacts", headers=headers).status_code == 403
