"""One booking per confirmation against the real `python -m bot`: lost answers, a kill in the
middle of the POST, slow answers, meetergo's real refusals, and a start while meetergo fails."""

from __future__ import annotations

import signal
from collections.abc import Callable
from pathlib import Path

import pytest

from bot.sandbox.scheduling import SandboxScheduling
from bot.sandbox.scheduling_defaults import INTRO_CALL_ID
from bot.sandbox.telegram_api import BotApiEmulator, ChatMessage, RecordedCall
from bot.sandbox.world import OFFLINE_WAITS, follow
from tests.e2e.test_after_booking_process import calendar_of, event_of
from tests.e2e.test_booking_process import card_start, reach_confirm_card
from tests.support.harness import BotProcess, Customer, bot_environment
from tests.support.waiting import until

BOOKED = "You're booked"
LOST_ANSWER_PATIENCE = 20.0  # the bot waits its booking timeout for an answer, then looks it up
BOOKING_TIMEOUT = float(OFFLINE_WAITS["MEETERGO_BOOKING_TIMEOUT_SECONDS"])
STILL_BOOKING_AFTER = float(OFFLINE_WAITS["BOT_STILL_BOOKING_AFTER_SECONDS"])


def customer_bookings(sandbox: SandboxScheduling) -> list[str]:
    """The attendee e-mails of the bookings meetergo holds (not pre-occupied slots)."""
    return [b.body["attendee"]["email"] for b in sandbox.bookings if b.body]


def shown(emulator: BotApiEmulator, ada: Customer, message_id: int) -> ChatMessage:
    """The bot's message `message_id` in the chat as it is now."""
    return next(m for m in emulator.bot_messages(ada.user_id) if m.message_id == message_id)


def shows(fragment: str, chat_id: int) -> Callable[[RecordedCall], bool]:
    """A predicate for emulator calls that put `fragment` into the chat."""

    def check(call: RecordedCall) -> bool:
        shown = call.params.get("text", call.params.get("caption", ""))
        return (
            call.method in ("sendMessage", "editMessageText", "sendDocument")
            and str(call.params.get("chat_id")) == str(chat_id)
            and fragment in str(shown)
        )

    return check


async def wait_for_text(emulator: BotApiEmulator, ada: Customer, fragment: str) -> str:
    call = await emulator.wait_for_call(
        None, predicate=shows(fragment, ada.user_id), timeout=LOST_ANSWER_PATIENCE
    )
    return str(call.params.get("text", call.params.get("caption", "")))


@pytest.mark.parametrize("kind", ["lost", "dropped", "garbled"])
async def test_a_lost_answer_ends_with_one_booking_and_a_confirmation(
    kind: str,
    bot: BotProcess,
    ada: Customer,
    sandbox: SandboxScheduling,
    emulator: BotApiEmulator,
) -> None:
    await reach_confirm_card(ada)
    sandbox.fail_next(1, kind=kind, path="/booking")
    await ada.tap("Confirm")
    text = await wait_for_text(emulator, ada, BOOKED)
    assert "ada@example.org" in text
    assert customer_bookings(sandbox) == ["ada@example.org"]
    lookups = [c for c in sandbox.calls if c.path == "/v4/appointment/paginated"]
    assert lookups, "the bot looked the booking up instead of trusting or repeating the POST"
    assert lookups[0].query["search"] == "ada@example.org"
    pressable = [data for row in emulator.buttons(ada.last()) for _, data in row if data]
    assert pressable == [], "nothing left to tap that could book again (calendar links only)"
    assert emulator.violations == []


async def test_a_kill_while_meetergo_books_ends_with_one_booking_after_the_restart(
    bot: BotProcess, ada: Customer, sandbox: SandboxScheduling, emulator: BotApiEmulator
) -> None:
    await reach_confirm_card(ada)
    card, start = ada.last(), card_start(ada)
    sandbox.fail_next(1, kind="lost", path="/booking")  # booked, and the answer never comes
    confirm = next(
        data for row in emulator.buttons(card) for label, data in row if "Confirm" in label
    )
    await emulator.press(ada.user_id, card.message_id, confirm or "")  # the answer not awaited
    await until(lambda: bool(customer_bookings(sandbox)), seconds=LOST_ANSWER_PATIENCE)
    await bot.stop(signal.SIGKILL)  # meetergo has booked; the bot never hears of it
    await bot.start(emulator)
    text = await wait_for_text(emulator, ada, BOOKED)
    # As an uninterrupted booking ends: the confirmation is the calendar file's caption, and
    # it takes the card's place.
    [document] = [m for m in emulator.bot_messages(ada.user_id) if m.document is not None]
    assert BOOKED in document.text
    event = event_of(calendar_of(emulator, document))
    assert event.uid == f"{sandbox.bookings[-1].appointment_id}@meetergo-telegram-bot"
    assert event.start == start
    assert emulator.bot_messages(ada.user_id)[-1].message_id == document.message_id
    await until(lambda: shown(emulator, ada, card.message_id).deleted, seconds=5)
    assert "ada@example.org" in text
    assert customer_bookings(sandbox) == ["ada@example.org"]
    await ada.send("hello")  # whatever comes next starts afresh; nothing books again
    assert "Pick a day" in ada.last().text
    assert customer_bookings(sandbox) == ["ada@example.org"]
    assert emulator.violations == []


async def test_a_slow_answer_books_once_and_says_it_is_still_booking(
    bot: BotProcess, ada: Customer, sandbox: SandboxScheduling, emulator: BotApiEmulator
) -> None:
    await reach_confirm_card(ada)
    # Past "still booking", within the timeout (as 10 s are with the real 5 s and 30 s).
    late = (STILL_BOOKING_AFTER + BOOKING_TIMEOUT) / 2
    sandbox.fail_next(1, kind="slow", seconds=late, path="/booking")
    await ada.tap("Confirm")
    await wait_for_text(emulator, ada, "Still booking")
    await wait_for_text(emulator, ada, BOOKED)
    typing = [c for c in emulator.calls if c.method == "sendChatAction"]
    assert typing, "the chat showed typing… while meetergo took its time"
    assert customer_bookings(sandbox) == ["ada@example.org"]
    assert [c for c in sandbox.calls if c.path == "/v4/appointment/paginated"] == []
    assert emulator.violations == []


async def test_a_taken_slot_answered_409_no_longer_available_leads_to_fresh_times(
    bot: BotProcess, ada: Customer, sandbox: SandboxScheduling, emulator: BotApiEmulator
) -> None:
    await reach_confirm_card(ada)
    sandbox.answer_taken_slot_as(409, ["This slot is no longer available"], error_code=False)
    sandbox.take(INTRO_CALL_ID, card_start(ada))
    await ada.tap("Confirm")
    assert "was just taken" in ada.last().text
    await ada.tap(ada.labels()[0])
    await ada.tap("Confirm")
    assert BOOKED in ada.last().text
    assert customer_bookings(sandbox) == ["ada@example.org"]
    assert emulator.violations == []


async def test_a_pending_booking_answered_with_booking_type_only_is_reported_pending(
    bot: BotProcess, ada: Customer, sandbox: SandboxScheduling, emulator: BotApiEmulator
) -> None:
    sandbox.meeting_types[INTRO_CALL_ID].booking_type = "doubleOptIn"
    sandbox.pending_names_id = False
    await reach_confirm_card(ada)
    await ada.tap("Confirm")
    assert "Almost done" in ada.last().text
    assert BOOKED not in ada.last().text
    assert emulator.violations == []


@pytest.mark.parametrize(("status", "retry_after"), [(429, 1.0), (503, None)], ids=["429", "503"])
async def test_meetergo_failing_at_start_up_leaves_the_bot_up_and_it_recovers(
    status: int,
    retry_after: float | None,
    sandbox: SandboxScheduling,
    emulator: BotApiEmulator,
    tmp_path: Path,
) -> None:
    sandbox.fail_next(20, status=status, retry_after=retry_after, path="/meeting-type")
    process = BotProcess(
        bot_environment(emulator, sandbox, tmp_path / "data"),
        tmp_path / "bot.log",
        clock=follow(sandbox),
    )
    await process.start(emulator)
    try:
        ada = Customer(emulator, 4242, first_name="Ada", last_name="Lovelace", language_code="en")
        await ada.send("/start")
        assert "not answering" in ada.last().text, "a clear message while meetergo fails"
        assert "Try again" in ada.labels()
        assert process.process is not None
        assert process.process.returncode is None
        sandbox.clear_failures()  # meetergo answers again
        await ada.tap("Try again")
        assert "Pick a day" in ada.last().text
        await ada.tap(ada.labels()[0])
        await ada.tap(ada.labels()[0])
        await ada.tap("Ada Lovelace")
        await ada.send("ada@example.org")
        await ada.tap("I agree")
        await ada.tap("Confirm")
        assert BOOKED in ada.last().text
        assert "Traceback" not in process.log()
    finally:
        assert await process.stop() == 0
    assert emulator.violations == []


async def test_a_start_while_meetergo_hangs_answers_the_customer_within_seconds(
    sandbox: SandboxScheduling, emulator: BotApiEmulator, tmp_path: Path
) -> None:
    sandbox.fail_next(1000, kind="timeout")  # connections accepted, nothing ever answered
    process = BotProcess(
        bot_environment(emulator, sandbox, tmp_path / "data"),
        tmp_path / "bot.log",
        clock=follow(sandbox),
    )
    await process.start(emulator)
    try:
        ada = Customer(emulator, 4242, first_name="Ada", last_name="Lovelace", language_code="en")
        ada.patience = 60.0  # the answer's deadline is the one below, not the driver's
        before = len(emulator.calls)
        await emulator.send_text(ada.user_id, "/start")
        # A few seconds, not the meeting type's read with all its retries (behind the start's).
        await emulator.wait_for_call(
            None, after=before, predicate=shows("not answering", ada.user_id), timeout=5
        )
        await ada.settle(before, emulator.last_update_id)
        assert "Try again" in ada.labels()
        sandbox.clear_failures()  # meetergo answers again; the bot notices by itself
        await until(lambda: "meetergo answers again" in process.log(), seconds=20)
        await ada.tap("Try again")
        assert "Pick a day" in ada.last().text
        assert "Traceback" not in process.log()
    finally:
        assert await process.stop() == 0, process.log()
    assert emulator.violations == []


async def test_a_bot_stopped_while_meetergo_hangs_stops_cleanly(
    sandbox: SandboxScheduling, emulator: BotApiEmulator, tmp_path: Path
) -> None:
    sandbox.fail_next(1000, kind="timeout")
    process = BotProcess(
        bot_environment(emulator, sandbox, tmp_path / "data"),
        tmp_path / "bot.log",
        clock=follow(sandbox),
    )
    await process.start(emulator)
    ada = Customer(emulator, 4242, first_name="Ada", last_name="Lovelace", language_code="en")
    await ada.send("/start")  # a read of the meeting type still hangs, shared and unfinished
    assert "not answering" in ada.last().text
    assert await process.stop() == 0, process.log()
    assert "Task was destroyed" not in process.log(), "no read left behind, half done"
    assert "Traceback" not in process.log()
