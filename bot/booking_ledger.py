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
from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Final

_SCHEMA_VERSION: Final = 3
# Columns later versions added, with their definitions, for files made by earlier ones.
_ADDED_COLUMNS: Final = {
    "attempts": {"agent_id": "INTEGER"},
    "bookings": {
        "duration": "INTEGER NOT NULL DEFAULT 0",
        "sequence": "INTEGER NOT NULL DEFAULT 0",
        "cancelled": "INTEGER NOT NULL DEFAULT 0",
        "reminded": "TEXT NOT NULL DEFAULT ''",
        "attendee_hash": "TEXT NOT NULL DEFAULT ''",
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
    attendee_hash   TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS bookings_by_agent ON bookings (agent_id, booked_at);
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
    agent_id: int | None = None  # the support agent whose link brought the customer


@dataclass(frozen=True, slots=True)
class BookingRecord:
    """A booking made through the bot: what later features need, no name, no e-mail."""

    appointment_id: str
    meeting_type_id: str
    start: datetime
    agent_id: int | None
    chat_id: int
    language: str
    timezone: str
    booked_at: datetime
    duration: int = 0
    sequence: int = 0  # the calendar file's version: raised at each reschedule
    cancelled: bool = False
    reminded: tuple[str, ...] = ()  # the reminders already sent ("24h", "1h")
    # A hash of the attendee's e-mail: finds them among a group booking's attendees later
    # without keeping the address.
    attendee_hash: str = ""


RECORD_COLUMNS: Final = (
    "appointment_id, meeting_type_id, start, agent_id, chat_id, language, timezone, booked_at, "
    "duration, sequence, cancelled, reminded, attendee_hash"
)


class BookingLedger(ABC):
    """Attempts on their way (one per chat) and the records of bookings made."""

    @abstractmethod
    async def open(self) -> None:
        """Connect, creating or migrating the schema."""

    @abstractmethod
    async def close(self) -> None:
        """Release the file or connections."""

    @abstractmethod
    async def begin(self, attempt: Attempt) -> None:
        """Record the attempt; returns once it is durable."""

    @abstractmethod
    async def settle(self, chat_id: int) -> None:
        """Forget the chat's attempt: its outcome is known."""

    @abstractmethod
    async def forget(self, chat_id: int) -> None:
        """Erase the chat's attempt and booking records (the customer asked to be forgotten)."""

    @abstractmethod
    async def record(self, booking: BookingRecord) -> None:
        """Keep a booking's record (appointment, type, start, agent, chat, language, zone)."""

    @abstractmethod
    async def records_of_chat(self, chat_id: int) -> list[BookingRecord]:
        """The chat's booking records, earliest start first."""

    @abstractmethod
    async def active_records(self, after: datetime) -> list[BookingRecord]:
        """Every record not cancelled that starts after `after` (for reminders)."""

    @abstractmethod
    async def record_of(self, appointment_id: str) -> BookingRecord | None:
        """One booking record by its appointment id."""

    @abstractmethod
    async def claim_reminder(self, appointment_id: str, reminder: str) -> bool:
        """Note a reminder as sent; False if it already was (by this or another process)."""

    @abstractmethod
    async def count_for_agent(self, agent_id: int, since: datetime) -> int:
        """How many bookings the agent's links brought in since `since`."""

    @abstractmethod
    async def of_chat(self, chat_id: int) -> Attempt | None:
        """The chat's unsettled attempt, if any."""

    @abstractmethod
    async def unsettled(self) -> list[Attempt]:
        """Every attempt still waiting for its outcome (after a restart: the ones cut short)."""


def _moment(value: object) -> datetime:
    # SQLite keeps ISO text, PostgreSQL a timestamptz.
    return value if isinstance(value, datetime) else datetime.fromisoformat(str(value))


def record_from_row(row: Sequence[object]) -> BookingRecord:
    """A booking record from its columns, in RECORD_COLUMNS order."""
    return BookingRecord(
        appointment_id=str(row[0]),
        meeting_type_id=str(row[1]),
        start=_moment(row[2]),
        agent_id=None if row[3] is None else int(str(row[3])),
        chat_id=int(str(row[4])),
        language=str(row[5]),
        timezone=str(row[6]),
        booked_at=_moment(row[7]),
        duration=int(str(row[8])),
        sequence=int(str(row[9])),
        cancelled=bool(row[10]),
        reminded=tuple(part for part in str(row[11]).split(",") if part),
        attendee_hash=str(row[12]),
    )


def attempt_from_row(row: Sequence[object]) -> Attempt:
    """An attempt from its columns, in ATTEMPT_COLUMNS order."""
    return Attempt(
        chat_id=int(str(row[0])),
        user_id=int(str(row[1])),
        meeting_type_id=str(row[2]),
        start=_moment(row[3]),
        duration=int(str(row[4])),
        email=str(row[5]),
        language=str(row[6]),
        timezone=str(row[7]),
        message_id=None if row[8] is None else int(str(row[8])),
        agent_id=None if row[9] is None else int(str(row[9])),
    )


ATTEMPT_COLUMNS: Final = (
    "chat_id, user_id, meeting_type_id, start, duration, email, language, timezone, "
    "message_id, agent_id"
)
# Adds one reminder to the comma-separated list unless it is there: the claim is one atomic
# statement, so of two processes only one sees a row changed.
CLAIM_REMINDER_SET: Final = (
    "reminded = CASE WHEN reminded = '' THEN {0} ELSE reminded || ',' || {0} END"
)
CLAIM_REMINDER_WHERE: Final = "(',' || reminded || ',') NOT LIKE ('%,' || {0} || ',%')"


class SqliteLedger(BookingLedger):
    """The attempts and records of one bot process, in a SQLite file of their own."""

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
        self._migrate()

    def _migrate(self) -> None:
        # Files of earlier versions lack some columns; the names come from _ADDED_COLUMNS only.
        for table, added in _ADDED_COLUMNS.items():
            columns = {row[1] for row in self._conn.execute(f"PRAGMA table_info({table})")}
            for column, definition in added.items():
                if column not in columns:
                    self._conn.execute(f"ALTER TABLE {table} ADD COLUMN {column} {definition}")
        self._conn.execute(f"PRAGMA user_version={_SCHEMA_VERSION}")

    async def open(self) -> None:
        """Nothing to do: the file was opened (and migrated) on construction."""

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

    async def count_for_agent(self, agent_id: int, since: datetime) -> int:
        """How many bookings the agent's links brought in since `since`."""
        return await asyncio.to_thread(self._count, agent_id, since)

    async def of_chat(self, chat_id: int) -> Attempt | None:
        """The chat's unsettled attempt, if any."""
        found = await asyncio.to_thread(self._select, "WHERE chat_id = ?", (chat_id,))
        return found[0] if found else None

    async def unsettled(self) -> list[Attempt]:
        """Every attempt still waiting for its outcome (after a restart: the ones cut short)."""
        return await asyncio.to_thread(self._select, "", ())

    async def close(self) -> None:
        """Close the file (checkpointing the write-ahead log into it)."""
        with self._lock:
            self._conn.close()

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
                    attempt.agent_id,
                ),
            )

    def _insert_record(self, booking: BookingRecord) -> None:
        with self._lock:
            self._conn.execute(
                f"INSERT OR REPLACE INTO bookings ({RECORD_COLUMNS}) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    booking.appointment_id,
                    booking.meeting_type_id,
                    booking.start.astimezone(UTC).isoformat(),
                    booking.agent_id,
                    booking.chat_id,
                    booking.language,
                    booking.timezone,
                    booking.booked_at.astimezone(UTC).isoformat(),
                    booking.duration,
                    booking.sequence,
                    int(booking.cancelled),
                    ",".join(booking.reminded),
                    booking.attendee_hash,
                ),
            )

    def _records(self, where: str, args: tuple[object, ...]) -> list[BookingRecord]:
        with self._lock:
            rows = self._conn.execute(
                f"SELECT {RECORD_COLUMNS} FROM bookings {where} ORDER BY start", args
            ).fetchall()
        return [record_from_row(row) for row in rows]

    def _count(self, agent_id: int, since: datetime) -> int:
        with self._lock:
            (count,) = self._conn.execute(
                "SELECT COUNT(*) FROM bookings WHERE agent_id = ? AND booked_at >= ?",
                (agent_id, since.astimezone(UTC).isoformat()),
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
