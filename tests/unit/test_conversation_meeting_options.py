"""What the meeting type decides beyond its questions: how and where to meet, with whom, who
else comes, bookings that wait for a confirmation, names per language and types switched off.

The real Application against the Bot API emulator and the sandbox meetergo over loopback; the
sandbox refuses what meetergo would (a channel or place not allowed, a host beside the queue, a
sixth guest), so a booking that goes through was one meetergo takes.
"""

from __future__ import annotations

import json
from datetime import datetime, time, timedelta

import pytest
from babel.dates import format_time
from icalendar import Calendar

from bot.booking.links import AgentLink, LinkSigner
from bot.language.i18n import translations
from bot.sandbox.follow import Answers, answer_until
from bot.sandbox.scheduling import SandboxScheduling
from bot.sandbox.scheduling_defaults import INTRO_CALL_ID, NEW_YORK_HOST_ID, PRODUCT_DEMO_ID
from bot.sandbox.telegram_api import BotApiEmulator
from conversations.after_booking.reminders import send_reminder
from tests.support import cldr
from tests.unit.conftest import (
    ADA,
    BERLIN,
    Launcher,
    SandboxFactory,
    StepCustomer,
    day_label,
    running,
    services,
    tomorrow,
)

OFFICES = ["Calle Mayor 1, 28013 Madrid", "Passeig de Gràcia 5, 08007 Barcelona"]
GUESTS = ("eva@example.com", "juan@example.org")
DOUBLE_OPT_IN = (
    "📨 Almost done: your {meeting} on {when} is reserved. Please confirm it with the link in "
    "the e-mail we just sent to {email}."
)
HOST_CONFIRMS = (
    "📨 Almost done: your {meeting} on {when} is reserved until the team confirms it. You will "
    "get an e-mail at {email} as soon as they do."
)


def said(language: str, message: str) -> str:
    """A message as the bot's catalog for `language` has it (the test reads the product's
    own catalog for the words; what it checks is that the customer gets them)."""
    return translations(language).gettext(message)


async def customer(
    launch: Launcher,
    emulator: BotApiEmulator,
    meetergo: SandboxScheduling,
    language: str,
    **env: str,
) -> StepCustomer:
    bot = await launch(meetergo=meetergo, **env)
    return StepCustomer(
        emulator, bot, ADA, first_name="Ada", last_name="Lovelace", language_code=language
    )


def times_of(sandbox: SandboxScheduling, host: str | None) -> set[datetime]:
    """The starts meetergo lists tomorrow (Berlin) for one host, or for the whole team."""
    low = datetime.combine(tomorrow(), time(), BERLIN)
    hosts = [host] if host else None
    return set(sandbox.spots(INTRO_CALL_ID, low, low + timedelta(days=1), host_ids=hosts))


async def test_a_spanish_customer_books_a_chosen_host_at_the_second_office_with_two_guests(
    sandboxes: SandboxFactory, launch: Launcher, emulator: BotApiEmulator
) -> None:
    sandbox = await sandboxes()
    intro = sandbox.meeting_types[INTRO_CALL_ID]
    intro.allowed_channels = ["google", "phone", "local"]
    intro.locations = list(OFFICES)
    intro.allow_host_selection = True
    intro.allow_adding_guests = True
    lucia = await customer(launch, emulator, sandbox, "es")

    await lucia.send("/start")
    assert (
        said("es", "<b>{meeting}</b>\nHow would you like to meet?").split("\n")[1]
        in lucia.last().text
    )
    office = said("es", "At our office")
    assert office != "At our office", "the way to meet is named in Spanish"
    assert lucia.labels() == [
        said("es", "Video call ({service})").format(service="Google Meet"),
        said("es", "Phone call"),
        office,
    ]
    await lucia.tap(office)
    assert lucia.labels() == OFFICES
    await lucia.tap(OFFICES[1])
    assert lucia.labels() == [said("es", "Whoever is free first"), "Anna Berger", "Diego Costa"]
    await lucia.tap("Diego Costa")

    await answer_until(lucia, "SLOT", Answers(day=cldr.short_day(tomorrow(), "es")))
    diegos, teams = times_of(sandbox, NEW_YORK_HOST_ID), times_of(sandbox, None)
    assert teams - diegos, "Anna has times Diego has not: the check below can fail"
    offered = {label for label in lucia.labels() if ":" in label}
    assert offered
    assert offered <= {format_time(t.astimezone(BERLIN), "short", locale="es") for t in diegos}
    await answer_until(lucia, "CONFIRM", Answers(guests=GUESTS))

    card = lucia.last().text
    assert f"📍 {office}: {OFFICES[1]}" in card
    assert said("es", "🤝 With {name}").format(name="Diego Costa") in card
    assert all(f"➕ {guest}" in card for guest in GUESTS)
    await lucia.tap(said("es", "✅ Confirm"))

    [booking] = sandbox.bookings
    body = booking.body
    assert body["channel"] == "local"
    assert body["location"] == OFFICES[1]
    assert body["hostIds"] == [NEW_YORK_HOST_ID]
    assert "queueId" not in body
    assert body["attendee"]["bringalongEmails"] == list(GUESTS)
    assert booking.host_id == NEW_YORK_HOST_ID
    confirmation = lucia.last()
    assert confirmation.document is not None
    [event] = Calendar.from_ical(confirmation.document["data"]).walk("VEVENT")
    assert OFFICES[1] in str(event["LOCATION"])
    assert OFFICES[1] in confirmation.text
    assert emulator.violations == []


async def test_a_meeting_at_the_customers_place_sends_the_typed_address(
    sandboxes: SandboxFactory, launch: Launcher, emulator: BotApiEmulator
) -> None:
    sandbox = await sandboxes()
    sandbox.meeting_types[INTRO_CALL_ID].channel = "local-attendee"
    ada = await customer(launch, emulator, sandbox, "en")
    await ada.send("/start")
    await answer_until(ada, "ADDRESS", Answers(day=day_label(tomorrow())))
    assert "Where should we meet you?" in ada.last().text
    again = await ada.send("12")
    assert "too short for an address" in again.text
    await ada.send("  Hauptstraße 5,\n10115  Berlin ")
    await answer_until(ada, "CONFIRM")
    assert "📍 At your place: Hauptstraße 5, 10115 Berlin" in ada.last().text
    await ada.tap("✅ Confirm")
    body = sandbox.bookings[0].body
    assert body["channel"] == "local-attendee"
    assert body["attendee"]["notes"]["address"] == "Hauptstraße 5, 10115 Berlin"
    confirmation = ada.last()
    assert confirmation.document is not None
    [event] = Calendar.from_ical(confirmation.document["data"]).walk("VEVENT")
    assert str(event["LOCATION"]) == "At your place: Hauptstraße 5, 10115 Berlin"
    # The "add to" links hand their text to a web calendar: the address stays in the chat.
    assert "Hauptstra" not in json.dumps(confirmation.reply_markup)
    assert "At+your+place" in json.dumps(confirmation.reply_markup)


async def test_a_sixth_guest_and_a_look_alike_domain_are_asked_about_and_lose_nothing(
    sandboxes: SandboxFactory, launch: Launcher, emulator: BotApiEmulator
) -> None:
    sandbox = await sandboxes()
    sandbox.meeting_types[INTRO_CALL_ID].allow_adding_guests = True
    ada = await customer(launch, emulator, sandbox, "en")
    await ada.send("/start")
    await answer_until(ada, "GUESTS", Answers(day=day_label(tomorrow())))
    five = [f"guest{n}@example.com" for n in range(1, 6)]
    await ada.send(", ".join(five[:4]))
    await ada.send(f"{five[4]} sixth@example.com")
    shown = ada.last().text
    assert "You can invite at most 5 guests. Not added: sixth@example.com" in shown
    assert all(guest in shown for guest in five)
    await ada.tap(f"✖ {five[0]}")
    assert five[0] not in ada.last().text

    await ada.send("zoe@exаmple.com")  # the "а" is Cyrillic
    assert "uses letters of another alphabet" in ada.last().text
    await ada.tap("Don't invite")
    await ada.send("bob@gmial.com")
    assert (
        "Did you mean <b>bob@gmail.com</b>?" in ada.last().text or "bob@gmail.com" in ada.labels()
    )
    await ada.tap("bob@gmail.com")
    kept = [*five[1:], "bob@gmail.com"]
    assert all(guest in ada.last().text for guest in kept)
    await ada.send("not-an-address")
    assert "not-an-address: that does not look like an e-mail address." in ada.last().text
    await ada.tap("✅ Done")
    await answer_until(ada, "CONFIRM")
    await ada.tap("✅ Confirm")
    assert sandbox.bookings[0].body["attendee"]["bringalongEmails"] == kept


@pytest.mark.parametrize(
    ("kind", "language", "what_next"),
    [
        ("doubleOptIn", "en", DOUBLE_OPT_IN),
        ("DoubleOptIn", "de", DOUBLE_OPT_IN),
        ("requireHostConfirmation", "en", HOST_CONFIRMS),
        ("requireHostConfirmation", "de", HOST_CONFIRMS),
    ],
)
async def test_a_booking_that_waits_says_what_happens_next_and_shows_as_waiting(
    sandboxes: SandboxFactory,
    launch: Launcher,
    emulator: BotApiEmulator,
    kind: str,
    language: str,
    what_next: str,
) -> None:
    sandbox = await sandboxes()
    sandbox.meeting_types[INTRO_CALL_ID].booking_type = kind
    ada = await customer(launch, emulator, sandbox, language)
    await ada.send("/start")
    await answer_until(ada, "END", Answers(day=1))
    confirmation = ada.last()
    assert confirmation.document is None, "no calendar file for a booking not confirmed"
    wording = said(language, what_next)
    assert language == "en" or wording != what_next, "said in German"
    before, after = wording.split("{when}")
    assert confirmation.text.startswith(before.format(meeting="Intro call")), "names the type"
    assert after.split("{email}")[0] in confirmation.text
    assert "ada@example.org" in confirmation.text

    waiting = await ada.send("/mybookings")
    assert waiting.text.startswith("⏳")
    assert ada.labels(waiting) == []
    sandbox.confirm_pending(sandbox.bookings[0].appointment_id)
    listed = await ada.send("/mybookings")
    assert listed.text.startswith("📅"), "confirmed since: listed with its buttons"
    assert len(ada.labels(listed)) == 2


async def test_the_type_is_named_in_the_customers_language_and_an_inactive_one_not_offered(
    launch: Launcher, emulator: BotApiEmulator
) -> None:
    secret = "a link secret for the tests, long enough"
    async with SandboxScheduling() as sandbox:
        sandbox.meeting_types[INTRO_CALL_ID].names = {"de": "Erstgespräch"}
        sandbox.meeting_types[PRODUCT_DEMO_ID].enabled = False
        ada = await customer(
            launch,
            emulator,
            sandbox,
            "de",
            MEETERGO_MEETING_TYPE_IDS=f"{INTRO_CALL_ID},{PRODUCT_DEMO_ID}",
            BOT_LINK_SECRET=secret,
            BOT_AGENT_IDS="777",
        )
        day = await ada.send("/start")
        assert "Erstgespräch" in day.text, "no picker: the one type switched on, in German"
        assert "Product demo" not in " ".join(ada.labels(day))
        link = LinkSigner(secret.encode()).payload(AgentLink(777, PRODUCT_DEMO_ID, None))
        linked = await ada.send(f"/start {link}")
        assert "Erstgespräch" in linked.text, "a link to the type switched off: the usual booking"
        assert "Product demo" not in linked.text


async def test_changing_the_person_on_the_card_shows_their_times_that_day(
    sandboxes: SandboxFactory, launch: Launcher, emulator: BotApiEmulator
) -> None:
    sandbox = await sandboxes()
    sandbox.meeting_types[INTRO_CALL_ID].allow_host_selection = True
    ada = await customer(launch, emulator, sandbox, "en")
    await ada.send("/start")
    await ada.tap("Anna Berger")
    await answer_until(ada, "CONFIRM", Answers(day=day_label(tomorrow())))
    assert "🤝 With Anna Berger" in ada.last().text
    await ada.tap("Change person")
    assert "Who would you like to meet?" in ada.last().text
    await ada.tap("Diego Costa")
    offered = {label for label in ada.labels() if ":" in label}
    diegos = {
        format_time(t.astimezone(BERLIN), "short", locale="en_US")
        for t in times_of(sandbox, NEW_YORK_HOST_ID)
    }
    assert offered
    assert offered <= diegos, "the same day, Diego's times"
    # A label no other contains ("2:00 PM" would also match "12:00 PM").
    await ada.tap(
        next(label for label in sorted(offered) if not any(label in o for o in offered - {label}))
    )
    await answer_until(ada, "CONFIRM")
    assert "🤝 With Diego Costa" in ada.last().text
    await ada.tap("✅ Confirm")
    assert sandbox.bookings[0].body["hostIds"] == [NEW_YORK_HOST_ID]


async def test_reminders_wait_for_the_confirmation_then_follow_the_appointment(
    sandboxes: SandboxFactory, launch: Launcher, emulator: BotApiEmulator
) -> None:
    sandbox = await sandboxes()
    sandbox.meeting_types[INTRO_CALL_ID].booking_type = "doubleOptIn"
    ada = await customer(launch, emulator, sandbox, "en")
    await ada.send("/start")
    await answer_until(ada, "END", Answers(day=day_label(tomorrow())))
    [booking] = sandbox.bookings
    provisional, start = booking.appointment_id, booking.start
    app = running(ada.bot)
    assert app.job_queue is not None
    assert f"remind:{provisional}:1h" in {str(job.name) for job in app.job_queue.jobs()}
    sent = len(emulator.bot_messages(ADA))

    await send_reminder(app, provisional, "1h", start)
    assert len(emulator.bot_messages(ADA)) == sent, "no reminder while it waits"

    confirmed = sandbox.confirm_pending(provisional)
    await send_reminder(app, provisional, "1h", start)
    reminder = ada.last()
    assert reminder.text.startswith("⏰ Reminder: your Intro call is on")
    assert reminder.text.endswith("🎥 Video call (meetergo)")
    assert ada.labels(reminder) == ["✅ I'll be there", "Reschedule", "Cancel appointment"]
    jobs = {str(job.name) for job in app.job_queue.jobs() if not job.removed}
    assert not any(provisional in name for name in jobs), "moved to the appointment's own id"
    record = await services(ada.bot).bookings.ledger.record_of(confirmed.appointment_id)
    assert record is not None
    assert not record.pending
    assert "1h" in record.reminded


async def test_the_type_picker_names_and_describes_each_type_in_the_customers_language(
    launch: Launcher, emulator: BotApiEmulator
) -> None:
    async with SandboxScheduling() as sandbox:
        sandbox.meeting_types[INTRO_CALL_ID].names = {"de": "Erstgespräch"}
        sandbox.meeting_types[PRODUCT_DEMO_ID].description = "See the <product> live"
        ada = await customer(
            launch,
            emulator,
            sandbox,
            "de",
            MEETERGO_MEETING_TYPE_IDS=f"{INTRO_CALL_ID},{PRODUCT_DEMO_ID}",
        )
        picker = await ada.send("/start")
        assert ada.labels(picker) == ["Erstgespräch · 30 Min.", "Product demo · 30/45/60 Min."]
        assert (
            "See the &lt;product&gt; live" in picker.text or "See the <product> live" in picker.text
        )
