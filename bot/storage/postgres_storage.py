"""All the stores in one PostgreSQL database (BOT_DATABASE_URL), which replicas share."""

from __future__ import annotations

import sqlite3

import asyncpg

from bot.storage.business_postgres import PostgresBusiness
from bot.storage.chat_store_postgres import PostgresStore
from bot.storage.ledger_postgres import PostgresLedger
from bot.storage.postgres import Database
from bot.storage.send_budget_postgres import SharedSendBudget
from bot.storage.storage import Storage
from bot.storage.wishes_postgres import PostgresWishes

__all__ = ["postgres_storage"]


def postgres_storage(database_url: str) -> Storage:
    """The stores on the database at `database_url`; nothing is connected yet."""
    database = Database(database_url)
    return Storage(
        PostgresStore(database),
        PostgresLedger(database),
        PostgresWishes(database),
        PostgresBusiness(database),
        SharedSendBudget(database),
        where="the database at BOT_DATABASE_URL",
        unusable=(OSError, sqlite3.Error, asyncpg.PostgresError, asyncpg.InterfaceError),
        close_database=database.close,
    )
