"""32-byte AES keys from settings, or in dev mode from a key file made once under var_dir.

Shared by the Temporal payload codec (``payload_key``) and the connections' tokens at
rest (``connection_key``): each has its own file, so neither key can open the other's data.
"""

from __future__ import annotations

import base64
import os
from pathlib import Path

KEY_BYTES = 32


def aes_key(configured: str, var_dir: Path, file_name: str) -> bytes:
    """``configured`` (base64 of 32 bytes) if set, else the dev key file ``var_dir/file_name``
    (created once, mode 0600)."""
    if configured:
        key = base64.b64decode(configured)
    else:
        path = Path(var_dir) / file_name
        path.parent.mkdir(parents=True, exist_ok=True)
        _create_once(path)
        key = base64.b64decode(path.read_text().strip())
    if len(key) != KEY_BYTES:
        raise ValueError(f"an AES-256 key must be {KEY_BYTES} bytes (base64 of 32 random bytes)")
    return key


def _create_once(path: Path) -> None:
    """Processes starting together (API, workers) must end up with the same key: the
    first to create the file writes it, everyone else reads it."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return
    with os.fdopen(fd, "w") as out:
        out.write(base64.b64encode(os.urandom(KEY_BYTES)).decode())
