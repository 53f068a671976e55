"""Hostile text at every step where customers type (tests/data/hostile_inputs.json, plus
hypothesis): nothing crashes, Telegram would accept every answer, refused input gets a clear
message and loses nothing, and what is accepted is booked exactly as the card showed it."""

from __future__ import annotations

import json
import logging
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.contact import InvalidNameError, clean_name
from conversations.booking import NAME_PROBLEMS
from tests.support.harness import VISIBLE
from tests.unit.conftest import SCREEN, Chat, StepCustomer, walk

CORPUS: list[dict[str, str]] = json.loads(
    (Path(__file__).parents[1] / "data" / "hostile_inputs.json").read_text(encoding="utf-8")
)
TEXTS = [entry["text"] for entry in CORPUS]
BOOKED_SAMPLE = 12  # accepted names and addresses booked for real (each takes a slot)
# What the bot says when it refuses a typed answer, per step.
REFUSALS = {
    "name": (
        "Please type a name.",
        "That name is too long",
        "That name contains invisible control characters",
    ),
    "email": ("That does not look like an e-mail address.",),
    "day": (
        "I didn't understand that day.",
        "That day is already over.",
        "Did you mean",
        "There are no free times on",
        "That is too far ahead",
        "Which day? I will show the times that fit first.",  # a time of day, without a day
    ),
    "timezone": (
        "I don't know a place called",
        "Several time zones match",
        "Did you mean one of these places?",
    ),
}


def card_field(ada: StepCustomer, emoji: str) -> str:
    """The value the confirm card shows after an emoji ("👤", "✉️")."""
    for line in ada.menu().text.splitlines():
        if line.startswith(f"{emoji} "):
            return line.removeprefix(f"{emoji} ")
    raise AssertionError(f"no {emoji} line on {ada.menu().text!r}")


def assert_no_crash(caplog: pytest.LogCaptureFixture, chat: Chat) -> None:
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert errors == [], [r.getMessage() for r in errors]
    assert chat.emulator.violations == [], chat.emulator.violations[0].description


async def test_hostile_names_and_addresses_on_the_card(
    chat: Chat, caplog: pytest.LogCaptureFixture
) -> None:
    ada = chat.ada
    tally: Counter[str] = Counter()
    await walk(ada, "confirm")
    booked = 0
    for step, change, emoji in (("name", "Change name", "👤"), ("email", "Change email", "✉️")):
        for text in TEXTS:
            await ada.tap(change)
            if text.startswith("/"):
                # A command, not an answer: it is answered as a command; start over after it.
                before = len(chat.emulator.calls)
                await ada.send(text)
                assert any(c.method in VISIBLE for c in chat.emulator.calls[before:]), text
                tally[f"{step} answered as a command"] += 1
                assert_no_crash(caplog, chat)
                await walk(ada, "confirm")
                continue
            reply = await ada.send(text)
            tally[f"{step} tried"] += 1
            if SCREEN[step] in reply.text:
                assert any(refusal in reply.text for refusal in REFUSALS[step]), (text, reply.text)
                tally[f"{step} refused with a message"] += 1
                await ada.send("Ada Lovelace" if step == "name" else "ada@example.org")
                assert SCREEN["confirm"] in ada.menu().text, "the other answers were kept"
                continue
            if step == "email" and SCREEN["confirm"] not in ada.menu().text:
                await ada.tap("Keep")  # a typo hint or a look-alike domain, kept as typed
            assert SCREEN["confirm"] in ada.menu().text, ada.menu().text
            tally[f"{step} accepted"] += 1
            shown = card_field(ada, emoji)
            if step == "name":
                assert shown == clean_name(text)
            if booked < BOOKED_SAMPLE:
                await ada.tap("Confirm")
                body = chat.sandbox.bookings[-1].body["attendee"]
                value = body["fullname"] if step == "name" else body["email"]
                assert shown.split(" (xn--")[0] == value, "booked exactly as the card showed"
                booked += 1
                tally["booked as shown"] += 1
                await walk(ada, "confirm")
            assert_no_crash(caplog, chat)
    print(f"\nhostile names and addresses: {dict(tally)}")
    for counted in ("accepted", "refused with a message"):
        assert tally[f"name {counted}"]
        assert tally[f"email {counted}"]
    assert_no_crash(caplog, chat)


async def test_hostile_days_and_places(chat: Chat, caplog: pytest.LogCaptureFixture) -> None:
    ada = chat.ada
    tally: Counter[str] = Counter()
    await walk(ada, "day")
    for text in (text for text in TEXTS if not text.startswith("/")):
        reply = await ada.send(text)
        tally["day tried"] += 1
        if SCREEN["slot"] in reply.text:
            tally["day understood"] += 1
            await ada.tap("◀ other day")
        else:
            assert any(refusal in reply.text for refusal in REFUSALS["day"]), (text, reply.text)
            tally["day refused with a message"] += 1
    await ada.send("/timezone")
    for text in (text for text in TEXTS if not text.startswith("/")):
        reply = await ada.send(text)
        tally["place tried"] += 1
        if SCREEN["day"] in reply.text:  # a zone was set and the booking went on
            tally["place understood"] += 1
            await ada.send("/timezone")
        else:
            assert SCREEN["timezone"] in reply.text, reply.text
            assert any(refusal in reply.text for refusal in REFUSALS["timezone"]), reply.text
            tally["place refused with a message"] += 1
    print(f"\nhostile days and places: {dict(tally)}")
    assert_no_crash(caplog, chat)


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(text=st.text(min_size=1, max_size=300))
def test_any_text_as_a_name_is_refused_with_a_message_or_kept_as_shown(text: str) -> None:
    reason: str | None
    try:
        name = clean_name(text)
    except InvalidNameError as refused:
        reason = refused.reason
    else:
        reason = None
        assert name == " ".join(text.split())
        assert 0 < len(name) <= 100
    assert reason in (None, *NAME_PROBLEMS), "every refusal has its message"
