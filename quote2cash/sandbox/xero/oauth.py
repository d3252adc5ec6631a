"""The emulator's identity server: Xero's OAuth 2.0 grants, tokens and connections.

As Xero's (developer.xero.com/documentation/guides/oauth2): access tokens live
``access_token_ttl_seconds`` (30 minutes); a refresh token is issued only with
``offline_access``, is single use (the answer carries the next one) and a second use is
``invalid_grant``; a revoked grant's refresh and access tokens stop working at once; a
custom connection (client credentials) gets no refresh token and is bound to the one
organisation. ``openid``/``profile``/``email`` are refused (``invalid_scope``): the
product never asks for an identity token.

State lives in memory, apart from the books: resetting the books keeps the grants, and a
restarted emulator has forgotten them (a client then gets ``invalid_grant`` and must
reconnect, as after a revocation).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import threading
import uuid
from dataclasses import dataclass, field
from typing import Any

from quote2cash.sandbox.xero.clock import Clock
from quote2cash.sandbox.xero.config import OAuthClient, XeroSandboxConfig

GRANTABLE = frozenset(
    {
        "offline_access",
        "accounting.contacts",
        "accounting.contacts.read",
        "accounting.settings",
        "accounting.settings.read",
        "accounting.invoices",
        "accounting.invoices.read",
        "accounting.payments",
        "accounting.payments.read",
        "accounting.banktransactions",
        "accounting.banktransactions.read",
        "accounting.manualjournals",
        "accounting.manualjournals.read",
        "accounting.journals.read",
        "accounting.attachments",
        "accounting.attachments.read",
    }
)
GRANT_TYPES = ("authorization_code", "refresh_token", "client_credentials")


class OAuthError(Exception):
    """An RFC 6749 error answer: ``{"error": ...}`` with status 400 (401 for the client)."""

    def __init__(self, error: str, description: str = "", status: int = 400) -> None:
        super().__init__(error)
        self.error = error
        self.description = description
        self.status = status


class ApiRefused(Exception):
    """An API call refused: 401 (token) or 403 (scope, tenant); ``detail`` as Xero words it."""

    def __init__(self, status: int, detail: str) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail


@dataclass
class Grant:
    grant_id: str
    client_id: str
    scopes: frozenset[str]
    revoked: bool = False


@dataclass
class Token:
    grant: Grant
    expires_at: float
    used: bool = False


@dataclass
class Code:
    client_id: str
    redirect_uri: str
    scopes: frozenset[str]
    challenge: str | None
    expires_at: float
    used: bool = False


@dataclass
class Counters:
    issued: dict[str, int] = field(default_factory=lambda: dict.fromkeys(GRANT_TYPES, 0))
    invalid_grant: int = 0
    revocations: int = 0
    renewal_times: dict[str, list[float]] = field(
        default_factory=lambda: {"refresh_token": [], "client_credentials": []}
    )


class Identity:
    """Clients from the config; grants, codes, tokens and connections in memory."""

    def __init__(self, config: XeroSandboxConfig, clock: Clock) -> None:
        self.config = config
        self._clock = clock
        self._clients = {c.client_id: c for c in config.oauth_clients}
        self._codes: dict[str, Code] = {}
        self._access: dict[str, Token] = {}
        self._refresh: dict[str, Token] = {}
        self._grants: dict[str, Grant] = {}
        # (client_id, tenant_id) -> connection; a disconnected one stays with "active" off.
        self._connections: dict[tuple[str, str], dict[str, Any]] = {}
        self.counters = Counters()
        self._lock = threading.RLock()

    def _now(self) -> float:
        return self._clock().timestamp()

    def client(self, client_id: str) -> OAuthClient | None:
        return self._clients.get(client_id)

    def authenticate(self, client_id: str, secret: str) -> OAuthClient:
        found = self._clients.get(client_id)
        if found is None or not hmac.compare_digest(found.client_secret, secret):
            raise OAuthError("invalid_client", status=401)
        return found

    def check_scopes(self, requested: str) -> frozenset[str]:
        scopes = frozenset(requested.split())
        unknown = scopes - GRANTABLE
        if not scopes or unknown:
            raise OAuthError("invalid_scope", f"not grantable: {' '.join(sorted(unknown))}")
        return scopes

    def issue_code(
        self, client: OAuthClient, redirect_uri: str, scopes: frozenset[str], challenge: str | None
    ) -> str:
        code = secrets.token_urlsafe(32)
        ttl = self.config.authorization_code_ttl_seconds
        with self._lock:
            self._codes[code] = Code(
                client.client_id, redirect_uri, scopes, challenge, self._now() + ttl
            )
            self._connect(client.client_id)
        return code

    def exchange_code(
        self, client: OAuthClient, code: str, redirect_uri: str, verifier: str | None
    ) -> dict[str, Any]:
        with self._lock:
            found = self._codes.get(code)
            if (
                found is None
                or found.used
                or found.client_id != client.client_id
                or found.expires_at <= self._now()
                or found.redirect_uri != redirect_uri
                or not _pkce_ok(found.challenge, verifier)
            ):
                return self._invalid_grant()
            found.used = True
            grant = Grant(str(uuid.uuid4()), client.client_id, found.scopes)
            self._grants[grant.grant_id] = grant
            return self._issue(grant, "authorization_code")

    def refresh(self, client: OAuthClient, refresh_token: str) -> dict[str, Any]:
        with self._lock:
            found = self._refresh.get(refresh_token)
            if (
                found is None
                or found.used
                or found.grant.revoked
                or found.grant.client_id != client.client_id
                or found.expires_at <= self._now()
            ):
                return self._invalid_grant()
            found.used = True
            return self._issue(found.grant, "refresh_token")

    def client_credentials(self, client: OAuthClient, scope: str | None) -> dict[str, Any]:
        if client.kind != "custom_connection":
            raise OAuthError("unauthorized_client", "client credentials need a custom connection")
        wanted = self.check_scopes(scope) if scope else GRANTABLE - {"offline_access"}
        with self._lock:
            connection = self._connections.get((client.client_id, self.config.tenant_id))
            if connection is not None and not connection["active"]:
                raise OAuthError("unauthorized_client", "the custom connection was disconnected")
            self._connect(client.client_id)
            grant = Grant(str(uuid.uuid4()), client.client_id, wanted - {"offline_access"})
            self._grants[grant.grant_id] = grant
            return self._issue(grant, "client_credentials")

    def revoke(self, client: OAuthClient, token: str) -> None:
        """RFC 7009: an unknown token is not an error; a known one revokes its grant."""
        with self._lock:
            found = self._refresh.get(token) or self._access.get(token)
            if found is not None and found.grant.client_id == client.client_id:
                self.revoke_grant(found.grant)

    def revoke_grant(self, grant: Grant) -> None:
        with self._lock:
            if not grant.revoked:
                grant.revoked = True
                self.counters.revocations += 1

    def revoke_client(self, client_id: str) -> int:
        """Admin: revoke every live grant of a client (the user removed the app)."""
        live = [g for g in self._grants.values() if g.client_id == client_id and not g.revoked]
        for grant in live:
            self.revoke_grant(grant)
        return len(live)

    def expire_access_tokens(self) -> int:
        """Admin: every access token expires now, as if half an hour had passed."""
        with self._lock:
            for token in self._access.values():
                token.expires_at = min(token.expires_at, self._now())
            return len(self._access)

    def bearer(self, access_token: str) -> Grant:
        """The grant behind a live access token, else 401 in Xero's words."""
        found = self._access.get(access_token)
        if found is None or found.grant.revoked:
            raise ApiRefused(401, "AuthenticationUnsuccessful")
        if found.expires_at <= self._now():
            raise ApiRefused(401, "TokenExpired: token expired")
        return found.grant

    def connected(self, grant: Grant, tenant_id: str) -> bool:
        connection = self._connections.get((grant.client_id, tenant_id.lower()))
        return connection is not None and bool(connection["active"])

    def connections(self, grant: Grant) -> list[dict[str, Any]]:
        return [
            {k: v for k, v in c.items() if k != "active"}
            for (client_id, _), c in self._connections.items()
            if client_id == grant.client_id and c["active"]
        ]

    def disconnect(self, grant: Grant, connection_id: str) -> bool:
        with self._lock:
            for (client_id, _), c in self._connections.items():
                if client_id == grant.client_id and c["id"] == connection_id and c["active"]:
                    c["active"] = False
                    return True
        return False

    def report(self) -> dict[str, Any]:
        c = self.counters
        return {
            "tokens_issued": dict(c.issued),
            "refreshes": c.issued["refresh_token"],
            "invalid_grant": c.invalid_grant,
            "revocations": c.revocations,
            "refresh_times": list(c.renewal_times["refresh_token"]),
            "client_credentials_times": list(c.renewal_times["client_credentials"]),
            "live_grants": sum(1 for g in self._grants.values() if not g.revoked),
        }

    def _invalid_grant(self) -> dict[str, Any]:
        self.counters.invalid_grant += 1
        raise OAuthError("invalid_grant")

    def _issue(self, grant: Grant, grant_type: str) -> dict[str, Any]:
        now = self._now()
        ttl = self.config.access_token_ttl_seconds
        access = secrets.token_urlsafe(32)
        self._access[access] = Token(grant, now + ttl)
        self.counters.issued[grant_type] += 1
        renewals = self.counters.renewal_times.get(grant_type)
        if renewals is not None:  # kept short: the last thousand
            renewals.append(now)
            del renewals[:-1000]
        answer: dict[str, Any] = {
            "access_token": access,
            "expires_in": ttl,
            "token_type": "Bearer",
            "scope": " ".join(sorted(grant.scopes)),
        }
        if "offline_access" in grant.scopes and grant_type != "client_credentials":
            refresh = secrets.token_urlsafe(32)
            self._refresh[refresh] = Token(grant, now + self.config.refresh_token_ttl_seconds)
            answer["refresh_token"] = refresh
        return answer

    def _connect(self, client_id: str) -> None:
        """Consent connects the client to the emulator's one organisation."""
        tenant = self.config.tenant_id.lower()
        stamp = self._clock().strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3]
        existing = self._connections.get((client_id, tenant))
        if existing is not None and existing["active"]:
            existing["updatedDateUtc"] = stamp
            return
        self._connections[(client_id, tenant)] = {
            "id": str(uuid.uuid4()),
            "authEventId": str(uuid.uuid4()),
            "tenantId": self.config.tenant_id,
            "tenantType": "ORGANISATION",
            "tenantName": self.config.organisation_name,
            "createdDateUtc": stamp,
            "updatedDateUtc": stamp,
            "active": True,
        }


def _pkce_ok(challenge: str | None, verifier: str | None) -> bool:
    """S256 only (RFC 7636); a code asked without a challenge needs no verifier."""
    if challenge is None:
        return verifier is None
    if not verifier:
        return False
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    computed = base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
    return hmac.compare_digest(computed, challenge)


def scope_for(method: str, path: str) -> frozenset[str]:
    """The scopes any one of which lets a token call ``method path`` (granular names;
    reads also accept the ``.read`` scope)."""
    resource = path.split("/api.xro/2.0/", 1)[-1].split("/", 1)[0].lower()
    base = RESOURCE_SCOPES.get(resource, "accounting.settings")
    if base.endswith(".read"):
        return frozenset({base})
    return frozenset({base, base + ".read"}) if method == "GET" else frozenset({base})


RESOURCE_SCOPES = {
    "contacts": "accounting.contacts",
    "invoices": "accounting.invoices",
    "creditnotes": "accounting.invoices",
    "payments": "accounting.payments",
    "overpayments": "accounting.payments",
    "prepayments": "accounting.payments",
    "banktransactions": "accounting.banktransactions",
    "manualjournals": "accounting.manualjournals",
    "journals": "accounting.journals.read",
    "accounts": "accounting.settings",
    "taxrates": "accounting.settings",
    "currencies": "accounting.settings",
    "items": "accounting.settings",
    "organisation": "accounting.settings",
}
