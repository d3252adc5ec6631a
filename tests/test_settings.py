"""Production mode refuses the development values of secrets and the test-only token."""

from __future__ import annotations

import base64

import pytest

from quote2cash.settings import Settings

KEY = base64.b64encode(b"k" * 32).decode()
REAL = {
    "mode": "production",
    "database_url": "postgresql://db/q2c",
    "hubspot_token": "h" * 20,
    "hubspot_client_secret": "s" * 20,
    "xero_client_id": "real-app",
    "xero_client_secret": "x" * 20,
    "xero_webhook_key": "w" * 20,
    "ops_token": "o" * 20,
    "payments_webhook_secret": "p" * 20,
    "payload_key": KEY,
    "connection_key": KEY,
}


def test_real_values_pass() -> None:
    assert Settings.model_validate(REAL).xero_identity == "http://127.0.0.1:8102"


@pytest.mark.parametrize(
    ("name", "value", "complaint"),
    [
        ("connection_key", "", "Q2C_CONNECTION_KEY"),
        ("xero_client_secret", "dev-only-not-a-secret", "Q2C_XERO_CLIENT_SECRET"),
        ("xero_client_id", "q2c-dev-web-app", "Q2C_XERO_CLIENT_ID"),
        ("xero_token", "static", "tests only"),
    ],
)
def test_production_refuses(name: str, value: str, complaint: str) -> None:
    with pytest.raises(ValueError, match=complaint):
        Settings.model_validate({**REAL, name: value})


def test_an_emulator_port_moves_its_base_url(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("Q2C_XERO_PORT", "9102")
    monkeypatch.setenv("Q2C_HUBSPOT_PORT", "9101")
    moved = Settings(_env_file=None)
    assert moved.xero_base_url == "http://127.0.0.1:9102"
    assert moved.hubspot_base_url == "http://127.0.0.1:9101"
    monkeypatch.setenv("Q2C_XERO_BASE_URL", "https://api.xero.com")
    assert Settings(_env_file=None).xero_base_url == "https://api.xero.com"


def test_a_taken_emulator_port_names_every_setting_that_moves_it() -> None:
    from quote2cash.devstack.stack import services

    def setting_of(settings: Settings, name: str) -> str:
        [service] = [s for s in services(settings) if s.name == name]
        return service.ports[0][1]

    assert setting_of(Settings(xero_port=9102), "xero") == "Q2C_XERO_PORT"
    apart = Settings(xero_port=9102, xero_base_url="http://127.0.0.1:8102")
    assert setting_of(apart, "xero").startswith("Q2C_XERO_PORT and Q2C_XERO_BASE_URL")
    assert setting_of(Settings(hubspot_port=9101), "hubspot") == "Q2C_HUBSPOT_PORT"
