"""The PostgreSQL database several bot processes share (BOT_DATABASE_URL).

One connection pool per process serves the state store and the booking ledger. The schema is
created or migrated at start, step by step, under a database-wide lock so two replicas starting
together do not both migrate; a database newer than this code is refused.

Per-chat locks are PostgreSQL session advisory locks on one connection of their own: a lock is
held by that connection, so when a replica dies its connection closes and its chats are free
for the other replica at once.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Final

import asyncpg

from bot.storage.errors import StorageUnavailableError

__all__ = ["SCHEMA_VERSION", "ChatLockTimeout", "Database"]

log = logging.getLogger(__name__)

# Each step moves the schema one version on; the list only ever grows.
MIGRATIONS: Final[tuple[str, ...]] = (
    # 1: state rows, each chat's last update (order and unfinished turns), the booking ledger.
    """
    CREATE TABLE user_data (
        user_id BIGINT PRIMARY KEY,
        data    TEXT NOT NULL
    );
    CREATE TABLE chat_data (
        chat_id    BIGINT PRIMARY KEY,
        data       TEXT NOT NULL,
        touched_at TIMESTAMPTZ
    );
    CREATE INDEX chat_data_by_touch ON chat_data (touched_at) WHERE touched_at IS NOT NULL;
    CREATE TABLE conversations (
        name    TEXT NOT NULL,
        key     TEXT NOT NULL,
        state   TEXT NOT NULL,
        chat_id BIGINT,
        PRIMARY KEY (name, key)
    );
    CREATE INDEX conversations_by_chat ON conversations (chat_id);
    CREATE TABLE chat_turns (
        chat_id   BIGINT PRIMARY KEY,
        update_id BIGINT NOT NULL,
        payload   TEXT,
        done      BOOLEAN NOT NULL DEFAULT TRUE
    );
    CREATE TABLE attempts (
        chat_id         BIGINT PRIMARY KEY,
        user_id         BIGINT NOT NULL,
        meeting_type_id TEXT NOT NULL,
        start           TIMESTAMPTZ NOT NULL,
        duration        INTEGER NOT NULL,
        email           TEXT NOT NULL,
        language        TEXT NOT NULL,
        timezone        TEXT NOT NULL,
        message_id      BIGINT,
        agent_id        BIGINT
    );
    CREATE TABLE bookings (
        appointment_id  TEXT PRIMARY KEY,
        meeting_type_id TEXT NOT NULL,
        start           TIMESTAMPTZ NOT NULL,
        agent_id        BIGINT,
        chat_id         BIGINT NOT NULL,
        language        TEXT NOT NULL,
        timezone        TEXT NOT NULL,
        booked_at       TIMESTAMPTZ NOT NULL,
        duration        INTEGER NOT NULL DEFAULT 0,
        sequence        INTEGER NOT NULL DEFAULT 0,
        cancelled       BOOLEAN NOT NULL DEFAULT FALSE,
        reminded        TEXT NOT NULL DEFAULT '',
        attendee_hash   TEXT NOT NULL DEFAULT ''
    );
    CREATE INDEX bookings_by_agent ON bookings (agent_id, booked_at);
    CREATE INDEX bookings_by_chat ON bookings (chat_id);
    CREATE INDEX bookings_ahead ON bookings (start) WHERE NOT cancelled;
    """,
    # 2: how and where the meeting is, and bookings waiting for a confirmation.
    """
    ALTER TABLE bookings ADD COLUMN channel TEXT NOT NULL DEFAULT '';
    ALTER TABLE bookings ADD COLUMN location TEXT NOT NULL DEFAULT '';
    ALTER TABLE bookings ADD COLUMN pending BOOLEAN NOT NULL DEFAULT FALSE;
    """,
    # 3: what the customer answered a reminder; the waiting list.
    """
    ALTER TABLE bookings ADD COLUMN answer TEXT NOT NULL DEFAULT '';
    CREATE TABLE wishes (
        wish_id          BIGSERIAL PRIMARY KEY,
        chat_id          BIGINT NOT NULL,
        meeting_type_id  TEXT NOT NULL,
        duration         INTEGER NOT NULL,
        day              DATE NOT NULL,
        timezone         TEXT NOT NULL,
        language         TEXT NOT NULL,
        asked_at         TIMESTAMPTZ NOT NULL,
        first_minute     INTEGER NOT NULL,
        last_minute      INTEGER NOT NULL,
        agent_id         BIGINT,
        offered_start    TIMESTAMPTZ,
        offer_message_id BIGINT,
        UNIQUE (chat_id, meeting_type_id, day)
    );
    """,
    # 4: agents' business connections, and the keys of the chats the bot answers in for them
    # (above every Telegram chat id: see bot/storage/business.py).
    """
    CREATE TABLE business_connections (
        connection_id TEXT PRIMARY KEY,
        owner_id      BIGINT NOT NULL,
        can_reply     BOOLEAN NOT NULL,
        can_delete    BOOLEAN NOT NULL,
        enabled       BOOLEAN NOT NULL
    );
    CREATE SEQUENCE business_chat_keys START WITH 9007199254740992;
    CREATE TABLE business_chats (
        chat_key          BIGINT PRIMARY KEY DEFAULT nextval('business_chat_keys'),
        connection_id     TEXT NOT NULL,
        agent_id          BIGINT NOT NULL,
        customer_id       BIGINT NOT NULL,
        customer_wrote_at TIMESTAMPTZ,
        customer_language TEXT,
        UNIQUE (agent_id, customer_id)
    );
    CREATE INDEX business_chats_customer ON business_chats (customer_id);
    -- Turns left open (a replica died mid-turn), looked for every few seconds.
    CREATE INDEX chat_turns_open ON chat_turns (chat_id) WHERE NOT done AND payload IS NOT NULL;
    """,
    # 5: how fast the bot sends to Telegram, counted for every replica together: the bot's
    # budget (0) and each chat's (bot/storage/send_budget.py), in seconds of the database's
    # clock. Unlogged: a count a crash loses costs nothing but a moment's caution.
    """
    CREATE UNLOGGED TABLE telegram_sends (
        budget       BIGINT PRIMARY KEY,
        free_at      DOUBLE PRECISION NOT NULL DEFAULT 0,
        paused_until DOUBLE PRECISION NOT NULL DEFAULT 0
    );
    """,
)
SCHEMA_VERSION: Final = len(MIGRATIONS)

# Advisory lock keys: chats use their own id; migration uses one no Telegram chat can have
# (chat ids stay within ±2**52).
_MIGRATION_LOCK: Final = -(2**62)
LOCK_POLL_FIRST: Final = 0.005  # seconds; doubles while the chat stays held elsewhere
LOCK_POLL_LONGEST: Final = 0.05
LOCK_PATIENCE: Final = 60.0  # a turn longer than this elsewhere means something is stuck
POOL_SIZE: Final = 10
LISTEN_RETRY_LONGEST: Final = 30.0  # seconds between tries to hear notifications again


class ChatLockTimeout(Exception):
    """Another process held the chat for longer than any turn should take."""


class Database:
    """A pool of connections to one PostgreSQL database, and the chat locks."""

    def __init__(self, url: str, *, pool_size: int = POOL_SIZE) -> None:
        self._url = url
        self._pool_size = pool_size
        self._pool: asyncpg.Pool | None = None
        self._lock_conn: asyncpg.Connection | None = None
        # asyncpg runs one query at a time per connection.
        self._lock_conn_guard = asyncio.Lock()
        self._opening = asyncio.Lock()
        self._listening: list[asyncpg.Connection] = []
        self._relistening: set[asyncio.Task[None]] = set()

    async def open(self) -> None:
        """Connect and bring the schema to this code's version."""
        async with self._opening:
            if self._pool is not None:
                return
            try:
                pool = await asyncpg.create_pool(
                    self._url, min_size=1, max_size=self._pool_size, command_timeout=30
                )
            except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as error:
                raise StorageUnavailableError(
                    f"the database at BOT_DATABASE_URL cannot be used ({type(error).__name__})"
                ) from None
            try:
                await self._migrate(pool)
            except BaseException:
                await pool.close()
                raise
            self._pool = pool

    async def close(self) -> None:
        """Close every connection (which also frees every chat lock this process held)."""
        async with self._opening:
            listening, self._listening = self._listening, []
            for conn in listening:
                await conn.close()
            for task in self._relistening:
                task.cancel()
            if self._lock_conn is not None:
                await self._lock_conn.close()
                self._lock_conn = None
            if self._pool is not None:
                await self._pool.close()
                self._pool = None

    async def pool(self) -> asyncpg.Pool:
        """The pool, opened on first use."""
        if self._pool is None:
            await self.open()
        assert self._pool is not None
        return self._pool

    async def listen(self, channel: str, heard: Callable[[str], None]) -> None:
        """Call `heard` with the payload of each notification on `channel` (pg_notify), from
        any replica, on a connection of its own for as long as the database is open (a lost
        connection is made again: what was said meanwhile is not heard)."""
        conn = await asyncpg.connect(self._url)
        await conn.add_listener(channel, lambda _conn, _pid, _channel, payload: heard(payload))
        conn.add_termination_listener(lambda lost: self._listen_again(lost, channel, heard))
        self._listening.append(conn)

    def _listen_again(
        self, lost: asyncpg.Connection, channel: str, heard: Callable[[str], None]
    ) -> None:
        if lost not in self._listening:
            return  # closed with the database
        self._listening.remove(lost)
        log.warning("the connection hearing %s was lost; listening again", channel)

        async def again() -> None:
            wait = 0.5
            while self._pool is not None:
                try:
                    await self.listen(channel, heard)
                    return
                except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError):
                    await asyncio.sleep(wait)
                    wait = min(wait * 2, LISTEN_RETRY_LONGEST)

        task = asyncio.get_running_loop().create_task(again())
        self._relistening.add(task)
        task.add_done_callback(self._relistening.discard)

    async def lock_chat(self, chat_id: int) -> None:
        """Wait until this process holds the chat's lock."""
        wait = LOCK_POLL_FIRST
        waited = 0.0
        while not await self._lock_query("SELECT pg_try_advisory_lock($1)", chat_id):
            if waited >= LOCK_PATIENCE:
                raise ChatLockTimeout(f"chat held elsewhere for over {LOCK_PATIENCE:.0f} s")
            await asyncio.sleep(wait)
            waited += wait
            wait = min(wait * 2, LOCK_POLL_LONGEST)

    async def try_lock_chat(self, chat_id: int) -> bool:
        """Take the chat's lock if nobody (else) holds it; whether this process holds it now."""
        return await self._lock_query("SELECT pg_try_advisory_lock($1)", chat_id)

    async def unlock_chat(self, chat_id: int) -> None:
        """Let the chat go."""
        await self._lock_query("SELECT pg_advisory_unlock($1)", chat_id)

    async def _lock_query(self, sql: str, chat_id: int) -> bool:
        async with self._lock_conn_guard:
            if self._lock_conn is None or self._lock_conn.is_closed():
                self._lock_conn = await asyncpg.connect(self._url)
            return bool(await self._lock_conn.fetchval(sql, chat_id))

    async def _migrate(self, pool: asyncpg.Pool) -> None:
        async with pool.acquire() as conn, conn.transaction():
            # Held to the end of the transaction: a second replica waits, then finds it done.
            await conn.execute("SELECT pg_advisory_xact_lock($1)", _MIGRATION_LOCK)
            await conn.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER)")
            version = await conn.fetchval("SELECT max(version) FROM schema_version") or 0
            if version > SCHEMA_VERSION:
                raise RuntimeError(
                    f"the database has schema version {version}, newer than the supported "
                    f"{SCHEMA_VERSION}; refusing to touch it"
                )
            for number, step in enumerate(MIGRATIONS[version:], start=version + 1):
                await conn.execute(step)
                await conn.execute("INSERT INTO schema_version (version) VALUES ($1)", number)
                log.info("database schema migrated to version %d", number)
