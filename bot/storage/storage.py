"""The stores the bot keeps what it must not forget in, opened and closed together."""

from __future__ import annotations

import sqlite3
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from bot.storage.business import BusinessStore
from bot.storage.chat_store import StateStore
from bot.storage.errors import StorageUnavailableError
from bot.storage.ledger import BookingLedger
from bot.storage.send_budget import SendBudget
from bot.storage.wishes import WishStore

__all__ = ["Storage"]


@dataclass(frozen=True, slots=True)
class Storage:
    """The state store, the booking ledger, the waiting list, the agents' business chats and
    the count of what the bot sends to Telegram; for a database, what its driver raises when it
    cannot be used and how its connections close."""

    store: StateStore
    ledger: BookingLedger
    wishes: WishStore
    business: BusinessStore
    sends: SendBudget
    where: str = "BOT_DATA_DIR"  # named when the stores cannot be opened
    unusable: tuple[type[Exception], ...] = (OSError, sqlite3.Error)
    close_database: Callable[[], Awaitable[None]] | None = None

    async def open(self) -> None:
        """Connect (and migrate) now, so a bad database fails at start: StorageUnavailableError
        says what kind of failure it was (never the URL, which holds a password)."""
        try:
            await self.store.open()
            await self.ledger.open()
            await self.wishes.open()
            await self.business.open()
            await self.sends.open()
        except self.unusable as error:
            raise StorageUnavailableError(
                f"{self.where} cannot be used ({type(error).__name__})"
            ) from None

    async def close(self) -> None:
        """Close files and connections."""
        await self.sends.close()
        await self.business.close()
        await self.wishes.close()
        await self.ledger.close()
        await self.store.close()
        if self.close_database is not None:
            await self.close_database()
