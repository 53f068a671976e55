"""After the booking, against the real `python -m bot`: the calendar file, /mybookings,
rescheduling (same UID, higher SEQUENCE), cancelling, and reminders across restarts."""

from __future__ import annotations

import asyncio
import contextlib
import signal
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from icalendar import Calendar

from bot.booking.links import AgentLink, LinkSigner
from bot.sandbox.follow import Answers, answer_until, book
from bot.sandbox.scheduling import SandboxScheduling
from bot.sandbox.scheduling_defaults import INTRO_CALL_ID
from bot.sandbox.telegram_api import BotApiEmulator, ChatMessage, RecordedCall
from bot.sandbox.world import OFFLINE_WAITS
from tests.e2e.test_booking_process import reach_confirm_card
from tests.support.harness import BotProcess, Customer, bot_environment


def calendar_of(emulator: BotApiEmulator, message: ChatMessage) -> Calendar:
    """The .ics file a message carries, parsed."""
    assert message.document is not None, "a document"
    data = message.document["data"]
    assert isinstance(data, bytes)
    assert message.document["file_name"] == "appointment.ics"
    return Calendar.from_ical(data)


@dataclass(frozen=True)
class Event:
    uid: str
    start: datetime
    end: datetime
    sequence: int
    summary: str


def event_of(calendar: Calendar) -> Event:
    [event] = calendar.walk("VEVENT")
    return Event(
        uid=str(event["UID"]),
        start=event.decoded("DTSTART"),
        end=event.decoded("DTEND"),
        sequence=int(event.get("SEQUENCE", 0)),
        summary=str(event["SUMMARY"]),
    )


def documents(emulator: BotApiEmulator, chat_id: int) -> list[ChatMessage]:
    return [m for m in emulator.bot_messages(chat_id) if m.document is not None]


async def arrives(emulator: BotApiEmulator, ada: Customer, fragment: str, after: int) -> None:
    """Wait until the bot shows `fragment` (in a text or a file's caption) after call `after`."""

    def shows(call: RecordedCall) -> bool:
        shown = call.params.get("text", call.params.get("caption", ""))
        return call.params.get("chat_id") == ada.user_id and fragment in str(shown)

    await emulator.wait_for_call(None, after=after, predicate=shows, timeout=30)


async def test_book_then_calendar_then_reschedule_then_cancel(
    bot: BotProcess, ada: Customer, sandbox: SandboxScheduling, emulator: BotApiEmulator
) -> None:
    booked_at = await reach_confirm_card(ada)
    before = len(emulator.calls)
    await ada.tap("Confirm")
    await arrives(emulator, ada, "You're booked", before)
    booking = sandbox.bookings[-1]
    [ics] = documents(emulator, ada.user_id)
    first = event_of(calendar_of(emulator, ics))
    assert first.uid == f"{booking.appointment_id}@meetergo-telegram-bot"
    assert first.start == booking.start
    assert first.summary == "Intro call"
    labels = [label for row in emulator.buttons(ics) for label, _ in row]
    assert labels == ["Add to Google Calendar", "Add to Outlook"]

    listing = await ada.send("/mybookings")
    assert "Intro call" in listing.text
    assert ada.labels(listing) == ["Reschedule", "Cancel appointment"]
    await ada.tap("Reschedule", message_id=listing.message_id)
    assert "Pick a new time" in ada.last().text
    # The first day with a time other than the booked one, which is offered too (its own slot
    # counts as free): late in the day, that may be tomorrow.
    others: list[str] = []
    for index in range(len(ada.labels()) - 1):
        await ada.tap(ada.labels()[index])
        others = [label for label in ada.labels()[:-1] if label != booked_at]
        if others:
            break
        await ada.tap("◀ other day")
    await ada.tap(others[0])
    assert "Move your appointment?" in ada.last().text
    calls_before = len(sandbox.calls)
    before = len(emulator.calls)
    await ada.tap("Confirm")
    await arrives(emulator, ada, "Moved", before)
    assert any("Moved" in m.text for m in emulator.bot_messages(ada.user_id)[-2:])
    moved_spots = [c for c in sandbox.calls[:calls_before] if c.path == "/v4/booking-availability"]
    assert any(c.query.get("existingAppointmentId") == booking.appointment_id for c in moved_spots)
    assert booking.reschedule_count == 1, "the sandbox shows the new start"
    second_ics = documents(emulator, ada.user_id)[-1]
    second = event_of(calendar_of(emulator, second_ics))
    assert second.uid == first.uid
    assert second.sequence > first.sequence
    assert second.start == booking.start != first.start

    listing = await ada.send("/mybookings")
    await ada.tap("Cancel", message_id=listing.message_id)
    await ada.tap("Yes, cancel it", message_id=listing.message_id)
    assert "Cancelled" in ada.last().text
    assert booking.cancelled, "the sandbox shows it cancelled"
    empty = await ada.send("/mybookings")
    assert "no upcoming bookings" in empty.text
    assert emulator.violations == []


MONDAY_MORNING = datetime(2026, 12, 7, 7, 0, tzinfo=UTC)  # 8:00 in Berlin


@contextlib.asynccontextmanager
async def bot_on_a_clock(
    emulator: BotApiEmulator, tmp_path: Path, **extra: str
) -> AsyncIterator[tuple[SandboxScheduling, BotProcess, dict[str, datetime]]]:
    """The sandbox and a started bot on one clock, at MONDAY_MORNING: the test moves
    `clock["now"]`, and the bot follows at its next start."""
    clock = {"now": MONDAY_MORNING}
    async with SandboxScheduling(clock=lambda: clock["now"]) as sandbox:
        env = bot_environment(emulator, sandbox, tmp_path / "data", **extra)
        process = BotProcess(env, tmp_path / "bot.log", clock=lambda: clock["now"])
        await process.start(emulator)
        yield sandbox, process, clock


async def book_the_first_time_tomorrow(
    emulator: BotApiEmulator, sandbox: SandboxScheduling
) -> tuple[Customer, datetime]:
    """Ada books tomorrow's first free time; returns her and the booked start."""
    ada = Customer(emulator, 4242, first_name="Ada", last_name="Lovelace", language_code="en")
    await book(ada, Answers(day=2))  # tomorrow: the second day
    return ada, sandbox.bookings[-1].start


SECRET, AGENT = "a link secret for the tests, long enough", 777


@pytest.mark.parametrize("cancelled", [False, True], ids=["kept", "cancelled"])
async def test_reminders_come_once_each_across_restarts(
    cancelled: bool, emulator: BotApiEmulator, tmp_path: Path
) -> None:
    """Kept: booked through an agent's link, "I'll be there" tapped on the 24-hour reminder
    (sent by the start after the bot was down), told to the agent, and still known after the
    next restart (the 1-hour reminder does not ask again; /mybookings shows it)."""
    extra = {"BOT_LINK_SECRET": SECRET, "BOT_AGENT_IDS": str(AGENT)}
    async with bot_on_a_clock(emulator, tmp_path, **extra) as (sandbox, process, clock):
        grace = Customer(emulator, AGENT, first_name="Grace", language_code="en")
        await grace.send("/help")
        ada = Customer(emulator, 4242, first_name="Ada", last_name="Lovelace", language_code="en")
        link = LinkSigner(SECRET.encode()).payload(AgentLink(AGENT, INTRO_CALL_ID, None))
        await ada.send(f"/start {link}")
        await answer_until(ada, "END", Answers(day=2))  # tomorrow: the second day
        start = sandbox.bookings[-1].start
        assert start - MONDAY_MORNING == timedelta(hours=25), "9:00 tomorrow in Berlin"
        if cancelled:
            listing = await ada.send("/mybookings")
            await ada.tap("Cancel", message_id=listing.message_id)
            await ada.tap("Yes, cancel it", message_id=listing.message_id)

        def reminders() -> list[str]:
            return [m.text for m in emulator.bot_messages(4242) if m.text.startswith("⏰")]

        # Restart a minute after each reminder is due, and once more: each comes once.
        for moment in (start - timedelta(hours=24), start - timedelta(hours=1), start):
            await process.stop(signal.SIGKILL)
            clock["now"] = moment + timedelta(minutes=1)
            # A reminder due while the bot was down is sent before the start returns.
            await process.start(emulator)
            if not cancelled and moment == start - timedelta(hours=24):
                assert "Will you be there?" in ada.last().text
                await ada.tap("I'll be there", message_id=ada.last().message_id)
                assert grace.last().text.startswith("✅ Confirmed: the customer will be at")
            if not cancelled and moment == start - timedelta(hours=1):
                listed = await ada.send("/mybookings")
                assert "✅ You said you'll be there." in listed.text
        await process.stop()
    if cancelled:
        assert reminders() == []
        assert grace.last().text.startswith("❌ Cancelled by the customer"), "the agent hears"
    else:
        # The first reminder now thanks Ada (edited in place); the second did not ask again.
        thanked = [m.text for m in emulator.bot_messages(4242) if m.text.startswith("✅ Thank")]
        [second] = reminders()
        assert len(thanked) == 1
        assert "Will you be there?" not in second, "answered: not asked again"
        assert "Intro call" in second
    assert emulator.violations == []


async def test_a_reminder_due_while_meetergo_hangs_at_the_start_does_not_hold_the_start(
    emulator: BotApiEmulator, tmp_path: Path
) -> None:
    async with bot_on_a_clock(emulator, tmp_path) as (sandbox, process, clock):
        _, start = await book_the_first_time_tomorrow(emulator, sandbox)
        await process.stop(signal.SIGKILL)
        clock["now"] = start - timedelta(hours=1) + timedelta(minutes=1)
        sandbox.fail_next(1000, kind="timeout")  # meetergo answers nothing at all
        loop = asyncio.get_running_loop()
        began = loop.time()
        await process.start(emulator)
        # The start waits BOT_STARTUP_PATIENCE_SECONDS for meetergo, not for each reminder's
        # meeting type: held by one, it would take the patience and three tries of the read
        # timeout at least. The rest of the bound is the process's own start, which takes
        # seconds on a busy machine.
        patience = float(OFFLINE_WAITS["BOT_STARTUP_PATIENCE_SECONDS"])
        read_timeout = float(OFFLINE_WAITS["MEETERGO_READ_TIMEOUT_SECONDS"])
        assert loop.time() - began < patience + 2 * read_timeout
        sandbox.clear_failures()  # meetergo is back: the reminders' jobs get their meeting type
        reminder = await emulator.wait_for_call(
            "sendMessage",
            predicate=lambda call: str(call.params.get("text", "")).startswith("⏰"),
            timeout=30,
        )
        assert reminder.params["chat_id"] == 4242, "it still comes, right after the start"
        await process.stop()
    assert emulator.violations == []
