"""One SQLite file of one bot process, as the ledger, the waiting list and the business store
keep theirs: opened on construction, written ahead (WAL), deleted rows zeroed (their rows
hold personal data), and used from worker threads under one lock."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path


class SqliteFile:
    """The file's connection and its lock; `open` has nothing left to do, `close` closes."""

    def __init__(self, path: Path, schema: str, *, durable: bool = False) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        self._conn.execute("PRAGMA journal_mode=WAL")
        if durable:
            # FULL: a committed write survives a SIGKILL and a power cut alike.
            self._conn.execute("PRAGMA synchronous=FULL")
        self._conn.execute("PRAGMA secure_delete=ON")
        self._conn.executescript(schema)

    async def open(self) -> None:
        """Nothing to do: the file was opened on construction."""

    async def close(self) -> None:
        """Close the file (checkpointing the write-ahead log into it)."""
        with self._lock:
            self._conn.close()
