"""One settings object for every process: environment variables prefixed ``Q2C_``.

In ``production`` mode the secrets have no defaults: a process refuses to start without
them instead of signing or verifying with a well-known development key.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEV_SECRET = "dev-only-not-a-secret"  # noqa: S105 - the documented development value
DEV_XERO_CLIENT_ID = "q2c-dev-web-app"
"""The Xero emulator's development web app (authorization code + PKCE)."""
DEV_XERO_CUSTOM_CLIENT_ID = "q2c-dev-custom-connection"
"""The Xero emulator's development custom connection (client credentials)."""
DEV_XERO_REDIRECT_URI = "http://127.0.0.1:8765/callback"
SANDBOX_XERO_TENANT = "00000000-0000-4000-8000-000000000001"
"""The Xero emulator's organisation, unless it is started with another."""
XERO_API_URL = "https://api.xero.com"
XERO_SCOPES = (
    "offline_access",
    "accounting.contacts",
    "accounting.settings",
    "accounting.invoices",
    "accounting.payments",
    "accounting.manualjournals",
    "accounting.journals.read",
)
"""Xero's granular scopes (apps created after 2 March 2026 cannot ask for the broad
``accounting.transactions``) for every endpoint ``connectors.xero`` calls."""

_SECRETS = (
    "hubspot_token",
    "hubspot_client_secret",
    "xero_client_secret",
    "xero_webhook_key",
    "ops_token",
    "payments_webhook_secret",
    "payload_key",
    "connection_key",
)


class ApiToken(BaseModel):
    """A scoped API token: who presents it, and the roles it grants (``ops``,
    ``approver``, ``provisioning``, ``usage``, ``codec``)."""

    token: str = Field(min_length=16)
    subject: str = Field(min_length=1)
    roles: list[str]


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="Q2C_", env_file=".env", extra="ignore")

    mode: Literal["dev", "production"] = "dev"
    var_dir: Path = Path("var")

    database_url: str = ""

    temporal_address: str = "127.0.0.1:7233"
    temporal_namespace: str = "default"
    temporal_ui_port: int = 8233
    task_queue: str = "q2c-deals"

    api_host: str = "127.0.0.1"
    api_port: int = 8000
    public_api_url: str = ""
    max_body_bytes: int = Field(default=1024 * 1024, gt=0)
    """Largest request body an endpoint takes (some declare their own: api/limits.py)."""
    codec_cors_origins: list[str] = ["http://127.0.0.1:8233"]
    """Browser origins allowed to call the codec server: the Temporal UI's."""
    codec_token: str = ""
    """Grants only the ``codec`` role (decrypting payloads for the Temporal UI); the
    embedded stack makes one up when empty."""

    hubspot_base_url: str = ""
    """HubSpot's API (real: https://api.hubapi.com); empty: the embedded stack's emulator
    on ``hubspot_port``."""
    hubspot_token: str = DEV_SECRET
    hubspot_client_secret: str = DEV_SECRET
    hubspot_port: int = 8101
    """Where the embedded stack's HubSpot emulator listens (and, unless
    ``hubspot_base_url`` is given, where the workers call it)."""
    hubspot_won_stages: list[str] = ["closedwon"]
    """Deal stages that start a DealWorkflow when a deal moves into them."""

    xero_base_url: str = ""
    """The Accounting API's host (real: https://api.xero.com); ``/connections`` is there
    too. Empty: the embedded stack's emulator on ``xero_port``."""
    xero_identity_url: str = ""
    """Token endpoint's host (Xero: https://identity.xero.com). Empty: Xero's own when
    ``xero_base_url`` is https://api.xero.com, else ``xero_base_url`` (the emulator)."""
    xero_login_url: str = ""
    """Host of ``/identity/connect/authorize`` (Xero: https://login.xero.com); empty: as
    for ``xero_identity_url``."""
    xero_client_id: str = DEV_XERO_CLIENT_ID
    xero_client_secret: str = DEV_SECRET
    xero_redirect_uri: str = DEV_XERO_REDIRECT_URI
    """Registered with the Xero app; ``q2c connect xero`` listens on its loopback port."""
    xero_scopes: list[str] = list(XERO_SCOPES)
    xero_tenant_id: str = ""
    """Which connected organisation to use; empty: the only Xero connection stored (what
    ``q2c connect xero`` stored, the emulator's organisation in the embedded stack)."""
    xero_token: str = ""
    """TEST ONLY: a fixed bearer used instead of the stored connection (the emulator's
    ``static_token``). Refused in production mode."""
    connection_key: str = ""
    """Base64 of 32 bytes: AES-256-GCM key for vendor tokens at rest. Empty in dev mode
    means a key file under ``var_dir`` is created once and reused."""
    xero_webhook_key: str = DEV_SECRET
    xero_port: int = 8102
    """Where the embedded stack's Xero emulator listens (and, unless ``xero_base_url`` is
    given, where the workers call it)."""

    # Vendors' published limits, kept proactively by each worker (connectors.ratelimit);
    # the vendors' rate-limit headers and 429s tighten them further at run time.
    xero_calls_per_minute: int = 60
    """Per tenant; Xero also caps every app at 10,000 a minute across tenants."""
    xero_concurrency: int = 5
    xero_calls_per_day: int = 5000
    hubspot_requests_per_10s: int = 100
    """Private apps: 100 (Free/Starter) to 190 (Professional/Enterprise)."""
    hubspot_search_per_second: int = 4
    rate_limit_max_wait_seconds: float = 10.0
    """Longest wait for a slot inside an activity; beyond it the call is not made and the
    activity retries later (``RateLimited`` with the wait as ``Retry-After``)."""

    ops_token: str = DEV_SECRET
    payments_webhook_secret: str = DEV_SECRET
    """Verifies the payment provider's ``Stripe-Signature`` on ``/webhooks/payments``."""
    """Grants every role as subject ``ops``."""
    api_tokens: list[ApiToken] = []
    """Scoped tokens, JSON: ``[{"token": ..., "subject": "alice", "roles": ["approver"]}]``."""
    payload_key: str = ""
    """Base64 of 32 bytes: AES-256-GCM key for payloads sent to Temporal. Empty in dev
    mode means a key file under ``var_dir`` is created once and reused."""

    billing_entity: str = "default"
    accounting_organisation: Literal["uk", "au", "us"] = "uk"
    """The preset chart and tax types of the entity's Xero organisation (quote2cash.chart)."""
    accounting_mapping_file: Path | None = None
    """A TOML file overriding the preset per billing entity (quote2cash/chart/mapping.py)."""
    invoice_prefix: str = "INV-"

    reconciliation_cron: str = "0 6 * * *"
    """When the daily reconciliation runs (cron, UTC); empty: no schedule."""
    reconciliation_grace_days: int = Field(default=3, ge=0)
    """Days a won deal may stay without an invoice before reconciliation reports it."""

    sweep_every_minutes: int = Field(default=15, ge=0)
    """How often the missed-deal sweep searches the CRM for won deals with no workflow
    (a Temporal Schedule); 0: no sweep, webhooks only."""
    sweep_overlap_minutes: int = Field(default=60, ge=0)
    """Each sweep looks back this much before the previous one's end (clock skew, the
    CRM's search index lag)."""
    sweep_first_lookback_hours: int = Field(default=72, ge=1)
    """How far back the first sweep of a new installation looks."""

    otel_exporter: Literal["none", "console", "otlp"] = "none"
    otel_endpoint: str = "http://127.0.0.1:4318/v1/traces"

    @model_validator(mode="after")
    def _emulators_by_port(self) -> Settings:
        # One setting moves an emulator: its port, which its address follows, so the
        # workers call the emulator where the embedded stack started it.
        if not self.hubspot_base_url:
            self.hubspot_base_url = f"http://127.0.0.1:{self.hubspot_port}"
        if not self.xero_base_url:
            self.xero_base_url = f"http://127.0.0.1:{self.xero_port}"
        return self

    @model_validator(mode="after")
    def _production_needs_secrets(self) -> Settings:
        if self.mode == "production":
            missing = [n for n in _SECRETS if getattr(self, n) in ("", DEV_SECRET)]
            if missing:
                names = ", ".join(f"Q2C_{n.upper()}" for n in missing)
                raise ValueError(f"production mode needs real values for: {names}")
            if self.xero_token:
                raise ValueError("Q2C_XERO_TOKEN is for tests only: connect with q2c connect xero")
            if self.xero_client_id == DEV_XERO_CLIENT_ID:
                raise ValueError("production mode needs Q2C_XERO_CLIENT_ID of your Xero app")
            if not self.database_url:
                raise ValueError("production mode needs Q2C_DATABASE_URL")
        return self

    @property
    def xero_identity(self) -> str:
        return self._xero_host(self.xero_identity_url, "https://identity.xero.com")

    @property
    def xero_login(self) -> str:
        return self._xero_host(self.xero_login_url, "https://login.xero.com")

    def _xero_host(self, configured: str, real: str) -> str:
        if configured:
            return configured.rstrip("/")
        base = self.xero_base_url.rstrip("/")
        return real if base == XERO_API_URL else base

    @property
    def db_url(self) -> str:
        return self.database_url or f"sqlite:///{self.var_dir / 'q2c.db'}"

    @property
    def api_url(self) -> str:
        return self.public_api_url or f"http://{self.api_host}:{self.api_port}"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
