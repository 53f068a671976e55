"""Book by following the flow: answer whatever step the bot shows, from a set of answers,
until a given step is reached. Drivers (tests, scripts, the crowd) say what the customer
answers, never in which order the bot asks: a step added to the flow is answered too, or
named in the error.

Buttons are chosen by position, so this works in every language: the first free day and
time unless a label is given, the customer's Telegram name unless a name is typed, the first
button of the consent and of the card.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from bot.sandbox.world import ChatDriver, WorldError

MOST_STEPS = 30  # a booking never takes this many answers: the flow is going round in circles


@dataclass(frozen=True)
class Answers:
    """What a customer answers. `day`, `time`, `meeting_type`, `duration`: a button to tap,
    by label or position (1: the first; default: the first offered); `name`: typed (default:
    the Telegram name, tapped); `questions`: the meeting type's questions by key (an answer
    is typed; a missing or None one is skipped when it may be)."""

    email: str = "ada@example.org"
    name: str | None = None
    day: str | int | None = None
    time: str | int | None = None
    meeting_type: str | int | None = None
    duration: str | int | None = None
    questions: Mapping[str, str | list[str] | None] = field(default_factory=dict)
    # How, where and with whom, where the meeting type lets the customer choose: a button by
    # label or position (default: the first); the customer's address (typed); the guests'
    # e-mail addresses (typed, then Done; none: "No guests").
    channel: str | int | None = None
    place: str | int | None = None
    host: str | int | None = None
    address: str = "Hauptstraße 1, 10115 Berlin"
    guests: tuple[str, ...] = ()


# Where `until` may stop, as scripts and tests name the steps.
STOPS = {
    "channel": "CHANNEL",
    "place": "PLACE",
    "host": "HOST",
    "day": "DAY",
    "time": "SLOT",
    "name": "NAME",
    "email": "EMAIL",
    "address": "ADDRESS",
    "guests": "GUESTS",
    "consent": "CONSENT",
    "confirm": "CONFIRM",
    "booked": "END",
}


async def _tap_or_first(driver: ChatDriver, target: str | int | None) -> None:
    if isinstance(target, str):
        await driver.tap(target)
        return
    labels = driver.labels()
    position = target or 1
    if not 0 < position <= len(labels):
        raise WorldError(f"there is no button {position}; the menu has {labels}")
    await driver.tap(labels[position - 1])


async def _answer(driver: ChatDriver, step: str, answers: Answers) -> None:
    """Give this step's answer."""
    if step in ("MEETING_TYPE", "DURATION"):
        await _tap_or_first(
            driver, answers.meeting_type if step == "MEETING_TYPE" else answers.duration
        )
    elif step in ("DAY", "SLOT"):
        await _tap_or_first(driver, answers.day if step == "DAY" else answers.time)
    elif step == "NAME":
        await (driver.send(answers.name) if answers.name else _tap_or_first(driver, None))
    elif step == "EMAIL":
        await driver.send(answers.email)
    elif step in ("CONSENT", "CONFIRM"):
        await _tap_or_first(driver, None)  # "I agree"; "✅ Confirm"
    elif step in ("CHANNEL", "PLACE", "HOST"):
        chosen = {"CHANNEL": answers.channel, "PLACE": answers.place, "HOST": answers.host}
        await _tap_or_first(driver, chosen[step])
    elif step == "ADDRESS":
        await driver.send(answers.address)
    elif step == "GUESTS":
        if answers.guests:
            await driver.send(" ".join(answers.guests))
        await _press_kind(driver, "gd:")  # Done, or No guests
    elif step.startswith("QUESTION_"):
        await _answer_question(driver, answers)
    else:
        raise WorldError(f"no answer for the step {step!r}: add one to bot/sandbox/follow.py")


async def _answer_question(driver: ChatDriver, answers: Answers) -> None:
    """Answer a question of the meeting type: the answer whose key the question's text
    contains; a label of its buttons is tapped (a list: each, then Done), other text typed,
    and a question without an answer skipped (a phone number: the customer's own shared)."""
    shown = driver.last().text or ""
    key = next((key for key in answers.questions if key in shown), None)
    answer = answers.questions.get(key) if key is not None else None
    buttons = (
        [
            (label, data or "")
            for row in driver.emulator.buttons(driver.last_with_buttons())
            for label, data in row
        ]
        if driver.labels()
        else []
    )
    if isinstance(answer, list):
        for label in answer:
            await driver.tap(label)
        await _press_kind(driver, "qd:")
    elif answer is not None and any(answer in label for label, _ in buttons):
        await driver.tap(answer)
    elif answer is not None:
        await driver.send(answer)
    elif any(data.startswith("sq:") for _, data in buttons):
        await _press_kind(driver, "sq:")
    else:
        await driver.share_contact("+49 30 1234567")


async def _press_kind(driver: ChatDriver, prefix: str) -> None:
    """Press the newest menu's button whose payload has `prefix` (Done, Skip: any language)."""
    message = driver.last_with_buttons()
    for row in driver.emulator.buttons(message):
        for _, data in row:
            if data and data.startswith(prefix):
                await driver.press(message.message_id, data)
                return
    raise WorldError(f"no button {prefix!r} on the newest menu")


async def answer_until(
    driver: ChatDriver,
    stop: str,
    answers: Answers | None = None,
    *,
    answered: Callable[[str], None] | None = None,
) -> None:
    """Answer the steps the chat is shown until it is at `stop` (a step's name, or END once
    the booking is confirmed); `answered` hears of each step answered."""
    answers = answers or Answers()
    for _ in range(MOST_STEPS):
        step = driver.step()
        if step is None:
            raise WorldError("the bot logged no step for this chat (is it logging at DEBUG?)")
        if step == stop:
            return
        if step == "END":
            raise WorldError(f"the conversation ended before reaching {stop}")
        await _answer(driver, step, answers)
        if answered is not None:
            answered(step)
    raise WorldError(f"{stop} not reached after {MOST_STEPS} answers")


async def book(driver: ChatDriver, answers: Answers | None = None, *, stop: str = "END") -> None:
    """/start, then answer every step until `stop` (by default: booked)."""
    await driver.send("/start")
    await answer_until(driver, stop, answers)
