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
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(base64.b64encode(os.urandom(KEY_BYTES)).decode())
            path.chmod(0o600)
        key = base64.b64decode(path.read_text().strip())
    if len(key) != KEY_BYTES:
        raise ValueError(f"an AES-256 key must be {KEY_BYTES} bytes (base64 of 32 random bytes)")
    return key
