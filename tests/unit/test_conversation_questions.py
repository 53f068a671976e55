"""The meeting type's own questions: one step kind repeated over a list, asked after the name
in the list's order, shown on the card, changeable, and sent in attendee.notes by label."""

from __future__ import annotations

import pytest

from bot.booking.questions import load_questions
from bot.sandbox.follow import Answers, answer_until
from bot.sandbox.scheduling_defaults import INTRO_CALL_ID
from conversations.booking import flow
from tests.unit.conftest import SCREEN, Chat, walk

QUESTIONS = f"""
{INTRO_CALL_ID}:
  - name: company
    label: Company name
    fieldType: text-single
    required: true
    locales: [{{locale: en, label: "What is the name of your company?"}}]
  - name: team
    label: Team size
    fieldType: number
    min: 1
    max: 500
    locales: [{{locale: en, label: "How many people are in your team?"}}]
"""


@pytest.fixture(autouse=True)
def asks_two_questions(monkeypatch: pytest.MonkeyPatch) -> None:
    """The booking flow as a business declares it in BOT_QUESTIONS: two questions."""
    declared = flow.build_booking_flow(load_questions(QUESTIONS, []))
    monkeypatch.setattr(flow, "BOOKING", declared)


async def test_questions_are_asked_in_order_and_sent_by_label(chat: Chat) -> None:
    ada = chat.ada
    await walk(ada, "name")
    await ada.tap("Ada Lovelace")
    assert "What is the name of your company?" in ada.last().text
    assert ada.labels() == [], "a required question has no Skip"
    team = await ada.send("  Analytical   Engines Ltd ")
    assert "How many people are in your team?" in team.text
    assert ada.labels() == ["Skip"]
    await ada.tap("Skip")
    assert SCREEN["email"] in ada.last().text
    await ada.send("ada@example.org")
    consent = ada.last().text
    assert "What is the name of your company?" in consent, "the consent names the answers"
    await ada.tap("I agree")
    card = ada.last().text
    assert "💬 What is the name of your company?: Analytical Engines Ltd" in card
    assert "team" not in card, "a skipped question is not on the card"
    assert "Change What is the name of your company?" in ada.labels()
    await ada.tap("✅ Confirm")
    notes = chat.sandbox.bookings[0].body["attendee"]["notes"]
    assert notes["Company name"] == "Analytical Engines Ltd"
    assert "Team size" not in notes
    assert notes["source"] == "telegram"
    assert chat.emulator.violations == []


async def test_an_empty_answer_is_explained_and_asked_again(chat: Chat) -> None:
    ada = chat.ada
    await walk(ada, "name")
    await ada.tap("Ada Lovelace")
    again = (await ada.send("\u0007")).text
    assert "invisible control characters" in again
    assert "What is the name of your company?" in again
    assert chat.sandbox.bookings == []


async def test_an_answer_is_changed_from_the_card(chat: Chat) -> None:
    ada = chat.ada
    await walk(ada, "name")
    await ada.tap("Ada Lovelace")
    await ada.send("Engines")
    await ada.send("3")
    await ada.send("ada@example.org")
    await ada.tap("I agree")
    await ada.tap("Change What is the name of your company?")
    assert "What is the name of your company?" in ada.last().text
    card = (await ada.send("Difference Engines")).text
    assert "💬 What is the name of your company?: Difference Engines" in card, (
        "the other answers are kept"
    )
    assert "💬 How many people are in your team?: 3" in card


async def test_drivers_answer_the_questions_by_what_they_ask(chat: Chat) -> None:
    ada = chat.ada
    await ada.send("/start")
    await answer_until(ada, "CONFIRM", Answers(questions={"name of your company": "ACME"}))
    card = ada.last().text
    assert "💬 What is the name of your company?: ACME" in card
    assert "How many people" not in card, "the optional question was skipped"
