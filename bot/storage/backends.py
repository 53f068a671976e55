"""Where the bot keeps what it must not forget: SQLite files, or one PostgreSQL database.

BOT_DATABASE_URL unset: state.sqlite3, bookings.sqlite3, wishes.sqlite3 and business.sqlite3
under BOT_DATA_DIR, for one process. Set: all live in that PostgreSQL database, which several
replicas may share.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from pathlib import Path

import asyncpg

from bot.storage.business import BusinessStore
from bot.storage.business_postgres import PostgresBusiness
from bot.storage.business_sqlite import SqliteBusiness
from bot.storage.chat_store import StateStore
from bot.storage.chat_store_postgres import PostgresStore
from bot.storage.chat_store_sqlite import SqliteStore
from bot.storage.errors import StorageUnavailableError
from bot.storage.ledger import BookingLedger
from bot.storage.ledger_postgres import PostgresLedger
from bot.storage.ledger_sqlite import SqliteLedger
from bot.storage.postgres import Database
from bot.storage.send_budget import LocalSendBudget, SendBudget
from bot.storage.send_budget_postgres import SharedSendBudget
from bot.storage.wishes import WishStore
from bot.storage.wishes_postgres import PostgresWishes
from bot.storage.wishes_sqlite import SqliteWishes

__all__ = ["Storage", "StorageUnavailableError", "storage_for"]


@dataclass(frozen=True, slots=True)
class Storage:
    """The state store, the booking ledger, the waiting list, the agents' business chats and
    the count of what the bot sends to Telegram, and their database if any."""

    store: StateStore
    ledger: BookingLedger
    wishes: WishStore
    business: BusinessStore
    sends: SendBudget
    database: Database | None = None

    async def open(self) -> None:
        """Connect (and migrate) now, so a bad database fails at start: StorageUnavailableError
        says what kind of failure it was (never the URL, which holds a password)."""
        try:
            await self.store.open()
            await self.ledger.open()
            await self.wishes.open()
            await self.business.open()
            await self.sends.open()
        except (OSError, sqlite3.Error, asyncpg.PostgresError, asyncpg.InterfaceError) as error:
            where = "the database at BOT_DATABASE_URL" if self.database else "BOT_DATA_DIR"
            raise StorageUnavailableError(
                f"{where} cannot be used ({type(error).__name__})"
            ) from None

    async def close(self) -> None:
        """Close files and connections."""
        await self.sends.close()
        await self.business.close()
        await self.wishes.close()
        await self.ledger.close()
        await self.store.close()
        if self.database is not None:
            await self.database.close()


def storage_for(data_dir: Path, database_url: str | None) -> Storage:
    """SQLite files under `data_dir`, or the PostgreSQL database at `database_url` (BOT_DATA_DIR
    and BOT_DATABASE_URL); nothing is opened yet."""
    if database_url is None:
        return Storage(
            SqliteStore(data_dir / "state.sqlite3"),
            SqliteLedger(data_dir / "bookings.sqlite3"),
            SqliteWishes(data_dir / "wishes.sqlite3"),
            SqliteBusiness(data_dir / "business.sqlite3"),
            LocalSendBudget(),
        )
    database = Database(database_url)
    return Storage(
        PostgresStore(database),
        PostgresLedger(database),
        PostgresWishes(database),
        PostgresBusiness(database),
        SharedSendBudget(database),
        database,
    )
