"""Business connections and chats in a SQLite file of their own (one process)."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any, Final

from bot.storage.business import (
    FIRST_BUSINESS_KEY,
    BusinessChat,
    BusinessStore,
    Connection,
    chat_from_row,
)
from bot.storage.sqlite_file import SqliteFile

_SCHEMA: Final = f"""
CREATE TABLE IF NOT EXISTS business_connections (
    connection_id TEXT PRIMARY KEY,
    owner_id      INTEGER NOT NULL,
    can_reply     INTEGER NOT NULL,
    can_delete    INTEGER NOT NULL,
    enabled       INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS business_chats (
    chat_key          INTEGER PRIMARY KEY AUTOINCREMENT,
    connection_id     TEXT NOT NULL,
    agent_id          INTEGER NOT NULL,
    customer_id       INTEGER NOT NULL,
    customer_wrote_at TEXT,
    customer_language TEXT,
    UNIQUE (agent_id, customer_id)
);
CREATE INDEX IF NOT EXISTS business_chats_customer ON business_chats (customer_id);
-- Keys start above every Telegram chat id.
INSERT INTO sqlite_sequence (name, seq)
    SELECT 'business_chats', {FIRST_BUSINESS_KEY - 1}
    WHERE NOT EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = 'business_chats');
"""
_CHAT_COLUMNS: Final = (
    "chat_key, connection_id, agent_id, customer_id, customer_wrote_at, customer_language"
)


class SqliteBusiness(SqliteFile, BusinessStore):
    """The business connections and chats of one bot process."""

    def __init__(self, path: Path) -> None:
        super().__init__(path, _SCHEMA)

    async def _run(self, sql: str, params: Sequence[Any] = ()) -> list[Any]:
        def run() -> list[Any]:
            with self._lock:
                return self._conn.execute(sql, tuple(params)).fetchall()

        return await asyncio.to_thread(run)

    async def keep_connection(self, connection: Connection) -> None:
        """Store a connection as Telegram last described it."""
        await self._run(
            "INSERT INTO business_connections VALUES (?, ?, ?, ?, ?) "
            "ON CONFLICT (connection_id) DO UPDATE SET owner_id = excluded.owner_id, "
            "can_reply = excluded.can_reply, can_delete = excluded.can_delete, "
            "enabled = excluded.enabled",
            (
                connection.connection_id,
                connection.owner_id,
                connection.can_reply,
                connection.can_delete,
                connection.enabled,
            ),
        )

    async def connection(self, connection_id: str) -> Connection | None:
        """A connection by its id, None if never seen."""
        rows = await self._run(
            "SELECT connection_id, owner_id, can_reply, can_delete, enabled "
            "FROM business_connections WHERE connection_id = ?",
            (connection_id,),
        )
        if not rows:
            return None
        row = rows[0]
        return Connection(row[0], int(row[1]), bool(row[2]), bool(row[3]), bool(row[4]))

    async def chat_key(self, connection_id: str, agent_id: int, customer_id: int) -> int:
        """The key of the agent's chat with the customer, made on first use."""
        rows = await self._run(
            "INSERT INTO business_chats (connection_id, agent_id, customer_id) VALUES (?, ?, ?) "
            "ON CONFLICT (agent_id, customer_id) DO UPDATE "
            "SET connection_id = excluded.connection_id RETURNING chat_key",
            (connection_id, agent_id, customer_id),
        )
        return int(rows[0][0])

    async def chat(self, key: int) -> BusinessChat | None:
        """What a key stands for, None for a key nobody made."""
        rows = await self._run(
            f"SELECT {_CHAT_COLUMNS} FROM business_chats WHERE chat_key = ?", (key,)
        )
        return chat_from_row(rows[0]) if rows else None

    async def customer_wrote(self, key: int, at: datetime, language: str | None = None) -> None:
        """The customer wrote in the chat at `at`, their app set to `language` (a later time
        only moves it forward)."""
        await self._run(
            "UPDATE business_chats SET customer_wrote_at = ?, "
            "customer_language = coalesce(?, customer_language) WHERE chat_key = ? "
            "AND (customer_wrote_at IS NULL OR customer_wrote_at < ?)",
            (at.isoformat(), language, key, at.isoformat()),
        )

    async def chats_of_customer(self, customer_id: int) -> list[BusinessChat]:
        """Every agent's chat with this customer."""
        rows = await self._run(
            f"SELECT {_CHAT_COLUMNS} FROM business_chats WHERE customer_id = ?", (customer_id,)
        )
        return [chat_from_row(row) for row in rows]

    async def forget_chat(self, key: int) -> None:
        """Erase a chat's row (its key is not used again)."""
        await self._run("DELETE FROM business_chats WHERE chat_key = ?", (key,))
