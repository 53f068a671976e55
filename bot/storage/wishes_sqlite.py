"""The waiting list in a SQLite file of its own (one process)."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Final

from bot.storage.sqlite_file import SqliteFile
from bot.storage.wishes import WISH_COLUMNS, Wish, WishStore, wish_from_row, wish_row

_SCHEMA: Final = """
CREATE TABLE IF NOT EXISTS wishes (
    wish_id          INTEGER PRIMARY KEY AUTOINCREMENT,
    chat_id          INTEGER NOT NULL,
    meeting_type_id  TEXT NOT NULL,
    duration         INTEGER NOT NULL,
    day              TEXT NOT NULL,
    timezone         TEXT NOT NULL,
    language         TEXT NOT NULL,
    asked_at         TEXT NOT NULL,
    first_minute     INTEGER NOT NULL,
    last_minute      INTEGER NOT NULL,
    agent_id         INTEGER,
    offered_start    TEXT,
    offer_message_id INTEGER,
    UNIQUE (chat_id, meeting_type_id, day)
);
"""


def _stored(value: object) -> object:
    return value.isoformat() if isinstance(value, datetime) else value


class SqliteWishes(SqliteFile, WishStore):
    """The wishes of one bot process."""

    def __init__(self, path: Path) -> None:
        super().__init__(path, _SCHEMA)

    async def add(self, wish: Wish) -> Wish:
        """Keep a wish (replacing the chat's wish for the same type and day)."""
        return await asyncio.to_thread(self._add, wish)

    def _add(self, wish: Wish) -> Wish:
        marks = ", ".join("?" * len(WISH_COLUMNS.split(",")))
        with self._lock:
            self._conn.execute(
                "DELETE FROM wishes WHERE chat_id = ? AND meeting_type_id = ? AND day = ?",
                (wish.chat_id, wish.meeting_type_id, wish.day.isoformat()),
            )
            cursor = self._conn.execute(
                f"INSERT INTO wishes ({WISH_COLUMNS}) VALUES ({marks})",
                tuple(_stored(value) for value in wish_row(wish)),
            )
            found = self._rows("WHERE wish_id = ?", (cursor.lastrowid,))
        return found[0]

    async def open_wishes(self) -> list[Wish]:
        """Every open wish, in the order they were made."""
        return await asyncio.to_thread(self._locked_rows, "", ())

    async def of_chat(self, chat_id: int) -> list[Wish]:
        """The chat's open wishes."""
        return await asyncio.to_thread(self._locked_rows, "WHERE chat_id = ?", (chat_id,))

    async def claim_offer(self, wish_id: int, start: datetime) -> bool:
        """Note `start` as offered unless it already was."""
        return await asyncio.to_thread(self._claim_offer, wish_id, start)

    def _claim_offer(self, wish_id: int, start: datetime) -> bool:
        with self._lock:
            cursor = self._conn.execute(
                "UPDATE wishes SET offered_start = ?, offer_message_id = NULL "
                "WHERE wish_id = ? AND (offered_start IS NULL OR offered_start != ?)",
                (_stored(start.astimezone(UTC)), wish_id, _stored(start.astimezone(UTC))),
            )
            return cursor.rowcount == 1

    async def offered(self, wish_id: int, start: datetime | None, message_id: int | None) -> None:
        """Note the time offered to a wish, and its message."""
        await asyncio.to_thread(
            self._execute,
            "UPDATE wishes SET offered_start = ?, offer_message_id = ? WHERE wish_id = ?",
            (_stored(start.astimezone(UTC) if start else None), message_id, wish_id),
        )

    async def drop(self, wish_id: int) -> None:
        """End one wish."""
        await asyncio.to_thread(self._execute, "DELETE FROM wishes WHERE wish_id = ?", (wish_id,))

    async def drop_before(self, day: date) -> None:
        """End the wishes for days that have passed."""
        await asyncio.to_thread(
            self._execute, "DELETE FROM wishes WHERE day < ?", (day.isoformat(),)
        )

    async def forget(self, chat_id: int) -> None:
        """End every wish of the chat."""
        await asyncio.to_thread(self._execute, "DELETE FROM wishes WHERE chat_id = ?", (chat_id,))

    def _execute(self, sql: str, args: tuple[object, ...]) -> None:
        with self._lock:
            self._conn.execute(sql, args)

    def _locked_rows(self, where: str, args: tuple[object, ...]) -> list[Wish]:
        with self._lock:
            return self._rows(where, args)

    def _rows(self, where: str, args: tuple[object, ...]) -> list[Wish]:
        rows = self._conn.execute(
            f"SELECT wish_id, {WISH_COLUMNS} FROM wishes {where} ORDER BY asked_at, wish_id", args
        ).fetchall()
        return [wish_from_row(row) for row in rows]
