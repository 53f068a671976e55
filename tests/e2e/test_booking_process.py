"""End to end: the real `python -m bot` process, driven like a customer would, over loopback."""

from __future__ import annotations

import signal
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.sandbox.follow import Answers, answer_until
from bot.sandbox.scheduling import SandboxScheduling
from bot.sandbox.scheduling_defaults import INTRO_CALL_ID, INTRO_QUEUE_ID
from bot.sandbox.telegram_api import BotApiEmulator
from conversations.booking.payloads import SlotChosen
from tests.support import cldr
from tests.support.harness import BotProcess, Customer

BERLIN = ZoneInfo("Europe/Berlin")


async def reach_confirm_card(ada: Customer, *, email: str = "ada@example.org") -> str:
    """Walk from /start to the confirm card on the first day with at least two free times
    (so a taken time leaves another one that day, whenever the test runs); returns the
    chosen time's label."""
    await ada.send("/start")
    for index in range(len(ada.labels()) - 1):
        await ada.tap(ada.labels()[index])
        if len(ada.labels()) > 2:  # two times, and "◀ other day"
            break
        await ada.tap("◀ other day")
    time_label = ada.labels()[0]
    await answer_until(ada, "CONFIRM", Answers(email=email))
    assert "Please check your booking" in ada.last().text
    return time_label


def slot_posts(sandbox: SandboxScheduling) -> int:
    return sum(1 for call in sandbox.calls if call.method == "POST")


def assert_booked(
    sandbox: SandboxScheduling, *, fullname: str, email: str, index: int = 0
) -> datetime:
    """Check the booking meetergo received, field by field; returns its start."""
    booking = sandbox.bookings[index]
    body = booking.body
    assert body["meetingTypeId"] == INTRO_CALL_ID
    assert body["queueId"] == INTRO_QUEUE_ID
    assert "hostIds" not in body
    assert body["duration"] == 30
    assert body["channel"] == "connect"
    start = datetime.fromisoformat(body["start"])
    assert start.utcoffset() is not None
    attendee = body["attendee"]
    assert attendee["email"] == email
    assert attendee["fullname"] == fullname
    assert attendee["receiveReminders"] is True
    assert attendee["notes"]["telegramUserId"] == "4242"
    assert attendee["language"] == "en"
    assert attendee["timezone"] == "Europe/Berlin"
    assert attendee["dataPolicyAccepted"] is True
    return start


async def test_happy_path_books_and_confirms(
    bot: BotProcess, ada: Customer, sandbox: SandboxScheduling, emulator: BotApiEmulator
) -> None:
    time_label = await reach_confirm_card(ada)
    card = ada.last()
    await ada.tap("Confirm")
    confirmation = ada.last()
    assert confirmation.document is not None, "the confirmation carries the calendar file"
    assert card.message_id not in [
        m.message_id for m in emulator.bot_messages(ada.user_id) if not m.deleted
    ], "the card made way for it"
    assert "You're booked" in confirmation.text
    assert time_label in confirmation.text
    assert cldr.zone_name("Europe/Berlin", "en_US") in confirmation.text  # Central European Time
    start = assert_booked(sandbox, fullname="Ada Lovelace", email="ada@example.org")
    local = start.astimezone(BERLIN)
    assert f"{local.day}, {local.year}" in confirmation.text
    assert slot_posts(sandbox) == 1
    assert emulator.violations == []
    log = bot.log()  # written at DEBUG level
    assert '"booked"' in log
    for secret in ("ada@example.org", "Lovelace", emulator.token, sandbox.credential):
        assert secret not in log, f"{secret!r} reached the log"


async def test_slot_taken_before_confirm_offers_fresh_times_and_keeps_answers(
    bot: BotProcess, ada: Customer, sandbox: SandboxScheduling, emulator: BotApiEmulator
) -> None:
    first_label = await reach_confirm_card(ada)
    card = ada.last()
    taken = card_start(ada)
    sandbox.take(INTRO_CALL_ID, taken)  # every host gets busy at that time
    await ada.tap("Confirm")
    after = ada.last()
    assert after.message_id == card.message_id, "fresh times appear on the same card"
    assert "was just taken" in after.text
    assert first_label not in ada.labels()
    await ada.tap(ada.labels()[0])
    assert "Please check your booking" in ada.last().text, "name and e-mail were kept"
    await ada.tap("Confirm")
    assert "You're booked" in ada.last().text
    customer_bookings = [b for b in sandbox.bookings if b.body.get("attendee")]
    assert len(customer_bookings) == 1
    assert customer_bookings[0].body["attendee"]["email"] == "ada@example.org"
    assert customer_bookings[0].start != taken
    assert slot_posts(sandbox) == 2  # the refused one and the booked one
    assert emulator.violations == []


def card_start(ada: Customer) -> datetime:
    """The start the confirm card shows, read the way the customer reads it."""
    card = ada.last().text
    day_line = next(line for line in card.splitlines() if line.startswith("📅"))
    time_line = next(line for line in card.splitlines() if line.startswith("🕒"))
    day = datetime.strptime(day_line.removeprefix("📅 ").strip(), "%A, %B %d, %Y").date()
    clock = time_line.removeprefix("🕒 ").split(" · ")[0].replace("\u202f", " ")
    wall = datetime.strptime(clock, "%I:%M %p").time()
    return datetime.combine(day, wall, BERLIN)


async def test_meetergo_down_then_try_again_recovers(
    bot: BotProcess, ada: Customer, sandbox: SandboxScheduling, emulator: BotApiEmulator
) -> None:
    sandbox.fail_next(3, status=503, path="/booking-availability/v2")
    await ada.send("/start")
    assert "not answering" in ada.last().text
    assert "Try again" in ada.labels()
    await ada.tap("Try again")
    assert "Pick a day" in ada.last().text
    await ada.tap(ada.labels()[0])
    await ada.tap(ada.labels()[0])
    await ada.tap("Ada Lovelace")
    await ada.send("ada@example.org")
    await ada.tap("I agree")
    await ada.tap("Confirm")
    assert "You're booked" in ada.last().text
    assert_booked(sandbox, fullname="Ada Lovelace", email="ada@example.org")
    assert emulator.violations == []


async def test_double_tap_on_confirm_books_once(
    bot: BotProcess, ada: Customer, sandbox: SandboxScheduling, emulator: BotApiEmulator
) -> None:
    await reach_confirm_card(ada)
    sandbox.latency = 0.3  # the first POST is still in flight when the second tap lands
    card = ada.last()
    confirm = next(data for label, data in _buttons(emulator, card) if "Confirm" in label)
    first = await emulator.press(ada.user_id, card.message_id, confirm)
    second = await emulator.press(ada.user_id, card.message_id, confirm)
    await ada.settle(update=emulator.last_update_id)  # the second tap, handled after the first
    assert slot_posts(sandbox) == 1
    assert len(sandbox.bookings) == 1
    assert emulator.callback_answer(first) is not None
    assert emulator.callback_answer(second) is not None
    answers = [c for c in emulator.calls if c.method == "answerCallbackQuery"]
    assert len({c.params["callback_query_id"] for c in answers}) == len(answers)
    assert "You're booked" in ada.last().text
    assert_booked(sandbox, fullname="Ada Lovelace", email="ada@example.org")
    assert emulator.violations == []


def _buttons(emulator: BotApiEmulator, message: object) -> list[tuple[str, str]]:
    return [
        (label, data or "")
        for row in emulator.buttons(message)  # type: ignore[arg-type]
        for label, data in row
    ]


async def test_sigkill_after_slot_step_then_restart_continues(
    bot: BotProcess, ada: Customer, sandbox: SandboxScheduling, emulator: BotApiEmulator
) -> None:
    await ada.send("/start")
    await ada.tap(ada.labels()[0])
    await ada.tap(ada.labels()[0])
    assert "What name" in ada.last().text  # and committed: the answer is finished
    await bot.stop(signal.SIGKILL)
    await bot.start(emulator)
    await ada.send("Ada Byron")
    assert "e-mail" in ada.last().text, "the customer continues at the same step"
    await ada.send("ada@example.org")
    await ada.tap("I agree")
    await ada.tap("Confirm")
    assert "You're booked" in ada.last().text
    assert_booked(sandbox, fullname="Ada Byron", email="ada@example.org")
    assert emulator.violations == []


async def test_name_with_markup_is_shown_literally_and_booked_exactly(
    bot: BotProcess, ada: Customer, sandbox: SandboxScheduling, emulator: BotApiEmulator
) -> None:
    hostile = '<b>Bob</b> & "O\'Neil"'
    await ada.send("/start")
    await ada.tap(ada.labels()[0])
    await ada.tap(ada.labels()[0])
    await ada.send(hostile)
    await ada.send("bob@example.org")
    await ada.tap("I agree")
    card = ada.last()
    assert hostile in card.text
    assert not any(
        entity["type"] == "bold" and "Bob" in _entity_text(card, entity) for entity in card.entities
    )
    await ada.tap("Confirm")
    assert_booked(sandbox, fullname=hostile, email="bob@example.org")
    assert emulator.violations == []


def _entity_text(message: object, entity: dict[str, object]) -> str:
    text: str = message.text  # type: ignore[attr-defined]
    encoded = text.encode("utf-16-le")
    start, length = int(entity["offset"]), int(entity["length"])  # type: ignore[call-overload]
    return encoded[2 * start : 2 * (start + length)].decode("utf-16-le")


async def test_stale_button_after_restart_gets_a_fresh_menu_and_books_nothing(
    bot: BotProcess, ada: Customer, sandbox: SandboxScheduling, emulator: BotApiEmulator
) -> None:
    await ada.send("/start")
    old_picker = ada.last()
    await ada.send("/start")  # a new picker; the first one is now stale
    await bot.stop()
    await bot.start(emulator)
    old_day = _buttons(emulator, old_picker)[0][1]
    query = await ada.press(old_picker.message_id, old_day)
    answer = emulator.callback_answer(query)
    assert answer is not None
    assert "expired" in answer.get("text", "")
    assert "Pick a day" in ada.last().text
    assert ada.last().message_id > old_picker.message_id
    forged = SlotChosen(menu="ffffff", index=0).pack()
    query = await ada.press(ada.last().message_id, forged)
    assert "expired" in (emulator.callback_answer(query) or {}).get("text", "")
    assert sandbox.bookings == []
    assert slot_posts(sandbox) == 0
    assert emulator.violations == []


async def test_cancel_mid_flow_ends_and_says_so(
    bot: BotProcess, ada: Customer, sandbox: SandboxScheduling, emulator: BotApiEmulator
) -> None:
    await ada.send("/start")
    await ada.tap(ada.labels()[0])
    await ada.tap(ada.labels()[0])
    await ada.send("/cancel")
    assert "cancelled" in ada.last().text
    await ada.send("/cancel")
    assert "no booking in progress" in ada.last().text
    assert sandbox.bookings == []
    assert emulator.violations == []
