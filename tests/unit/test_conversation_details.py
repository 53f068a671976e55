"""NAME, EMAIL and CONSENT: the customer's details and the privacy agreement."""

from __future__ import annotations

import pytest

from bot.sandbox.scheduling import SandboxScheduling
from bot.sandbox.telegram_api import BotApiEmulator
from tests.support.harness import PRIVACY_URL, InProcessBot
from tests.unit.conftest import (
    SCREEN,
    Chat,
    StepCustomer,
    posts,
    walk,
)

# --- NAME ------------------------------------------------------------------------------------


async def test_name_step_offers_the_telegram_name_and_takes_it(chat: Chat) -> None:
    ada = chat.ada
    await walk(ada, "name")
    assert ada.labels() == ["Ada Lovelace"]
    await ada.tap("Ada Lovelace")
    assert SCREEN["email"] in ada.last().text
    assert ada.labels() == [], "the address is typed"
    await ada.send("ada@example.org")
    await ada.tap("I agree")
    assert "👤 Ada Lovelace" in ada.last().text
    assert chat.emulator.violations == []


async def test_typed_name_is_trimmed(chat: Chat) -> None:
    ada = chat.ada
    await walk(ada, "name")
    reply = await ada.send("   Grace   Hopper \t ")
    assert SCREEN["email"] in reply.text
    await ada.send("grace@example.org")
    await ada.tap("I agree")
    assert "👤 Grace Hopper\n" in ada.last().text
    await ada.tap("Confirm")
    assert chat.sandbox.bookings[0].body["attendee"]["fullname"] == "Grace Hopper"
    assert chat.emulator.violations == []


@pytest.mark.parametrize(
    ("typed", "problem"),
    [
        ("   ", "Please type a name."),
        ("Bob\u0007", "That name contains invisible control characters; please type it again."),
        ("B" * 101, "That name is too long; please use at most 100 characters."),
    ],
    ids=["blank", "control-character", "too-long"],
)
async def test_unusable_name_is_explained_and_asked_again(
    chat: Chat, typed: str, problem: str
) -> None:
    ada = chat.ada
    await walk(ada, "name")
    reply = await ada.send(typed)
    assert reply.text.startswith(problem), reply.text
    assert SCREEN["name"] in reply.text
    assert ada.labels() == ["Ada Lovelace"], "still at the name step"
    reply = await ada.send("Bob")
    assert SCREEN["email"] in reply.text
    assert chat.emulator.violations == []


async def test_customer_without_last_name_books_with_first_name_only(
    emulator: BotApiEmulator, sandbox: SandboxScheduling, bot: InProcessBot
) -> None:
    plato = StepCustomer(emulator, bot, 5252, first_name="Plato", last_name=None)
    await plato.send("/start")
    await plato.tap(plato.labels()[0])
    await plato.tap(plato.labels()[0])
    assert plato.labels() == ["Plato"]
    await plato.tap("Plato")
    await plato.send("plato@example.org")
    await plato.tap("I agree")
    assert "👤 Plato\n" in plato.last().text
    await plato.tap("Confirm")
    attendee = sandbox.bookings[0].body["attendee"]
    assert attendee["fullname"] == "Plato"
    assert attendee["firstname"] == "Plato"
    assert not attendee.get("lastname")
    assert emulator.violations == []


async def test_tapping_a_telegram_name_that_is_too_long_says_why(
    emulator: BotApiEmulator, bot: InProcessBot
) -> None:
    long = StepCustomer(emulator, bot, 5353, first_name="A" * 60, last_name="B" * 60)
    await long.send("/start")
    await long.tap(long.labels()[0])
    await long.tap(long.labels()[0])
    await long.tap("A" * 60)
    assert "too long" in long.last().text, long.last().text
    assert emulator.violations == []


# --- EMAIL -----------------------------------------------------------------------------------


async def test_invalid_address_is_explained_and_asked_again(chat: Chat) -> None:
    ada = chat.ada
    await walk(ada, "email")
    reply = await ada.send("ada at example dot org")
    assert reply.text.startswith("That does not look like an e-mail address.")
    assert SCREEN["email"] in reply.text
    reply = await ada.send("ada@example.org")
    assert SCREEN["consent"] in reply.text
    assert chat.emulator.violations == []


@pytest.mark.parametrize(
    ("choice", "booked_email"),
    [("x@gmail.com", "x@gmail.com"), ("Keep x@gmial.com", "x@gmial.com")],
    ids=["take-fix", "keep-typed"],
)
async def test_mistyped_domain_is_questioned(chat: Chat, choice: str, booked_email: str) -> None:
    ada = chat.ada
    await walk(ada, "email")
    question = await ada.send("x@gmial.com")
    assert "Did you mean x@gmail.com?" in question.text
    assert ada.labels() == ["x@gmail.com", "Keep x@gmial.com"]
    await ada.tap(choice)
    assert ada.last().message_id == question.message_id
    assert SCREEN["consent"] in ada.last().text
    await ada.tap("I agree")
    assert f"✉️ {booked_email}" in ada.last().text
    await ada.tap("Confirm")
    assert chat.sandbox.bookings[0].body["attendee"]["email"] == booked_email
    assert chat.emulator.violations == []


# --- CONSENT ---------------------------------------------------------------------------------


async def test_consent_links_the_privacy_policy_and_nothing_is_booked_before_agreeing(
    chat: Chat,
) -> None:
    ada = chat.ada
    await walk(ada, "consent")
    consent = ada.last()
    assert f'<a href="{PRIVACY_URL}">privacy policy</a>' in (consent.html or "")
    links = [entity for entity in consent.entities if entity["type"] == "text_link"]
    assert [link["url"] for link in links] == [PRIVACY_URL]
    assert ada.labels() == ["I agree"]
    hint = await ada.send("yes, fine")
    assert hint.message_id != consent.message_id
    assert hint.text.startswith("Please use the buttons below.")
    assert SCREEN["consent"] in hint.text
    assert ada.labels() == ["I agree"]
    assert posts(chat.sandbox) == 0
    assert chat.sandbox.bookings == []
    await ada.tap("I agree")
    assert SCREEN["confirm"] in ada.last().text
    assert posts(chat.sandbox) == 0, "agreeing does not book yet"
    assert chat.emulator.violations == []


@pytest.mark.parametrize("step", ["slot", "confirm"])
async def test_text_where_a_button_is_expected_shows_the_buttons_again(
    chat: Chat, step: str
) -> None:
    ada = chat.ada
    await walk(ada, step)
    screen = ada.labels()
    hint = await ada.send("hmm")
    assert hint.text.startswith("Please use the buttons below.")
    assert SCREEN[step] in hint.text
    assert ada.labels() == screen
    await ada.tap(screen[0])
    assert chat.emulator.violations == []
