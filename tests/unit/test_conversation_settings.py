"""TIMEZONE and /language: a new zone or language at any step keeps the booking going."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import pytest

from bot.language.i18n import translations
from bot.language.timezones import LABEL_MAX_LENGTH
from tests.support import cldr
from tests.unit.conftest import (
    ENGLISH,
    NEW_YORK,
    SCREEN,
    ZONE_NAME,
    Chat,
    free_starts,
    full_date,
    time_label,
    tomorrow,
    walk,
)

NEW_YORK_NAME = cldr.zone_name("America/New_York", ENGLISH)  # "Eastern Time (New York)"
# The picker's button: "New York (Eastern Time)".
NEW_YORK_LABEL = cldr.zone_label("America/New_York", ENGLISH, max_length=LABEL_MAX_LENGTH)
GERMAN = translations("de")


async def test_timezone_picker_offers_zones_and_the_location_button(chat: Chat) -> None:
    ada = chat.ada
    await walk(ada, "timezone")
    picker = ada.menu()
    assert f"Times are shown in {ZONE_NAME}." in picker.text
    assert NEW_YORK_LABEL in ada.labels(picker)
    assert all(len(row) == 1 for row in chat.emulator.buttons(picker))
    share = ada.last()
    assert share.text == "Or share your location with the button below."
    keyboard = share.reply_markup or {}
    assert keyboard["keyboard"] == [[{"text": "📍 Share my location", "request_location": True}]]
    assert chat.emulator.violations == []


async def test_new_zone_mid_flow_redraws_the_times_and_is_booked(chat: Chat) -> None:
    ada = chat.ada
    await walk(ada, "slot")
    await ada.send("/timezone")
    await ada.tap(NEW_YORK_LABEL)
    messages = chat.emulator.bot_messages(ada.user_id)
    assert messages[-2].text == f"✓ Times are now shown in {NEW_YORK_NAME}."
    assert messages[-2].reply_markup == {"remove_keyboard": True}
    times = ada.last()
    assert full_date(tomorrow()) in times.text
    starts = free_starts(chat.sandbox, tomorrow(), zone=NEW_YORK)
    assert f"{len(starts)} free times in {NEW_YORK_NAME}. Tap one:" in times.text
    assert ada.labels() == [*(time_label(start, NEW_YORK) for start in starts), "◀ other day"]
    await ada.tap(time_label(starts[0], NEW_YORK))
    assert SCREEN["name"] in ada.last().text, "the booking went on where it was"
    await ada.tap("Ada Lovelace")
    await ada.send("ada@example.org")
    await ada.tap("I agree")
    card = ada.last().text.splitlines()
    assert f"🕒 {time_label(starts[0], NEW_YORK)} · {NEW_YORK_NAME}" in card
    team = f"({time_label(starts[0])} {ZONE_NAME} for our team)"
    assert any(line.strip() == team for line in card), card
    await ada.tap("Confirm")
    body = chat.sandbox.bookings[0].body
    assert body["attendee"]["timezone"] == "America/New_York"
    assert body["start"].replace("Z", "+00:00") == starts[0].isoformat()
    assert chat.emulator.violations == []


@pytest.mark.parametrize(
    ("place", "zone", "name"),
    [
        ("London", "Europe/London", cldr.zone_name("Europe/London", ENGLISH)),
        ("America/New_York", "America/New_York", NEW_YORK_NAME),
    ],
    ids=["city", "zone-id"],
)
async def test_typed_place_sets_the_zone_and_resumes(
    chat: Chat, place: str, zone: str, name: str
) -> None:
    ada = chat.ada
    await walk(ada, "timezone")
    reply = await ada.send(place)
    assert chat.emulator.bot_messages(ada.user_id)[-2].text == f"✓ Times are now shown in {name}."
    assert SCREEN["day"] in reply.text
    assert f"Times are shown in {name}." in reply.text
    await ada.tap(ada.labels()[1])
    first = free_starts(chat.sandbox, tomorrow(), zone=ZoneInfo(zone))[0]
    assert ada.labels()[0] == time_label(first, ZoneInfo(zone))
    assert chat.emulator.violations == []


async def test_unknown_place_is_said_and_the_picker_stays(chat: Chat) -> None:
    ada = chat.ada
    await walk(ada, "timezone")
    reply = await ada.send("Mordor")
    assert reply.text.startswith("I don't know a place called “Mordor”.")
    assert SCREEN["timezone"] in reply.text
    assert NEW_YORK_LABEL in ada.labels()
    assert chat.emulator.violations == []


async def test_shared_location_sets_the_zone(chat: Chat) -> None:
    ada = chat.ada
    await walk(ada, "timezone")
    await chat.emulator.send_location(ada.user_id, 35.68, 139.69)  # Tokyo
    await ada.settle()
    messages = chat.emulator.bot_messages(ada.user_id)
    tokyo = cldr.zone_name("Asia/Tokyo", ENGLISH)  # "Japan Time (Tokyo)"
    assert messages[-2].text == f"✓ Times are now shown in {tokyo}."
    assert SCREEN["day"] in messages[-1].text
    assert chat.emulator.violations == []


async def test_language_picker_switches_and_keeps_the_step(chat: Chat) -> None:
    ada = chat.ada
    await walk(ada, "name")
    picker = await ada.send("/language")
    assert picker.text == "Which language would you like?"
    assert ada.labels()[:2] == [cldr.autonym("en"), cldr.autonym("de")]  # English, Deutsch
    assert len(ada.labels()) == 11
    await ada.tap(cldr.autonym("de"))
    german = ada.last()
    assert german.text.startswith(GERMAN.gettext("✓ I will write in English from now on."))
    assert GERMAN.gettext(
        "What name should the booking be under? Type it, or tap yours below."
    ) in (german.text)
    assert ada.labels() == ["Ada Lovelace"]
    reply = await ada.send("Ada")
    assert reply.text == GERMAN.gettext("Which e-mail address should the confirmation go to?")
    assert reply.text != SCREEN["email"]
    assert chat.emulator.violations == []


async def test_language_by_argument_and_unknown_language(chat: Chat) -> None:
    ada = chat.ada
    await walk(ada, "day")
    refused = await ada.send("/language xx")
    languages = ", ".join(cldr.autonym(code) for code in ("en", "de", "fr"))
    assert refused.text.startswith(f"I can speak: {languages}")  # English, Deutsch, Français
    switched = await ada.send("/language de")
    assert GERMAN.gettext("✓ I will write in English from now on.") in switched.text
    assert ada.labels()[-1] == GERMAN.gettext("later ›") != "later ›", "the day picker again"
    assert chat.emulator.violations == []
