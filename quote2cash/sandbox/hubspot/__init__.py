"""HubSpot CRM emulator: ``create_app(HubSpotSandboxConfig(...))`` or ``run_hubspot``."""

from __future__ import annotations

from quote2cash.sandbox.hubspot.app import create_app
from quote2cash.sandbox.hubspot.config import HubSpotSandboxConfig

__all__ = ["HubSpotSandboxConfig", "create_app", "run_hubspot"]


def run_hubspot(config: HubSpotSandboxConfig, host: str = "127.0.0.1", port: int = 8101) -> None:
    """Serve in the foreground until interrupted."""
    from quote2cash.sandbox.common.server import serve

    serve(create_app(config), host=host, port=port)
