"""q2c subscriptions end to end: start from a file, show, quote an upgrade, cancel at
once — the CLI through the API to the workflow and the Xero emulator."""

from __future__ import annotations

import asyncio
import json
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from typer.testing import CliRunner

from quote2cash.cli import app
from quote2cash.commands.subscriptions import parse_change
from quote2cash.connectors.xero import XeroClient
from quote2cash.connectors.xero_models import XeroContactIn
from quote2cash.devstack.scenarios import subscription_start
from quote2cash.settings import get_settings
from tests.e2e.conftest import XERO_TEST_TOKEN, Spine


def _cli(spine: Spine, *args: str) -> tuple[int, Any]:
    get_settings.cache_clear()
    env = {"Q2C_PUBLIC_API_URL": spine.api.url, "Q2C_TOKEN": spine.settings.ops_token}
    try:
        result = CliRunner().invoke(app, ["subscriptions", *args], env=env)
    finally:
        get_settings.cache_clear()
    try:
        return result.exit_code, json.loads(result.output)
    except ValueError:
        return result.exit_code, result.output


def test_a_change_names_its_line_and_fields() -> None:
    assert parse_change("seats:quantity=15,unit_price=9.50") == {
        "line_id": "seats",
        "quantity": "15",
        "unit_price": "9.50",
    }
    for bad in ("seats", "seats:colour=red", ":quantity=1", "seats:quantity="):
        with pytest.raises(ValueError, match="expected"):
            parse_change(bad)


async def test_subscription_through_the_cli(spine: Spine, tmp_path: Path) -> None:
    s = spine.settings
    async with httpx.AsyncClient(timeout=20) as http:
        xero = XeroClient(
            http, base_url=s.xero_base_url, tenant_id=s.xero_tenant_id, token=XERO_TEST_TOKEN
        )
        contact = await xero.create_contact(
            XeroContactIn(name="Alpine Ski House AG", contact_number="c-cli"),
            idempotency_key="c-cli",
        )
    sub = uuid.uuid4().hex[:12]
    start = subscription_start(
        sub,
        contact_id=contact.contact_id,
        customer_key="c-cli",
        starts_on=datetime.now(UTC).date(),
    )
    body = tmp_path / "start.json"
    body.write_text(start.model_dump_json())

    code, started = await asyncio.to_thread(_cli, spine, "start", str(body))
    assert code == 0, started
    assert started["workflow_id"] == f"subscription:{sub}"
    for _ in range(100):
        code, shown = await asyncio.to_thread(_cli, spine, "show", sub)
        if code == 0 and shown["invoices"]:
            break
        await asyncio.sleep(0.2)
    assert len(shown["invoices"]) == 1

    code, quote = await asyncio.to_thread(
        _cli,
        spine,
        "amend",
        sub,
        "--line",
        "seats:quantity=12",
        "--reason",
        "two more",
        "--dry-run",
    )
    assert code == 0, quote
    assert quote["applied"] is False
    assert quote["prorated_delta"]
    code, refused = await asyncio.to_thread(
        _cli, spine, "amend", sub, "--line", "seats:colour=red", "--reason", "x"
    )
    assert code == 2
    assert "colour" in refused

    code, answer = await asyncio.to_thread(
        _cli, spine, "cancel", sub, "--reason", "customer left", "--immediately"
    )
    assert code == 0, answer
    handle = spine.client.get_workflow_handle(f"subscription:{sub}")
    await asyncio.wait_for(handle.result(), 60)
