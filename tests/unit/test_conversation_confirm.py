"""CONFIRM: the card, changing an answer, cancelling, booking, and meetergo refusing it."""

from __future__ import annotations

from datetime import datetime

from bot.sandbox.scheduling_defaults import INTRO_CALL_ID, INTRO_QUEUE_ID
from tests.unit.conftest import (
    ADA,
    SCREEN,
    ZONE_NAME,
    Chat,
    StepCustomer,
    free_starts,
    full_date,
    posts,
    running,
    stored_text,
    time_label,
    tomorrow,
    walk,
)

CARD_BUTTONS = ["✅ Confirm", "Change time", "Change name", "Change email", "Cancel"]


def card_lines(ada: StepCustomer) -> list[str]:
    return ada.last().text.splitlines()


async def test_card_shows_every_answer(chat: Chat) -> None:
    ada = chat.ada
    await walk(ada, "confirm")
    first = time_label(free_starts(chat.sandbox, tomorrow())[0])
    assert card_lines(ada) == [
        "Please check your booking",
        "",
        f"📅 {full_date(tomorrow())}",
        f"🕒 {first} · {ZONE_NAME}",
        "📝 Intro call · 30 min",
        "🎥 Video call (meetergo)",  # the type's one channel, connect: nothing to choose
        "👤 Ada Lovelace",
        "✉️ ada@example.org",
    ]
    assert ada.labels() == CARD_BUTTONS
    assert chat.emulator.violations == []


async def test_change_time_shows_that_days_times_and_returns_to_the_card(chat: Chat) -> None:
    ada = chat.ada
    await walk(ada, "confirm")
    card = ada.last()
    sent = len(chat.emulator.bot_messages(ADA))
    await ada.tap("Change time")
    assert ada.last().message_id == card.message_id
    assert full_date(tomorrow()) in ada.last().text
    assert SCREEN["slot"] in ada.last().text
    later = ada.labels()[3]
    await ada.tap(later)
    assert SCREEN["confirm"] in ada.last().text
    assert f"🕒 {later} · {ZONE_NAME}" in card_lines(ada)
    assert "👤 Ada Lovelace" in card_lines(ada)
    assert "✉️ ada@example.org" in card_lines(ada)
    assert len(chat.emulator.bot_messages(ADA)) == sent, "name, e-mail and consent not re-asked"
    assert chat.emulator.violations == []


async def test_change_name_asks_only_the_name_again(chat: Chat) -> None:
    ada = chat.ada
    await walk(ada, "confirm")
    before = card_lines(ada)
    await ada.tap("Change name")
    assert SCREEN["name"] in ada.last().text
    card = await ada.send("Ada King")
    assert SCREEN["confirm"] in card.text
    assert card_lines(ada) == [line if "👤" not in line else "👤 Ada King" for line in before]
    assert chat.emulator.violations == []


async def test_change_email_asks_only_the_address_again(chat: Chat) -> None:
    ada = chat.ada
    await walk(ada, "confirm")
    before = card_lines(ada)
    await ada.tap("Change email")
    assert SCREEN["email"] in ada.last().text
    card = await ada.send("ada@example.com")
    assert SCREEN["confirm"] in card.text
    assert card_lines(ada) == [line if "✉️" not in line else "✉️ ada@example.com" for line in before]
    await ada.tap("Confirm")
    assert chat.sandbox.bookings[0].body["attendee"]["email"] == "ada@example.com"
    assert chat.emulator.violations == []


async def test_cancel_button_ends_the_booking(chat: Chat) -> None:
    ada = chat.ada
    await walk(ada, "confirm")
    card = ada.last()
    await ada.tap("Cancel")
    assert ada.last().message_id == card.message_id
    assert ada.last().text == "Booking cancelled. Send /start whenever you want to book."
    assert ada.labels() == []
    reply = await ada.send("/cancel")
    assert reply.text.startswith("There is no booking in progress.")
    assert posts(chat.sandbox) == 0
    assert "ada@example.org" not in str(running(chat.bot).chat_data[ADA])
    assert chat.emulator.violations == []


async def test_confirm_books_what_the_card_shows_and_forgets_the_details(chat: Chat) -> None:
    ada = chat.ada
    await walk(ada, "confirm")
    chosen = free_starts(chat.sandbox, tomorrow())[0]  # walk() takes the earliest time
    label = time_label(chosen)
    card = ada.last()
    await running(chat.bot).update_persistence()
    assert "ada@example.org" in stored_text(chat.bot), "kept while the booking is open"
    await ada.tap("Confirm")
    confirmation = ada.last()
    assert confirmation.message_id > card.message_id, "with the calendar file, in its place"
    assert [m.message_id for m in chat.emulator.bot_messages(ADA) if not m.deleted][-1] == (
        confirmation.message_id
    )
    assert confirmation.text == (
        f"✅ You're booked: {full_date(tomorrow())} at {label}, {ZONE_NAME}. "
        "A confirmation e-mail is on its way to ada@example.org. See you at your Intro call!"
        "\n🎥 Video call (meetergo)"
    )
    assert confirmation.document is not None
    assert confirmation.document["file_name"] == "appointment.ics"
    assert ada.labels() == ["Add to Google Calendar", "Add to Outlook"]
    assert posts(chat.sandbox) == 1
    body = chat.sandbox.bookings[0].body
    assert body["meetingTypeId"] == INTRO_CALL_ID
    assert body["queueId"] == INTRO_QUEUE_ID
    assert body["duration"] == 30
    assert body["channel"] == "connect"
    start = datetime.fromisoformat(body["start"])
    assert start.utcoffset() is not None
    assert not start.utcoffset(), "sent in UTC"
    assert start == chosen
    assert time_label(start) == label
    attendee = body["attendee"]
    assert attendee["email"] == "ada@example.org"
    assert attendee["fullname"] == "Ada Lovelace"
    assert attendee["firstname"] == "Ada"
    assert attendee["lastname"] == "Lovelace"
    assert attendee["receiveReminders"] is True
    assert isinstance(attendee["notes"], dict)
    assert attendee["notes"]["telegramUserId"] == str(ADA)
    assert attendee["language"] == "en"
    assert attendee["timezone"] == "Europe/Berlin"
    assert attendee["dataPolicyAccepted"] is True
    chat_data = running(chat.bot).chat_data[ADA]
    assert "ada@example.org" not in str(chat_data)
    assert "Lovelace" not in str(chat_data)
    await running(chat.bot).update_persistence()
    assert "ada@example.org" not in stored_text(chat.bot)
    assert "Lovelace" not in stored_text(chat.bot)
    reply = await ada.send("/cancel")
    assert reply.text.startswith("There is no booking in progress."), "the conversation is over"
    assert chat.emulator.violations == []


async def test_meetergo_failing_the_booking_offers_try_again_then_books_once(chat: Chat) -> None:
    ada = chat.ada
    await walk(ada, "confirm")
    card = ada.last()
    chat.sandbox.fail_next(1, status=503, path="/booking")
    await ada.tap("Confirm")
    assert ada.last().message_id == card.message_id
    assert ada.last().text.startswith("The scheduling service is not answering right now.")
    assert "Your answers are kept" in ada.last().text
    assert ada.labels() == ["Try again", "Cancel"]
    assert chat.sandbox.bookings == []
    await ada.tap("Try again")
    assert SCREEN["confirm"] in ada.last().text
    assert ada.labels() == CARD_BUTTONS
    await ada.tap("Confirm")
    assert "You're booked" in ada.last().text
    assert posts(chat.sandbox) == 2
    assert len(chat.sandbox.bookings) == 1
    assert chat.sandbox.bookings[0].body["attendee"]["email"] == "ada@example.org"
    assert chat.emulator.violations == []


async def test_slot_taken_at_confirm_offers_fresh_times_on_the_same_message(chat: Chat) -> None:
    ada = chat.ada
    await walk(ada, "confirm")
    card = ada.last()
    taken = free_starts(chat.sandbox, tomorrow())[0]
    chat.sandbox.take(INTRO_CALL_ID, taken)  # somebody else was faster
    await ada.tap("Confirm")
    assert ada.last().message_id == card.message_id
    assert ada.last().text.startswith(
        f"Sorry, {time_label(taken)} was just taken. Here are the free times now:"
    )
    assert full_date(tomorrow()) in ada.last().text
    fresh = [time_label(start) for start in free_starts(chat.sandbox, tomorrow())]
    assert ada.labels() == [*fresh, "◀ other day"]
    assert time_label(taken) not in ada.labels()
    await ada.tap(fresh[0])
    assert SCREEN["confirm"] in ada.last().text, "name, e-mail and consent were kept"
    await ada.tap("Confirm")
    assert "You're booked" in ada.last().text
    customer_bookings = [b for b in chat.sandbox.bookings if b.body]
    assert len(customer_bookings) == 1
    assert customer_bookings[0].start != taken
    assert posts(chat.sandbox) == 2
    assert chat.emulator.violations == []
