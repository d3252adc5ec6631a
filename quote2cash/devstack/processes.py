"""Child processes of the embedded stack: started in order, probed until ready, never orphaned.

Each child runs in its own session (so a terminal's Ctrl-C reaches only us, and we stop
the children in reverse order) and asks the kernel to send it SIGTERM if we die
without cleaning up (``PR_SET_PDEATHSIG``), so even ``kill -9`` of the launcher leaves
no orphan behind.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import os
import signal
import socket
import subprocess
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import httpx

PR_SET_PDEATHSIG = 1


class StackError(RuntimeError):
    """The stack cannot start; the message says what to do."""


def _die_with_parent() -> None:
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


@dataclass
class Service:
    name: str
    argv: Sequence[str]
    ports: Sequence[tuple[int, str]]
    """(port, setting that moves it) pairs the service listens on."""
    ready: Callable[[], Awaitable[bool]]
    env: Mapping[str, str] = field(default_factory=dict)
    ready_timeout: float = 60.0


def port_is_free(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((host, port))
        except OSError:
            return False
    return True


def http_ready(url: str) -> Callable[[], Awaitable[bool]]:
    async def probe() -> bool:
        try:
            async with httpx.AsyncClient(timeout=1.0) as http:
                return (await http.get(url)).status_code < 500
        except httpx.HTTPError:
            return False

    return probe


def tcp_ready(port: int, host: str = "127.0.0.1") -> Callable[[], Awaitable[bool]]:
    async def probe() -> bool:
        try:
            _, writer = await asyncio.open_connection(host, port)
        except OSError:
            return False
        writer.close()
        return True

    return probe


class Supervisor:
    def __init__(self, log_dir: Path) -> None:
        self._log_dir = log_dir
        self._children: list[tuple[Service, subprocess.Popen[bytes]]] = []

    def check_ports(self, services: Sequence[Service]) -> None:
        for service in services:
            for port, setting in service.ports:
                if not port_is_free(port):
                    raise StackError(
                        f"port {port} ({service.name}) is already in use on 127.0.0.1: stop "
                        f"what listens there (ss -ltnp 'sport = :{port}') or set {setting}"
                    )

    async def start(self, service: Service) -> None:
        self._log_dir.mkdir(parents=True, exist_ok=True)
        log_path = self._log_dir / f"{service.name}.log"
        proc = _spawn(service, log_path)
        self._children.append((service, proc))
        deadline = time.monotonic() + service.ready_timeout
        while not await service.ready():
            if proc.poll() is not None:
                raise StackError(f"{service.name} exited ({proc.returncode}): {_tail(log_path)}")
            if time.monotonic() > deadline:
                raise StackError(
                    f"{service.name} not ready in {service.ready_timeout:.0f}s: see {log_path}"
                )
            await asyncio.sleep(0.2)

    def stop_all(self, grace: float = 10.0) -> None:
        """SIGTERM in reverse start order, then SIGKILL whatever is left."""
        for _, proc in reversed(self._children):
            if proc.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGTERM)
        deadline = time.monotonic() + grace
        for _, proc in reversed(self._children):
            try:
                proc.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
        self._children.clear()

    def pid(self, name: str) -> int | None:
        """The process id of a running child, by service name (for measurements)."""
        return next((p.pid for s, p in self._children if s.name == name and p.poll() is None), None)

    def dead(self) -> list[str]:
        return [s.name for s, p in self._children if p.poll() is not None]


def _spawn(service: Service, log_path: Path) -> subprocess.Popen[bytes]:
    with log_path.open("ab") as log:
        return subprocess.Popen(  # noqa: S603 - argv built by us, no shell
            list(service.argv),
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env={**os.environ, **service.env},
            start_new_session=True,
            preexec_fn=_die_with_parent,
        )


def _tail(path: Path, lines: int = 15) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return f"(no log at {path})"
