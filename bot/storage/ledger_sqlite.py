"""The booking ledger of one bot process, in a SQLite file of its own (BOT_DATA_DIR)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path
from typing import Final

from bot.storage.business import FIRST_BUSINESS_KEY
from bot.storage.ledger import (
    AGENT_CHATS,
    ATTEMPT_COLUMNS,
    CLAIM_REMINDER_SET,
    CLAIM_REMINDER_WHERE,
    LINKS,
    RECORD_COLUMNS,
    Attempt,
    BookingLedger,
    BookingRecord,
    attempt_from_row,
    attempt_row,
    record_from_row,
    record_row,
)
from bot.storage.sqlite_file import SqliteFile

_SCHEMA_VERSION: Final = 5
# Columns later versions added, with their definitions, for files made by earlier ones.
_ADDED_COLUMNS: Final = {
    "attempts": {"agent_id": "INTEGER"},
    "bookings": {
        "duration": "INTEGER NOT NULL DEFAULT 0",
        "sequence": "INTEGER NOT NULL DEFAULT 0",
        "cancelled": "INTEGER NOT NULL DEFAULT 0",
        "reminded": "TEXT NOT NULL DEFAULT ''",
        "attendee_hash": "TEXT NOT NULL DEFAULT ''",
        "channel": "TEXT NOT NULL DEFAULT ''",
        "location": "TEXT NOT NULL DEFAULT ''",
        "pending": "INTEGER NOT NULL DEFAULT 0",
        "answer": "TEXT NOT NULL DEFAULT ''",
    },
}
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
    message_id      INTEGER,
    agent_id        INTEGER
);
CREATE TABLE IF NOT EXISTS bookings (
    appointment_id  TEXT PRIMARY KEY,
    meeting_type_id TEXT NOT NULL,
    start           TEXT NOT NULL,
    agent_id        INTEGER,
    chat_id         INTEGER NOT NULL,
    language        TEXT NOT NULL,
    timezone        TEXT NOT NULL,
    booked_at       TEXT NOT NULL,
    duration        INTEGER NOT NULL DEFAULT 0,
    sequence        INTEGER NOT NULL DEFAULT 0,
    cancelled       INTEGER NOT NULL DEFAULT 0,
    reminded        TEXT NOT NULL DEFAULT '',
    attendee_hash   TEXT NOT NULL DEFAULT '',
    channel         TEXT NOT NULL DEFAULT '',
    location        TEXT NOT NULL DEFAULT '',
    pending         INTEGER NOT NULL DEFAULT 0,
    answer          TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS bookings_by_agent ON bookings (agent_id, booked_at);
"""


class SqliteLedger(SqliteFile, BookingLedger):
    """The attempts and records of one bot process, in a SQLite file of their own."""

    def __init__(self, path: Path) -> None:
        # Durable: a committed attempt survives a SIGKILL and a power cut alike.
        super().__init__(path, _SCHEMA, durable=True)
        self._migrate()

    def _migrate(self) -> None:
        # Files of earlier versions lack some columns; the names come from _ADDED_COLUMNS only.
        for table, added in _ADDED_COLUMNS.items():
            columns = {row[1] for row in self._conn.execute(f"PRAGMA table_info({table})")}
            for column, definition in added.items():
                if column not in columns:
                    self._conn.execute(f"ALTER TABLE {table} ADD COLUMN {column} {definition}")
        self._conn.execute(f"PRAGMA user_version={_SCHEMA_VERSION}")

    async def begin(self, attempt: Attempt) -> None:
        """Record the attempt; returns once it is on disk."""
        await asyncio.to_thread(self._write, attempt)

    async def settle(self, chat_id: int) -> None:
        """Forget the chat's attempt: its outcome is known."""
        await asyncio.to_thread(self._delete, chat_id)

    async def forget(self, chat_id: int) -> None:
        """Erase the chat's attempt and booking records (the customer asked to be forgotten)."""
        await asyncio.to_thread(self._delete, chat_id, "bookings")
        await asyncio.to_thread(self._delete, chat_id)

    async def record(self, booking: BookingRecord) -> None:
        """Keep a booking's record (appointment, type, start, agent, chat, language, zone)."""
        await asyncio.to_thread(self._insert_record, booking)

    async def supersede(self, old_id: str, booking: BookingRecord) -> None:
        """Put `booking` in place of the record of `old_id`, in one transaction."""
        await asyncio.to_thread(self._supersede, old_id, booking)

    async def records_of_chat(self, chat_id: int) -> list[BookingRecord]:
        """The chat's booking records, earliest start first."""
        return await asyncio.to_thread(self._records, "WHERE chat_id = ?", (chat_id,))

    async def active_records(self, after: datetime) -> list[BookingRecord]:
        """Every record not cancelled that starts after `after` (for reminders)."""
        return await asyncio.to_thread(
            self._records,
            "WHERE cancelled = 0 AND start > ?",
            (after.astimezone(UTC).isoformat(),),
        )

    async def record_of(self, appointment_id: str) -> BookingRecord | None:
        """One booking record by its appointment id."""
        found = await asyncio.to_thread(
            self._records, "WHERE appointment_id = ?", (appointment_id,)
        )
        return found[0] if found else None

    async def count_for_agent(
        self, agent_id: int, since: datetime, *, in_agent_chats: bool = False
    ) -> int:
        """How many bookings the agent's links (or, `in_agent_chats`, the agent's own chats)
        brought in since `since`."""
        return await asyncio.to_thread(self._count, agent_id, since, in_agent_chats)

    async def records_of_agent(self, agent_id: int, after: datetime) -> list[BookingRecord]:
        """The bookings the agent brought that start after `after`, cancelled ones too."""
        return await asyncio.to_thread(
            self._records,
            "WHERE agent_id = ? AND start > ?",
            (agent_id, after.astimezone(UTC).isoformat()),
        )

    async def of_chat(self, chat_id: int) -> Attempt | None:
        """The chat's unsettled attempt, if any."""
        found = await asyncio.to_thread(self._select, "WHERE chat_id = ?", (chat_id,))
        return found[0] if found else None

    async def unsettled(self) -> list[Attempt]:
        """Every attempt still waiting for its outcome (after a restart: the ones cut short)."""
        return await asyncio.to_thread(self._select, "", ())

    async def claim_reminder(self, appointment_id: str, reminder: str) -> bool:
        """Note a reminder as sent; False if it already was."""
        return await asyncio.to_thread(self._claim, appointment_id, reminder)

    def _claim(self, appointment_id: str, reminder: str) -> bool:
        with self._lock:
            cursor = self._conn.execute(
                f"UPDATE bookings SET {CLAIM_REMINDER_SET.format('?1')} "
                f"WHERE appointment_id = ?2 AND {CLAIM_REMINDER_WHERE.format('?1')}",
                (reminder, appointment_id),
            )
            return cursor.rowcount == 1

    def _write(self, attempt: Attempt) -> None:
        with self._lock:
            self._conn.execute(
                f"INSERT OR REPLACE INTO attempts ({ATTEMPT_COLUMNS}) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                _stored(attempt_row(attempt)),
            )

    def _insert_record(self, booking: BookingRecord) -> None:
        with self._lock:
            self._write_record(booking)

    def _write_record(self, booking: BookingRecord) -> None:
        self._conn.execute(
            f"INSERT OR REPLACE INTO bookings ({RECORD_COLUMNS}) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            _stored(record_row(booking)),
        )

    def _supersede(self, old_id: str, booking: BookingRecord) -> None:
        with self._lock:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                self._conn.execute("DELETE FROM bookings WHERE appointment_id = ?", (old_id,))
                self._write_record(booking)
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
            self._conn.execute("COMMIT")

    def _records(self, where: str, args: tuple[object, ...]) -> list[BookingRecord]:
        with self._lock:
            rows = self._conn.execute(
                f"SELECT {RECORD_COLUMNS} FROM bookings {where} ORDER BY start", args
            ).fetchall()
        return [record_from_row(row) for row in rows]

    def _count(self, agent_id: int, since: datetime, in_agent_chats: bool) -> int:
        where = AGENT_CHATS if in_agent_chats else LINKS
        with self._lock:
            (count,) = self._conn.execute(
                f"SELECT COUNT(*) FROM bookings WHERE agent_id = ? AND booked_at >= ? AND {where}",
                (agent_id, since.astimezone(UTC).isoformat(), FIRST_BUSINESS_KEY),
            ).fetchone()
        return int(count)

    def _delete(self, chat_id: int, table: str = "attempts") -> None:
        if table not in ("attempts", "bookings"):  # fixed names only: nothing to inject
            raise ValueError(table)
        with self._lock:
            self._conn.execute(f"DELETE FROM {table} WHERE chat_id = ?", (chat_id,))
            # The address must not survive in the log either.
            self._conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    def _select(self, where: str, args: tuple[int, ...]) -> list[Attempt]:
        with self._lock:
            rows = self._conn.execute(
                f"SELECT {ATTEMPT_COLUMNS} FROM attempts {where} ORDER BY chat_id",
                args,
            ).fetchall()
        return [attempt_from_row(row) for row in rows]


def _stored(row: tuple[object, ...]) -> tuple[object, ...]:
    """A row as this file keeps it: moments as ISO text, flags as 0 and 1."""
    return tuple(_stored_value(value) for value in row)


def _stored_value(value: object) -> object:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, bool):
        return int(value)
    return value
