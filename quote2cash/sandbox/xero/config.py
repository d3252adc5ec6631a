"""Settings of the Xero emulator: flags, or environment variables ``Q2C_XERO_*``.

``token``, ``tenant_id`` and ``webhook_key`` read the same variables as the app's
settings (``Q2C_XERO_TOKEN``, ``Q2C_XERO_TENANT_ID``, ``Q2C_XERO_WEBHOOK_KEY``).
"""

from __future__ import annotations

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from quote2cash.sandbox.common.faults import FaultConfig
from quote2cash.sandbox.xero.reference_data import ORGANISATIONS, Organisation, Region
from quote2cash.settings import DEV_SECRET


class XeroSandboxConfig(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="Q2C_XERO_", extra="ignore")

    token: str = DEV_SECRET
    tenant_id: str = "00000000-0000-4000-8000-000000000001"
    webhook_key: str = DEV_SECRET
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
        org = self.org
        self.organisation_name = self.organisation_name or org.name
        self.base_currency = self.base_currency or org.base_currency
        return self

    @property
    def org(self) -> Organisation:
        return ORGANISATIONS[self.organisation]
