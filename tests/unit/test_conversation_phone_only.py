"""Phone-only booking: where the meeting type allows it (meetingOptions.allowPhoneOnlyBooking),
the e-mail step offers the phone instead; the booking then sends `phoneOnlyBooking: true`,
the phone in E.164 and no e-mail, and nothing the customer reads mentions an e-mail."""

from __future__ import annotations

import logging

import pytest
import pytest_asyncio

from bot.sandbox.scheduling import SandboxScheduling
from bot.sandbox.scheduling_defaults import INTRO_CALL_ID
from tests.unit.conftest import SCREEN, Chat, SandboxFactory, StepCustomer, walk

BY_PHONE = "📞 Use my phone number instead"
ASKED = "Which phone number should the booking be under?"


@pytest.fixture
def phone_only_allowed() -> bool:
    """Whether the meeting type allows phone-only bookings (a test may say otherwise)."""
    return True


@pytest_asyncio.fixture
async def sandbox(sandboxes: SandboxFactory, phone_only_allowed: bool) -> SandboxScheduling:
    """The sandbox, its meeting type changed before the bot reads it (once per process)."""
    server = await sandboxes()
    server.meeting_types[INTRO_CALL_ID].allow_phone_only_booking = phone_only_allowed
    return server


async def to_phone(ada: StepCustomer) -> None:
    await walk(ada, "email")
    assert BY_PHONE in ada.labels()
    await ada.tap(BY_PHONE)
    assert ASKED in ada.last().text


async def test_a_typed_phone_number_books_without_an_e_mail(
    chat: Chat, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    ada = chat.ada
    await to_phone(ada)
    await ada.send("030 1234567")  # read in Germany, the country of Ada's zone
    consent = ada.last().text
    assert "name and phone number" in consent
    assert "e-mail" not in consent
    await ada.tap("I agree")
    card = ada.last().text
    assert "📞 +49301234567" in card
    assert "✉️" not in card
    assert {"Change phone number", "Change email"} <= set(ada.labels())
    await ada.tap("✅ Confirm")
    body = chat.sandbox.bookings[0].body
    assert body["phoneOnlyBooking"] is True
    assert body["attendee"]["phone"] == "+49301234567"
    assert "email" not in body["attendee"]
    confirmation = ada.last()
    assert "You're booked" in confirmation.text
    assert "See you at your Intro call!" in confirmation.text
    assert "e-mail" not in confirmation.text
    assert confirmation.document is not None
    assert confirmation.document["file_name"] == "appointment.ics"
    logged = [
        record.getMessage() + repr(record.__dict__)
        for record in caplog.records
        # The bot's own lines at every level; python-telegram-bot's and httpx's debug lines echo
        # the updates, as they do for an e-mail address (DEBUG is not for production).
        if record.name.split(".")[0] in ("bot", "conversations") or record.levelno >= logging.INFO
    ]
    assert logged
    assert not any("1234567" in line for line in logged), "no log holds the phone"
    assert chat.emulator.violations == []


async def test_the_own_shared_number_is_taken_and_a_strangers_refused(chat: Chat) -> None:
    ada = chat.ada
    await to_phone(ada)
    await ada.share_contact("+1 202 555 0143", own=False, user_id=None)
    assert "share your own phone number" in ada.last().text
    await ada.share_contact("4930 7654321")  # Telegram's apps may leave the "+" out
    await ada.tap("I agree")
    assert "📞 +49307654321" in ada.last().text
    await ada.tap("✅ Confirm")
    body = chat.sandbox.bookings[0].body
    assert body["attendee"]["phone"] == "+49307654321"
    assert body["phoneOnlyBooking"] is True


async def test_a_wrong_number_is_explained_and_e_mail_is_chosen_again(chat: Chat) -> None:
    ada = chat.ada
    await to_phone(ada)
    again = (await ada.send("12")).text
    assert "does not look like a phone number" in again
    assert ASKED in again
    await ada.send("✉️ Use my e-mail address instead")
    assert SCREEN["email"] in ada.last().text
    await ada.send("ada@example.org")
    await ada.tap("I agree")
    assert "✉️ ada@example.org" in ada.last().text
    await ada.tap("✅ Confirm")
    body = chat.sandbox.bookings[0].body
    assert "phoneOnlyBooking" not in body
    assert body["attendee"]["email"] == "ada@example.org"


async def test_the_card_changes_the_phone_number(chat: Chat) -> None:
    ada = chat.ada
    await to_phone(ada)
    await ada.send("+49 30 1234567")
    await ada.tap("I agree")
    await ada.tap("Change phone number")
    assert ASKED in ada.last().text
    assert "📞 +49301111111" in (await ada.send("+49 30 1111111")).text


async def test_a_lost_answer_is_looked_up_by_phone(chat: Chat) -> None:
    ada = chat.ada
    await to_phone(ada)
    await ada.send("030 1234567")
    await ada.tap("I agree")
    chat.sandbox.fail_next(1, kind="lost", path="/booking")
    await ada.tap("✅ Confirm")
    assert "You're booked" in ada.last().text, "found on meetergo by the phone number"
    assert len(chat.sandbox.bookings) == 1


@pytest.mark.parametrize("phone_only_allowed", [False])
async def test_the_phone_is_not_offered_where_the_type_does_not_allow_it(chat: Chat) -> None:
    ada = chat.ada
    await walk(ada, "email")
    assert BY_PHONE not in ada.labels()
