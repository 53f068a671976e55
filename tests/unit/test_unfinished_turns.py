"""A turn cut short after it showed the customer something, on SQLite: written down before each
thing it shows is sent, handed to the chat's next turn once, crossed out when it commits; and
handled again so that what the customer already has is recognised, not sent twice."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import textwrap
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, cast

import pytest
from telegram import Chat, InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.ext import ExtBot

from bot.ptb import shown_screens
from bot.ptb.heard import ReceivedUpdates
from bot.ptb.shown_screens import Recorder, Replay, digest
from bot.sandbox.scheduling import SandboxScheduling
from bot.sandbox.telegram_api import BotApiEmulator
from bot.storage.chat_store import Changes, StateStore, Unfinished
from bot.storage.chat_store_postgres import PostgresStore
from bot.storage.chat_store_sqlite import SqliteStore
from bot.storage.postgres import Database
from tests.support.storage import files_holding
from tests.unit.conftest import ADA, SCREEN, Launcher, StepCustomer, walk
from tests.unit.test_persistence import _DYING_REPLICA as DYING_REPLICA

PROJECT_ROOT = Path(__file__).resolve().parents[2]
CHAT_ID = 4242
PAYLOAD = json.dumps({"update_id": 20, "message": {"text": "ada@example.org"}})


@pytest.fixture
def state_file(tmp_path: Path) -> Path:
    return tmp_path / "data" / "state.sqlite3"


async def left_for_next_turn(path: Path, update_id: int = 21) -> Unfinished | None:
    """What the chat's next update finds, in a process started afresh."""
    store = SqliteStore(path)
    try:
        async with store.hold(CHAT_ID, update_id, "{}") as left:
            return left
    finally:
        await store.close()


# -- the store -----------------------------------------------------------------------------------


async def test_a_turn_that_showed_something_is_handed_to_the_next_once(state_file: Path) -> None:
    store = SqliteStore(state_file)
    assert await left_for_next_turn(state_file) is None, "nothing shown, nothing to hand over"
    await store.showing(CHAT_ID, 20, PAYLOAD, ("screen",))
    await store.showing(CHAT_ID, 20, PAYLOAD, ("screen", "document"))
    await store.close()  # as a kill leaves it: no commit

    assert await left_for_next_turn(state_file) == Unfinished(PAYLOAD, ("screen", "document"))
    assert await left_for_next_turn(state_file) is None, "handed over once"


async def test_a_job_turn_leaves_the_unfinished_update_to_the_chats_next_update(
    state_file: Path,
) -> None:
    store = SqliteStore(state_file)
    await store.showing(CHAT_ID, 20, PAYLOAD, ("screen",))
    async with store.hold(CHAT_ID, None, None) as left:  # an idle sweep, a reminder
        assert left is None
    async with store.turn(CHAT_ID, 21, "{}") as payload:
        assert payload == PAYLOAD
    await store.close()


async def test_the_commit_of_its_turn_crosses_the_update_out(state_file: Path) -> None:
    store = SqliteStore(state_file)
    await store.showing(CHAT_ID, 20, PAYLOAD, ("screen",))
    await store.commit(Changes(), turn=(CHAT_ID, 19))  # an earlier update's: not this one
    await store.commit(Changes(), turn=(CHAT_ID, 20))
    await store.close()
    assert await left_for_next_turn(state_file) is None


async def test_an_ended_conversation_forgets_its_unfinished_update_and_what_it_held(
    state_file: Path,
) -> None:
    store = SqliteStore(state_file)
    await store.showing(CHAT_ID, 20, PAYLOAD, ("screen",))
    assert files_holding(state_file.parent, "ada@example.org")
    await store.commit(Changes(forget_unfinished=(CHAT_ID,)))
    assert files_holding(state_file.parent, "ada@example.org") == []
    await store.close()
    assert await left_for_next_turn(state_file) is None


async def test_outside_a_booking_no_copy_of_a_finished_turns_update_stays(
    state_file: Path,
) -> None:
    store = SqliteStore(state_file)
    await store.showing(CHAT_ID, 20, PAYLOAD, ("screen",))
    await store.commit(Changes(), turn=(CHAT_ID, 20))
    assert files_holding(state_file.parent, "ada@example.org") == []
    await store.showing(CHAT_ID, 22, PAYLOAD, ("screen",))
    await store.close()
    assert await left_for_next_turn(state_file) is not None  # handed over, and gone
    assert files_holding(state_file.parent, "ada@example.org") == []


async def test_on_postgres_too_an_ended_conversation_forgets_its_unfinished_update(
    database_url: str,
) -> None:
    env = {**os.environ, "PYTHONPATH": str(PROJECT_ROOT)}
    child = await asyncio.create_subprocess_exec(
        sys.executable, "-c", DYING_REPLICA, database_url, cwd=PROJECT_ROOT, env=env
    )
    assert await child.wait() == -signal.SIGKILL
    database = Database(database_url, pool_size=2)
    store = PostgresStore(database)
    async with store.turn(42, None, None):  # the idle sweep's turn closes the booking
        await store.commit(Changes(forget_unfinished=(42,)))
    async with store.turn(42, 21, "{}") as left:
        assert left is None
    await database.close()


_DYING_TURN = textwrap.dedent(
    """
    import asyncio, os, signal, sys
    from pathlib import Path

    from bot.storage.chat_store_sqlite import SqliteStore

    async def main() -> None:
        store = SqliteStore(Path(sys.argv[1]))
        await store.showing(4242, 20, sys.argv[2], ("screen",))
        # The screen goes to Telegram now; the process dies before its turn commits.
        os.kill(os.getpid(), signal.SIGKILL)

    asyncio.run(main())
    """
)


def test_what_a_turn_shows_is_written_down_before_a_sigkill(state_file: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(PROJECT_ROOT)}
    result = subprocess.run(
        [sys.executable, "-c", _DYING_TURN, str(state_file), PAYLOAD],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == -signal.SIGKILL, result.stderr
    assert asyncio.run(left_for_next_turn(state_file)) == Unfinished(PAYLOAD, ("screen",))


# -- what passes through: written down, or recognised ---------------------------------------------


class Sent:
    """Stands in for Telegram: notes each request that reaches it."""

    def __init__(self) -> None:
        self.requests: list[str] = []

    def send(self, endpoint: str, result: Any = True) -> Any:
        async def send() -> Any:
            self.requests.append(endpoint)
            return result

        return send


class NotingStore(SqliteStore):
    def __init__(self, path: Path, sent: Sent) -> None:
        super().__init__(path)
        self.sent = sent
        self.written: list[tuple[tuple[str, ...], list[str]]] = []

    async def showing(
        self, chat_id: int, update_id: int, payload: str, shown: tuple[str, ...]
    ) -> None:
        self.written.append((shown, list(self.sent.requests)))
        await super().showing(chat_id, update_id, payload, shown)


def keyboard(*rows: list[tuple[str, str]]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(label, callback_data=data) for label, data in row] for row in rows]
    )


def message(message_id: int, markup: InlineKeyboardMarkup | None) -> Message:
    when = datetime(2026, 12, 7, tzinfo=UTC)
    return Message(message_id, when, Chat(CHAT_ID, "private"), text="…", reply_markup=markup)


async def test_a_turn_writes_each_request_down_before_sending_it(state_file: Path) -> None:
    sent = Sent()
    store = NotingStore(state_file, sent)
    recorder = Recorder(cast(StateStore, store), CHAT_ID, 20, PAYLOAD)
    edit = {"chat_id": CHAT_ID, "message_id": 3, "text": "Pick a time"}
    with shown_screens.recording(recorder):
        await shown_screens.through(
            "answerCallbackQuery", {"callback_query_id": "q"}, sent.send("answerCallbackQuery")
        )
        await shown_screens.through(
            "sendChatAction", {"chat_id": CHAT_ID}, sent.send("sendChatAction")
        )
        await shown_screens.through("editMessageText", edit, sent.send("editMessageText"))
        await shown_screens.through(
            "sendMessage", {"chat_id": 1, "text": "an agent"}, sent.send("sendMessage")
        )
    # After the turn, a task it left behind is no longer its.
    await shown_screens.through(
        "deleteMessage", {"chat_id": CHAT_ID, "message_id": 3}, sent.send("deleteMessage")
    )
    first = digest("editMessageText", edit)
    assert store.written == [((first,), ["answerCallbackQuery", "sendChatAction"])]
    await store.close()


def replay(
    shown: tuple[str, ...], pressed: Message | None = None, data: str | None = None
) -> Replay:
    return Replay(
        cast(ExtBot[Any], None), CHAT_ID, shown, answered="q", pressed=pressed, pressed_data=data
    )


async def test_what_the_first_run_did_exactly_so_is_not_done_again() -> None:
    sent = Sent()
    edit = {"chat_id": CHAT_ID, "message_id": 3, "text": "Which e-mail address?"}
    question = {"chat_id": CHAT_ID, "text": "Which e-mail address?"}
    shown = (digest("editMessageText", edit), digest("sendMessage", question), "later")
    again = replay(shown)
    with shown_screens.replaying(again):
        assert (
            await shown_screens.through(
                "answerCallbackQuery", {"callback_query_id": "q"}, sent.send("answerCallbackQuery")
            )
            is True
        )
        assert (
            await shown_screens.through("editMessageText", edit, sent.send("editMessageText"))
            is True
        )
        stand_in = await shown_screens.through("sendMessage", question, sent.send("sendMessage"))
        # Past what the first run reached (it had written down three requests): sent.
        await shown_screens.through("sendMessage", question, sent.send("sendMessage"))
        await shown_screens.through("sendMessage", question, sent.send("sendMessage"))
    assert stand_in["message_id"] == 0, "a message without buttons, its id unknown"
    assert sent.requests == ["sendMessage", "sendMessage"]


async def test_a_screen_with_a_new_menu_is_sent_again_unless_the_customer_pressed_it() -> None:
    sent = Sent()
    first = keyboard([("I agree", "ag:111111")])
    consent = {"chat_id": CHAT_ID, "text": "Agree?", "reply_markup": first}
    again = {**consent, "reply_markup": keyboard([("I agree", "ag:222222")])}
    with shown_screens.replaying(replay((digest("sendMessage", consent),))):
        await shown_screens.through("sendMessage", again, sent.send("sendMessage"))
    assert sent.requests == ["sendMessage"], "its digest differs: a new menu"


async def test_an_edit_of_the_pressed_message_showing_something_else_is_done() -> None:
    sent = Sent()
    edit = {"chat_id": CHAT_ID, "message_id": 3, "text": "Which e-mail address?"}
    pressed = message(3, keyboard([("Ada Lovelace", "tn:111111")]))
    with shown_screens.replaying(replay((digest("editMessageText", edit),), pressed, "tn:111111")):
        await shown_screens.through("editMessageText", edit, sent.send("editMessageText"))
    assert sent.requests == ["editMessageText"], "the customer still sees the name step"


async def test_the_pressed_screen_drawn_again_moves_the_press_to_its_new_menu() -> None:
    sent = Sent()
    pressed = message(
        3, keyboard([("9:00", "s:111111:0"), ("9:30", "s:111111:1")], [("◀", "b:111111")])
    )
    redrawn = keyboard([("9:00", "s:222222:0"), ("9:30", "s:222222:1")], [("◀", "b:222222")])
    edit = {"chat_id": CHAT_ID, "message_id": 3, "text": "Tap one:", "reply_markup": redrawn}
    again = replay(("first run's edit",), pressed, "s:111111:1")
    with shown_screens.replaying(again):
        await shown_screens.through("editMessageText", edit, sent.send("editMessageText"))
    assert sent.requests == ["editMessageText"]
    press = Update.de_json(
        {
            "update_id": 21,
            "callback_query": {
                "id": "v",
                "chat_instance": "c",
                "from": {"id": CHAT_ID, "is_bot": False, "first_name": "Ada"},
                "message": pressed.to_dict(),
                "data": "s:111111:1",
            },
        },
        None,
    )
    moved = shown_screens.moved_press(press, again)
    assert moved.callback_query is not None
    assert moved.callback_query.data == "s:222222:1"
    assert moved.update_id == 21


# -- the real bot, after a kill right after the consent screen ------------------------------------

CONSENT = "To book, we pass your name and e-mail address to our scheduling service."


async def test_a_press_on_the_screen_a_killed_turn_showed_is_taken_from_there(
    launch: Launcher, emulator: BotApiEmulator, sandbox: SandboxScheduling, tmp_path: Path
) -> None:
    bot = await launch()
    await walk(StepCustomer(emulator, bot, ADA, first_name="Ada", last_name="Lovelace"), "email")
    await bot.stop()
    # What a kill leaves once the typed e-mail's turn has sent the consent screen, before it
    # committed: the message and the screen in the chat, the update written down unfinished.
    state = emulator.state
    typed = state.add_message(state.chats[ADA], from_bot=False, text="ada@example.org")
    screen = state.add_message(state.chats[ADA], from_bot=True, text=f"{CONSENT} Please agree.")
    screen.reply_markup = {"inline_keyboard": [[{"text": "I agree", "callback_data": "ag:0f0f0f"}]]}
    update = {"update_id": 10_000, "message": state.message_json(typed)}
    store = SqliteStore(tmp_path / "data" / "state.sqlite3")
    await store.showing(ADA, 10_000, json.dumps(update), ("the consent screen",))
    await store.close()

    ada = StepCustomer(emulator, await launch(), ADA, first_name="Ada", last_name="Lovelace")
    await ada.press(screen.message_id, "ag:0f0f0f")
    assert SCREEN["confirm"] in screen.text, "the card, on the screen the customer pressed"
    consent_screens = [m for m in emulator.bot_messages(ADA) if CONSENT in (m.html or m.text)]
    assert consent_screens == [], "the consent screen was asked for once, and is answered"
    assert [m.message_id for m in emulator.bot_messages(ADA)][-1] == screen.message_id
    await ada.tap("Confirm")
    assert "You're booked" in ada.last().text
    assert sandbox.bookings[0].body["attendee"]["email"] == "ada@example.org"
    assert emulator.violations == []


async def test_a_polled_update_is_answered_only_once_telegram_was_told_it_arrived() -> None:
    # Killed after answering an update Telegram was not yet told about, the bot would get it
    # again after the restart and show its screen twice: its turn waits for the next
    # getUpdates, which tells Telegram (its offset is past the update).
    received = ReceivedUpdates()
    received.polled(5)
    waiting = asyncio.create_task(received.acknowledged(5))
    await asyncio.sleep(0)
    assert not waiting.done()
    received.asking(5)  # a getUpdates that still asks for update 5 acknowledges nothing
    await asyncio.sleep(0)
    assert not waiting.done()
    received.asking(6)
    await asyncio.wait_for(waiting, 1.0)
    # A webhook's update was acknowledged by answering its delivery: no wait.
    await asyncio.wait_for(received.acknowledged(7), 1.0)
