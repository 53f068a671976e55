"""Where the bot keeps what it must not forget: SQLite files, or one PostgreSQL database.

BOT_DATABASE_URL unset: state.sqlite3 and bookings.sqlite3 under BOT_DATA_DIR, for one
process. Set: both live in that PostgreSQL database, which several replicas may share.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.booking_ledger import BookingLedger, SqliteLedger
from bot.config import Settings
from bot.database import Database
from bot.postgres_ledger import PostgresLedger
from bot.postgres_store import PostgresStore
from bot.sqlite_store import SqliteStore
from bot.state_store import StateStore

__all__ = ["Storage", "storage_for"]


@dataclass(frozen=True, slots=True)
class Storage:
    """The state store and the booking ledger of one process, and their database if any."""

    store: StateStore
    ledger: BookingLedger
    database: Database | None = None

    async def open(self) -> None:
        """Connect (and migrate) now, so a bad database fails at start."""
        await self.store.open()
        await self.ledger.open()

    async def close(self) -> None:
        """Close files and connections."""
        await self.ledger.close()
        await self.store.close()
        if self.database is not None:
            await self.database.close()


def storage_for(settings: Settings) -> Storage:
    """The storage the settings ask for (nothing is opened yet)."""
    if settings.bot_database_url is None:
        data = settings.bot_data_dir
        return Storage(SqliteStore(data / "state.sqlite3"), SqliteLedger(data / "bookings.sqlite3"))
    database = Database(settings.bot_database_url.get_secret_value())
    return Storage(PostgresStore(database), PostgresLedger(database), database)
