"""Small fixes customers asked for: the cancel question has a "keep it" answer, the
confirmation names the meeting type, and a same-day reminder reads differently from the one
the day before.

The real Application against the Bot API emulator and the sandbox; reminders are sent as their
jobs send them (send_reminder), with the reminders module's clock set to when they fall due.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, tzinfo
from typing import ClassVar

import pytest

from bot.sandbox.follow import Answers, answer_until
from bot.sandbox.scheduling import SandboxScheduling
from bot.sandbox.scheduling_defaults import INTRO_CALL_ID
from bot.sandbox.telegram_api import BotApiEmulator
from conversations.after_booking import reminders
from conversations.after_booking.reminders import send_reminder
from conversations.booking.recovery import recover_interrupted_bookings
from tests.unit.conftest import (
    ADA,
    ZONE_NAME,
    Chat,
    Launcher,
    StepCustomer,
    day_label,
    full_date,
    running,
    services,
    time_label,
    tomorrow,
    walk,
)
from tests.unit.test_recovery import interrupted_booking


async def booked(chat: Chat) -> tuple[str, datetime]:
    """Ada books tomorrow's earliest time; the appointment's id and start."""
    await walk(chat.ada, "confirm")
    await chat.ada.tap("Confirm")
    booking = chat.sandbox.bookings[-1]
    return booking.appointment_id, booking.start


# --- "No, keep my appointment" ------------------------------------------------------------


async def test_keep_it_puts_the_appointment_back_as_listed(chat: Chat) -> None:
    ada = chat.ada
    appointment, _ = await booked(chat)
    listed = await ada.send("/mybookings")
    assert listed.text.startswith("📅 Intro call, ")
    assert ada.labels(listed) == ["Reschedule", "Cancel appointment"]
    shown = listed.text

    await ada.tap("Cancel appointment", message_id=listed.message_id)
    asked = ada.last()
    assert asked.message_id == listed.message_id, "asked on the listing itself"
    assert asked.text.startswith("Cancel your Intro call on")
    assert ada.labels(asked) == ["Yes, cancel it", "No, keep my appointment"]

    await ada.tap("No, keep my appointment", message_id=listed.message_id)
    kept = ada.last()
    assert kept.message_id == listed.message_id
    assert kept.text == shown, "back to how /mybookings listed it"
    assert ada.labels(kept) == ["Reschedule", "Cancel appointment"]
    assert not chat.sandbox.bookings[-1].cancelled
    record = await services(chat.bot).bookings.ledger.record_of(appointment)
    assert record is not None
    assert not record.cancelled

    # Its Cancel works again, and the appointment can still be cancelled from there.
    await ada.tap("Cancel appointment", message_id=listed.message_id)
    await ada.tap("Yes, cancel it", message_id=listed.message_id)
    assert ada.last().text.startswith("❌ Cancelled: Intro call, ")
    assert chat.sandbox.bookings[-1].cancelled
    assert chat.emulator.violations == []


async def test_keep_it_on_an_appointment_cancelled_meanwhile_says_so(chat: Chat) -> None:
    ada = chat.ada
    await booked(chat)
    listed = await ada.send("/mybookings")
    await ada.tap("Cancel appointment", message_id=listed.message_id)
    second = await ada.send("/mybookings")
    await ada.tap("Cancel appointment", message_id=second.message_id)
    await ada.tap("Yes, cancel it", message_id=second.message_id)
    query = await ada.tap("No, keep my appointment", message_id=listed.message_id)
    assert ada.answer(query).get("text") == "This appointment can no longer be changed here."
    assert chat.emulator.violations == []


# --- the confirmation names the meeting type ----------------------------------------------


async def test_the_confirmation_names_the_meeting_type(
    launch: Launcher, emulator: BotApiEmulator, sandbox: SandboxScheduling
) -> None:
    sandbox.meeting_types[INTRO_CALL_ID].name = "Intro <call> & Q&A"
    bot = await launch()
    ada = StepCustomer(emulator, bot, ADA, first_name="Ada", last_name="Lovelace")
    await walk(ada, "confirm")
    assert "📝 Intro <call> & Q&A · 30 min" in ada.last().text
    await ada.tap("Confirm")
    label = time_label(sandbox.bookings[-1].start)
    assert ada.last().text.startswith(
        f"✅ You're booked: {full_date(tomorrow())} at {label}, {ZONE_NAME}. A confirmation "
        "e-mail is on its way to ada@example.org. See you at your Intro <call> & Q&A!"
    ), "named as meetergo names it, shown literally"
    assert emulator.violations == []


async def test_a_confirmation_that_waits_names_the_meeting_type(chat: Chat) -> None:
    ada = chat.ada
    chat.sandbox.meeting_types[INTRO_CALL_ID].booking_type = "doubleOptIn"
    await ada.send("/start")
    await answer_until(ada, "END", Answers(day=day_label(tomorrow())))
    assert ada.last().text.startswith("📨 Almost done: your Intro call on ")
    assert chat.emulator.violations == []


async def test_a_german_confirmation_names_the_meeting_type(chat: Chat) -> None:
    ada = chat.ada
    await ada.send("/language")
    await ada.tap("Deutsch")
    await ada.send("/start")
    await answer_until(ada, "END", Answers(day=1))
    text = ada.last().text
    assert text.startswith("✅ Ihr Termin ist gebucht: ")
    assert "Wir freuen uns auf Sie beim Termin „Intro call“!" in text
    assert chat.emulator.violations == []


async def test_a_confirmation_after_a_restart_names_the_meeting_type(chat: Chat) -> None:
    await walk(chat.ada, "confirm")
    await interrupted_booking(chat)
    await recover_interrupted_bookings(running(chat.bot))
    [sent] = [m for m in chat.emulator.bot_messages(ADA) if m.document is not None]
    assert sent.text.startswith("✅ You're booked: ")
    assert sent.text.endswith("See you at your Intro call!")
    assert chat.emulator.violations == []


# --- reminders: the day before and the same day read differently --------------------------


class _Clock(datetime):
    """The reminders module's clock, set to a moment."""

    moment: ClassVar[datetime] = datetime.now(UTC)

    @classmethod
    def now(cls, tz: tzinfo | None = None) -> _Clock:
        moment = cls.moment.astimezone(tz) if tz is not None else cls.moment
        return cls.fromtimestamp(moment.timestamp(), tz)


async def remind_at(
    chat: Chat, monkeypatch: pytest.MonkeyPatch, appointment: str, start: datetime, label: str
) -> str:
    """Send the reminder `label` as if it fell due now, `label` before `start`; its text."""
    before = {"1h": timedelta(hours=1), "24h": timedelta(hours=24), "3d": timedelta(days=3)}
    _Clock.moment = start - before[label]
    monkeypatch.setattr(reminders, "datetime", _Clock)
    sent = len(chat.emulator.bot_messages(chat.ada.user_id))
    await send_reminder(running(chat.bot), appointment, label, start)
    assert len(chat.emulator.bot_messages(chat.ada.user_id)) == sent + 1
    return chat.ada.last().text


async def test_the_reminder_the_day_before_and_on_the_day_differ(
    chat: Chat, monkeypatch: pytest.MonkeyPatch
) -> None:
    appointment, start = await booked(chat)  # tomorrow, from 9:00 Berlin: 1h before is the day
    when = f"{full_date(tomorrow())} at {time_label(start)}, {ZONE_NAME}"

    day_before = await remind_at(chat, monkeypatch, appointment, start, "24h")
    assert day_before.startswith(
        f"⏰ Reminder: your Intro call is on tomorrow, {when}. Will you be there?"
    )
    same_day = await remind_at(chat, monkeypatch, appointment, start, "1h")
    assert same_day.startswith(
        f"⏰ Reminder: your Intro call is on today at {time_label(start)}, {ZONE_NAME}. "
        "Will you be there?"
    )
    assert day_before != same_day
    assert full_date(tomorrow()) not in same_day, "today's by its time alone"

    await chat.ada.tap("I'll be there")
    record = await services(chat.bot).bookings.ledger.record_of(appointment)
    assert record is not None
    assert record.answer == "attending"
    assert chat.emulator.violations == []


async def test_an_answered_same_day_reminder_does_not_ask_and_a_later_one_names_the_day(
    chat: Chat, monkeypatch: pytest.MonkeyPatch
) -> None:
    appointment, start = await booked(chat)
    when = f"{full_date(tomorrow())} at {time_label(start)}, {ZONE_NAME}"
    early = await remind_at(chat, monkeypatch, appointment, start, "3d")
    assert early.startswith(f"⏰ Reminder: your Intro call is on {when}. Will you be there?")
    await chat.ada.tap("I'll be there")
    same_day = await remind_at(chat, monkeypatch, appointment, start, "1h")
    assert same_day.startswith(
        f"⏰ Reminder: your Intro call is on today at {time_label(start)}, {ZONE_NAME}.\n"
    )
    assert "Will you be there?" not in same_day
    assert chat.ada.labels(chat.ada.last()) == ["Reschedule", "Cancel appointment"]
    assert chat.emulator.violations == []
