"""Business connections and chats in the shared PostgreSQL database (every replica's)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bot.storage.business import BusinessChat, BusinessStore, Connection, chat_from_row
from bot.storage.postgres import Database

_CHAT_COLUMNS = (
    "chat_key, connection_id, agent_id, customer_id, customer_wrote_at, customer_language"
)


class PostgresBusiness(BusinessStore):
    """Connections and chats in PostgreSQL (tables made by the database's migrations)."""

    def __init__(self, database: Database) -> None:
        self._db = database

    async def open(self) -> None:
        """Connect and migrate the schema."""
        await self._db.open()

    async def close(self) -> None:
        """Nothing of its own: the database is closed with the process."""

    async def _fetch(self, sql: str, *args: Any) -> list[Any]:
        pool = await self._db.pool()
        async with pool.acquire() as conn:
            return list(await conn.fetch(sql, *args))

    async def keep_connection(self, connection: Connection) -> None:
        """Store a connection as Telegram last described it."""
        await self._fetch(
            "INSERT INTO business_connections VALUES ($1, $2, $3, $4, $5) "
            "ON CONFLICT (connection_id) DO UPDATE SET owner_id = excluded.owner_id, "
            "can_reply = excluded.can_reply, can_delete = excluded.can_delete, "
            "enabled = excluded.enabled",
            connection.connection_id,
            connection.owner_id,
            connection.can_reply,
            connection.can_delete,
            connection.enabled,
        )

    async def connection(self, connection_id: str) -> Connection | None:
        """A connection by its id, None if never seen."""
        rows = await self._fetch(
            "SELECT connection_id, owner_id, can_reply, can_delete, enabled "
            "FROM business_connections WHERE connection_id = $1",
            connection_id,
        )
        if not rows:
            return None
        row = rows[0]
        return Connection(row[0], int(row[1]), bool(row[2]), bool(row[3]), bool(row[4]))

    async def chat_key(self, connection_id: str, agent_id: int, customer_id: int) -> int:
        """The key of the agent's chat with the customer, made on first use."""
        rows = await self._fetch(
            "INSERT INTO business_chats (connection_id, agent_id, customer_id) "
            "VALUES ($1, $2, $3) ON CONFLICT (agent_id, customer_id) DO UPDATE "
            "SET connection_id = excluded.connection_id RETURNING chat_key",
            connection_id,
            agent_id,
            customer_id,
        )
        return int(rows[0][0])

    async def chat(self, key: int) -> BusinessChat | None:
        """What a key stands for, None for a key nobody made."""
        rows = await self._fetch(
            f"SELECT {_CHAT_COLUMNS} FROM business_chats WHERE chat_key = $1", key
        )
        return chat_from_row(rows[0]) if rows else None

    async def customer_wrote(self, key: int, at: datetime, language: str | None = None) -> None:
        """The customer wrote in the chat at `at`, their app set to `language` (a later time
        only moves it forward)."""
        await self._fetch(
            "UPDATE business_chats SET customer_wrote_at = $2, "
            "customer_language = coalesce($3, customer_language) WHERE chat_key = $1 "
            "AND (customer_wrote_at IS NULL OR customer_wrote_at < $2)",
            key,
            at,
            language,
        )

    async def chats_of_customer(self, customer_id: int) -> list[BusinessChat]:
        """Every agent's chat with this customer."""
        rows = await self._fetch(
            f"SELECT {_CHAT_COLUMNS} FROM business_chats WHERE customer_id = $1", customer_id
        )
        return [chat_from_row(row) for row in rows]

    async def forget_chat(self, key: int) -> None:
        """Erase a chat's row (its key is not used again)."""
        await self._fetch("DELETE FROM business_chats WHERE chat_key = $1", key)
