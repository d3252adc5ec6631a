"""The codec server decrypts only for a holder of the codec role, in every mode, and
answers browsers only from the Temporal UI's origin."""

from __future__ import annotations

import asyncio
import base64
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from google.protobuf import json_format
from temporalio.api.common.v1 import Payload, Payloads
from temporalio.testing import WorkflowEnvironment

from quote2cash.devstack.stack import codec_endpoint, temporal_service, with_ui_codec
from quote2cash.settings import ApiToken, Settings
from quote2cash.temporal import EncryptionCodec
from tests.api.support import Api, eventually, free_port, make_settings, running_api

CODEC_TOKEN = "codec-token-for-tests-0123456789"
UI = "http://127.0.0.1:8233"
PRODUCTION_SECRETS = {
    "mode": "production",
    "hubspot_token": "hs-token-for-tests",
    "xero_client_id": "xero-app-for-tests",
    "xero_client_secret": "xero-secret-for-tests",
    "connection_key": base64.b64encode(b"c" * 32).decode(),
    "payments_webhook_secret": "payments-secret-for-tests",
}


@pytest.fixture(params=["dev", "production"])
async def codec_api(
    request: pytest.FixtureRequest,
    database_url: str,
    temporal_dev: WorkflowEnvironment,
    tmp_path: Path,
) -> AsyncIterator[Api]:
    extra: dict[str, Any] = PRODUCTION_SECRETS if request.param == "production" else {}
    address = temporal_dev.client.service_client.config.target_host
    settings = make_settings(
        database_url,
        address,
        tmp_path,
        codec_token=CODEC_TOKEN,
        api_tokens=[ApiToken(token="approver-token-for-tests", subject="amy", roles=["approver"])],
        **extra,
    )
    async with running_api(settings) as running:
        yield running


async def _sealed() -> tuple[Payload, dict[str, Any]]:
    plain = Payload(metadata={"encoding": b"json/plain"}, data=b'{"company": "Acme Ltd"}')
    [sealed] = await EncryptionCodec(b"\x00" * 32).encode([plain])
    return plain, json_format.MessageToDict(Payloads(payloads=[sealed]))


async def test_decoding_needs_the_codec_role(codec_api: Api) -> None:
    plain, body = await _sealed()
    http = codec_api.http
    anonymous = await http.post("/codec/decode", json=body, headers={"origin": UI})
    assert anonymous.status_code == 401
    assert b"Acme" not in anonymous.content
    assert (await http.post("/codec/t/guess/decode", json=body)).status_code == 401
    assert (await http.post("/codec/t//decode", json=body)).status_code in (401, 404)
    other_role = {"authorization": "Bearer approver-token-for-tests"}
    assert (await http.post("/codec/decode", json=body, headers=other_role)).status_code == 403
    for path, headers in (
        ("/codec/decode", {"authorization": f"Bearer {CODEC_TOKEN}"}),
        (f"/codec/t/{CODEC_TOKEN}/decode", {}),
    ):
        response = await http.post(path, json=body, headers=headers | {"origin": UI})
        assert response.status_code == 200, path
        assert response.headers["access-control-allow-origin"] == UI
        [decoded] = response.json()["payloads"]
        assert json.loads(base64.b64decode(decoded["data"])) == {"company": "Acme Ltd"}
        assert base64.b64decode(decoded["data"]) == plain.data


async def test_only_the_ui_origin_may_call_from_a_browser(codec_api: Api) -> None:
    def preflight(origin: str) -> dict[str, str]:
        return {
            "origin": origin,
            "access-control-request-method": "POST",
            "access-control-request-headers": "authorization, content-type",
        }

    ours = await codec_api.http.options("/codec/decode", headers=preflight(UI))
    assert ours.status_code == 200
    assert ours.headers["access-control-allow-origin"] == UI
    theirs = await codec_api.http.options("/codec/decode", headers=preflight("http://evil.test"))
    assert theirs.status_code == 400
    assert "access-control-allow-origin" not in theirs.headers


def test_the_embedded_ui_is_given_a_codec_token_path(tmp_path: Path) -> None:
    settings = with_ui_codec(Settings(_env_file=None, var_dir=tmp_path, temporal_ui_port=9233))
    assert len(settings.codec_token) >= 32
    assert settings.codec_cors_origins == ["http://127.0.0.1:9233", "http://localhost:9233"]
    argv = temporal_service(settings).argv
    endpoint = argv[argv.index("--ui-codec-endpoint") + 1]
    assert endpoint == codec_endpoint(settings)
    assert endpoint.endswith(f"/codec/t/{settings.codec_token}")
    given = Settings(_env_file=None, var_dir=tmp_path, codec_token=CODEC_TOKEN)
    assert with_ui_codec(given).codec_token == CODEC_TOKEN


async def _ui_settings(url: str) -> dict[str, Any] | None:
    try:
        async with httpx.AsyncClient(timeout=2) as http:
            found: dict[str, Any] = (await http.get(f"{url}/api/v1/settings")).json()
            return found
    except httpx.HTTPError:
        return None


async def test_the_embedded_ui_decodes_through_its_configured_endpoint(
    database_url: str, temporal_dev: WorkflowEnvironment, tmp_path: Path
) -> None:
    """The real dev server of the embedded stack: the codec endpoint its UI is given
    decodes with our API, and the UI could not have sent a bearer token instead."""
    address = temporal_dev.client.service_client.config.target_host
    api_port, ui_port = free_port(), free_port()
    base = make_settings(database_url, address, tmp_path, api_port=api_port)
    settings = with_ui_codec(base.model_copy(update={"temporal_ui_port": ui_port}))
    ui_settings = settings.model_copy(update={"temporal_address": f"127.0.0.1:{free_port()}"})
    argv = temporal_service(ui_settings).argv
    server = await asyncio.create_subprocess_exec(
        *argv, stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL
    )
    try:
        ui = await eventually(lambda: _ui_settings(f"http://127.0.0.1:{ui_port}"), within=60)
    finally:
        server.terminate()
        await server.wait()
    assert ui["Auth"]["Enabled"] is False
    assert ui["Codec"]["PassAccessToken"] is False
    endpoint = ui["Codec"]["Endpoint"]
    _, body = await _sealed()
    async with running_api(settings, port=api_port) as api:
        origin = {"origin": f"http://127.0.0.1:{ui_port}"}
        decoded = await api.http.post(f"{endpoint}/decode", json=body, headers=origin)
        assert decoded.status_code == 200
        assert decoded.headers["access-control-allow-origin"] == origin["origin"]
        assert b"Acme" in base64.b64decode(decoded.json()["payloads"][0]["data"])
        bare = await api.http.post(f"{api.url}/codec/decode", json=body, headers=origin)
        assert bare.status_code == 401
