"""Where the bot keeps what it must not forget: SQLite files, or one PostgreSQL database.

BOT_DATABASE_URL unset: state.sqlite3, bookings.sqlite3, wishes.sqlite3 and business.sqlite3
under BOT_DATA_DIR, for one process. Set: all live in that PostgreSQL database, which several
replicas may share.
"""

from __future__ import annotations

from pathlib import Path

from bot.storage.business_sqlite import SqliteBusiness
from bot.storage.chat_store_sqlite import SqliteStore
from bot.storage.errors import StorageUnavailableError
from bot.storage.ledger_sqlite import SqliteLedger
from bot.storage.send_budget import LocalSendBudget
from bot.storage.storage import Storage
from bot.storage.wishes_sqlite import SqliteWishes

__all__ = ["Storage", "StorageUnavailableError", "storage_for"]


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
    # Loaded only for a database: its driver and stores are a tenth of the start's imports.
    from bot.storage.postgres_storage import postgres_storage

    return postgres_storage(database_url)
