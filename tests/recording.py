"""Recording workflow histories for tests/workflows/test_replay.py.

``Q2C_RECORD_HISTORIES=1 make test PYTEST_ARGS=...`` makes the tests that run a path
worth keeping write its history to ``tests/histories/<name>.json``; CI then replays
every file there against today's workflow code.
"""

from __future__ import annotations

import asyncio
import json
import os
from pathlib import Path
from typing import Any

from temporalio.client import WorkflowHandle

HISTORIES = Path(__file__).parent / "histories"
RECORDING = bool(os.environ.get("Q2C_RECORD_HISTORIES"))


async def record_history(handle: WorkflowHandle[Any, Any], name: str) -> None:
    """Write the run's history as ``tests/histories/<name>.json`` when recording."""
    if not RECORDING:
        return
    text = json.dumps(json.loads((await handle.fetch_history()).to_json()))
    await asyncio.to_thread((HISTORIES / f"{name}.json").write_text, text)
