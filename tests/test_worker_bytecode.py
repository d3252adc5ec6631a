"""The worker writes the workflow modules' bytecode at start: the sandbox re-imports
them for every workflow run, and without bytecode each import compiles the source."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import workflows.deal
from workers.main import compile_workflow_modules


def test_workflow_modules_are_compiled_once_at_start() -> None:
    source = Path(workflows.deal.__file__)
    cached = Path(importlib.util.cache_from_source(str(source)))
    cached.unlink(missing_ok=True)
    assert compile_workflow_modules()
    assert cached.is_file()
    assert cached.stat().st_mtime >= source.stat().st_mtime
