"""The booking ledger in the shared PostgreSQL database: every replica sees every attempt.

That is what keeps "one confirmation, one booking" across replicas: an attempt written by one
replica is found by the other before it books the same chat again, and a reminder is claimed
by exactly one of them.
"""

from __future__ import annotations

from datetime import UTC, datetime

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
from bot.storage.postgres import Database

__all__ = ["PostgresLedger"]

# Keep (or replace) a booking's record, by its appointment id.
_UPSERT_RECORD = (
    f"INSERT INTO bookings ({RECORD_COLUMNS}) "
    "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17) "
    "ON CONFLICT (appointment_id) DO UPDATE SET "
    "meeting_type_id = excluded.meeting_type_id, start = excluded.start, "
    "agent_id = excluded.agent_id, chat_id = excluded.chat_id, "
    "language = excluded.language, timezone = excluded.timezone, "
    "booked_at = excluded.booked_at, duration = excluded.duration, "
    "sequence = excluded.sequence, cancelled = excluded.cancelled, "
    "reminded = excluded.reminded, attendee_hash = excluded.attendee_hash, "
    "channel = excluded.channel, location = excluded.location, "
    "pending = excluded.pending, answer = excluded.answer"
)


class PostgresLedger(BookingLedger):
    """Attempts and booking records in PostgreSQL; each statement commits on its own."""

    def __init__(self, database: Database) -> None:
        self._db = database

    async def open(self) -> None:
        """Connect and migrate the schema."""
        await self._db.open()

    async def close(self) -> None:
        """Nothing of its own: the database is closed with the process."""

    async def begin(self, attempt: Attempt) -> None:
        """Record the attempt; returns once it is committed."""
        pool = await self._db.pool()
        await pool.execute(
            f"INSERT INTO attempts ({ATTEMPT_COLUMNS}) "
            "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) "
            "ON CONFLICT (chat_id) DO UPDATE SET user_id = excluded.user_id, "
            "meeting_type_id = excluded.meeting_type_id, start = excluded.start, "
            "duration = excluded.duration, email = excluded.email, "
            "language = excluded.language, timezone = excluded.timezone, "
            "message_id = excluded.message_id, agent_id = excluded.agent_id",
            *attempt_row(attempt),
        )

    async def settle(self, chat_id: int) -> None:
        """Forget the chat's attempt."""
        pool = await self._db.pool()
        await pool.execute("DELETE FROM attempts WHERE chat_id = $1", chat_id)

    async def forget(self, chat_id: int) -> None:
        """Erase the chat's attempt and booking records."""
        pool = await self._db.pool()
        async with pool.acquire() as conn, conn.transaction():
            await conn.execute("DELETE FROM bookings WHERE chat_id = $1", chat_id)
            await conn.execute("DELETE FROM attempts WHERE chat_id = $1", chat_id)

    async def record(self, booking: BookingRecord) -> None:
        """Keep (or replace) a booking's record."""
        pool = await self._db.pool()
        await pool.execute(_UPSERT_RECORD, *record_row(booking))

    async def supersede(self, old_id: str, booking: BookingRecord) -> None:
        """Put `booking` in place of the record of `old_id`, in one transaction."""
        pool = await self._db.pool()
        async with pool.acquire() as conn, conn.transaction():
            await conn.execute("DELETE FROM bookings WHERE appointment_id = $1", old_id)
            await conn.execute(_UPSERT_RECORD, *record_row(booking))

    async def records_of_chat(self, chat_id: int) -> list[BookingRecord]:
        """The chat's booking records, earliest start first."""
        return await self._records("WHERE chat_id = $1", chat_id)

    async def active_records(self, after: datetime) -> list[BookingRecord]:
        """Every record not cancelled that starts after `after`."""
        return await self._records("WHERE NOT cancelled AND start > $1", after.astimezone(UTC))

    async def record_of(self, appointment_id: str) -> BookingRecord | None:
        """One booking record by its appointment id."""
        found = await self._records("WHERE appointment_id = $1", appointment_id)
        return found[0] if found else None

    async def claim_reminder(self, appointment_id: str, reminder: str) -> bool:
        """Note a reminder as sent; False if another replica (or an earlier run) did."""
        pool = await self._db.pool()
        status = await pool.execute(
            f"UPDATE bookings SET {CLAIM_REMINDER_SET.format('$1')} "
            f"WHERE appointment_id = $2 AND {CLAIM_REMINDER_WHERE.format('$1')}",
            reminder,
            appointment_id,
        )
        return bool(status == "UPDATE 1")

    async def count_for_agent(
        self, agent_id: int, since: datetime, *, in_agent_chats: bool = False
    ) -> int:
        """How many bookings the agent's links (or, `in_agent_chats`, the agent's own chats)
        brought in since `since`."""
        where = (AGENT_CHATS if in_agent_chats else LINKS).replace("?", "$3")
        pool = await self._db.pool()
        return int(
            await pool.fetchval(
                f"SELECT count(*) FROM bookings WHERE agent_id = $1 AND booked_at >= $2 "
                f"AND {where}",
                agent_id,
                since.astimezone(UTC),
                FIRST_BUSINESS_KEY,
            )
        )

    async def records_of_agent(self, agent_id: int, after: datetime) -> list[BookingRecord]:
        """The bookings the agent brought that start after `after`, cancelled ones too."""
        return await self._records(
            "WHERE agent_id = $1 AND start > $2", agent_id, after.astimezone(UTC)
        )

    async def of_chat(self, chat_id: int) -> Attempt | None:
        """The chat's unsettled attempt, if any."""
        found = await self._attempts("WHERE chat_id = $1", chat_id)
        return found[0] if found else None

    async def unsettled(self) -> list[Attempt]:
        """Every attempt still waiting for its outcome."""
        return await self._attempts("")

    async def _records(self, where: str, *args: object) -> list[BookingRecord]:
        pool = await self._db.pool()
        rows = await pool.fetch(
            f"SELECT {RECORD_COLUMNS} FROM bookings {where} ORDER BY start", *args
        )
        return [record_from_row(tuple(row)) for row in rows]

    async def _attempts(self, where: str, *args: object) -> list[Attempt]:
        pool = await self._db.pool()
        rows = await pool.fetch(
            f"SELECT {ATTEMPT_COLUMNS} FROM attempts {where} ORDER BY chat_id", *args
        )
        return [attempt_from_row(tuple(row)) for row in rows]
