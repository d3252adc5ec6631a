"""The bench harness runs end to end at a tiny size: 3 deals, 2 s of ingress, in < 60 s."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from quote2cash.devstack.processes import port_is_free

PORTS = 13  # bench uses port-base .. port-base + 12
ROOT = Path(__file__).resolve().parents[2]


def _free_port_base() -> int:
    for base in range(21_000 + (os.getpid() % 200) * PORTS, 40_000, PORTS):
        if all(port_is_free(base + i) for i in range(PORTS)):
            return base
    pytest.skip("no free block of loopback ports")


def test_bench_runs_tiny(tmp_path: Path) -> None:
    began = time.monotonic()
    argv = [
        sys.executable,
        "-m",
        "bench",
        "--deals=3",
        "--ingress-seconds=2",
        "--no-pg",
        "--no-readme",
        "--billing-lines=200",
        "--billing-runs=2",
        f"--port-base={_free_port_base()}",
        f"--var-dir={tmp_path / 'var'}",
        f"--out={tmp_path / 'results'}",
    ]
    done = subprocess.run(argv, cwd=ROOT, capture_output=True, text=True, timeout=60, check=False)

    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-4000:]
    assert time.monotonic() - began < 60
    assert "ratio deals/s ÷ floor/s" in done.stdout
    (saved,) = (tmp_path / "results").glob("bench-*.json")
    assert len(list((tmp_path / "results").glob("bench-*.png"))) == 1
    results = json.loads(saved.read_text())
    assert results["ratio"] > 0
    table = {row[0]: row[1] for row in results["table"]}
    assert table["deals completed / closed"] == "3 / 3"
    assert "all stored" in table["ingress, SQLite: accepted, refused, in inbox"]
