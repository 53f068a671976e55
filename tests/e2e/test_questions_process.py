"""The meeting type's own questions (BOT_QUESTIONS), against the real `python -m bot`: a German
customer answers every kind the chat asks, shares their phone number, changes an answer on the
card and meetergo gets exactly the answers; phone numbers typed, shared and refused; a file the
bot cannot use stops the start; /forget erases the answers."""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio

from bot.language.i18n import translations
from bot.sandbox.follow import Answers, answer_until
from bot.sandbox.scheduling import SandboxScheduling
from bot.sandbox.scheduling_defaults import INTRO_CALL_ID
from bot.sandbox.telegram_api import BotApiEmulator
from bot.sandbox.world import PACKAGE_ROOT, follow
from tests.support.harness import BotProcess, Customer, bot_environment
from tests.support.storage import files_holding

GERMAN = translations("de")
QUESTIONS = f"""
{INTRO_CALL_ID}:
  - {{name: topic, label: Thema, fieldType: select, required: true,
      options: [{{label: Preise, value: pricing}}, {{label: Support, value: support}}]}}
  - {{name: customer, label: "Sind Sie schon Kunde?", fieldType: yes-no, required: true}}
  - name: products
    label: "Welche Produkte nutzen Sie?"
    fieldType: checkbox-multi
    required: true
    when: {{customer: true}}
    options:
      - {{label: Kalender, value: calendar}}
      - {{label: Formulare, value: forms}}
      - {{label: Teamplanung, value: teams}}
  - {{name: remarks, label: "Was sollten wir vorher wissen?", fieldType: text-multi}}
  - {{name: team, label: "Wie viele Mitarbeitende?", fieldType: number, min: 1, max: 500,
      required: true}}
  - {{name: phone, label: Telefonnummer, fieldType: phone, target: phone, required: true}}
"""
TOPIC, CUSTOMER, PRODUCTS = "Thema", "Sind Sie schon Kunde?", "Welche Produkte nutzen Sie?"
REMARKS, TEAM, PHONE = "Was sollten wir vorher wissen?", "Wie viele Mitarbeitende?", "Telefonnummer"
SETTINGS = ("BOT_", "MEETERGO_", "TELEGRAM_")
OWN_KEYS = {"source", "telegramUserId"}  # what the bot adds to attendee.notes itself


@pytest_asyncio.fixture
async def bot(
    emulator: BotApiEmulator, sandbox: SandboxScheduling, tmp_path: Path
) -> AsyncIterator[BotProcess]:
    """The bot, asking the Intro call's questions from a BOT_QUESTIONS file."""
    questions = tmp_path / "questions.yaml"
    questions.write_text(QUESTIONS, encoding="utf-8")
    env = bot_environment(emulator, sandbox, tmp_path / "data", BOT_QUESTIONS=str(questions))
    process = BotProcess(env, tmp_path / "bot.log", clock=follow(sandbox))
    await process.start(emulator)
    yield process
    code = await process.stop()
    assert code == 0, f"bot exited with {code}:\n{process.log()}"


@pytest_asyncio.fixture
async def jonas(emulator: BotApiEmulator) -> Customer:
    return Customer(emulator, 502, first_name="Jonas", last_name="Weber", language_code="de")


async def reach_questions(customer: Customer) -> None:
    """/start, a day, a time and the Telegram name: the first question is on screen."""
    await customer.send("/start")
    await answer_until(customer, "NAME")
    await customer.tap("Jonas Weber")
    assert TOPIC in customer.last().text


async def answer_up_to_phone(jonas: Customer) -> None:
    """Pricing, a customer using calendar and forms, no remarks, a team of 12."""
    await reach_questions(jonas)
    assert jonas.labels() == ["Preise", "Support"], "required: no Skip"
    await jonas.tap("Preise")
    assert CUSTOMER in jonas.last().text
    assert jonas.labels() == [GERMAN.gettext("Yes"), GERMAN.gettext("No")]
    await jonas.tap(GERMAN.gettext("Yes"))
    assert PRODUCTS in jonas.last().text, "asked: the customer said yes"
    await jonas.tap("Kalender")
    await jonas.tap("Formulare")
    assert {"✓ Kalender", "✓ Formulare"} <= set(jonas.labels())
    await jonas.tap(GERMAN.gettext("Done"))
    assert REMARKS in jonas.last().text
    await jonas.tap(GERMAN.gettext("Skip"))
    assert TEAM in jonas.last().text
    refused = await jonas.send("900")
    assert GERMAN.gettext("Please type a number of at most {maximum}.").format(maximum=500) in (
        refused.text
    )
    await jonas.send("12")
    assert PHONE in jonas.last().text


async def test_a_german_customer_answers_every_kind_and_meetergo_gets_them_by_label(
    bot: BotProcess, jonas: Customer, emulator: BotApiEmulator, sandbox: SandboxScheduling
) -> None:
    await answer_up_to_phone(jonas)
    keyboard = (jonas.last().reply_markup or {}).get("keyboard")
    assert keyboard, "Telegram's reply keyboard"
    assert keyboard[0][0].get("request_contact") is True, keyboard
    await jonas.share_contact("49 30 9876543")  # as Telegram's apps send it: no "+"
    await answer_until(jonas, "CONFIRM", Answers(email="jonas@example.org"))
    card = jonas.last().text
    for shown in (
        "Thema: Preise",
        f"{PRODUCTS}: Kalender, Formulare",
        f"{TEAM}: 12",
        "+49309876543",
    ):
        assert shown in card, shown
    assert REMARKS not in card, "skipped: not on the card"
    await jonas.tap(GERMAN.gettext("Change {answer}").format(answer=TEAM))
    assert TEAM in jonas.last().text
    card = (await jonas.send("40")).text
    assert f"{TEAM}: 40" in card
    assert f"{PRODUCTS}: Kalender, Formulare" in card, "the other answers are kept"
    await jonas.tap("Bestätigen")
    assert "Ihr Termin ist gebucht" in jonas.last().text
    attendee = sandbox.bookings[0].body["attendee"]
    notes = attendee["notes"]
    assert {key: value for key, value in notes.items() if key not in OWN_KEYS} == {
        TOPIC: "pricing",
        CUSTOMER: True,
        PRODUCTS: ["calendar", "forms"],
        TEAM: 40,
    }
    assert set(notes) - {TOPIC, CUSTOMER, PRODUCTS, TEAM} == OWN_KEYS
    assert attendee["phone"] == "+49309876543"
    assert emulator.violations == []


async def test_someone_elses_contact_is_refused_and_a_berlin_number_is_read_in_germany(
    bot: BotProcess, jonas: Customer, emulator: BotApiEmulator, sandbox: SandboxScheduling
) -> None:
    await answer_up_to_phone(jonas)
    refused = await jonas.share_contact("+1 555 0100", own=False, user_id=7, first_name="Grace")
    assert "eigene Telefonnummer" in refused.text
    assert PHONE in refused.text, "asked again"
    impossible = await jonas.send("12")
    assert "+49 30 1234567" in impossible.text, "the example of a number"
    assert PHONE in impossible.text, "asked again"
    await jonas.send("030 1234567")
    await answer_until(jonas, "CONFIRM", Answers(email="jonas@example.org"))
    card = jonas.last().text
    for kept in ("Thema: Preise", f"{PRODUCTS}: Kalender, Formulare", f"{TEAM}: 12"):
        assert kept in card, f"nothing lost: {kept}"
    await jonas.tap("Bestätigen")
    attendee = sandbox.bookings[0].body["attendee"]
    assert attendee["phone"] == "+49301234567"
    assert attendee["notes"][TEAM] == 12
    assert emulator.violations == []


async def test_forget_after_answering_leaves_no_answer_on_disk(
    bot: BotProcess, jonas: Customer, tmp_path: Path
) -> None:
    await answer_up_to_phone(jonas)
    await jonas.send("030 1234567")
    await answer_until(jonas, "CONFIRM", Answers(email="jonas@example.org"))
    assert files_holding(tmp_path / "data", "+49301234567"), "kept while the booking is open"
    await jonas.send("/forget")
    await jonas.tap(GERMAN.gettext("Yes, erase my data"))
    for personal in ("+49301234567", "Formulare", "forms", "pricing", "Weber"):
        assert files_holding(tmp_path / "data", personal) == [], personal


async def start_with_questions(
    emulator: BotApiEmulator, sandbox: SandboxScheduling, tmp_path: Path, questions: str
) -> tuple[int, str]:
    """`python -m bot` with a BOT_QUESTIONS file: its exit code and what it wrote to stderr."""
    path = tmp_path / "questions.yaml"
    path.write_text(questions, encoding="utf-8")
    env = {key: value for key, value in os.environ.items() if not key.startswith(SETTINGS)}
    env.update(
        bot_environment(emulator, sandbox, tmp_path / "data", BOT_QUESTIONS=str(path)),
        BOT_LOG_LEVEL="WARNING",
        PYTHONPATH=str(PACKAGE_ROOT),
    )
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", cwd=tmp_path, env=env, stderr=asyncio.subprocess.PIPE
    )
    async with asyncio.timeout(60):
        _, stderr = await process.communicate()
    return process.returncode or 0, stderr.decode()


@pytest.mark.parametrize(
    ("entry", "named"),
    [
        ("{label: Your CV, fieldType: file, required: true}", "Your CV"),
        ("{name: shoe_size}", "shoe_size"),
    ],
    ids=["required-file", "unknown-field"],
)
async def test_a_questions_file_the_bot_cannot_use_stops_the_start(
    entry: str,
    named: str,
    emulator: BotApiEmulator,
    sandbox: SandboxScheduling,
    tmp_path: Path,
) -> None:
    questions = f"{INTRO_CALL_ID}:\n  - {entry}\n"
    code, stderr = await start_with_questions(emulator, sandbox, tmp_path, questions)
    assert code == 2, stderr
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr
    assert named in lines[0]
    assert "Traceback" not in stderr
