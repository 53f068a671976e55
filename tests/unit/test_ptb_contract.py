"""The contract between python-telegram-bot and the bot's persistence, on a real Application
(offline) with the bot's persistence, per-chat turns and update processor.

bot/ptb/ptb_internals.py relies on what PTB's private names mean; these tests fail when a PTB
upgrade changes it: a turn writes each row it changed once, leaves nothing for PTB's periodic
`update_persistence`, and a /forget during a turn stays forgotten.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from telegram import (
    CopyTextButton,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    ReplyKeyboardMarkup,
    Update,
    WebAppInfo,
)
from telegram.ext import (
    ApplicationBuilder,
    ContextTypes,
    ConversationHandler,
    MessageHandler,
    filters,
)

from bot.metrics import Metrics
from bot.ptb import ptb_internals
from bot.ptb.chat_turns import ChatStates
from bot.ptb.heard import HeardRequest, ReceivedUpdates
from bot.ptb.persistence import StatePersistence
from bot.ptb.plain import plain_object
from bot.ptb.update_processor import PerChatUpdateProcessor
from bot.storage.chat_store import Changes
from bot.storage.chat_store_sqlite import SqliteStore
from tests.support.offline_app import CHAT_ID, USER_ID, App, OfflineBot, handle, message_update

NAME, CONFIRM = 1, 2
CHAT_ROW, USER_ROW = f"chat_data {CHAT_ID}", f"user_data {USER_ID}"
STATE_ROW = f"booking [{CHAT_ID},{USER_ID}]"


class CountingStore(SqliteStore):
    """The SQLite store, counting what each commit writes."""

    def __init__(self, path: Path) -> None:
        super().__init__(path)
        self.commits: list[Changes] = []

    async def commit(self, changes: Changes, *, turn: tuple[int, int] | None = None) -> None:
        if changes:
            self.commits.append(changes)
        await super().commit(changes, turn=turn)

    def writes(self) -> Counter[str]:
        """How often each row was written (or deleted) so far."""
        return Counter(
            [f"{row.kind.value} {row.row_id}" for changes in self.commits for row in changes.rows]
            + [
                f"{state.name} {state.key_text}"
                for changes in self.commits
                for state in changes.conversations
            ]
        )


class WatchedPersistence(StatePersistence):
    """The bot's persistence, noting each write PTB itself asks for (its periodic
    `update_persistence`, and the last one at shutdown)."""

    def __init__(self, store: CountingStore) -> None:
        super().__init__(store)
        self.ptb_writes: list[str] = []

    async def update_chat_data(self, chat_id: int, data: dict[str, Any]) -> None:
        self.ptb_writes.append(f"chat_data {chat_id}")
        await super().update_chat_data(chat_id, data)

    async def update_user_data(self, user_id: int, data: dict[str, Any]) -> None:
        self.ptb_writes.append(f"user_data {user_id}")
        await super().update_user_data(user_id, data)

    async def update_conversation(
        self, name: str, key: tuple[int | str, ...], new_state: object | None
    ) -> None:
        self.ptb_writes.append(f"{name} {list(key)}")
        await super().update_conversation(name, key, new_state)

    async def drop_chat_data(self, chat_id: int) -> None:
        self.ptb_writes.append(f"drop chat_data {chat_id}")
        await super().drop_chat_data(chat_id)

    async def drop_user_data(self, user_id: int) -> None:
        self.ptb_writes.append(f"drop user_data {user_id}")
        await super().drop_user_data(user_id)


async def ask_name(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    assert context.chat_data is not None
    assert context.user_data is not None
    context.chat_data["asked"] = True
    context.chat_data["language_seen"] = context.user_data.get("language")
    context.user_data["language"] = "de"
    return NAME


async def take_name(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    assert context.chat_data is not None
    assert update.effective_message is not None
    context.chat_data["name"] = update.effective_message.text
    return CONFIRM


async def confirm(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    assert context.chat_data is not None
    context.chat_data["confirmed"] = True
    return ConversationHandler.END


async def forget(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    """What /forget does, and then what a careless handler might do after it."""
    context.application.drop_chat_data(CHAT_ID)
    context.application.drop_user_data(USER_ID)
    assert context.chat_data is not None
    assert context.user_data is not None
    context.chat_data["late"] = "written after the drop"
    context.user_data["late"] = "written after the drop"
    context.application.mark_data_for_update_persistence(chat_ids=CHAT_ID, user_ids=USER_ID)
    return ConversationHandler.END


def build(store: CountingStore) -> tuple[App, WatchedPersistence]:
    persistence = WatchedPersistence(store)
    states = ChatStates(persistence)
    app = (
        ApplicationBuilder()
        .bot(OfflineBot("123:abc"))
        .persistence(persistence)
        .concurrent_updates(PerChatUpdateProcessor(states))
        .updater(None)
        .build()
    )
    states.attach(app)
    app.add_handler(
        ConversationHandler(
            entry_points=[MessageHandler(filters.Regex("^start$"), ask_name)],
            states={
                NAME: [MessageHandler(filters.Regex("^(?!forget$)"), take_name)],
                CONFIRM: [MessageHandler(filters.Regex("^yes$"), confirm)],
            },
            fallbacks=[MessageHandler(filters.Regex("^forget$"), forget)],
            name="booking",
            persistent=True,
        )
    )
    return app, persistence


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[CountingStore]:
    counting = CountingStore(tmp_path / "state.sqlite3")
    yield counting
    await counting.close()


@pytest.fixture
async def app(store: CountingStore) -> AsyncIterator[App]:
    application, _ = build(store)
    await application.initialize()
    yield application
    await application.shutdown()


def ptb_writes(app: App) -> list[str]:
    persistence = app.persistence
    assert isinstance(persistence, WatchedPersistence)
    return persistence.ptb_writes


async def test_a_turn_writes_each_row_it_changed_once(app: App, store: CountingStore) -> None:
    await handle(app, message_update(app, "start"))
    assert len(store.commits) == 1, "the turn's changes go in one transaction"
    assert store.writes() == {CHAT_ROW: 1, USER_ROW: 1, STATE_ROW: 1}
    await app.update_persistence()
    assert store.writes() == {CHAT_ROW: 1, USER_ROW: 1, STATE_ROW: 1}, "nothing written twice"

    await handle(app, message_update(app, "Ada"))
    assert len(store.commits) == 2
    # The user's row did not change: not written again.
    assert store.writes() == {CHAT_ROW: 2, USER_ROW: 1, STATE_ROW: 2}
    await handle(app, message_update(app, "nothing matches this"))
    assert len(store.commits) == 2, "a turn that changes nothing writes nothing"


async def test_a_turn_leaves_nothing_for_ptbs_periodic_write(app: App) -> None:
    for text in ("start", "Ada", "forget", "start"):
        await handle(app, message_update(app, text))
        assert not ptb_internals.unwritten_chat(app, CHAT_ID)
        await app.update_persistence()
        assert ptb_writes(app) == [], f"after {text!r}, PTB found something left to write"

    # What changes outside a turn is still PTB's to write: the names mean what they did.
    ptb_internals.chat_data_of(app)[CHAT_ID]["outside"] = True
    app.mark_data_for_update_persistence(chat_ids=CHAT_ID)
    assert ptb_internals.unwritten_chat(app, CHAT_ID)
    await app.update_persistence()
    assert ptb_writes(app) == [CHAT_ROW]


async def test_a_forget_during_a_turn_is_not_overwritten_afterwards(
    app: App, store: CountingStore
) -> None:
    await handle(app, message_update(app, "start"))
    await handle(app, message_update(app, "forget"))
    rows = await store.read(CHAT_ID, USER_ID)
    assert (rows.chat_data, rows.user_data, rows.conversations) == (None, None, [])

    await app.update_persistence()
    rows = await store.read(CHAT_ID, USER_ID)
    assert (rows.chat_data, rows.user_data) == (None, None), "PTB's write did not bring it back"
    assert ptb_writes(app) == []

    # The next turn starts from nothing: neither the preference set before /forget nor what
    # was written after the drop comes back.
    await handle(app, message_update(app, "start"))
    rows = await store.read(CHAT_ID, USER_ID)
    assert StatePersistence.decode(rows.chat_data) == {"asked": True, "language_seen": None}
    assert StatePersistence.decode(rows.user_data) == {"language": "de"}


async def test_a_restart_reads_what_the_turns_wrote_and_nothing_else(
    app: App, store: CountingStore, tmp_path: Path
) -> None:
    await handle(app, message_update(app, "start"))
    await handle(app, message_update(app, "forget"))
    await handle(app, message_update(app, "start"))
    await handle(app, message_update(app, "Grace"))
    again = CountingStore(tmp_path / "state.sqlite3")
    restarted, _ = build(again)
    await restarted.initialize()
    await handle(restarted, message_update(restarted, "forget"))
    await handle(restarted, message_update(restarted, "start"))
    assert ptb_internals.chat_data_of(restarted)[CHAT_ID] == {
        "asked": True,
        "language_seen": None,
    }
    await restarted.shutdown()
    await again.close()


class PayloadStore(CountingStore):
    """The SQLite store, noting the update JSON each turn hands it."""

    def __init__(self, path: Path) -> None:
        super().__init__(path)
        self.payloads: list[str | None] = []

    def hold(self, chat_id: int, update_id: int | None, payload: str | None) -> Any:
        self.payloads.append(payload)
        return super().hold(chat_id, update_id, payload)


async def test_a_turn_keeps_its_update_as_telegram_sent_it(tmp_path: Path) -> None:
    # The getUpdates request keeps what Telegram sent, through PTB's parsing hook; the turn
    # keeps that (not PTB's objects written out again), and an update it did not hear is
    # written out from its objects.
    store = PayloadStore(tmp_path / "state.sqlite3")
    heard = HeardRequest(Metrics())
    persistence = StatePersistence(store)
    states = ChatStates(persistence)
    app = (
        ApplicationBuilder()
        .bot(OfflineBot("123:abc", get_updates_request=heard))
        .persistence(persistence)
        .concurrent_updates(PerChatUpdateProcessor(states))
        .updater(None)
        .build()
    )
    states.attach(app)
    processor = app.update_processor
    assert isinstance(processor, PerChatUpdateProcessor)
    processor.attach(app)
    await app.initialize()
    sent = message_update(app, "start").to_dict()
    sent["message"] = {"text": "start", **sent["message"], "from_the_future": 1}
    parsed = heard.parse_json_payload(json.dumps({"ok": True, "result": [sent]}).encode())
    assert parsed == {"ok": True, "result": [sent]}
    await handle(app, Update.de_json(sent, app.bot))
    other = message_update(app, "Ada")
    await handle(app, other)
    await app.shutdown()
    await store.close()
    assert store.payloads == [json.dumps(sent), json.dumps(other.to_dict())]
    assert heard.received.take(sent["update_id"]) is None, "taken once"


def test_received_updates_keep_the_newest_only() -> None:
    received = ReceivedUpdates()
    for update_id in range(ReceivedUpdates.KEPT + 5):
        received.keep({"update_id": update_id})
    received.keep({"update_id": "not a number"})
    received.keep(["not", "an", "update"])
    assert received.take(4) is None
    assert received.take(5) == {"update_id": 5}
    assert received.take(5) is None


def test_keyboards_are_written_out_as_ptb_writes_them() -> None:
    # bot/ptb/plain.py writes plain buttons out itself, for digests: the same JSON as PTB's
    # to_dict(), or a screen would look changed (or unchanged) when it is not.
    keyboards = [
        InlineKeyboardMarkup(
            [
                [InlineKeyboardButton("7 Mon", callback_data="d:14d0d3:20261207")],
                [InlineKeyboardButton("Privacy", url="https://example.org/privacy")],
                [InlineKeyboardButton("Pay", pay=True)],
            ]
        ),
        InlineKeyboardMarkup(
            [
                [InlineKeyboardButton("Copy", copy_text=CopyTextButton("x"))],
                [InlineKeyboardButton("App", web_app=WebAppInfo("https://example.org/app"))],
            ]
        ),
        InlineKeyboardMarkup([[InlineKeyboardButton("later ›", callback_data="dp:14d0d3:1")]]),
        InlineKeyboardMarkup(
            [[InlineKeyboardButton("extra", callback_data="x", api_kwargs={"new": 1})]]
        ),
        ReplyKeyboardMarkup([["Share my phone number"]]),
    ]
    for markup in keyboards:
        expected = json.dumps(markup.to_dict(), sort_keys=True)
        assert json.dumps(plain_object(markup), sort_keys=True) == expected
        assert plain_object(markup) is plain_object(markup), "written out once"
