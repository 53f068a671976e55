"""Bookings whose outcome is not known yet, kept on disk from just before the POST.

meetergo has no idempotency key: when a booking's answer is lost (or the bot dies while it is
on its way) the booking may exist or not. So the attempt is written down, committed to disk,
before the request leaves, and stays there until its outcome is known, at which point it is
erased (with `secure_delete`, so the e-mail address does not linger in the file's free pages).
Whoever finds an attempt still there (a retry, or the bot starting again) looks the booking
up on meetergo before doing anything else.
"""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Final

_SCHEMA: Final = """
CREATE TABLE IF NOT EXISTS attempts (
    chat_id         INTEGER PRIMARY KEY,
    user_id         INTEGER NOT NULL,
    meeting_type_id TEXT NOT NULL,
    start           TEXT NOT NULL,
    duration        INTEGER NOT NULL,
    email           TEXT NOT NULL,
    language        TEXT NOT NULL,
    timezone        TEXT NOT NULL,
    message_id      INTEGER
);
"""


@dataclass(frozen=True, slots=True)
class Attempt:
    """One booking request on its way (or whose answer was lost)."""

    chat_id: int
    user_id: int
    meeting_type_id: str
    start: datetime
    duration: int
    email: str
    language: str
    timezone: str
    message_id: int | None = None  # the chat message showing "Booking…"


class BookingLedger:
    """The attempts of one bot process, one per chat, in a SQLite file of their own."""

    def __init__(self, path: Path) -> None:
        self._path = path
        self._lock = threading.Lock()
        path.parent.mkdir(parents=True, exist_ok=True)
        self._conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        # FULL: a committed attempt survives a SIGKILL and a power cut alike.
        self._conn.execute("PRAGMA journal_mode=WAL")
        self._conn.execute("PRAGMA synchronous=FULL")
        self._conn.execute("PRAGMA secure_delete=ON")
        self._conn.executescript(_SCHEMA)

    async def begin(self, attempt: Attempt) -> None:
        """Record the attempt; returns once it is on disk."""
        await asyncio.to_thread(self._write, attempt)

    async def settle(self, chat_id: int) -> None:
        """Forget the chat's attempt: its outcome is known."""
        await asyncio.to_thread(self._delete, chat_id)

    async def forget(self, chat_id: int) -> None:
        """Erase the chat's attempt, whatever its state (the customer asked to be forgotten)."""
        await asyncio.to_thread(self._delete, chat_id)

    async def of_chat(self, chat_id: int) -> Attempt | None:
        """The chat's unsettled attempt, if any."""
        found = await asyncio.to_thread(self._select, "WHERE chat_id = ?", (chat_id,))
        return found[0] if found else None

    async def unsettled(self) -> list[Attempt]:
        """Every attempt still waiting for its outcome (after a restart: the ones cut short)."""
        return await asyncio.to_thread(self._select, "", ())

    def close(self) -> None:
        """Close the file (checkpointing the write-ahead log into it)."""
        with self._lock:
            self._conn.close()

    def _write(self, attempt: Attempt) -> None:
        with self._lock:
            self._conn.execute(
                "INSERT OR REPLACE INTO attempts VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    attempt.chat_id,
                    attempt.user_id,
                    attempt.meeting_type_id,
                    attempt.start.isoformat(),
                    attempt.duration,
                    attempt.email,
                    attempt.language,
                    attempt.timezone,
                    attempt.message_id,
                ),
            )

    def _delete(self, chat_id: int) -> None:
        with self._lock:
            self._conn.execute("DELETE FROM attempts WHERE chat_id = ?", (chat_id,))
            # The address must not survive in the log either.
            self._conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    def _select(self, where: str, args: tuple[int, ...]) -> list[Attempt]:
        with self._lock:
            rows = self._conn.execute(
                "SELECT chat_id, user_id, meeting_type_id, start, duration, email, language, "
                f"timezone, message_id FROM attempts {where} ORDER BY chat_id",
                args,
            ).fetchall()
        return [
            Attempt(
                chat_id=row[0],
                user_id=row[1],
                meeting_type_id=row[2],
                start=datetime.fromisoformat(row[3]),
                duration=row[4],
                email=row[5],
                language=row[6],
                timezone=row[7],
                message_id=row[8],
            )
            for row in rows
        ]
