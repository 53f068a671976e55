"""The shared state store: the same rows as the SQLite store, in PostgreSQL (BOT_DATABASE_URL).

Several bot processes may use it at once. A chat's turn holds the chat's advisory lock (see
bot/storage/postgres.py) and records the update it answers (in `chat_turns`):

* an update the chat has already moved past (Telegram delivering it again, or a race lost to
  the other replica) is refused rather than answered out of order;
* an update whose replica died mid-turn (after it may have answered, before its changes were
  committed) is handed to the next turn of the chat to be handled again first, so the customer
  never sees the conversation step back.

A turn's changes and the note that its update was answered commit in one transaction.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import AsyncIterator
from datetime import datetime

import asyncpg
from asyncpg.pool import PoolConnectionProxy

from bot.storage.chat_store import Changes, ChatRows, RowChange, RowKind, StaleUpdate, StateStore
from bot.storage.postgres import Database

__all__ = ["PostgresStore"]

# The id column of each kind of row; names come from here only.
_ID_COLUMN = {RowKind.USER: "user_id", RowKind.CHAT: "chat_id"}
# The update's turn is over: its changes are committed. Its JSON (which may hold what the
# customer typed) is not kept.
_FINISH_TURN = (
    "UPDATE chat_turns SET done = TRUE, payload = NULL WHERE chat_id = $1 AND update_id = $2"
)
# The chat's last update is not to be handed over any more (its conversation was ended).
_FORGET_UNFINISHED = "UPDATE chat_turns SET done = TRUE, payload = NULL WHERE chat_id = $1"


async def _write_row(conn: PoolConnectionProxy[asyncpg.Record], row: RowChange) -> None:
    column = _ID_COLUMN[row.kind]
    if row.text is None:
        await conn.execute(f"DELETE FROM {row.kind.value} WHERE {column} = $1", row.row_id)
    elif row.kind is RowKind.CHAT:
        await conn.execute(
            "INSERT INTO chat_data (chat_id, data, touched_at) VALUES ($1, $2, $3) "
            "ON CONFLICT (chat_id) DO UPDATE SET data = excluded.data, "
            "touched_at = excluded.touched_at",
            row.row_id,
            row.text,
            row.touched,
        )
    else:
        await conn.execute(
            f"INSERT INTO {row.kind.value} ({column}, data) VALUES ($1, $2) "
            f"ON CONFLICT ({column}) DO UPDATE SET data = excluded.data",
            row.row_id,
            row.text,
        )


_OPEN_DRAFTS = "SELECT count(*) FROM chat_data WHERE touched_at IS NOT NULL"


class PostgresStore(StateStore):
    """State rows in PostgreSQL, shared by every replica."""

    shared = True

    def __init__(self, database: Database) -> None:
        self._db = database

    async def open(self) -> None:
        """Connect and migrate the schema."""
        await self._db.open()

    async def close(self) -> None:
        """Nothing of its own: the database is closed with the process's other services."""

    async def read(self, chat_id: int | None, user_id: int | None) -> ChatRows:
        """The chat's data and conversations and the user's data, in one round trip."""
        pool = await self._db.pool()
        row = await pool.fetchrow(
            "SELECT (SELECT data FROM chat_data WHERE chat_id = $1) AS chat, "
            "(SELECT data FROM user_data WHERE user_id = $2) AS usr, "
            "(SELECT coalesce(json_agg(json_build_array(name, key, state)), '[]')::text "
            " FROM conversations WHERE chat_id = $1) AS conversations",
            chat_id,
            user_id,
        )
        assert row is not None
        return ChatRows(
            chat_data=row["chat"],
            user_data=row["usr"],
            conversations=[
                (str(name), str(key), str(state))
                for name, key, state in json.loads(row["conversations"])
            ],
        )

    async def commit(self, changes: Changes, *, turn: tuple[int, int] | None = None) -> None:
        """Write the changes, and note the turn's update as answered, in one transaction."""
        if not changes and turn is None:
            return
        pool = await self._db.pool()
        async with pool.acquire() as conn, conn.transaction():
            for row in changes.rows:
                await _write_row(conn, row)
            for change in changes.conversations:
                if change.state_text is None:
                    await conn.execute(
                        "DELETE FROM conversations WHERE name = $1 AND key = $2",
                        change.name,
                        change.key_text,
                    )
                else:
                    await conn.execute(
                        "INSERT INTO conversations (name, key, state, chat_id) "
                        "VALUES ($1, $2, $3, $4) "
                        "ON CONFLICT (name, key) DO UPDATE SET state = excluded.state",
                        change.name,
                        change.key_text,
                        change.state_text,
                        change.chat_id,
                    )
            if turn is not None:
                await conn.execute(_FINISH_TURN, *turn)
            for chat_id in changes.forget_unfinished:
                await conn.execute(_FORGET_UNFINISHED, chat_id)

    async def idle_chats(self, touched_before: datetime, limit: int) -> list[int]:
        """Chats whose draft was last touched before `touched_before`, oldest first."""
        pool = await self._db.pool()
        rows = await pool.fetch(
            "SELECT chat_id FROM chat_data WHERE touched_at < $1 ORDER BY touched_at LIMIT $2",
            touched_before,
            limit,
        )
        return [int(row["chat_id"]) for row in rows]

    @contextlib.asynccontextmanager
    async def turn(
        self, chat_id: int, update_id: int | None, payload: str | None
    ) -> AsyncIterator[str | None]:
        """Hold the chat's lock in the database; refuse an update the chat moved past; hand
        back an update whose turn a dead replica left unfinished."""
        await self._db.lock_chat(chat_id)
        try:
            unfinished = None
            if update_id is not None:
                unfinished = await self._begin(chat_id, update_id, payload)
            try:
                yield unfinished
            finally:
                if update_id is not None:
                    # Even if the turn failed: only a dead process leaves a turn open.
                    pool = await self._db.pool()
                    await pool.execute(_FINISH_TURN, chat_id, update_id)
        finally:
            await self._db.unlock_chat(chat_id)

    async def orphaned_chats(self) -> list[int]:
        """Chats whose last turn is open with nobody holding their lock: its replica died
        (PostgreSQL frees a dead session's locks as its connection drops)."""
        pool = await self._db.pool()
        rows = await pool.fetch(
            "SELECT chat_id FROM chat_turns WHERE NOT done AND payload IS NOT NULL"
        )
        orphaned = []
        for row in rows:
            chat_id = int(row["chat_id"])
            if await self._db.try_lock_chat(chat_id):
                await self._db.unlock_chat(chat_id)
                orphaned.append(chat_id)
        return orphaned

    @contextlib.asynccontextmanager
    async def resume(self, chat_id: int) -> AsyncIterator[str | None]:
        """Hold an orphaned chat and yield its unfinished update's JSON; None if someone
        holds the chat now (a live turn finishes it) or it was finished meanwhile. The turn is
        noted as finished before it is handled again, so it is handed back only once (as the
        chat's next update hands one back), even if this process dies too."""
        if not await self._db.try_lock_chat(chat_id):
            yield None
            return
        try:
            pool = await self._db.pool()
            last = await pool.fetchrow(
                "UPDATE chat_turns SET done = TRUE, payload = NULL "
                "WHERE chat_id = $1 AND NOT done AND payload IS NOT NULL "
                "RETURNING (SELECT payload FROM chat_turns WHERE chat_id = $1)",
                chat_id,
            )
            yield None if last is None else str(last[0])
        finally:
            await self._db.unlock_chat(chat_id)

    async def showing(
        self, chat_id: int, update_id: int, payload: str, shown: tuple[str, ...]
    ) -> None:
        """Nothing to add: every update's JSON is kept from the start of its turn."""

    async def _begin(self, chat_id: int, update_id: int, payload: str | None) -> str | None:
        pool = await self._db.pool()
        async with pool.acquire() as conn, conn.transaction():
            last = await conn.fetchrow(
                "SELECT update_id, payload, done FROM chat_turns WHERE chat_id = $1", chat_id
            )
            if last is not None and last["update_id"] >= update_id:
                raise StaleUpdate(f"update {update_id} is not newer than the chat's last")
            # Replaced at once, so an update that kills its process is handed back only once.
            await conn.execute(
                "INSERT INTO chat_turns (chat_id, update_id, payload, done) "
                "VALUES ($1, $2, $3, FALSE) ON CONFLICT (chat_id) DO UPDATE SET "
                "update_id = excluded.update_id, payload = excluded.payload, done = FALSE",
                chat_id,
                update_id,
                payload,
            )
        if last is not None and not last["done"] and last["payload"] is not None:
            return str(last["payload"])
        return None

    async def count(self, kind: RowKind) -> int:
        """How many rows of a kind are stored."""
        pool = await self._db.pool()
        return int(await pool.fetchval(f"SELECT count(*) FROM {kind.value}"))

    async def open_drafts(self) -> int:
        """How many chats have a draft (counted on the idle sweep's partial index)."""
        pool = await self._db.pool()
        return int(await pool.fetchval(_OPEN_DRAFTS))
