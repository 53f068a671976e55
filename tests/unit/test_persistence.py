"""State stores and the persistence over them: JSON round trips across restarts, state read one
chat at a time, PTB integration, SIGKILL durability. Every store test runs on SQLite and on a
real PostgreSQL server."""

from __future__ import annotations

import asyncio
import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from enum import IntEnum
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from telegram import Update
from telegram.ext import (
    ApplicationBuilder,
    ContextTypes,
    ConversationHandler,
    MessageHandler,
    filters,
)

from bot.ptb.chat_turns import ChatStates
from bot.ptb.persistence import SAFETY_NET_INTERVAL, StatePersistence
from bot.ptb.update_processor import PerChatUpdateProcessor
from bot.storage.chat_store import Changes, RowChange, RowKind, StaleUpdate, StateStore
from bot.storage.chat_store_postgres import PostgresStore
from bot.storage.chat_store_sqlite import SqliteStore
from bot.storage.postgres import SCHEMA_VERSION, Database
from tests.support.offline_app import CHAT_ID, USER_ID, App, OfflineBot, handle, message_update

PROJECT_ROOT = Path(__file__).resolve().parents[2]


class Step(IntEnum):
    """Conversation states shaped like the bot's own: an IntEnum, not plain ints."""

    NAME = 1
    CONFIRM = 2


# A factory of stores over the same place: a second one is "the bot after a restart" (or, on
# PostgreSQL, the other replica).
StoreFactory = Callable[[], StateStore]


@pytest.fixture(params=["sqlite", "postgres"])
async def new_store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[StoreFactory]:
    databases: list[Database] = []
    stores: list[StateStore] = []
    if request.param == "sqlite":
        # Nested on purpose: the store must create missing parent directories.
        path = tmp_path / "data" / "state" / "bot.sqlite3"

        def make() -> StateStore:
            stores.append(SqliteStore(path))
            return stores[-1]

    else:
        url: str = request.getfixturevalue("database_url")

        def make() -> StateStore:
            databases.append(Database(url, pool_size=3))
            stores.append(PostgresStore(databases[-1]))
            return stores[-1]

    yield make
    for store in stores:
        await store.close()
    for database in databases:
        await database.close()


async def loaded(store: StateStore, chat_id: int | None, user_id: int | None) -> Any:
    """What a fresh persistence on `store` reads for one chat and user."""
    persistence = StatePersistence(store)
    await persistence.get_user_data()  # opens, as PTB's initialize does
    return await persistence.load(chat_id, user_id)


async def writer(store: StateStore, *chats: int) -> StatePersistence:
    """A persistence allowed to write these chats' and users' rows (as a turn would)."""
    persistence = StatePersistence(store)
    await persistence.get_user_data()
    for chat in chats:
        await persistence.load(chat, chat)
    return persistence


# -- round trips ---------------------------------------------------------------------------------


async def test_user_and_chat_data_round_trip_keeps_nesting_and_unicode(
    new_store: StoreFactory,
) -> None:
    persistence = await writer(new_store(), CHAT_ID, USER_ID)
    data: dict[str, Any] = {
        "name": "Zoë Ünal",
        "slot": {"start": "2025-03-30T08:00:00+00:00", "minutes": 30, "score": 0.5},
        "offered": ["2025-03-30T08:00:00+00:00", "2025-03-30T08:30:00+00:00"],
        "consent": True,
        "phone": None,
    }
    await persistence.update_chat_data(CHAT_ID, data)
    # Overwriting must replace, not merge.
    data["consent"] = False
    del data["phone"]
    await persistence.update_chat_data(CHAT_ID, data)
    await persistence.update_user_data(USER_ID, {"language": "de", "zone": "Europe/Berlin"})

    fresh = await loaded(new_store(), CHAT_ID, USER_ID)
    assert fresh.chat_data == data
    assert (await loaded(new_store(), None, USER_ID)).user_data == {
        "language": "de",
        "zone": "Europe/Berlin",
    }
    assert (await loaded(new_store(), 999, 999)).chat_data is None, "nothing stored: None"


async def test_conversation_tuple_keys_and_intenum_states_come_back_with_their_chat(
    new_store: StoreFactory,
) -> None:
    persistence = await writer(new_store(), CHAT_ID, 99)
    await persistence.update_conversation("booking", (CHAT_ID, USER_ID), Step.CONFIRM)
    await persistence.update_conversation("booking", (CHAT_ID,), Step.NAME)
    await persistence.update_conversation("booking", (99, USER_ID), Step.NAME)
    await persistence.update_conversation("other", (CHAT_ID, USER_ID), "free-text")

    fresh = await loaded(new_store(), CHAT_ID, USER_ID)
    booking = fresh.conversations["booking"]
    assert booking == {(CHAT_ID, USER_ID): Step.CONFIRM, (CHAT_ID,): Step.NAME}
    assert all(isinstance(key, tuple) for key in booking)
    state = booking[(CHAT_ID, USER_ID)]
    # ConversationHandler looks the state up in a dict keyed by IntEnum members.
    handlers_by_state = {Step.NAME: "name", Step.CONFIRM: "confirm"}
    assert handlers_by_state[state] == "confirm"
    assert fresh.conversations["other"] == {(CHAT_ID, USER_ID): "free-text"}


async def test_none_state_deletes_only_that_conversation(new_store: StoreFactory) -> None:
    persistence = await writer(new_store(), 1, 2, 9)
    await persistence.update_conversation("booking", (1, 1), Step.NAME)
    await persistence.update_conversation("booking", (2, 2), Step.NAME)
    await persistence.update_conversation("other", (1, 1), Step.NAME)
    await persistence.update_conversation("booking", (1, 1), None)
    # Deleting a conversation that was never stored is harmless.
    await persistence.update_conversation("booking", (9, 9), None)

    assert (await loaded(new_store(), 1, 1)).conversations == {"other": {(1, 1): Step.NAME}}
    assert (await loaded(new_store(), 2, 2)).conversations == {"booking": {(2, 2): Step.NAME}}


async def test_drop_chat_and_user_data_and_write_the_same_again(new_store: StoreFactory) -> None:
    persistence = await writer(new_store(), 1, 2)
    await persistence.update_chat_data(1, {"a": 1})
    await persistence.update_chat_data(2, {"b": 2})
    await persistence.update_user_data(1, {"c": 3})
    await persistence.update_user_data(2, {"d": 4})
    await persistence.drop_chat_data(1)
    await persistence.drop_user_data(2)
    await persistence.drop_user_data(99)  # unknown id: nothing to do, no error
    one, two = await loaded(new_store(), 1, 1), await loaded(new_store(), 2, 2)
    assert (one.chat_data, one.user_data) == (None, {"c": 3})
    assert (two.chat_data, two.user_data) == ({"b": 2}, None)
    # Unchanged data is skipped to spare writes; a drop must reset that memory.
    await persistence.update_chat_data(1, {"a": 1})
    assert (await loaded(new_store(), 1, 1)).chat_data == {"a": 1}


async def test_a_row_never_read_is_never_written(new_store: StoreFactory) -> None:
    """PTB creates an empty dict for any id looked up; writing it would wipe the stored row."""
    persistence = await writer(new_store(), CHAT_ID)
    await persistence.update_chat_data(CHAT_ID, {"draft": {"name": "Ada"}})
    later = StatePersistence(new_store())
    await later.get_user_data()
    await later.update_chat_data(CHAT_ID, {})  # never loaded in this process
    assert (await loaded(new_store(), CHAT_ID, None)).chat_data == {"draft": {"name": "Ada"}}


# -- refusing data JSON would not bring back unchanged ---------------------------------------------


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"slot": datetime(2025, 1, 1, tzinfo=UTC)}, r"chat_data\[42\]\['slot'\] is a datetime"),
        ({"slot": {"range": (1, 2)}}, r"chat_data\[42\]\['slot'\]\['range'\] is a tuple.*list"),
        ({"by_id": {5: "x"}}, r"chat_data\[42\]\['by_id'\] has the int key 5"),
        ({"score": float("nan")}, r"chat_data\[42\]\['score'\] is nan"),
        ({"seen": [1, {"a"}]}, r"chat_data\[42\]\['seen'\]\[1\] is a set"),
    ],
)
async def test_non_json_chat_data_raises_type_error_naming_the_key(
    tmp_path: Path, data: dict[str, Any], message: str
) -> None:
    store = SqliteStore(tmp_path / "state.sqlite3")
    persistence = await writer(store, CHAT_ID)
    with pytest.raises(TypeError, match=message):
        await persistence.update_chat_data(CHAT_ID, data)
    assert (await loaded(store, CHAT_ID, None)).chat_data is None
    await store.close()


async def test_non_json_user_and_state_values_raise_type_error(tmp_path: Path) -> None:
    store = SqliteStore(tmp_path / "state.sqlite3")
    persistence = await writer(store, USER_ID)
    with pytest.raises(TypeError, match=r"user_data\[7\]\['when'\] is a datetime"):
        await persistence.update_user_data(USER_ID, {"when": datetime.now(UTC)})
    with pytest.raises(TypeError, match=r"conversation 'booking' \(42, 7\) state is a object"):
        await persistence.update_conversation("booking", (CHAT_ID, USER_ID), object())
    with pytest.raises(TypeError, match=r"key \(42, 1\.5\) holds a float"):
        await persistence.update_conversation("booking", (CHAT_ID, 1.5), Step.NAME)  # type: ignore[arg-type]
    cyclic: dict[str, Any] = {}
    cyclic["self"] = cyclic
    with pytest.raises(TypeError, match=r"chat_data\[42\]\['self'\] contains itself"):
        await persistence.update_chat_data(CHAT_ID, cyclic)
    await store.close()


async def test_an_operator_reading_the_file_holds_up_no_chats_turn(tmp_path: Path) -> None:
    # An operator reading the file in the sqlite3 shell (as the README suggests) holds a
    # snapshot, so the checkpoint that erases a deleted row's old copies cannot finish. It
    # gives up at once (not after the 5 s other statements wait) rather than hold every chat's
    # turn up, and is done again at the next commit once the operator is done.
    path = tmp_path / "state.sqlite3"
    store = SqliteStore(path)
    await store.open()
    await store.commit(
        Changes((RowChange(RowKind.CHAT, 1, '{"a":1}'), RowChange(RowKind.CHAT, 2, '{"b":2}')))
    )
    operator = sqlite3.connect(path, isolation_level=None)
    try:
        operator.execute("BEGIN")
        operator.execute("SELECT * FROM chat_data").fetchall()
        await asyncio.wait_for(store.commit(Changes((RowChange(RowKind.CHAT, 1, None),))), 2.0)
        assert (await asyncio.wait_for(store.read(2, None), 1.0)).chat_data == '{"b":2}'
        assert (await store.read(1, None)).chat_data is None
        operator.execute("COMMIT")
    finally:
        operator.close()
    wal = path.with_name("state.sqlite3-wal")
    assert wal.stat().st_size > 0  # the deleted row's old copy is still in the journal
    await store.commit(Changes((RowChange(RowKind.CHAT, 2, '{"b":3}'),)))
    assert wal.stat().st_size == 0  # now it is gone
    await store.close()


# -- schema setup and lifecycle --------------------------------------------------------------------


async def test_sqlite_file_setup_and_reuse_after_flush(tmp_path: Path) -> None:
    path = tmp_path / "data" / "state.sqlite3"
    persistence = StatePersistence(SqliteStore(path))
    assert persistence.update_interval == SAFETY_NET_INTERVAL
    store_data = persistence.store_data
    assert (store_data.user_data, store_data.chat_data, store_data.bot_data) == (True, True, False)
    assert store_data.callback_data is False
    assert await persistence.get_user_data() == {}
    with sqlite3.connect(path) as conn:
        (mode,) = conn.execute("PRAGMA journal_mode").fetchone()
    conn.close()
    assert mode == "wal"
    # PTB may initialize an application again after shutdown; the file must reopen.
    await persistence.flush()
    await persistence.flush()
    await persistence.load(1, None)
    await persistence.update_chat_data(1, {"after": "flush"})
    assert (await persistence.load(1, None)).chat_data == {"after": "flush"}
    await persistence.flush()


async def empty_state_file(folder: Path) -> Path:
    """A state file as the bot creates it, with no rows yet, for a test to write into."""
    path = folder / "state.sqlite3"
    store = SqliteStore(path)
    await store.open()
    await store.close()
    return path


async def test_sqlite_file_from_a_newer_schema_is_refused(tmp_path: Path) -> None:
    path = await empty_state_file(tmp_path)
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA user_version=99")
    conn.close()
    with pytest.raises(RuntimeError, match="schema version 99"):
        await SqliteStore(path).open()


async def test_a_version_1_sqlite_file_is_migrated_and_keeps_everything(tmp_path: Path) -> None:
    path = tmp_path / "state.sqlite3"
    touched = "2026-01-02T03:04:05+00:00"
    with sqlite3.connect(path) as conn:
        conn.executescript(
            "CREATE TABLE user_data (user_id INTEGER PRIMARY KEY, data TEXT NOT NULL);"
            "CREATE TABLE chat_data (chat_id INTEGER PRIMARY KEY, data TEXT NOT NULL);"
            "CREATE TABLE bot_data (id INTEGER PRIMARY KEY CHECK (id = 1), data TEXT NOT NULL);"
            "CREATE TABLE conversations (name TEXT NOT NULL, key TEXT NOT NULL,"
            " state TEXT NOT NULL, PRIMARY KEY (name, key)) WITHOUT ROWID;"
            "PRAGMA user_version=1;"
        )
        conn.execute('INSERT INTO user_data VALUES (7, \'{"prefs":{"language":"de"}}\')')
        conn.execute(
            "INSERT INTO chat_data VALUES (42, ?)", (f'{{"draft":{{"touched_at":"{touched}"}}}}',)
        )
        conn.execute("INSERT INTO conversations VALUES ('booking', '[42,7]', '3')")
    conn.close()

    store = SqliteStore(path)
    fresh = await loaded(store, CHAT_ID, USER_ID)
    assert fresh.user_data == {"prefs": {"language": "de"}}
    assert fresh.conversations == {"booking": {(42, 7): 3}}
    # The idle sweep finds the draft by the time it already held.
    assert await store.idle_chats(datetime(2026, 1, 3, tzinfo=UTC), 10) == [CHAT_ID]
    await store.close()


async def test_a_postgres_database_from_a_newer_schema_is_refused(database_url: str) -> None:
    first = Database(database_url, pool_size=2)
    await first.open()
    await first.close()
    conn = await asyncpg.connect(database_url)
    await conn.execute("INSERT INTO schema_version (version) VALUES (99)")
    await conn.close()
    later = Database(database_url, pool_size=2)
    with pytest.raises(RuntimeError, match="schema version 99"):
        await later.open()


async def test_two_postgres_replicas_starting_together_migrate_once(database_url: str) -> None:
    databases = [Database(database_url, pool_size=2) for _ in range(3)]
    await asyncio.gather(*(database.open() for database in databases))
    for database in databases:
        await database.close()
    conn = await asyncpg.connect(database_url)
    versions = await conn.fetch("SELECT version FROM schema_version ORDER BY version")
    await conn.close()
    # Each migration step exactly once, though three replicas ran them together.
    assert [row["version"] for row in versions] == list(range(1, SCHEMA_VERSION + 1))


async def test_idle_chats_are_found_oldest_first(new_store: StoreFactory) -> None:
    now = datetime(2026, 12, 1, 12, tzinfo=UTC)
    touched = {1: now - timedelta(hours=2), 2: now - timedelta(hours=3), 3: now}
    persistence = StatePersistence(
        new_store(), touched_of=lambda data: touched.get(int(data.get("id", 0)))
    )
    await persistence.get_user_data()
    for chat in (1, 2, 3, 4):
        await persistence.load(chat, None)
        await persistence.update_chat_data(chat, {"id": chat})
    assert await persistence.store.idle_chats(now - timedelta(hours=1), 10) == [2, 1]
    assert await persistence.store.idle_chats(now - timedelta(hours=1), 1) == [2]


# -- the chat's turn across processes ----------------------------------------------------------


async def test_postgres_turns_of_one_chat_exclude_each_other_across_replicas(
    database_url: str,
) -> None:
    one, two = Database(database_url, pool_size=2), Database(database_url, pool_size=2)
    first, second = PostgresStore(one), PostgresStore(two)
    await first.open()
    order: list[str] = []

    async def hold(store: PostgresStore, name: str) -> None:
        async with store.turn(CHAT_ID, None, None):
            order.append(f"{name} in")
            await asyncio.sleep(0.2)
            order.append(f"{name} out")

    await asyncio.gather(hold(first, "one"), hold(second, "two"))
    assert order in (
        ["one in", "one out", "two in", "two out"],
        ["two in", "two out", "one in", "one out"],
    ), "never both inside"
    # Another chat is never held up by this one.
    async with first.turn(CHAT_ID, None, None), second.turn(CHAT_ID + 1, None, None):
        pass
    await one.close()
    await two.close()


async def test_an_update_older_than_the_chats_last_is_refused(database_url: str) -> None:
    database = Database(database_url, pool_size=2)
    store = PostgresStore(database)
    async with store.turn(CHAT_ID, 11, "{}") as left:
        assert left is None
    for update_id in (11, 10):  # delivered again, or overtaken by a newer one
        with pytest.raises(StaleUpdate):
            async with store.turn(CHAT_ID, update_id, "{}"):
                pass
    async with store.turn(CHAT_ID, 12, "{}") as left:
        assert left is None, "a finished turn leaves nothing to do again"
    await database.close()


_DYING_REPLICA = textwrap.dedent(
    """
    import asyncio, os, signal, sys

    from bot.storage.postgres import Database
    from bot.storage.chat_store_postgres import PostgresStore

    async def main() -> None:
        store = PostgresStore(Database(sys.argv[1], pool_size=2))
        async with store.turn(42, 20, '{"update_id": 20, "seen": "Ada"}'):
            # The answer may be out; the changes are not committed: the harshest end.
            os.kill(os.getpid(), signal.SIGKILL)

    asyncio.run(main())
    """
)


async def test_an_update_a_dead_replica_left_unfinished_is_handed_to_the_next_turn(
    database_url: str,
) -> None:
    env = {**os.environ, "PYTHONPATH": str(PROJECT_ROOT)}
    child = await asyncio.create_subprocess_exec(
        sys.executable, "-c", _DYING_REPLICA, database_url, cwd=PROJECT_ROOT, env=env
    )
    assert await child.wait() == -signal.SIGKILL
    database = Database(database_url, pool_size=2)
    store = PostgresStore(database)
    async with asyncio.timeout(10), store.turn(CHAT_ID, 21, "{}") as left:
        # Its lock went with its connections; its update comes back, once.
        assert left == '{"update_id": 20, "seen": "Ada"}'
    async with store.turn(CHAT_ID, 22, "{}") as left:
        assert left is None
    conn = await asyncpg.connect(database_url)
    kept = await conn.fetchval("SELECT count(*) FROM chat_turns WHERE payload IS NOT NULL")
    await conn.close()
    assert kept == 0, "what the customer sent is not kept once answered"
    await database.close()


async def test_a_dead_replica_frees_its_chats_at_once(database_url: str) -> None:
    one, two = Database(database_url, pool_size=2), Database(database_url, pool_size=2)
    await one.open()
    await one.lock_chat(CHAT_ID)
    await one.close()  # what a killed process's closed connections amount to
    async with asyncio.timeout(5):
        await two.lock_chat(CHAT_ID)
    await two.unlock_chat(CHAT_ID)
    await two.close()


# -- with a real PTB Application ----------------------------------------------------------------


async def ask_name(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    assert context.chat_data is not None
    assert context.user_data is not None
    context.chat_data["step"] = "asked_name"
    context.chat_data["language_seen"] = context.user_data.get("language")
    return Step.NAME


async def take_name(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    assert context.chat_data is not None
    assert update.effective_message is not None
    context.chat_data["name"] = update.effective_message.text
    return Step.CONFIRM


async def confirm(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    assert context.chat_data is not None
    context.chat_data["confirmed"] = True
    return ConversationHandler.END


def build_app(store: StateStore, cache_size: int = 1024) -> tuple[App, ChatStates]:
    """An application wired like the bot's (per-chat turns), with handlers that never call the
    Telegram API."""
    persistence = StatePersistence(store)
    states = ChatStates(persistence, cache_size=cache_size)
    application = (
        ApplicationBuilder()
        .bot(OfflineBot("123:abc"))
        .persistence(persistence)
        .concurrent_updates(PerChatUpdateProcessor(states))
        .updater(None)
        .build()
    )
    states.attach(application)
    application.add_handler(
        ConversationHandler(
            entry_points=[MessageHandler(filters.Regex("^start$"), ask_name)],
            states={
                Step.NAME: [MessageHandler(filters.TEXT, take_name)],
                Step.CONFIRM: [MessageHandler(filters.Regex("^yes$"), confirm)],
            },
            fallbacks=[],
            name="booking",
            persistent=True,
        )
    )
    return application, states


async def test_conversation_continues_after_a_restart_or_on_the_other_replica(
    new_store: StoreFactory,
) -> None:
    first, _ = build_app(new_store())
    await first.initialize()
    await handle(first, message_update(first, "start"))
    await handle(first, message_update(first, "Ada"))
    # Written at the end of each turn: a crash now loses nothing.
    fresh = await loaded(new_store(), CHAT_ID, USER_ID)
    assert fresh.conversations == {"booking": {(CHAT_ID, USER_ID): Step.CONFIRM}}
    assert fresh.chat_data == {"step": "asked_name", "language_seen": None, "name": "Ada"}

    # A new process (or the other replica) continues: "yes" only matches in CONFIRM.
    second, _ = build_app(new_store())
    await second.initialize()
    await handle(second, message_update(second, "yes"))
    final = await loaded(new_store(), CHAT_ID, USER_ID)
    assert final.chat_data["confirmed"] is True
    assert final.conversations == {}, "the conversation ended, so its row is gone"
    await first.shutdown()
    await second.shutdown()


async def test_a_store_of_100000_customers_loads_none_until_they_write(tmp_path: Path) -> None:
    path = await empty_state_file(tmp_path)
    with sqlite3.connect(path) as conn:
        conn.executemany(
            "INSERT INTO user_data VALUES (?, ?)",
            ((n, f'{{"language":"lang-{n}"}}') for n in range(1, 100_001)),
        )
        conn.executemany(
            "INSERT INTO chat_data (chat_id, data) VALUES (?, ?)",
            ((n, '{"booked":1}') for n in range(1, 100_001)),
        )
    conn.close()

    app, states = build_app(SqliteStore(path), cache_size=3)
    await app.initialize()
    assert (len(app.user_data), len(app.chat_data), states.cached_chats) == (0, 0, 0)

    customer = 54_321
    await handle(app, message_update(app, "start", chat=customer, user=customer))
    # Only this customer was read, and the handler saw what they had stored.
    assert set(app.user_data) == {customer}
    assert set(app.chat_data) == {customer}
    assert app.chat_data[customer]["language_seen"] == f"lang-{customer}"

    # Memory stays bounded: with room for 3 chats, 5 customers leave 3 in memory...
    for other in (11, 12, 13, 14):
        await handle(app, message_update(app, "start", chat=other, user=other))
    assert states.cached_chats == 3
    assert len(app.chat_data) == 3
    # ...and the first one, forgotten, continues from the store where they left off.
    assert customer not in app.chat_data
    await handle(app, message_update(app, "Grace", chat=customer, user=customer))
    assert app.chat_data[customer]["name"] == "Grace"
    assert app.chat_data[customer]["booked"] == 1, "the stored row was read, not replaced"
    await app.shutdown()


# -- durability against SIGKILL -----------------------------------------------------------------

_CHILD = textwrap.dedent(
    """
    import asyncio, os, signal, sys
    from pathlib import Path

    from bot.ptb.persistence import StatePersistence
    from bot.storage.chat_store_sqlite import SqliteStore

    async def main() -> None:
        persistence = StatePersistence(SqliteStore(Path(sys.argv[1])))
        await persistence.load(42, 7)
        await persistence.update_conversation("booking", (42, 7), 2)
        await persistence.update_chat_data(42, {"name": "Zoë", "slot": "2025-03-30T08:00:00+00:00"})
        # No flush, no close, no atexit: the harshest possible end right after the write.
        os.kill(os.getpid(), signal.SIGKILL)

    asyncio.run(main())
    """
)


def test_sigkill_right_after_a_write_loses_nothing(tmp_path: Path) -> None:
    path = tmp_path / "state.sqlite3"
    env = {**os.environ, "PYTHONPATH": str(PROJECT_ROOT)}
    result = subprocess.run(
        [sys.executable, "-c", _CHILD, str(path)],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == -signal.SIGKILL, result.stderr

    async def read_back() -> Any:
        store = SqliteStore(path)
        try:
            return await loaded(store, 42, 7)
        finally:
            await store.close()

    back = asyncio.run(read_back())
    assert back.chat_data == {"name": "Zoë", "slot": "2025-03-30T08:00:00+00:00"}
    assert back.conversations == {"booking": {(42, 7): Step.CONFIRM}}
