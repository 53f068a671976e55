"""Agents' business connections and chats as both stores keep them: a key per agent and
customer above every Telegram chat id, the customer's last message only moving forward."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.storage.business import BusinessStore, Connection, is_business_key
from bot.storage.business_postgres import PostgresBusiness
from bot.storage.business_sqlite import SqliteBusiness
from bot.storage.postgres import Database

WROTE = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)


@pytest.fixture(params=["sqlite", "postgres"])
async def store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[BusinessStore]:
    database = None
    if request.param == "sqlite":
        kept: BusinessStore = SqliteBusiness(tmp_path / "business.sqlite3")
    else:
        database = Database(request.getfixturevalue("database_url"))
        kept = PostgresBusiness(database)
    await kept.open()
    yield kept
    await kept.close()
    if database is not None:
        await database.close()


async def test_a_connection_comes_back_as_last_described(store: BusinessStore) -> None:
    assert await store.connection("c-1") is None
    await store.keep_connection(Connection("c-1", 777, True, False, True))
    switched_off = Connection("c-1", 777, True, False, False)
    await store.keep_connection(switched_off)
    assert await store.connection("c-1") == switched_off


async def test_each_agent_and_customer_get_one_key_of_their_own(store: BusinessStore) -> None:
    key = await store.chat_key("c-1", 777, 4242)
    assert is_business_key(key)
    assert await store.chat_key("c-2", 777, 4242) == key, "a new connection of the same agent"
    other = await store.chat_key("c-1", 777, 4343)
    elsewhere = await store.chat_key("c-9", 778, 4242)
    assert len({key, other, elsewhere}) == 3
    chat = await store.chat(key)
    assert chat is not None
    assert (chat.connection_id, chat.agent_id, chat.customer_id) == ("c-2", 777, 4242)
    assert chat.customer_wrote_at is None


async def test_the_customers_last_message_only_moves_forward_and_forgetting_erases(
    store: BusinessStore,
) -> None:
    key = await store.chat_key("c-1", 777, 4242)
    await store.customer_wrote(key, WROTE)
    await store.customer_wrote(key, WROTE - timedelta(hours=1))  # a late delivery
    chat = await store.chat(key)
    assert chat is not None
    assert chat.customer_wrote_at == WROTE
    assert [c.key for c in await store.chats_of_customer(4242)] == [key]
    await store.forget_chat(key)
    assert await store.chat(key) is None
    assert await store.chats_of_customer(4242) == []
