"""The bot's send budget in the shared PostgreSQL database: every replica's sends count
against one budget for the bot and one per chat, and a pause one replica was asked for holds
for all (table `telegram_sends`, made by the database's migrations)."""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Final

import asyncpg

from bot.storage.errors import StorageUnavailableError
from bot.storage.postgres import Database
from bot.storage.send_budget import (
    BOT,
    FORGET_AFTER,
    Admission,
    LocalSendBudget,
    SendBudget,
    Sends,
    admit,
)

__all__ = ["SharedSendBudget"]

log = logging.getLogger(__name__)

# Where a replica that was asked to pause tells the others (pg_notify), the seconds as payload:
# a send that took its place before the pause checks once more before it goes.
PAUSED_CHANNEL: Final = "telegram_sends_paused"

# What a database that cannot be reached (or answer in time) raises.
_UNREACHABLE: Final = (
    OSError,
    TimeoutError,
    asyncpg.PostgresError,
    asyncpg.InterfaceError,
    StorageUnavailableError,
)
# A place not found in the database within this is counted by this process alone, and so are
# the sends of the next ALONE_FOR seconds: a send should not wait on a database that hangs.
ASK_PATIENCE: Final = 2.0
ALONE_FOR: Final = 30.0

# Reads the budgets (made if new) and locks them to the end of the transaction, the bot's first
# and then the chat's, in the order given: every replica locks in that order, so none waits on
# another that waits on it. The database's clock is the replicas' common one.
_LOCK_AND_READ: Final = """
    INSERT INTO telegram_sends (budget) SELECT unnest($1::BIGINT[])
    ON CONFLICT (budget) DO UPDATE SET free_at = telegram_sends.free_at
    RETURNING budget, free_at, paused_until, extract(epoch FROM clock_timestamp())::FLOAT8
"""


class SharedSendBudget(SendBudget):
    """The budget every replica on the database takes its places from."""

    def __init__(self, database: Database) -> None:
        super().__init__()
        self._db = database
        self._taken = 0
        # While the database cannot be reached, this process counts alone rather than not send
        # at all (its turns wait for the database anyway; a reminder or a notice need not).
        self._alone = LocalSendBudget()
        self._alone_until = 0.0  # monotonic
        self._forgetting: set[asyncio.Task[None]] = set()

    async def open(self) -> None:
        """Connect, migrate, and hear the other replicas' pauses."""
        await self._db.open()
        await self._db.listen(PAUSED_CHANNEL, self._heard)

    async def close(self) -> None:
        """Nothing of its own: the database is closed with the process."""

    async def take(self, bot_spacing: float, chat: int | None, chat_spacing: float) -> Admission:
        """Take a place for one send to `chat` (None: none of a chat's own)."""
        if time.monotonic() < self._alone_until:
            return await self._alone.take(bot_spacing, chat, chat_spacing)
        try:
            async with asyncio.timeout(ASK_PATIENCE):
                return await self._take(bot_spacing, chat, chat_spacing)
        except _UNREACHABLE as error:
            log.warning(
                "sends counted by this process alone for %.0f s: %s",
                ALONE_FOR,
                type(error).__name__,
            )
            self._alone_until = time.monotonic() + ALONE_FOR
            return await self._alone.take(bot_spacing, chat, chat_spacing)

    async def _take(self, bot_spacing: float, chat: int | None, chat_spacing: float) -> Admission:
        keys = [BOT] if chat is None else [BOT, chat]
        pool = await self._db.pool()
        async with pool.acquire() as conn, conn.transaction():
            rows = {row[0]: row for row in await conn.fetch(_LOCK_AND_READ, keys)}
            read_at = time.monotonic()
            now = float(rows[BOT][3])
            bot = Sends(float(rows[BOT][1]), float(rows[BOT][2]))
            sends = None if chat is None else Sends(float(rows[chat][1]))
            admission = admit(now, bot, bot_spacing, sends, chat_spacing)
            if admission.placed:
                await conn.execute(
                    "UPDATE telegram_sends SET free_at = v.free_at "
                    "FROM unnest($1::BIGINT[], $2::FLOAT8[]) AS v (budget, free_at) "
                    "WHERE telegram_sends.budget = v.budget",
                    keys,
                    [bot.free_at] if sends is None else [bot.free_at, sends.free_at],
                )
        self._taken += 1
        if self._taken % self.FORGET_EVERY == 0:
            # Beside the send, not before it: its place is already taken.
            forget = asyncio.create_task(self._forget_before(now - FORGET_AFTER))
            self._forgetting.add(forget)
            forget.add_done_callback(self._forgetting.discard)
        # The place is in the database's time as it was read: writing it back took a while,
        # which a send that waited the whole wait from now would add to its lateness.
        return Admission(max(0.0, admission.wait - (time.monotonic() - read_at)), admission.placed)

    async def pause(self, seconds: float) -> None:
        """No send from any replica for the next `seconds`; the others hear of it at once."""
        self._heard_pause(seconds)
        await self._alone.pause(seconds)
        try:
            async with asyncio.timeout(ASK_PATIENCE):
                await self._share_pause(seconds)
        except _UNREACHABLE as error:
            log.warning("a pause kept by this process alone: %s", type(error).__name__)

    async def _share_pause(self, seconds: float) -> None:
        pool = await self._db.pool()
        async with pool.acquire() as conn, conn.transaction():
            await conn.execute(
                "INSERT INTO telegram_sends (budget, paused_until) "
                "VALUES ($1, extract(epoch FROM clock_timestamp()) + $2) "
                "ON CONFLICT (budget) DO UPDATE SET paused_until = "
                "greatest(telegram_sends.paused_until, excluded.paused_until)",
                BOT,
                seconds,
            )
            await conn.execute("SELECT pg_notify($1, $2)", PAUSED_CHANNEL, repr(seconds))

    def _heard(self, payload: str) -> None:
        try:
            self._heard_pause(float(payload))
        except ValueError:
            log.warning("a pause notification that is no number of seconds was ignored")

    async def _forget_before(self, moment: float) -> None:
        """Drop the chats' rows whose last place was free before `moment`."""
        try:
            pool = await self._db.pool()
            await pool.execute(
                "DELETE FROM telegram_sends WHERE budget <> $1 AND free_at < $2",
                BOT,
                moment,
            )
        except _UNREACHABLE as error:
            log.warning("old chats' send counts not dropped (%s)", type(error).__name__)
