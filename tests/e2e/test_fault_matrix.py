"""Every way meetergo can fail, at every step that calls it, against the real `python -m bot`.

Steps: the meeting type read at start, availability for the days, availability for the times,
the booking. Faults: 500, 503, 429 with Retry-After, a hang past the client's timeout, refused
connections, malformed JSON, an answer late but within the timeout. In every cell a German
customer books: where a failure shows, it is a clear message in German with a way on
("Erneut versuchen"), the process stays up, and once the fault clears the booking goes through
exactly once with the name and e-mail the customer gave before the failure.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio

from bot.language.i18n import translations
from bot.sandbox.scheduling import SandboxScheduling
from bot.sandbox.telegram_api import BotApiEmulator, RecordedCall
from bot.sandbox.world import OFFLINE_WAITS, follow
from tests.support.harness import BotProcess, Customer, bot_environment

GERMAN = translations("de")
TRY_AGAIN = GERMAN.gettext("Try again")
CLEAR_MESSAGES = [
    GERMAN.gettext(text)
    for text in (
        "The scheduling service is not answering right now. Your answers are kept: "
        "tap Try again in a moment.",
        "The scheduling service did not answer in time, so I can't tell whether the "
        "booking went through. If no confirmation e-mail arrives in a few minutes, "
        "tap Try again.",
        "The scheduling service did not answer, and it has no booking for you: "
        "nothing was booked. Tap Try again to book {when}.",
    )
]
BOOKED = GERMAN.gettext(
    "✅ You're booked: {when}. A confirmation e-mail is on its way to {email}. "
    "See you at your {meeting}!"
).split("{")[0]
CARD = GERMAN.gettext("<b>Please check your booking</b>").removeprefix("<b>").removesuffix("</b>")
# What a booking attempt ends with: booked, a clear failure, or the card again.
OUTCOMES = [BOOKED, CARD, *(message.split("{")[0] for message in CLEAR_MESSAGES)]
STEPS = ("start", "days", "times", "booking")
FAULTS = ("500", "503", "429", "hang", "refused", "malformed", "slow")
PATHS = {
    "start": "/meeting-type",
    "days": "/booking-availability/v2",
    "times": "/v4/booking-availability",
    "booking": "/booking",
}
EMAIL = "jonas@example.de"
# The client's timeouts in this world (bot/sandbox/world.py): a hang outlasts them, a slow
# answer comes within them.
TIMEOUTS = {
    step: float(
        OFFLINE_WAITS[
            "MEETERGO_BOOKING_TIMEOUT_SECONDS"
            if step == "booking"
            else "MEETERGO_READ_TIMEOUT_SECONDS"
        ]
    )
    for step in STEPS
}
NAME = "Jonas Weber"


async def inject(sandbox: SandboxScheduling, step: str, fault: str) -> None:
    """Make meetergo fail at `step` as `fault` (enough times to defeat the bot's retries)."""
    path = PATHS[step]
    if fault == "refused":
        await sandbox.refuse_connections()
    elif fault in ("500", "503"):
        sandbox.fail_next(3, status=int(fault), path=path)
    elif fault == "429":
        sandbox.fail_next(3, status=429, retry_after=1, path=path)
    elif fault == "hang":
        sandbox.fail_next(3, kind="timeout", path=path)
    elif fault == "malformed":
        sandbox.fail_next(3, kind="malformed", path=path)
    else:
        sandbox.fail_next(1, kind="slow", seconds=0.6 * TIMEOUTS[step], path=path)


async def clear(sandbox: SandboxScheduling) -> None:
    """meetergo answers normally again."""
    sandbox.clear_failures()
    await sandbox.accept_connections()


class Cell:
    """One customer walking through a booking while meetergo misbehaves at one step."""

    def __init__(self, jonas: Customer, sandbox: SandboxScheduling, bot: BotProcess) -> None:
        self.jonas = jonas
        self.sandbox = sandbox
        self.bot = bot
        self.failures_seen = 0
        self.began = 0.0  # when the customer's action at the faulty step was taken
        self.failed_after: float | None = None  # seconds until the first failure showed

    def act(self) -> None:
        """The customer acts at the faulty step now."""
        self.began = asyncio.get_running_loop().time()

    async def recover_if_failed(self) -> None:
        """Where a failure shows: it is clear and German, and "Erneut versuchen" goes on."""
        for _ in range(3):
            newest = self.jonas.last()
            if TRY_AGAIN not in self.jonas.labels(newest):
                return
            shown = newest.text
            assert any(message.split("{")[0] in shown for message in CLEAR_MESSAGES), shown
            assert "Traceback" not in shown
            assert self.bot.process is not None
            assert self.bot.process.returncode is None, "the bot is still up"
            self.failures_seen += 1
            if self.failed_after is None:
                self.failed_after = asyncio.get_running_loop().time() - self.began
            await clear(self.sandbox)
            await self.jonas.tap(TRY_AGAIN, message_id=newest.message_id)
        raise AssertionError("still failing after the fault cleared")


async def confirm(jonas: Customer) -> None:
    """Tap Confirm and wait for how the attempt ends (a hang takes the bot its timeout)."""
    before = len(jonas.emulator.calls)
    await jonas.tap(GERMAN.gettext("✅ Confirm"))

    def ends(call: RecordedCall) -> bool:
        # The confirmation comes as the caption of the calendar file.
        text = str(call.params.get("text", call.params.get("caption", "")))
        return call.method in ("sendMessage", "editMessageText", "sendDocument") and any(
            outcome in text for outcome in OUTCOMES
        )

    await jonas.emulator.wait_for_call(None, after=before, predicate=ends, timeout=30)


@pytest_asyncio.fixture
async def world(tmp_path: Path) -> AsyncIterator[tuple[SandboxScheduling, BotApiEmulator]]:
    async with SandboxScheduling() as sandbox, BotApiEmulator(limits=None) as emulator:
        yield sandbox, emulator


@pytest.mark.parametrize("fault", FAULTS)
@pytest.mark.parametrize("step", STEPS)
async def test_fault_cell(
    step: str,
    fault: str,
    world: tuple[SandboxScheduling, BotApiEmulator],
    tmp_path: Path,
) -> None:
    sandbox, emulator = world
    if step == "start":
        await inject(sandbox, step, fault)
    bot = BotProcess(
        bot_environment(emulator, sandbox, tmp_path / "data", BOT_DEFAULT_LANGUAGE="de"),
        tmp_path / "bot.log",
        clock=follow(sandbox),
    )
    await bot.start(emulator, patience=60)
    jonas = Customer(emulator, 77, first_name="Jonas", last_name="Weber", language_code="de")
    jonas.patience = 30  # a hang costs the bot three attempts of its timeout before it says so
    cell = Cell(jonas, sandbox, bot)
    try:
        if step == "days":
            await inject(sandbox, step, fault)
            cell.act()
        await jonas.send("/start")
        await cell.recover_if_failed()
        if step == "times":
            await inject(sandbox, step, fault)
            cell.act()
        await jonas.tap(jonas.labels()[0])  # the first free day
        await cell.recover_if_failed()
        await jonas.tap(jonas.labels()[0])  # its first time
        await jonas.tap(NAME)
        await jonas.send(EMAIL)
        await jonas.tap(GERMAN.gettext("I agree"))
        card = jonas.last().text
        assert NAME in card
        assert EMAIL in card
        if step == "booking":
            await inject(sandbox, step, fault)
            cell.act()
        await confirm(jonas)
        await cell.recover_if_failed()
        if TRY_AGAIN not in jonas.labels() and GERMAN.gettext("✅ Confirm") in jonas.labels():
            # A failure that led back to the card (answers kept): confirm again.
            assert NAME in jonas.last().text
            assert EMAIL in jonas.last().text
            await confirm(jonas)
        confirmation = jonas.last().text
        assert BOOKED in confirmation, confirmation
        assert [b.body["attendee"]["email"] for b in sandbox.bookings if b.body] == [EMAIL]
        assert "Traceback" not in bot.log()
        assert emulator.violations == []
        if fault == "hang" and step != "start":
            # The bot really waited out its timeout before saying so.
            assert cell.failed_after is not None, "a hang shows as a failure"
            assert cell.failed_after >= TIMEOUTS[step], cell.failed_after
    finally:
        await clear(sandbox)
        assert await bot.stop() == 0, bot.log()
