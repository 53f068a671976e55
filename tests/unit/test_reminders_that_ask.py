"""Reminders that ask "Will you be there?": the answer is kept with the booking, the agent whose
link brought it hears it, /mybookings shows it, and a reminder not answered is asked again.

The real Application against the Bot API emulator and the sandbox; reminders are sent as their
jobs send them (send_reminder), without waiting for the hours before the appointment."""

from __future__ import annotations

from bot.booking.links import AgentLink, LinkSigner
from bot.sandbox.follow import Answers, answer_until
from bot.sandbox.scheduling import SandboxScheduling
from bot.sandbox.scheduling_defaults import INTRO_CALL_ID
from bot.sandbox.telegram_api import BotApiEmulator
from conversations.after_booking.reminders import send_reminder
from tests.support.harness import Customer
from tests.unit.conftest import (
    ADA,
    Launcher,
    StepCustomer,
    day_label,
    running,
    services,
    tomorrow,
)

SECRET = "a link secret for the tests, long enough"
GRACE = 777  # the support agent


async def booked_through_grace(
    launch: Launcher, emulator: BotApiEmulator, sandbox: SandboxScheduling, **env: str
) -> tuple[StepCustomer, Customer, str]:
    """Ada books tomorrow through Grace's link; returns both and the appointment id."""
    bot = await launch(meetergo=sandbox, BOT_LINK_SECRET=SECRET, BOT_AGENT_IDS=str(GRACE), **env)
    grace = Customer(emulator, GRACE, first_name="Grace", language_code="de")
    await grace.send("/help")  # the agent has a chat with the bot (in German)
    ada = StepCustomer(emulator, bot, ADA, first_name="Ada", last_name="Lovelace")
    link = LinkSigner(SECRET.encode()).payload(AgentLink(GRACE, INTRO_CALL_ID, None))
    await ada.send(f"/start {link}")
    await answer_until(ada, "END", Answers(day=day_label(tomorrow())))
    return ada, grace, sandbox.bookings[-1].appointment_id


async def test_ill_be_there_is_kept_told_to_the_agent_and_shown(
    launch: Launcher, emulator: BotApiEmulator, sandbox: SandboxScheduling
) -> None:
    ada, grace, appointment = await booked_through_grace(launch, emulator, sandbox)
    start = sandbox.bookings[-1].start
    app = running(ada.bot)
    await send_reminder(app, appointment, "1h", start)
    reminder = ada.last()
    assert "Will you be there?" in reminder.text
    assert ada.labels(reminder) == ["✅ I'll be there", "Reschedule", "Cancel appointment"]
    told_before = len(emulator.bot_messages(GRACE))

    await ada.tap("I'll be there", message_id=reminder.message_id)
    thanked = ada.last()
    assert thanked.message_id == reminder.message_id, "said on the reminder itself"
    assert thanked.text.startswith("✅ Thank you! See you at your Intro call on")
    assert ada.labels(thanked) == ["Reschedule", "Cancel appointment"]
    [told] = emulator.bot_messages(GRACE)[told_before:]
    assert told.text.startswith("✅"), "the agent hears it, in German"
    assert "Intro call" in told.text
    assert "Ada" not in told.text, "the record keeps no name"
    record = await services(ada.bot).bookings.ledger.record_of(appointment)
    assert record is not None
    assert record.answer == "attending"

    listed = await ada.send("/mybookings")
    assert "✅ You said you'll be there." in listed.text
    await ada.tap("Cancel", message_id=listed.message_id)
    await ada.tap("Yes, cancel it", message_id=listed.message_id)
    assert grace.last().text.startswith("❌"), "the agent hears of the cancel too"
    assert emulator.violations == []


async def test_a_reminder_not_answered_is_asked_again_and_one_answered_is_not(
    launch: Launcher, emulator: BotApiEmulator, sandbox: SandboxScheduling
) -> None:
    ada, _, appointment = await booked_through_grace(
        launch, emulator, sandbox, BOT_REMINDERS="3h,2h,1h"
    )
    start = sandbox.bookings[-1].start
    app = running(ada.bot)
    await send_reminder(app, appointment, "3h", start)
    await send_reminder(app, appointment, "2h", start)
    second = ada.last()
    assert "Will you be there?" in second.text, "not answered: asked again"
    assert "✅ I'll be there" in ada.labels(second)
    await ada.tap("I'll be there", message_id=second.message_id)
    await send_reminder(app, appointment, "1h", start)
    last = ada.last()
    assert last.text.startswith("⏰ Reminder: your Intro call is on")
    assert "Will you be there?" not in last.text
    assert ada.labels(last) == ["Reschedule", "Cancel appointment"]
