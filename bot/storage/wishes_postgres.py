"""The waiting list in the shared PostgreSQL database: every replica sees every wish."""

from __future__ import annotations

from datetime import date, datetime

from bot.storage.postgres import Database
from bot.storage.wishes import WISH_COLUMNS, Wish, WishStore, wish_from_row, wish_row


class PostgresWishes(WishStore):
    """Wishes in PostgreSQL (table `wishes`, made by the database's migrations)."""

    def __init__(self, database: Database) -> None:
        self._db = database

    async def open(self) -> None:
        """Connect and migrate the schema."""
        await self._db.open()

    async def close(self) -> None:
        """Nothing of its own: the database is closed with the process."""

    async def add(self, wish: Wish) -> Wish:
        """Keep a wish (replacing the chat's wish for the same type and day)."""
        marks = ", ".join(f"${n}" for n in range(1, len(WISH_COLUMNS.split(",")) + 1))
        row = list(wish_row(wish))
        row[3] = wish.day  # PostgreSQL keeps the day as a date
        pool = await self._db.pool()
        async with pool.acquire() as conn, conn.transaction():
            await conn.execute(
                "DELETE FROM wishes WHERE chat_id = $1 AND meeting_type_id = $2 AND day = $3",
                wish.chat_id,
                wish.meeting_type_id,
                wish.day,
            )
            found = await conn.fetchrow(
                f"INSERT INTO wishes ({WISH_COLUMNS}) VALUES ({marks}) "
                f"RETURNING wish_id, {WISH_COLUMNS}",
                *row,
            )
        if found is None:
            raise RuntimeError("the new wish was not returned")
        return wish_from_row(tuple(found))

    async def open_wishes(self) -> list[Wish]:
        """Every open wish, in the order they were made."""
        return await self._rows("")

    async def of_chat(self, chat_id: int) -> list[Wish]:
        """The chat's open wishes."""
        return await self._rows("WHERE chat_id = $1", chat_id)

    async def claim_offer(self, wish_id: int, start: datetime) -> bool:
        """Note `start` as offered unless it already was (atomically, across replicas)."""
        pool = await self._db.pool()
        status = await pool.execute(
            "UPDATE wishes SET offered_start = $1, offer_message_id = NULL "
            "WHERE wish_id = $2 AND offered_start IS DISTINCT FROM $1",
            start,
            wish_id,
        )
        return bool(status == "UPDATE 1")

    async def offered(self, wish_id: int, start: datetime | None, message_id: int | None) -> None:
        """Note the time offered to a wish, and its message."""
        pool = await self._db.pool()
        await pool.execute(
            "UPDATE wishes SET offered_start = $1, offer_message_id = $2 WHERE wish_id = $3",
            start,
            message_id,
            wish_id,
        )

    async def drop(self, wish_id: int) -> None:
        """End one wish."""
        pool = await self._db.pool()
        await pool.execute("DELETE FROM wishes WHERE wish_id = $1", wish_id)

    async def drop_before(self, day: date) -> None:
        """End the wishes for days that have passed."""
        pool = await self._db.pool()
        await pool.execute("DELETE FROM wishes WHERE day < $1", day)

    async def forget(self, chat_id: int) -> None:
        """End every wish of the chat."""
        pool = await self._db.pool()
        await pool.execute("DELETE FROM wishes WHERE chat_id = $1", chat_id)

    async def _rows(self, where: str, *args: object) -> list[Wish]:
        pool = await self._db.pool()
        rows = await pool.fetch(
            f"SELECT wish_id, {WISH_COLUMNS} FROM wishes {where} ORDER BY asked_at, wish_id",
            *args,
        )
        return [wish_from_row(tuple(row)) for row in rows]
