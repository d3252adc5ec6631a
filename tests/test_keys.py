"""Dev key files: made once, reused, the right size; configured keys win."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest

from quote2cash.keys import aes_key


def test_dev_key_file_is_made_once(tmp_path: Path) -> None:
    first = aes_key("", tmp_path, "connection.key")
    assert len(first) == 32
    assert aes_key("", tmp_path, "connection.key") == first
    assert (tmp_path / "connection.key").stat().st_mode & 0o777 == 0o600
    assert aes_key("", tmp_path, "payload.key") != first


def test_configured_key_wins_and_must_be_32_bytes(tmp_path: Path) -> None:
    configured = base64.b64encode(b"k" * 32).decode()
    assert aes_key(configured, tmp_path, "x.key") == b"k" * 32
    with pytest.raises(ValueError, match="32 bytes"):
        aes_key(base64.b64encode(b"short").decode(), tmp_path, "x.key")
