"""Xero Accounting emulator: ``create_app(XeroSandboxConfig(...))`` or ``run_xero``."""

from __future__ import annotations

from quote2cash.sandbox.xero.app import create_app
from quote2cash.sandbox.xero.config import XeroSandboxConfig

__all__ = ["XeroSandboxConfig", "create_app", "run_xero"]


def run_xero(config: XeroSandboxConfig, host: str = "127.0.0.1", port: int = 8102) -> None:
    """Serve in the foreground until interrupted."""
    from quote2cash.sandbox.common.server import serve

    if not config.public_url:
        config = config.model_copy(update={"public_url": f"http://{host}:{port}"})
    serve(create_app(config), host=host, port=port)
