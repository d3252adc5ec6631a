"""``q2c demo`` never deletes what it did not make, and nothing at all on a failed start."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest
from rich.console import Console

from quote2cash.devstack.demo import demo_state, run_demo
from quote2cash.devstack.processes import StackError
from quote2cash.settings import Settings


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _earlier_state(var: Path) -> list[Path]:
    (var / "logs").mkdir(parents=True)
    kept = [var / "q2c.db", var / "logs" / "worker.log"]
    for path in kept:
        path.write_text("an earlier q2c dev run")
    return kept


async def test_a_taken_port_fails_the_start_before_anything_is_deleted(tmp_path: Path) -> None:
    var = tmp_path / "var"
    kept = _earlier_state(var)
    (var / "demo" / "20260101T000000Z").mkdir(parents=True)
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        # Every other port free (the default ones may be another stack's): only ours is taken.
        free = [_free_port() for _ in range(4)]
        settings = Settings(
            var_dir=var,
            temporal_address=f"127.0.0.1:{free[0]}",
            temporal_ui_port=free[1],
            hubspot_port=free[2],
            api_port=free[3],
            xero_port=port,
            _env_file=None,
        )
        with pytest.raises(StackError, match=f"port {port} .*Q2C_XERO_PORT"):
            await run_demo(settings, deals=1, keep=False, console=None, fresh=True)
    assert all(p.read_text() == "an earlier q2c dev run" for p in kept)
    assert [p.name for p in (var / "demo").iterdir()] == ["20260101T000000Z"]


def test_each_run_has_its_own_folder_and_fresh_deletes_only_earlier_runs(
    tmp_path: Path,
) -> None:
    var = tmp_path / "var"
    kept = _earlier_state(var)
    earlier = var / "demo" / "20260101T000000Z"
    earlier.mkdir(parents=True)
    console = Console(record=True, width=200)

    run = demo_state(Settings(var_dir=var, _env_file=None), fresh=False, say=console)
    assert run.var_dir.parent == var / "demo"
    assert run.var_dir.is_dir()
    assert run.db_url == f"sqlite:///{run.var_dir / 'q2c.db'}"
    assert earlier.is_dir()

    run.var_dir.rename(var / "demo" / "20260101T000001Z")
    again = demo_state(Settings(var_dir=var, _env_file=None), fresh=True, say=console)
    assert [p.name for p in (var / "demo").iterdir()] == [again.var_dir.name]
    said = console.export_text()
    assert f"deleting the earlier demo run {earlier}" in said
    assert all(p.read_text() == "an earlier q2c dev run" for p in kept)
