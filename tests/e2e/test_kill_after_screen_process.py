"""A screen the customer sees is a state the bot has kept, on SQLite too: the real `python -m bot`
is killed (SIGKILL) right after it shows a booking step's screen, before it may have written
down that the customer is at that step; after the restart the customer answers the screen in
front of them, is never asked anything twice, and books."""

from __future__ import annotations

import signal
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest

from bot.sandbox.scheduling import SandboxScheduling
from bot.sandbox.telegram_api import BotApiEmulator
from bot.sandbox.world import follow
from tests.e2e.test_booking_process import assert_booked
from tests.support.harness import VISIBLE, BotProcess, Customer, bot_environment
from tests.support.storage import files_holding

# A phrase only each step's screen shows, in the order a customer meets them.
QUESTIONS = {
    "day": "Pick a day",
    "time": "Tap one:",
    "name": "What name should the booking be under?",
    "email": "Which e-mail address should the confirmation go to?",
    "consent": "To book, we pass your name and e-mail address",
    "confirm": "Please check your booking",
}
EMAIL = "ada@example.org"


@dataclass(frozen=True)
class Step:
    """What the customer does to be shown a step's screen."""

    shows: str  # the step whose screen it brings
    act: Callable[[Customer], Awaitable[object]]  # does it and waits for the bot's answer
    start: Callable[[Customer], Awaitable[object]]  # does it without waiting


def tap(label: Callable[[Customer], str]) -> tuple[Callable[..., Awaitable[object]], ...]:
    async def act(ada: Customer) -> object:
        return await ada.tap(label(ada))

    async def start(ada: Customer) -> object:
        return await ada.emulator.tap(ada.user_id, label(ada))

    return act, start


def send(text: str) -> tuple[Callable[..., Awaitable[object]], ...]:
    async def act(ada: Customer) -> object:
        return await ada.send(text)

    async def start(ada: Customer) -> object:
        return await ada.emulator.send_text(ada.user_id, text)

    return act, start


def first_button(ada: Customer) -> str:
    return ada.labels()[0]


BOOKING = (
    Step("day", *send("/start")),
    Step("time", *tap(first_button)),
    Step("name", *tap(first_button)),
    Step("email", *tap(lambda ada: "Ada Lovelace")),
    Step("consent", *send(EMAIL)),  # a typed e-mail leads to the consent screen
    Step("confirm", *tap(lambda ada: "I agree")),
)
# The same with the name typed: the e-mail screen comes as a new message.
TYPED_NAME = (*BOOKING[:3], Step("email", *send("Ada Lovelace")), *BOOKING[4:])


async def kill_once_shown(
    bot: BotProcess, ada: Customer, step: Step, *, restart: bool = True
) -> None:
    """Do the step, SIGKILL the bot the moment Telegram has its screen, and start it again."""
    before = len(ada.emulator.calls)
    await step.start(ada)
    await ada.emulator.wait_for_call(
        None,
        after=before,
        predicate=lambda call: (
            call.method in VISIBLE and QUESTIONS[step.shows] in str(call.params.get("text", ""))
        ),
        timeout=ada.patience,
    )
    await bot.stop(signal.SIGKILL)
    if restart:
        await bot.start(ada.emulator)


def questions_asked(emulator: BotApiEmulator, chat_id: int) -> Counter[str]:
    """How often each step's question came onto the customer's screen: a new message with it,
    or an edit that put it on a message that did not show it."""
    shown: dict[str, str] = {}  # message id -> its text now
    asked: Counter[str] = Counter()
    for call in emulator.calls:
        if not call.ok or str(call.params.get("chat_id")) != str(chat_id):
            continue
        if call.method == "sendMessage":
            message_id, before = str(call.result["message_id"]), ""
        elif call.method == "editMessageText":
            message_id = str(call.params["message_id"])
            before = shown.get(message_id, "")
        else:
            continue
        text = str(call.params.get("text", ""))
        shown[message_id] = text
        asked.update(
            step for step, phrase in QUESTIONS.items() if phrase in text and phrase not in before
        )
    return asked


@pytest.mark.parametrize(
    ("steps", "killed_after"),
    [(BOOKING, step.shows) for step in BOOKING] + [(TYPED_NAME, "email")],
    ids=[f"{step.shows}" for step in BOOKING] + ["email-after-typed-name"],
)
async def test_a_kill_right_after_a_screen_asks_nothing_twice(
    steps: tuple[Step, ...],
    killed_after: str,
    bot: BotProcess,
    ada: Customer,
    emulator: BotApiEmulator,
    sandbox: SandboxScheduling,
) -> None:
    for step in steps:
        if step.shows == killed_after:
            await kill_once_shown(bot, ada, step)
        else:
            await step.act(ada)
        assert QUESTIONS[step.shows] in ada.last().text, f"at {step.shows}: {ada.last().text}"
    await ada.tap("Confirm")
    assert "You're booked" in ada.last().text
    assert_booked(sandbox, fullname="Ada Lovelace", email=EMAIL)
    asked = questions_asked(emulator, ada.user_id)
    assert asked == dict.fromkeys(QUESTIONS, 1), f"each question once, but: {asked}"
    assert emulator.violations == []


async def test_a_booking_closed_as_idle_after_a_kill_keeps_nothing_of_the_cut_turn(
    emulator: BotApiEmulator, sandbox: SandboxScheduling, tmp_path: Path
) -> None:
    env = bot_environment(emulator, sandbox, tmp_path / "data", BOT_IDLE_TIMEOUT_MINUTES="1")
    down = timedelta()  # how long the bot has been down, on the world's clock
    world_clock = follow(sandbox)
    process = BotProcess(env, tmp_path / "bot.log", clock=lambda: world_clock() + down)
    await process.start(emulator)
    ada = Customer(emulator, 4242, first_name="Ada", last_name="Lovelace", language_code="en")
    for step in BOOKING[:4]:
        await step.act(ada)
    # Killed once the typed e-mail's consent screen is out: the e-mail is in no draft yet, only
    # in the update its turn wrote down.
    await kill_once_shown(process, ada, BOOKING[4], restart=False)
    down = timedelta(minutes=2)  # longer than the idle timeout
    await process.start(emulator)
    try:
        assert any("I closed this booking" in m.text for m in emulator.bot_messages(4242))
        for personal in (EMAIL, "Lovelace"):
            assert files_holding(tmp_path / "data", personal) == [], personal
    finally:
        assert await process.stop() == 0
