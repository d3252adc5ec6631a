"""Settings of the HubSpot emulator: flags, or environment variables ``Q2C_HUBSPOT_*``.

``token`` and ``client_secret`` read the same variables as the app's settings
(``Q2C_HUBSPOT_TOKEN``, ``Q2C_HUBSPOT_CLIENT_SECRET``) so the emulator and the app agree
without extra wiring.
"""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from quote2cash.sandbox.common.faults import FaultConfig
from quote2cash.sandbox.hubspot.scopes import ALL_SCOPES
from quote2cash.settings import DEV_SECRET


class HubSpotSandboxConfig(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="Q2C_HUBSPOT_", extra="ignore")

    token: str = DEV_SECRET
    client_secret: str = DEV_SECRET
    db: str = Field(":memory:", description="SQLite file, or :memory:")
    webhook_url: str = Field("", description="target URL of the app's webhooks; empty: off")
    webhook_subscriptions: list[str] = Field(
        default_factory=lambda: ["deal.propertyChange"],
        description="deal.propertyChange and/or deal.creation",
    )
    webhook_properties: list[str] = Field(default_factory=lambda: ["dealstage"])
    webhook_max_attempts: int = 5
    webhook_retry_base_seconds: float = 1.0
    first_object_id: int = Field(1001, ge=1, description="id of the portal's first record")
    portal_id: int = 62515
    app_id: int = 1160452
    user_id: int = 3001
    scopes: list[str] = Field(
        default_factory=lambda: list(ALL_SCOPES),
        description="the private app's scopes; a call needing another one gets 403",
    )
    subscription_id: int = 2104
    strict_properties: bool = Field(
        True, description="refuse values of properties the portal does not define, as HubSpot"
    )
    reset_on_start: bool = False
    seed_on_start: bool = False
    faults: FaultConfig = Field(default_factory=FaultConfig)
