"""Shared setup for the in-process conversation step tests (tests/unit/test_conversation_*.py).

Every test gets its own meetergo sandbox, Bot API emulator and freshly built Application
polling from inside the test's event loop. The sandbox serves a team whose calendar follows
from today's date, so what the customer is offered is known whatever day the suite runs on:

* Anna works in Berlin every day 09:00-12:00 and 13:00-17:00 (her local time);
* Diego works in New York every day 08:00-12:00 (his local time), i.e. afternoons in Berlin;
* nobody works on the day HOLIDAY days after today (Berlin date), nor on any other day a test
  asks to have off.

`StepCustomer` waits for the bot to have *processed* each update instead of waiting for a
quiet period, which keeps a step at a few milliseconds, and checks that every button press
was answered exactly once.
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
from collections.abc import AsyncIterator, Awaitable, Iterable
from contextlib import closing
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any, Protocol
from zoneinfo import ZoneInfo

import pytest_asyncio

from bot.app import BotApplication
from bot.ptb.persistence import StatePersistence
from bot.sandbox.follow import Answers, answer_until
from bot.sandbox.scheduling import Host, MeetingType, SandboxScheduling
from bot.sandbox.scheduling_defaults import (
    BERLIN_HOST_ID,
    INTRO_CALL_ID,
    INTRO_QUEUE_ID,
    NEW_YORK_HOST_ID,
)
from bot.sandbox.telegram_api import BotApiEmulator, ChatMessage
from bot.storage.chat_store_sqlite import SqliteStore
from conversations.booking import flow
from conversations.kit.context import SERVICES_KEY, Services
from conversations.kit.picture import edges
from tests.support import cldr
from tests.support.harness import Customer, InProcessBot, bot_environment

BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")
HOLIDAY = 5  # days after today on which the whole team is off
DURATION = 30  # minutes of the "Intro call"
ENGLISH = "en_US"  # the CLDR locale the bot formats English with
ZONE_NAME = cldr.zone_name("Europe/Berlin", ENGLISH)  # "Central European Time (Berlin)"
ADA = 4242
SETTLE_SECONDS = 20.0


# --- the team ----------------------------------------------------------------------------------


def berlin_today() -> date:
    """Today on the customer's (default) wall clock."""
    return datetime.now(UTC).astimezone(BERLIN).date()


def team(days_off: Iterable[int]) -> tuple[list[Host], list[MeetingType]]:
    """Anna (Berlin) and Diego (New York) working every day but `days_off` after today."""
    today = berlin_today()
    off = {today + timedelta(days=offset) for offset in days_off}
    every_day = range(7)
    anna = Host(
        id=BERLIN_HOST_ID,
        name="Anna Berger",
        timezone="Europe/Berlin",
        weekly_hours={day: [(time(9), time(12)), (time(13), time(17))] for day in every_day},
        # Diego's New York mornings fall on the same Berlin date, so one set of dates fits both.
        holidays=set(off),
    )
    diego = Host(
        id=NEW_YORK_HOST_ID,
        name="Diego Costa",
        timezone="America/New_York",
        weekly_hours={day: [(time(8), time(12))] for day in every_day},
        holidays=set(off),
    )
    intro = MeetingType(
        id=INTRO_CALL_ID,
        name="Intro call",
        duration=DURATION,
        queue_id=INTRO_QUEUE_ID,
        host_ids=[BERLIN_HOST_ID, NEW_YORK_HOST_ID],
    )
    return [anna, diego], [intro]


# --- an independent oracle: what the customer should be offered --------------------------------


def free_starts(
    sandbox: SandboxScheduling, day: date, *, step: int = DURATION, zone: ZoneInfo = BERLIN
) -> list[datetime]:
    """Starts (UTC) on `day` in `zone` where a meeting fits, on the team's `step`-minute grid.

    The grid is Berlin's wall clock; every zone these tests use is a whole number of hours
    away from Berlin, so counting from the zone's own midnight gives the same grid points.
    """
    low = datetime.combine(day, time(), zone)
    high = datetime.combine(day + timedelta(days=1), time(), zone)
    grid = timedelta(minutes=step)
    starts: list[datetime] = []
    for window_start, window_end in sandbox.free_windows(INTRO_CALL_ID, low, high):
        local = window_start.astimezone(zone)
        midnight = datetime.combine(local.date(), time(), zone)
        # The first grid point at or after the window opens (wall-clock arithmetic, like the bot).
        candidate = midnight + -(-(local - midnight) // grid) * grid
        while candidate + timedelta(minutes=DURATION) <= window_end:
            starts.append(candidate.astimezone(UTC))
            candidate += grid
    return sorted(set(starts))


def free_days(sandbox: SandboxScheduling, first: date, count: int) -> list[date]:
    """The days among `count` days from `first` that have at least one free start."""
    days = (first + timedelta(days=offset) for offset in range(count))
    return [day for day in days if free_starts(sandbox, day)]


def day_label(day: date) -> str:
    """How a day button reads in English, in CLDR's words: "24 Tue"."""
    return cldr.short_day(day, ENGLISH)


def full_date(day: date) -> str:
    """How a date reads in message text, in CLDR's words: "Tuesday, November 24, 2026"."""
    return cldr.full_date(day, ENGLISH)


def time_label(moment: datetime, zone: ZoneInfo = BERLIN) -> str:
    """How a time button reads in English, by default in Berlin: "2:30\u202fPM"."""
    local = moment.astimezone(zone)
    hour = local.hour % 12 or 12
    return f"{hour}:{local.minute:02d}\u202f{'AM' if local.hour < 12 else 'PM'}"


# --- reading what the customer sees ------------------------------------------------------------


def buttons(emulator: BotApiEmulator, message: ChatMessage) -> list[tuple[str, str]]:
    """(label, callback_data) of every button of a message, row after row."""
    return [(label, data or "") for row in emulator.buttons(message) for label, data in row]


def data_of(emulator: BotApiEmulator, message: ChatMessage, label: str) -> str:
    """The callback_data of the button labelled exactly `label`."""
    return next(data for text, data in buttons(emulator, message) if text == label)


def menu_of(emulator: BotApiEmulator, message: ChatMessage) -> str:
    """The menu nonce the message's buttons carry (second field of their payload)."""
    return buttons(emulator, message)[0][1].split(":")[1]


def posts(sandbox: SandboxScheduling) -> int:
    """How many booking requests meetergo received."""
    return sum(1 for call in sandbox.calls if call.method == "POST")


def availability_calls(sandbox: SandboxScheduling) -> int:
    """How many availability requests meetergo received (recipe and v4)."""
    paths = ("/booking-availability/v2", "/v4/booking-availability")
    return sum(1 for call in sandbox.calls if call.path in paths)


def stored_text(bot: InProcessBot) -> str:
    """Everything the bot's SQLite persistence holds, as text (rows, not raw file bytes)."""
    persistence = running(bot).persistence
    assert isinstance(persistence, StatePersistence)
    store = persistence.store
    assert isinstance(store, SqliteStore)
    with closing(sqlite3.connect(store.path)) as connection:
        rows = [
            row
            for table in ("user_data", "chat_data", "bot_data", "conversations")
            for row in connection.execute(f"SELECT * FROM {table}")
        ]
    return json.dumps(rows)


def running(bot: InProcessBot) -> BotApplication:
    """The bot's Application, which must be running."""
    assert bot.app is not None, "the bot is not running"
    return bot.app


def services(bot: InProcessBot) -> Services:
    """The services the running bot was built with."""
    found = running(bot).bot_data[SERVICES_KEY]
    assert isinstance(found, Services)
    return found


# --- the customer ------------------------------------------------------------------------------


class StepCustomer(Customer):
    """A harness Customer that waits for the bot to finish each update and checks every press."""

    def __init__(
        self, emulator: BotApiEmulator, bot: InProcessBot, user_id: int = ADA, **profile: Any
    ) -> None:
        super().__init__(emulator, user_id, **profile)
        self.bot = bot
        self.step_reader = lambda chat: self.bot.steps.step_of(chat)

    async def settle(self, since: int | None = None, update: int | None = None) -> None:
        """Wait until the bot has taken every update and finished handling all of them."""
        async with asyncio.timeout(SETTLE_SECONDS):
            # The updater confirms a batch (offset) only after queueing it in the Application.
            while self.emulator.state.updates.pending_count:  # noqa: ASYNC110 - emulator has no event
                await asyncio.sleep(0.002)
            await running(self.bot).update_queue.join()

    async def tap(self, label: str, *, message_id: int | None = None) -> str:
        """Tap a button by label; the press must be answered exactly once."""
        query = await super().tap(label, message_id=message_id)
        self.assert_answered_once(query)
        return query

    async def press(self, message_id: int, data: str, *, visible: bool = True) -> str:
        """Press a button with raw data; the press must be answered exactly once."""
        query = await super().press(message_id, data, visible=visible)
        self.assert_answered_once(query)
        return query

    def answer(self, query: str) -> dict[str, Any]:
        """What answerCallbackQuery said for a press."""
        answer = self.emulator.callback_answer(query)
        assert answer is not None, f"press {query} was never answered"
        return answer

    def assert_answered_once(self, query: str) -> None:
        """The press got exactly one answerCallbackQuery, and Telegram accepted it."""
        calls = [
            call
            for call in self.emulator.calls
            if call.method == "answerCallbackQuery"
            and call.params.get("callback_query_id") == query
        ]
        assert len(calls) == 1, f"press {query} answered {len(calls)} times"
        assert calls[0].ok, f"answer to {query} refused: {calls[0].description}"

    def menu(self) -> ChatMessage:
        """The bot's newest message with inline buttons (a reply keyboard may come after it)."""
        for message in reversed(self.emulator.bot_messages(self.user_id)):
            if not message.deleted and "inline_keyboard" in (message.reply_markup or {}):
                return message
        raise AssertionError("no message with inline buttons in this chat")


# --- walking the conversation ----------------------------------------------------------------

# The steps a test walks to (by the flow's names), and a phrase only that step's screen shows.
STEP_OF = {
    "day": "DAY",
    "slot": "SLOT",
    "name": "NAME",
    "email": "EMAIL",
    "consent": "CONSENT",
    "confirm": "CONFIRM",
}
STEPS = tuple(STEP_OF)
SCREEN = {
    "day": "Pick a day",
    "slot": "Tap one:",
    "name": "What name should the booking be under?",
    "email": "Which e-mail address should the confirmation go to?",
    "consent": "privacy policy",
    "confirm": "Please check your booking",
    "timezone": "Pick your time zone below, type a city or country, or share your location.",
}


def tomorrow() -> date:
    """A day that always has free times (the team works every day, HOLIDAY is later)."""
    return berlin_today() + timedelta(days=1)


async def walk(ada: StepCustomer, upto: str, *, email: str = "ada@example.org") -> None:
    """Take the usual answers from /start until the step `upto` is on screen: tomorrow, its
    earliest time, the Telegram name, `email`, "I agree" (in whatever order the flow asks)."""
    await ada.send("/start")
    if upto == "timezone":
        await ada.send("/timezone")
        assert SCREEN[upto] in ada.menu().text
        return
    await answer_until(ada, STEP_OF[upto], Answers(email=email, day=day_label(tomorrow())))
    assert SCREEN[upto] in ada.last().text, ada.last().text


# --- fixtures ----------------------------------------------------------------------------------


class SandboxFactory(Protocol):
    def __call__(self, *, days_off: Iterable[int] = ...) -> Awaitable[SandboxScheduling]: ...


class Launcher(Protocol):
    def __call__(
        self, *, meetergo: SandboxScheduling | None = ..., **env: str
    ) -> Awaitable[InProcessBot]: ...


@dataclass
class Chat:
    """What most tests need: both stand-ins, the running bot and Ada talking to it."""

    emulator: BotApiEmulator
    sandbox: SandboxScheduling
    bot: InProcessBot
    ada: StepCustomer


@pytest_asyncio.fixture
async def emulator() -> AsyncIterator[BotApiEmulator]:
    # Telegram's limits off: the tests' bot runs unpaced (the pace tests make their own).
    async with BotApiEmulator(limits=None) as server:
        yield server


@pytest_asyncio.fixture
async def sandboxes() -> AsyncIterator[SandboxFactory]:
    started: list[SandboxScheduling] = []

    async def make(*, days_off: Iterable[int] = (HOLIDAY,)) -> SandboxScheduling:
        hosts, meeting_types = team(days_off)
        server = SandboxScheduling(hosts=hosts, meeting_types=meeting_types)
        await server.start()
        started.append(server)
        return server

    yield make
    for server in started:
        await server.stop()


@pytest_asyncio.fixture
async def sandbox(sandboxes: SandboxFactory) -> SandboxScheduling:
    return await sandboxes()


@pytest_asyncio.fixture
async def launch(
    emulator: BotApiEmulator, sandbox: SandboxScheduling, tmp_path: Path
) -> AsyncIterator[Launcher]:
    """Build and start the real Application; every bot started is stopped after the test."""
    bots: list[InProcessBot] = []

    async def start(*, meetergo: SandboxScheduling | None = None, **env: str) -> InProcessBot:
        environment = bot_environment(emulator, meetergo or sandbox, tmp_path / "data", **env)
        bot = InProcessBot(environment)
        await bot.start()
        bots.append(bot)
        return bot

    yield start
    for bot in reversed(bots):
        await bot.stop()
    for bot in bots:
        assert undrawn(bot.steps.moves) == set(), "the bot made a move booking.mmd does not draw"


def undrawn(moves: set[tuple[str, str, str]]) -> set[tuple[str, str, str]]:
    """The moves (from, to, handler) of the booking flow that its picture has no edge for;
    what every step answers (the picture's note) may lead anywhere."""
    booking = flow.BOOKING
    drawn = {(origin, to, name) for origin, to, names in edges(booking) for name in names}
    everywhere = {
        getattr(on.handler, "__name__", "") for on in (*booking.anywhere, *booking.fallbacks)
    }
    made = {(origin, "[*]" if to == "END" else to, name) for origin, to, name in moves}
    return {move for move in made if move[2] not in everywhere} - drawn


@pytest_asyncio.fixture
async def bot(launch: Launcher) -> InProcessBot:
    return await launch()


@pytest_asyncio.fixture
async def ada(emulator: BotApiEmulator, bot: InProcessBot) -> StepCustomer:
    return StepCustomer(emulator, bot, ADA, first_name="Ada", last_name="Lovelace")


@pytest_asyncio.fixture
async def chat(
    emulator: BotApiEmulator, sandbox: SandboxScheduling, bot: InProcessBot, ada: StepCustomer
) -> Chat:
    return Chat(emulator, sandbox, bot, ada)
