"""The embedded stack heals: a child killed with SIGKILL is restarted with the same
command, becomes ready again, and the restart is logged; stopping ends the watch."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sys
from collections.abc import Callable
from pathlib import Path

from quote2cash.devstack.processes import Service, Supervisor, http_ready


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def _until(check: Callable[[], bool], within: float = 60) -> None:
    """Poll a file the supervisor writes (no event to wait on), with a deadline."""
    async with asyncio.timeout(within):
        while not check():  # noqa: ASYNC110
            await asyncio.sleep(0.1)


async def test_a_killed_child_is_restarted_and_logged(tmp_path: Path) -> None:
    port = _free_port()
    service = Service(
        name="web",
        argv=[sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1"],
        ports=[(port, "TEST_PORT")],
        ready=http_ready(f"http://127.0.0.1:{port}/"),
    )
    supervisor = Supervisor(tmp_path / "logs")
    await supervisor.start(service)
    watch = asyncio.create_task(supervisor.watch(every=0.1))
    try:
        first = supervisor.pid("web")
        assert first is not None
        os.killpg(first, signal.SIGKILL)
        log_file = tmp_path / "logs" / "supervisor.log"
        await _until(lambda: log_file.exists() and "web restarted" in log_file.read_text())
        assert supervisor.restarts == {"web": 1}
        assert await service.ready()
        assert supervisor.pid("web") not in (None, first)
    finally:
        supervisor.stop_all()
        await asyncio.wait_for(watch, timeout=10)
    log = log_file.read_text()
    assert "web exited (-9); restarting in 1 s" in log
    assert "web restarted (restart 1)" in log
    assert supervisor.pid("web") is None  # stopped, and not brought back
