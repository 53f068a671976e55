"""The bot's send budget in the shared PostgreSQL database: every replica's sends count
against one budget for the bot and one per chat, and a pause one replica was asked for holds
for all (table `telegram_sends`, made by the database's migrations)."""

from __future__ import annotations

import logging
from typing import Final

import asyncpg

from bot.storage.postgres import Database
from bot.storage.send_budget import (
    BOT,
    FORGET_AFTER,
    Admission,
    SendBudget,
    Sends,
    Window,
    admit,
)

__all__ = ["SharedSendBudget"]

log = logging.getLogger(__name__)

# Where a replica that was asked to pause tells the others (pg_notify), the seconds as payload:
# a send that took its place before the pause checks once more before it goes.
PAUSED_CHANNEL: Final = "telegram_sends_paused"

# Reads the budgets (made if new) and locks them to the end of the transaction, the bot's first
# and then the chat's, in the order given: every replica locks in that order, so none waits on
# another that waits on it. The database's clock is the replicas' common one.
_LOCK_AND_READ: Final = """
    INSERT INTO telegram_sends (budget) SELECT unnest($1::BIGINT[])
    ON CONFLICT (budget) DO UPDATE SET places = telegram_sends.places
    RETURNING budget, places, paused_until, extract(epoch FROM clock_timestamp())::FLOAT8
"""


class SharedSendBudget(SendBudget):
    """The budget every replica on the database takes its places from."""

    # Chats' rows are looked over once in this many sends (by one replica or another).
    FORGET_EVERY: Final = 1024

    def __init__(self, database: Database) -> None:
        super().__init__()
        self._db = database
        self._taken = 0

    async def open(self) -> None:
        """Connect, migrate, and hear the other replicas' pauses."""
        await self._db.open()
        await self._db.listen(PAUSED_CHANNEL, self._heard)

    async def close(self) -> None:
        """Nothing of its own: the database is closed with the process."""

    async def take(
        self, bot_window: Window, chat: int | None, chat_window: Window | None
    ) -> Admission:
        """Take a place for one send to `chat` (None: none of a chat's own)."""
        keys = [BOT] if chat is None or chat_window is None else [BOT, chat]
        pool = await self._db.pool()
        async with pool.acquire() as conn, conn.transaction():
            rows = {row[0]: row for row in await conn.fetch(_LOCK_AND_READ, keys)}
            now = float(rows[BOT][3])
            bot = Sends(list(rows[BOT][1]), float(rows[BOT][2]))
            sends = None if len(keys) == 1 else Sends(list(rows[keys[1]][1]))
            admission = admit(now, bot, bot_window, sends, chat_window)
            if admission.placed:
                await conn.execute(
                    "UPDATE telegram_sends SET places = $2 WHERE budget = $1", BOT, bot.places
                )
                if sends is not None:
                    await conn.execute(
                        "UPDATE telegram_sends SET places = $2 WHERE budget = $1",
                        keys[1],
                        sends.places,
                    )
        self._taken += 1
        if self._taken % self.FORGET_EVERY == 0:
            await self._forget_before(now - FORGET_AFTER)
        return admission

    async def pause(self, seconds: float) -> None:
        """No send from any replica for the next `seconds`; the others hear of it at once."""
        self._heard_pause(seconds)
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
        """Drop the chats' rows whose newest send is older than `moment`."""
        pool = await self._db.pool()
        try:
            await pool.execute(
                "DELETE FROM telegram_sends WHERE budget <> $1 "
                "AND coalesce(places[cardinality(places)], 0) < $2",
                BOT,
                moment,
            )
        except (OSError, asyncpg.PostgresError) as error:
            log.warning("old chats' send counts not dropped (%s)", type(error).__name__)
