"""After a restart: a booking whose answer the bot never heard is settled, and its customer told."""

from __future__ import annotations

from datetime import timedelta

from pydantic import SecretStr

from bot.meetergo import Attendee, BookingRequest, MeetergoClient
from bot.sandbox.scheduling_defaults import INTRO_CALL_ID
from bot.storage.ledger import Attempt
from conversations.booking.recovery import recover_interrupted_bookings
from tests.support.harness import Customer
from tests.unit.conftest import ADA, Chat, berlin_today, free_starts, running, services, walk

GRACE = 777  # the agent whose link Ada followed


async def interrupted_booking(chat: Chat, *, agent_id: int | None = None) -> str:
    """What a bot killed during the POST leaves: its attempt in the ledger, the booking made
    on meetergo; returns the appointment's id."""
    sandbox = chat.sandbox
    card = chat.ada.last()
    # What a bot killed during the POST leaves: its attempt in the ledger, the booking made.
    start = free_starts(sandbox, berlin_today() + timedelta(days=3))[0]
    ledger = services(chat.bot).bookings.ledger
    await ledger.begin(
        Attempt(
            chat_id=ADA,
            user_id=ADA,
            meeting_type_id=INTRO_CALL_ID,
            start=start,
            duration=30,
            email="ada@example.org",
            language="en",
            timezone="Europe/Berlin",
            message_id=card.message_id,
            agent_id=agent_id,
        )
    )
    client = MeetergoClient(base_url=sandbox.url, api_key=SecretStr(sandbox.credential))
    try:
        meeting_type = await client.meeting_type(INTRO_CALL_ID)
        attendee = Attendee(email="ada@example.org", fullname="Ada Lovelace")
        await client.book(
            BookingRequest.for_meeting_type(meeting_type, start=start, attendee=attendee)
        )
    finally:
        await client.aclose()
    return sandbox.bookings[-1].appointment_id


async def test_a_booking_found_after_a_restart_comes_with_its_calendar_file_and_reminders(
    chat: Chat,
) -> None:
    ada = chat.ada
    await walk(ada, "confirm")
    card = ada.last()
    ledger = services(chat.bot).bookings.ledger
    appointment = await interrupted_booking(chat)
    app = running(chat.bot)
    await recover_interrupted_bookings(app)

    assert await ledger.unsettled() == []
    [sent] = [m for m in chat.emulator.bot_messages(ADA) if m.document is not None]
    assert sent.document is not None
    assert sent.document["file_name"] == "appointment.ics"
    assert f"UID:{appointment}@meetergo-telegram-bot" in sent.document["data"].decode()
    assert "You're booked" in sent.text
    assert "ada@example.org" in sent.text
    assert ada.last().message_id == sent.message_id, "the confirmation is the newest message"
    shown = {m.message_id: m for m in chat.emulator.bot_messages(ADA)}
    assert shown[card.message_id].deleted, "the card made way for the confirmation with its file"
    assert app.job_queue is not None
    reminders = [str(job.name) for job in app.job_queue.jobs()]
    assert sorted(name for name in reminders if name.startswith("remind:")) == [
        f"remind:{appointment}:1d",
        f"remind:{appointment}:1h",
    ]
    assert chat.emulator.violations == []


async def test_the_agent_whose_link_brought_a_recovered_booking_hears_of_it(chat: Chat) -> None:
    grace = Customer(chat.emulator, GRACE, first_name="Grace", language_code="en")
    await grace.send("/help")  # the agent has a chat with the bot
    await walk(chat.ada, "confirm")
    await interrupted_booking(chat, agent_id=GRACE)
    await recover_interrupted_bookings(running(chat.bot))
    told = grace.last().text
    assert told.startswith("📅 New booking through your link: Intro call · 30 min")
    assert told.endswith("for Ada Lovelace.")
    assert "ada@example.org" not in told, "the agent gets the name, never the e-mail"
    assert chat.emulator.violations == []
