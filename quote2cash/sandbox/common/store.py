"""JSON documents in SQLite: the emulators' whole state, in a file or ``:memory:``.

Documents are grouped by ``kind`` and kept in insertion order (``seq``), which is the
order vendors list things in. Amounts round-trip exactly (``jsoncodec``). One connection
serves the app: handlers run on the event loop one at a time, and a multi-document change
runs inside ``atomic()`` so a crash never leaves an invoice without its journal.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from quote2cash.connectors import jsoncodec

Doc = dict[str, Any]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS docs (
    kind TEXT NOT NULL, id TEXT NOT NULL, seq INTEGER NOT NULL, body TEXT NOT NULL,
    PRIMARY KEY (kind, id));
CREATE INDEX IF NOT EXISTS docs_seq ON docs (kind, seq);
CREATE TABLE IF NOT EXISTS counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
"""


class DocStore:
    def __init__(self, path: str) -> None:
        if path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        # Autocommit; ``atomic()`` opens explicit transactions. The lock covers the
        # admin thread of tests that read while the server writes.
        self._conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        self._lock = threading.RLock()
        self._depth = 0
        self._conn.executescript(_SCHEMA)

    def close(self) -> None:
        self._conn.close()

    @contextmanager
    def atomic(self) -> Iterator[None]:
        """A transaction; nested, a savepoint, so an inner failure undoes only its part."""
        with self._lock:
            self._depth += 1
            name = f"sp{self._depth}"
            begin, commit, rollback = (
                ("BEGIN", "COMMIT", "ROLLBACK")
                if self._depth == 1
                else (f"SAVEPOINT {name}", f"RELEASE {name}", f"ROLLBACK TO {name}")
            )
            self._conn.execute(begin)
            try:
                yield
            except BaseException:
                self._conn.execute(rollback)
                if self._depth > 1:
                    self._conn.execute(f"RELEASE {name}")
                raise
            else:
                self._conn.execute(commit)
            finally:
                self._depth -= 1

    def get(self, kind: str, doc_id: str) -> Doc | None:
        with self._lock:
            row = self._conn.execute(
                "SELECT body FROM docs WHERE kind = ? AND id = ?", (kind, doc_id)
            ).fetchone()
        return None if row is None else _load(row[0])

    def put(self, kind: str, doc_id: str, doc: Doc) -> None:
        body = jsoncodec.dumps(doc).decode()
        with self._lock:
            updated = self._conn.execute(
                "UPDATE docs SET body = ? WHERE kind = ? AND id = ?", (body, kind, doc_id)
            ).rowcount
            if not updated:
                seq = self.next_value(f"seq:{kind}")
                self._conn.execute(
                    "INSERT INTO docs (kind, id, seq, body) VALUES (?, ?, ?, ?)",
                    (kind, doc_id, seq, body),
                )

    def delete(self, kind: str, doc_id: str) -> None:
        with self._lock:
            self._conn.execute("DELETE FROM docs WHERE kind = ? AND id = ?", (kind, doc_id))

    def all(self, kind: str) -> list[Doc]:
        with self._lock:
            rows = self._conn.execute(
                "SELECT body FROM docs WHERE kind = ? ORDER BY seq", (kind,)
            ).fetchall()
        return [_load(r[0]) for r in rows]

    def next_value(self, name: str, *, start: int = 1) -> int:
        """The next number of a named sequence (gapless, persisted)."""
        with self._lock:
            row = self._conn.execute(
                "INSERT INTO counters (name, value) VALUES (?, ?) "
                "ON CONFLICT (name) DO UPDATE SET value = value + 1 RETURNING value",
                (name, start),
            ).fetchone()
        return int(row[0])

    def reset(self) -> None:
        with self._lock:
            self._conn.execute("DELETE FROM docs")
            self._conn.execute("DELETE FROM counters")


def _load(text: str) -> Doc:
    doc = jsoncodec.loads(text)
    if not isinstance(doc, dict):
        raise ValueError("corrupt document: not a JSON object")
    return doc
