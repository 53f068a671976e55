"""The waiting list: two customers wait for a day that is full; a booking there is cancelled;
both are offered the freed time in their own language and zone, first asked first; the first
to confirm books it, the other hears it went; nobody books it twice.

The real Application against the Bot API emulator and the sandbox; the bot looks at the days
waited for every second here (BOT_WAITLIST_CHECK_SECONDS)."""

from __future__ import annotations

import json
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.sandbox.follow import Answers, answer_until
from bot.sandbox.scheduling import SandboxScheduling
from bot.sandbox.scheduling_defaults import INTRO_CALL_ID
from bot.sandbox.scheduling_model import Booking
from bot.sandbox.telegram_api import BotApiEmulator, ChatMessage
from bot.sandbox.telegram_state import RecordedCall
from conversations.kit.payloads import SEPARATOR
from tests.unit.conftest import BERLIN, Launcher, StepCustomer, berlin_today

ADA, CARLOS = 4242, 5353
NEW_YORK = ZoneInfo("America/New_York")


def fill_the_day(sandbox: SandboxScheduling, day: date) -> list[Booking]:
    """Take every start the team has around `day` (both calendars, Berlin's and New York's)."""
    low = datetime.combine(day - timedelta(days=1), time(), BERLIN)
    taken: list[Booking] = []
    for start in sandbox.spots(INTRO_CALL_ID, low, low + timedelta(days=3)):
        taken += sandbox.take(INTRO_CALL_ID, start)
    return taken


def is_offer(call: RecordedCall, chat: int) -> bool:
    """A message to `chat` with the button that books an offered time."""
    markup = json.dumps(call.params.get("reply_markup") or {})
    return (
        call.method == "sendMessage"
        and call.params.get("chat_id") in (chat, str(chat))
        and (f'"to{SEPARATOR}' in markup)
    )


async def offer_to(emulator: BotApiEmulator, chat: int) -> tuple[int, ChatMessage]:
    """Wait until the bot offers `chat` a freed-up time: the call's index, and the offer."""
    call = await emulator.wait_for_call(None, predicate=lambda c: is_offer(c, chat), timeout=10)
    offered = next(m for m in reversed(emulator.bot_messages(chat)) if m.text.startswith("🔔"))
    return emulator.calls.index(call), offered


async def wait_for(customer: StepCustomer, day: date) -> None:
    """Ask for `day` (typed), hear it is full, and ask to be told when a time frees up."""
    await customer.send("/start")
    full = await customer.send(f"{day.day}.{day.month}.")
    [wait] = [label for label in customer.labels(full) if label.startswith("🔔")]
    await customer.tap(wait)
    assert "🔔" in customer.last().text


async def test_two_customers_wait_for_a_full_day_and_the_first_to_confirm_books_it(
    launch: Launcher, emulator: BotApiEmulator, sandbox: SandboxScheduling
) -> None:
    bot = await launch(BOT_WAITLIST_CHECK_SECONDS="1")
    day = berlin_today() + timedelta(days=3)
    taken = fill_the_day(sandbox, day)
    ada = StepCustomer(emulator, bot, ADA, first_name="Ada", language_code="en")
    carlos = StepCustomer(emulator, bot, CARLOS, first_name="Carlos", language_code="es")
    await carlos.send("/timezone")
    await carlos.send("Nueva York")
    await wait_for(ada, day)
    await wait_for(carlos, day)
    assert "🔔" in (await ada.send("/mybookings")).text

    # One booking on that day is cancelled (by its own attendee, in meetergo): a time is free.
    freed = next(b for b in taken if b.start.astimezone(BERLIN).date() == day and b.start.hour == 9)
    await sandbox.host_cancel(freed.appointment_id)
    (told_ada, first), (told_carlos, second) = (
        await offer_to(emulator, ADA),
        await offer_to(emulator, CARLOS),
    )
    assert told_ada < told_carlos, "first asked, first told"
    local_berlin = freed.start.astimezone(BERLIN)
    local_ny = freed.start.astimezone(NEW_YORK)
    assert f"{local_berlin.hour % 12 or 12}:{local_berlin.minute:02d}" in first.text
    assert f"{local_ny.hour}:{local_ny.minute:02d}" in second.text, "Carlos's zone"
    assert not second.text.startswith("🔔 A time"), "in Spanish"

    # Carlos (asked second) confirms first and books it; Ada hears it went.
    await carlos.tap(carlos.labels(second)[0], message_id=second.message_id)
    await answer_until(carlos, "CONFIRM", Answers(email="carlos@example.org"))
    await carlos.tap(carlos.labels()[0])
    booked = [b for b in sandbox.bookings if b.body and not b.cancelled and b.start == freed.start]
    assert len(booked) == 1
    assert booked[0].body["attendee"]["email"] == "carlos@example.org"
    went = next(m for m in emulator.bot_messages(ADA) if m.message_id == first.message_id)
    assert went.text.startswith("⌛"), "Ada's offer now says the time went"
    assert ada.labels(went) == [], "nothing left to tap"
    again = [b for b in sandbox.bookings if b.body and b.start == freed.start]
    assert len(again) == 1, "no double booking"
    assert "🔔 Waiting for a free time on" in (await ada.send("/mybookings")).text
    waiting = (await carlos.send("/mybookings")).text
    assert "🔔" not in waiting.splitlines()[0], "Carlos booked: his wish ended"
    assert emulator.violations == []
