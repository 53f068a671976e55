"""Commands at any step, a conversation started by any text, and closing an idle booking."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path

import pytest

from bot.sandbox.scheduling import SandboxScheduling
from bot.sandbox.telegram_api import BotApiEmulator, RecordedCall
from tests.support.harness import InProcessBot
from tests.support.storage import files_holding
from tests.support.waiting import until
from tests.unit.conftest import (
    ADA,
    SCREEN,
    Chat,
    Launcher,
    StepCustomer,
    data_of,
    day_label,
    posts,
    running,
    stored_text,
    tomorrow,
    walk,
)

GREETING = "Hello Ada! Let's find a time for your appointment."
NOTHING_IN_PROGRESS = "There is no booking in progress. Send /start to book an appointment."
CANCELLED = "Booking cancelled. Send /start whenever you want to book."
IDLE_CLOSED = "I closed this booking after 1 minute without a reply."
IDLE = timedelta(seconds=1.2)
IDLE_MINUTES = str(IDLE.total_seconds() / 60)
STORE_PATIENCE = 5.0  # seconds the closing job may take to commit after its message


async def until_stored_without(bot: InProcessBot, secret: str) -> None:
    """Wait until the job that closed the booking has finished its turn: the store no longer
    holds `secret` (its message is sent before its turn ends), and no file under the data
    folder does either. The checkpoint that erases old copies follows the commit within the
    same turn; after a restart the old row sits in the main file, not the log, until then."""
    store = running(bot).persistence.store  # type: ignore[union-attr]
    folder = Path(store.path).parent

    def gone() -> bool:
        return secret not in stored_text(bot) and not files_holding(folder, secret)

    await until(gone, seconds=STORE_PATIENCE)


# A typed answer each step understands, and the step it leads to.
TYPED_ANSWER = {
    "day": ("tomorrow", "slot"),
    "name": ("Ada King", "email"),
    "email": ("ada@example.org", "consent"),
    "timezone": ("London", "day"),
}


@pytest.mark.parametrize("step", list(TYPED_ANSWER))
async def test_help_keeps_the_step(chat: Chat, step: str) -> None:
    ada = chat.ada
    await walk(ada, step)
    help_text = await ada.send("/help")
    assert help_text.text.startswith("I book appointments for you.")
    assert "/cancel – stop the current booking" in help_text.text
    typed, next_step = TYPED_ANSWER[step]
    reply = await ada.send(typed)
    assert SCREEN[next_step] in reply.text, "the typed answer still counts"
    assert chat.emulator.violations == []


async def test_start_mid_flow_begins_again_at_the_day(chat: Chat) -> None:
    ada = chat.ada
    await walk(ada, "email")
    old = ada.last()
    restart = await ada.send("/start")
    assert restart.message_id > old.message_id
    assert restart.text.startswith(GREETING)
    assert SCREEN["day"] in restart.text
    reply = await ada.send("tomorrow")
    assert SCREEN["slot"] in reply.text, "typed text is read as a day again"
    await ada.tap(ada.labels()[0])
    assert ada.labels() == ["Ada Lovelace"], "the name is asked again"
    assert chat.emulator.violations == []


async def test_cancel_mid_flow_ends_the_booking(chat: Chat) -> None:
    ada = chat.ada
    await walk(ada, "slot")
    times = ada.last()
    reply = await ada.send("/cancel")
    assert reply.text == CANCELLED
    assert ada.labels() == []
    # The times of the cancelled booking are dead: pressing one starts over at the days.
    query = await ada.press(times.message_id, data_of(chat.emulator, times, ada.labels(times)[0]))
    assert "expired" in ada.answer(query).get("text", "")
    assert SCREEN["day"] in ada.last().text
    assert posts(chat.sandbox) == 0
    assert chat.emulator.violations == []


async def test_cancel_with_nothing_in_progress(chat: Chat) -> None:
    reply = await chat.ada.send("/cancel")
    assert reply.text == NOTHING_IN_PROGRESS
    assert chat.ada.labels() == []
    assert chat.emulator.violations == []


async def test_help_with_nothing_in_progress(chat: Chat) -> None:
    reply = await chat.ada.send("/help")
    assert reply.text.startswith("I book appointments for you.")
    reply = await chat.ada.send("/cancel")
    assert reply.text == NOTHING_IN_PROGRESS, "/help did not start a booking"
    assert chat.emulator.violations == []


async def test_any_text_without_a_booking_starts_one(chat: Chat) -> None:
    reply = await chat.ada.send("hi, I'd like an appointment")
    assert reply.text.startswith(GREETING)
    assert SCREEN["day"] in reply.text
    assert day_label(tomorrow()) in chat.ada.labels()
    reply = await chat.ada.send("tomorrow")
    assert SCREEN["slot"] in reply.text
    assert chat.emulator.violations == []


def _closing(call: RecordedCall) -> bool:
    text = call.params.get("text")
    return isinstance(text, str) and text.startswith(IDLE_CLOSED)


async def test_idle_booking_is_closed_and_its_buttons_expire(
    launch: Launcher, emulator: BotApiEmulator
) -> None:
    ada = StepCustomer(emulator, await launch(BOT_IDLE_TIMEOUT_MINUTES=IDLE_MINUTES))
    await walk(ada, "email")
    await ada.send("ada@example.org")
    consent = ada.last()
    await emulator.wait_for_call("sendMessage", predicate=_closing, timeout=10)
    await until_stored_without(ada.bot, "ada@example.org")
    closing = ada.last()
    assert closing.text == f"{IDLE_CLOSED} Send /start to begin again."
    assert closing.message_id > consent.message_id
    assert "ada@example.org" not in str(running(ada.bot).chat_data[ADA])
    query = await ada.press(consent.message_id, data_of(emulator, consent, "I agree"))
    assert "expired" in ada.answer(query).get("text", "")
    assert SCREEN["day"] in ada.last().text, "a new booking starts at the days"
    assert emulator.violations == []


async def test_idle_close_also_forgets_the_stored_details(
    launch: Launcher, emulator: BotApiEmulator, tmp_path: Path
) -> None:
    ada = StepCustomer(emulator, await launch(BOT_IDLE_TIMEOUT_MINUTES=IDLE_MINUTES))
    await walk(ada, "consent")
    await emulator.wait_for_call("sendMessage", predicate=_closing, timeout=10)
    await until_stored_without(ada.bot, "ada@example.org")
    assert files_holding(tmp_path / "data", "ada@example.org") == [], "not in any file, WAL too"
    assert emulator.violations == []


async def test_idle_booking_is_closed_even_after_a_restart(
    launch: Launcher,
    emulator: BotApiEmulator,
    sandbox: SandboxScheduling,
    tmp_path: Path,
) -> None:
    first = await launch(BOT_IDLE_TIMEOUT_MINUTES=IDLE_MINUTES)
    ada = StepCustomer(emulator, first)
    await walk(ada, "consent")
    await first.stop()
    ada.bot = await launch(
        BOT_IDLE_TIMEOUT_MINUTES=IDLE_MINUTES
    )  # same data directory: the booking was left open
    await emulator.wait_for_call("sendMessage", predicate=_closing, timeout=3 * IDLE.seconds)
    await until_stored_without(ada.bot, "ada@example.org")
    assert files_holding(tmp_path / "data", "ada@example.org") == []
    assert emulator.violations == []


async def test_a_draft_idle_while_the_bot_was_down_is_closed_at_start(
    launch: Launcher, emulator: BotApiEmulator, tmp_path: Path
) -> None:
    first = await launch(BOT_IDLE_TIMEOUT_MINUTES=IDLE_MINUTES)
    ada = StepCustomer(emulator, first)
    await walk(ada, "confirm")
    await first.stop()
    await asyncio.sleep(2 * IDLE.total_seconds())  # the timeout passes with the bot down
    ada.bot = await launch(BOT_IDLE_TIMEOUT_MINUTES=IDLE_MINUTES)
    await emulator.wait_for_call("sendMessage", predicate=_closing, timeout=5)
    await until_stored_without(ada.bot, "Lovelace")
    assert files_holding(tmp_path / "data", "Lovelace") == []
    reply = await ada.send("hello")
    assert SCREEN["day"] in reply.text, "whatever comes next starts a new booking"
