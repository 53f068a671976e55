"""The hostile corpus (tests/data/hostile_inputs.json) at the meeting type's own questions: a
typed text question and a number question. Every string goes through the real chat, changed on
the confirm card: nothing crashes, Telegram would accept every answer, and each is either taken
(shown on the card exactly as read, escaped) or refused with a message, the other answers kept.

`pytest -s` prints the counts (taken, refused) per question.
"""

from __future__ import annotations

import logging
from collections import Counter

import pytest

from bot.booking.questions import Question, load_questions
from bot.booking.questions_answers import AnswerProblem, read_answer
from bot.sandbox.scheduling_defaults import INTRO_CALL_ID
from conversations.booking import flow
from conversations.booking.steps.question_problems import problem_text
from tests.unit.conftest import SCREEN, Chat, StepCustomer, berlin_today
from tests.unit.test_hostile_input import TEXTS, UI, is_command

QUESTIONS = f"""
{INTRO_CALL_ID}:
  - {{name: company, label: Company name, fieldType: text-single, required: true}}
  - {{name: team, label: Team size, fieldType: number, min: 1, max: 500, required: true}}
"""
DECLARED = load_questions(QUESTIONS, [])[INTRO_CALL_ID]
USUAL = {"Company name": "ACME", "Team size": "3"}  # what puts the card back after a refusal


@pytest.fixture(autouse=True)
def asks_two_questions(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(flow, "BOOKING", flow.build_booking_flow({INTRO_CALL_ID: DECLARED}))


def predicted(question: Question, text: str) -> str | AnswerProblem:
    """What the question's own reading makes of `text`: the answer as the card shows it, or
    the problem the chat names."""
    try:
        value = read_answer(question, text, today=berlin_today(), language="en", region="DE")
    except AnswerProblem as problem:
        return problem
    return str(value)


def assert_no_crash(caplog: pytest.LogCaptureFixture, chat: Chat) -> None:
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert errors == [], [r.getMessage() for r in errors]
    assert chat.emulator.violations == [], chat.emulator.violations[0].description


async def reach_card(ada: StepCustomer) -> None:
    await ada.send("/start")
    await ada.tap(ada.labels()[0])
    await ada.tap(ada.labels()[0])
    await ada.tap("Ada Lovelace")
    for answer in USUAL.values():
        await ada.send(answer)
    await ada.send("ada@example.org")
    await ada.tap("I agree")
    assert SCREEN["confirm"] in ada.menu().text, ada.menu().text


# The chat sees every CHAT_EVERY-th string and each with HTML's own characters; every string
# is read as the chat reads it (read_answer) and counted. The chat's answers to the sample
# must match that reading, so the rest are not sent through it (the suite's time budget).
CHAT_EVERY = 6


@pytest.mark.parametrize("question", DECLARED, ids=["text", "number"])
async def test_the_hostile_corpus_at_a_question(
    question: Question, chat: Chat, caplog: pytest.LogCaptureFixture
) -> None:
    ada = chat.ada
    tally: Counter[str] = Counter()
    answers = [text for text in TEXTS if not is_command(text)]
    for text in answers:
        expected = predicted(question, text)
        tally["tried"] += 1
        if isinstance(expected, AnswerProblem):
            tally["refused with a message"] += 1
        else:
            tally["taken"] += 1
            if any(char in expected for char in "<>&"):
                tally["taken, with HTML's own characters (escaped)"] += 1
    chatted = [
        text
        for index, text in enumerate(answers)
        if index % CHAT_EVERY == 0 or any(char in text for char in "<>&")
    ]
    await reach_card(ada)
    other = next(label for label in USUAL if label != question.label)
    for text in chatted:
        await ada.tap(f"Change {question.label}")
        expected = predicted(question, text)
        reply = await ada.send(text)
        if isinstance(expected, AnswerProblem):
            assert problem_text(UI, expected) in reply.text, (text, reply.text)
            assert question.label in reply.text, "asked again"
            await ada.send(USUAL[question.label])
        else:
            shown = f"💬 {question.label}: {expected}"
            assert shown in ada.menu().text, (text, ada.menu().text)
        card = ada.menu().text
        assert SCREEN["confirm"] in card, card
        assert f"💬 {other}: " in card, "the other answer is kept"
        assert_no_crash(caplog, chat)
    left_out = len(TEXTS) - len(answers)
    print(
        f"\nhostile corpus at the question {question.label!r} ({left_out} commands left out, "
        f"{len(chatted)} through the chat): "
        + ", ".join(f"{n} {what}" for what, n in tally.items())
    )
    assert tally["taken"] + tally["refused with a message"] == tally["tried"] == len(answers)
    assert tally["taken"]
    assert tally["refused with a message"]
    assert_no_crash(caplog, chat)
