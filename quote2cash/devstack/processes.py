"""Child processes of the embedded stack: started in order, probed until ready, restarted
when they die, never orphaned.

Each child runs in its own session (so a terminal's Ctrl-C reaches only us, and we stop
the children in reverse order) and asks the kernel to send it SIGTERM if we die
without cleaning up (``PR_SET_PDEATHSIG``), so even ``kill -9`` of the launcher leaves
no orphan behind. ``Supervisor.watch`` restarts a child that exits on its own with the
same command (the Temporal dev server on the same database file), after a backoff that
doubles while it keeps dying, and logs each restart.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import logging
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
log = logging.getLogger("q2c.stack")


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


RESTART_BACKOFF_S = (1.0, 2.0, 4.0, 8.0, 15.0, 30.0)
STABLE_AFTER_S = 60.0
"""A child that stayed up this long starts again from the shortest backoff."""


class Supervisor:
    def __init__(self, log_dir: Path) -> None:
        self._log_dir = log_dir
        self._children: list[tuple[Service, subprocess.Popen[bytes]]] = []
        self._started_at: dict[str, float] = {}
        self._failures: dict[str, int] = {}
        self.restarts: dict[str, int] = {}
        self._stopping = False

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
        self._started_at[service.name] = time.monotonic()
        await self._until_ready(service, proc, log_path)

    async def _until_ready(
        self, service: Service, proc: subprocess.Popen[bytes], log_path: Path
    ) -> None:
        deadline = time.monotonic() + service.ready_timeout
        while not await service.ready():
            if proc.poll() is not None:
                raise StackError(f"{service.name} exited ({proc.returncode}): {_tail(log_path)}")
            if time.monotonic() > deadline:
                raise StackError(
                    f"{service.name} not ready in {service.ready_timeout:.0f}s: see {log_path}"
                )
            await asyncio.sleep(0.2)

    async def watch(self, every: float = 0.5) -> None:
        """Restart children that exit until ``stop_all``; runs as a background task."""
        while not self._stopping:
            for index, (service, proc) in enumerate(list(self._children)):
                if proc.poll() is not None and not self._stopping:
                    await self._restart(index, service, proc.returncode)
            await asyncio.sleep(every)

    async def _restart(self, index: int, service: Service, code: int | None) -> None:
        name = service.name
        if time.monotonic() - self._started_at.get(name, 0.0) > STABLE_AFTER_S:
            self._failures[name] = 0
        failures = self._failures.get(name, 0)
        wait = RESTART_BACKOFF_S[min(failures, len(RESTART_BACKOFF_S) - 1)]
        self._failures[name] = failures + 1
        self._note(f"{name} exited ({code}); restarting in {wait:.0f} s")
        await asyncio.sleep(wait)
        if self._stopping:
            return
        log_path = self._log_dir / f"{name}.log"
        proc = _spawn(service, log_path)
        self._children[index] = (service, proc)
        self._started_at[name] = time.monotonic()
        self.restarts[name] = self.restarts.get(name, 0) + 1
        try:
            await self._until_ready(service, proc, log_path)
        except StackError as exc:  # it died again: the next round retries it, longer
            if not self._stopping:
                self._note(f"{name} did not come back: {exc}")
            return
        self._note(f"{name} restarted (restart {self.restarts[name]})")

    def _note(self, line: str) -> None:
        log.warning("%s", line)
        self._log_dir.mkdir(parents=True, exist_ok=True)
        with (self._log_dir / "supervisor.log").open("a") as out:
            out.write(f"{time.strftime('%Y-%m-%dT%H:%M:%S')} {line}\n")

    def stop_all(self, grace: float = 10.0) -> None:
        """SIGTERM in reverse start order, then SIGKILL whatever is left."""
        self._stopping = True
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
