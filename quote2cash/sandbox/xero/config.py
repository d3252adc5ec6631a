"""Settings of the Xero emulator: flags, or environment variables ``Q2C_XERO_*``.

``tenant_id`` and ``webhook_key`` read the same variables as the app's settings
(``Q2C_XERO_TENANT_ID``, ``Q2C_XERO_WEBHOOK_KEY``). API calls need an OAuth access token
from ``/connect/token`` (``quote2cash.sandbox.xero.oauth``); ``static_token`` is a
test-only bearer that never expires, off (empty) by default and so in ``q2c sandbox xero``.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from quote2cash.sandbox.common.faults import FaultConfig
from quote2cash.sandbox.xero.reference_data import ORGANISATIONS, Organisation, Region
from quote2cash.settings import (
    DEV_SECRET,
    DEV_XERO_CLIENT_ID,
    DEV_XERO_CUSTOM_CLIENT_ID,
    DEV_XERO_REDIRECT_URI,
    SANDBOX_XERO_TENANT,
)


class OAuthClient(BaseModel):
    """An app registered with the emulator's identity server, as in Xero's developer portal:
    a web app (authorization code, PKCE optional) or a custom connection (client
    credentials, bound to the organisation)."""

    client_id: str = Field(min_length=1)
    client_secret: str = Field(min_length=1)
    kind: Literal["web", "custom_connection"] = "web"
    redirect_uris: list[str] = Field(default_factory=list)


def _dev_clients() -> list[OAuthClient]:
    return [
        OAuthClient(
            client_id=DEV_XERO_CLIENT_ID,
            client_secret=DEV_SECRET,
            redirect_uris=[DEV_XERO_REDIRECT_URI],
        ),
        OAuthClient(
            client_id=DEV_XERO_CUSTOM_CLIENT_ID,
            client_secret=DEV_SECRET,
            kind="custom_connection",
        ),
    ]


class XeroSandboxConfig(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="Q2C_XERO_", extra="ignore")

    static_token: str = Field(
        "", description="TEST ONLY: a bearer accepted with every scope, never expiring; empty: off"
    )
    tenant_id: str = SANDBOX_XERO_TENANT
    webhook_key: str = DEV_SECRET
    oauth_clients: list[OAuthClient] = Field(default_factory=_dev_clients)
    access_token_ttl_seconds: int = Field(1800, ge=1, description="Xero's: 30 minutes")
    refresh_token_ttl_seconds: int = Field(60 * 24 * 3600, ge=1, description="Xero's: 60 days")
    authorization_code_ttl_seconds: int = Field(300, ge=1, description="Xero's: 5 minutes")
    db: str = Field(":memory:", description="SQLite file, or :memory:")
    webhook_url: str = Field("", description="target URL of the app's webhooks; empty: off")
    webhook_categories: list[str] = Field(default_factory=lambda: ["INVOICE"])
    webhook_max_attempts: int = 5
    webhook_retry_base_seconds: float = 1.0
    public_url: str = Field("", description="base of resourceUrl in webhooks")
    organisation: Region = Field(
        "uk", description="uk, au or us: the chart, tax rates and currencies it starts with"
    )
    organisation_name: str = Field("", description="empty: the organisation's demo name")
    base_currency: str = Field("", description="empty: the organisation's (GBP, AUD, USD)")
    payment_terms_days: int = 30
    idempotency_ttl_seconds: float | None = Field(
        None, description="forget Idempotency-Keys after this long; None: keep them"
    )
    reset_on_start: bool = False
    seed_on_start: bool = False
    faults: FaultConfig = Field(default_factory=FaultConfig)

    @model_validator(mode="after")
    def _organisation_defaults(self) -> XeroSandboxConfig:
        # An empty Q2C_XERO_TENANT_ID means "the only connected organisation" to the
        # app, whose settings the emulator shares: here it is the sandbox's own.
        self.tenant_id = self.tenant_id or SANDBOX_XERO_TENANT
        org = self.org
        self.organisation_name = self.organisation_name or org.name
        self.base_currency = self.base_currency or org.base_currency
        return self

    @property
    def org(self) -> Organisation:
        return ORGANISATIONS[self.organisation]
