"""End to end in other languages and zones: what the customer reads and what meetergo receives."""

from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.sandbox.follow import Answers, answer_until
from bot.sandbox.scheduling import SandboxScheduling
from bot.sandbox.telegram_api import BotApiEmulator
from tests.support import cldr
from tests.support.harness import BotProcess, Customer

TWELVE_HOUR = re.compile(r"^\d{1,2}:\d{2}\u202f(AM|PM)$")
TWENTY_FOUR_HOUR = re.compile(r"^\d{2}:\d{2}$")
NEW_YORK_NAME = cldr.zone_name("America/New_York", "en_US")  # Eastern Time (New York)
BERLIN_IN_GERMAN = cldr.zone_name("Europe/Berlin", "de")  # Mitteleuropäische Zeit (Berlin)


async def book_first_free_time(
    customer: Customer, *, email: str, agree: str, confirm: str
) -> list[str]:
    """Book the first free time, tapping by position where the label is the customer's
    language's own; returns the time labels the customer saw."""
    await customer.send("/start")
    await answer_until(customer, "SLOT")
    times = customer.labels()[:-1]
    await answer_until(customer, "CONSENT", Answers(email=email))
    await customer.tap(agree)
    await customer.tap(confirm)
    return times


async def test_english_customer_in_new_york(
    bot: BotProcess, sandbox: SandboxScheduling, emulator: BotApiEmulator
) -> None:
    ada = Customer(emulator, 501, first_name="Ada", last_name="King", language_code="en")
    await ada.send("/timezone America/New_York")
    assert NEW_YORK_NAME in emulator.bot_messages(ada.user_id)[-2].text
    times = await book_first_free_time(
        ada, email="ada@example.org", agree="I agree", confirm="Confirm"
    )
    assert all(TWELVE_HOUR.match(label) for label in times), times
    confirmation = ada.last().text
    assert "You're booked" in confirmation
    assert NEW_YORK_NAME in confirmation
    attendee = sandbox.bookings[0].body["attendee"]
    assert attendee["timezone"] == "America/New_York"
    assert attendee["language"] == "en"
    start = datetime.fromisoformat(sandbox.bookings[0].body["start"])
    local = start.astimezone(ZoneInfo("America/New_York"))
    assert (
        times[0] == f"{local.hour % 12 or 12}:{local:%M}\u202f{'AM' if local.hour < 12 else 'PM'}"
    )
    assert emulator.violations == []


async def test_german_customer_books_in_german_with_24_hour_times(
    bot: BotProcess, sandbox: SandboxScheduling, emulator: BotApiEmulator
) -> None:
    jonas = Customer(emulator, 502, first_name="Jonas", last_name="Weber", language_code="de")
    times = await book_first_free_time(
        jonas, email="jonas@example.org", agree="Ich stimme zu", confirm="Bestätigen"
    )
    assert all(TWENTY_FOUR_HOUR.match(label) for label in times), times
    written = [str(call.params.get("text", "")) for call in emulator.calls]
    assert any("Wählen Sie einen Tag" in text for text in written)
    assert "Ihr Termin ist gebucht" in jonas.last().text
    assert BERLIN_IN_GERMAN in jonas.last().text
    assert cldr.zone_name("Europe/Berlin", "en_US") not in jonas.last().text, "in German words"
    attendee = sandbox.bookings[0].body["attendee"]
    assert attendee["language"] == "de"
    assert attendee["timezone"] == "Europe/Berlin"
    assert attendee["fullname"] == "Jonas Weber"
    assert emulator.violations == []


async def test_norwegian_bokmal_customer_gets_norwegian(
    bot: BotProcess, sandbox: SandboxScheduling, emulator: BotApiEmulator
) -> None:
    ola = Customer(emulator, 503, first_name="Ola", last_name="Nordmann", language_code="nb")
    await book_first_free_time(ola, email="ola@example.org", agree="Jeg godtar", confirm="Bekreft")
    assert "Avtalen din er bestilt" in ola.last().text
    assert sandbox.bookings[0].body["attendee"]["language"] == "no"
    menus = emulator.commands
    assert any(key.endswith("/nb") for key in menus)
    assert any(key.endswith("/de") for key in menus)
    assert emulator.violations == []
