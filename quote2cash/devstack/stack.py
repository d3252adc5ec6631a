"""The embedded stack: Temporal dev server, the two vendor emulators, the API, a worker.

Everything binds to 127.0.0.1 and keeps its state under ``var/``. Every child reads
the same ``Q2C_*`` settings, so one environment configures the whole stack.
"""

from __future__ import annotations

import asyncio
import json
import secrets
import sys
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path

import httpx
from temporalio.api.enums.v1 import TaskQueueType
from temporalio.api.taskqueue.v1 import TaskQueue
from temporalio.api.workflowservice.v1 import DescribeTaskQueueRequest

from quote2cash.chart.mapping import mapping_for
from quote2cash.connect.accounts import ensure_bad_debts_account
from quote2cash.connect.clients import xero_client
from quote2cash.connect.consent import auto_consent
from quote2cash.connect.xero import XeroConnection, connect_xero
from quote2cash.devstack.faults import EXEMPT_HEADERS
from quote2cash.devstack.processes import Service, Supervisor, http_ready, tcp_ready
from quote2cash.settings import Settings
from quote2cash.store.db import make_engine, migrate
from quote2cash.temporal import SEARCH_ATTRIBUTES, connect


def temporal_binary() -> str:
    found = Path(sys.executable).parent / "temporal"
    return str(found) if found.exists() else "temporal"


def settings_env(settings: Settings) -> dict[str, str]:
    """The settings as ``Q2C_*`` variables, for child processes."""
    env = {}
    for name, value in settings.model_dump(mode="json").items():
        if value is not None:
            text = json.dumps(value) if isinstance(value, list | dict) else str(value)
            env[f"Q2C_{name.upper()}"] = text
    return env


def codec_endpoint(settings: Settings) -> str:
    """The dev server's UI can send no bearer token (it has no sign-in and no flag to
    pass one): the codec token goes in the endpoint's path (api/codec.py)."""
    return f"{settings.api_url}/codec/t/{settings.codec_token}"


def with_ui_codec(settings: Settings) -> Settings:
    """The settings with a codec token (made up unless given) and the embedded UI's
    origins allowed to call the codec."""
    ui = settings.temporal_ui_port
    return settings.model_copy(
        update={
            "codec_token": settings.codec_token or secrets.token_urlsafe(32),
            "codec_cors_origins": [f"http://127.0.0.1:{ui}", f"http://localhost:{ui}"],
        }
    )


def temporal_service(settings: Settings, extra_args: Sequence[str] = ()) -> Service:
    host, _, port = settings.temporal_address.rpartition(":")
    argv = [
        temporal_binary(),
        "server",
        "start-dev",
        "--ip",
        host or "127.0.0.1",
        "--port",
        port,
        "--ui-port",
        str(settings.temporal_ui_port),
        "--db-filename",
        str(settings.var_dir / "temporal.db"),
        "--ui-disable-news-fetch",
        "--ui-codec-endpoint",
        codec_endpoint(settings),
        "--log-level",
        "error",
    ]
    for key in SEARCH_ATTRIBUTES:
        kind = key.indexed_value_type.name.capitalize()
        argv += ["--search-attribute", f"{key.name}={kind}"]
    argv += extra_args
    return Service(
        name="temporal",
        argv=argv,
        ports=[
            (int(port), "Q2C_TEMPORAL_ADDRESS"),
            (settings.temporal_ui_port, "Q2C_TEMPORAL_UI_PORT"),
        ],
        ready=tcp_ready(int(port), host or "127.0.0.1"),
    )


def python_service(
    name: str, args: list[str], settings: Settings, port: int, setting: str, health: str
) -> Service:
    return Service(
        name=name,
        argv=[sys.executable, "-m", *args],
        ports=[(port, setting)] if port else [],
        ready=http_ready(health) if health else tcp_ready(port),
        env=settings_env(settings),
    )


# The dev server's SQLite syncs to disk on every transaction by default; on a laptop or
# a shared VM that, not orchestration, sets the pace. A demo's history is disposable.
FAST_SQLITE = ("--sqlite-pragma", "journal_mode=wal", "--sqlite-pragma", "synchronous=normal")


def _moved_by(vendor: str, base_url: str, emulator: str) -> str:
    """The settings that move an emulator: its port, and its base URL too where that was
    set apart from the port (else the workers would keep calling the old address)."""
    port = f"Q2C_{vendor}_PORT"
    if base_url.rstrip("/") == emulator:
        return port
    return f"{port} and Q2C_{vendor}_BASE_URL (set to {base_url}, not the emulator's port)"


def services(
    settings: Settings, temporal_args: Sequence[str] = (), xero_token_ttl: int | None = None
) -> list[Service]:
    hubspot = f"http://127.0.0.1:{settings.hubspot_port}"
    xero = f"http://127.0.0.1:{settings.xero_port}"
    ttl = ["--access-token-ttl", str(xero_token_ttl)] if xero_token_ttl else []
    return [
        temporal_service(settings, temporal_args),
        python_service(
            "hubspot",
            [
                "quote2cash.sandbox.hubspot",
                "--port",
                str(settings.hubspot_port),
                "--db",
                str(settings.var_dir / "hubspot.db"),
                "--webhook-url",
                f"{settings.api_url}/webhooks/hubspot",
            ],
            settings,
            settings.hubspot_port,
            _moved_by("HUBSPOT", settings.hubspot_base_url, hubspot),
            f"{hubspot}/_sandbox/health",
        ),
        python_service(
            "xero",
            [
                "quote2cash.sandbox.xero",
                "--port",
                str(settings.xero_port),
                "--db",
                str(settings.var_dir / "xero.db"),
                "--webhook-url",
                f"{settings.api_url}/webhooks/xero",
                "--organisation",
                mapping_for(settings).organisation,
                *ttl,
            ],
            settings,
            settings.xero_port,
            _moved_by("XERO", settings.xero_base_url, xero),
            f"{xero}/_sandbox/health",
        ),
        python_service(
            "api",
            ["quote2cash.cli", "api"],
            settings,
            settings.api_port,
            "Q2C_API_PORT",
            f"{settings.api_url}/healthz",
        ),
        Service(
            name="worker",
            argv=[sys.executable, "-m", "quote2cash.cli", "worker"],
            ports=[],
            ready=worker_polling(settings),
            env=settings_env(settings),
        ),
    ]


def worker_polling(settings: Settings) -> Callable[[], Awaitable[bool]]:
    """Ready when a worker polls the deals task queue, as Temporal itself sees it."""

    async def probe() -> bool:
        client = await connect(settings)
        response = await client.workflow_service.describe_task_queue(
            DescribeTaskQueueRequest(
                namespace=settings.temporal_namespace,
                task_queue=TaskQueue(name=settings.task_queue),
                task_queue_type=TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW,
            )
        )
        return len(response.pollers) > 0

    return probe


async def start_stack(
    settings: Settings,
    supervisor: Supervisor,
    temporal_args: Sequence[str] = (),
    *,
    xero_token_ttl: int | None = None,
) -> None:
    """``temporal_args`` go to ``temporal server start-dev`` (the bench's SQLite pragmas);
    ``xero_token_ttl``: seconds the Xero emulator's access tokens live (default Xero's 30
    minutes). Before the worker starts, the stack does what a person does first: connects
    Xero (``q2c connect xero`` against the emulator, which consents at once) and adds the
    bad-debts account the mapping needs, since the worker checks the mapping at start."""
    all_services = services(with_ui_codec(settings), temporal_args, xero_token_ttl)
    supervisor.check_ports(all_services)
    for service in all_services:
        if service.name == "worker":
            if not settings.xero_token:
                await connect_emulated_xero(settings)
            await prepare_organisation(settings)
        await supervisor.start(service)


async def prepare_organisation(settings: Settings) -> None:
    """What a user adds to a new organisation before connecting us: the bad-debts account
    (no default chart has one). The worker checks the whole mapping when it starts."""
    # A person does this once, not the product: the emulators' faults are not for it.
    engine = make_engine(settings.db_url)
    try:
        async with httpx.AsyncClient(timeout=30.0, headers=EXEMPT_HEADERS) as http:
            xero = xero_client(settings, http, engine)
            await ensure_bad_debts_account(xero, mapping_for(settings))
    finally:
        engine.dispose()


async def connect_emulated_xero(settings: Settings) -> XeroConnection:
    """Authorization code + PKCE against the emulator, stored like a person's connect."""
    await asyncio.to_thread(migrate, settings.db_url)
    engine = make_engine(settings.db_url)
    try:
        async with httpx.AsyncClient(timeout=30) as http:
            return await connect_xero(settings, engine, http, consent=auto_consent(http))
    finally:
        engine.dispose()
