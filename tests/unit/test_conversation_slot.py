"""SLOT: a day's free times in the customer's zone, their pages, and the way back to the days."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from bot.sandbox.scheduling import SandboxScheduling
from bot.sandbox.scheduling_defaults import INTRO_CALL_ID
from bot.sandbox.telegram_api import BotApiEmulator
from tests.unit.conftest import (
    BERLIN,
    DURATION,
    SCREEN,
    ZONE_NAME,
    Chat,
    Launcher,
    StepCustomer,
    availability_calls,
    day_label,
    free_starts,
    full_date,
    services,
    time_label,
    tomorrow,
)

MAX_ROW = 8  # Telegram's limits for an inline keyboard
MAX_BUTTONS = 100
PAGE = 48  # times on one page of a long day


def assert_within_telegram_limits(emulator: BotApiEmulator, ada: StepCustomer) -> None:
    rows = emulator.buttons(ada.last())
    assert all(len(row) <= MAX_ROW for row in rows)
    assert sum(len(row) for row in rows) <= MAX_BUTTONS


async def test_times_are_labelled_in_berlin_time_as_meetergo_reported_them(chat: Chat) -> None:
    ada = chat.ada
    picker = await ada.send("/start")
    await ada.tap(day_label(tomorrow()))
    screen = ada.last()
    assert screen.message_id == picker.message_id
    assert full_date(tomorrow()) in screen.text
    starts = free_starts(chat.sandbox, tomorrow())
    assert f"{len(starts)} free times in {ZONE_NAME}. Tap one:" in screen.text
    assert ada.labels() == [*(time_label(start) for start in starts), "◀ other day"]
    # Anna opens at 09:00 in Berlin; the last meetergo window is Diego's New York morning, which
    # ends in the Berlin evening: the last time is half an hour before it, on Berlin's clock.
    assert ada.labels()[0] == "9:00\u202fAM"
    day_start = datetime.combine(tomorrow(), time(), BERLIN)
    windows = chat.sandbox.free_windows(INTRO_CALL_ID, day_start, day_start + timedelta(days=1))
    assert windows[-1][1].astimezone(BERLIN).hour >= 17, "a New York window"
    assert ada.labels()[-2] == time_label(windows[-1][1] - timedelta(minutes=DURATION))
    assert_within_telegram_limits(chat.emulator, ada)
    assert chat.emulator.violations == []


async def test_a_long_day_pages_its_times(
    launch: Launcher, emulator: BotApiEmulator, sandbox: SandboxScheduling
) -> None:
    # meetergo lists a start every 5 minutes for this type: a day with many more than a page.
    sandbox.meeting_types[INTRO_CALL_ID].slot_interval = 5
    ada = StepCustomer(emulator, await launch())
    starts = [time_label(start) for start in free_starts(sandbox, tomorrow(), step=5)]
    assert len(starts) > PAGE
    await ada.send("/start")
    await ada.tap(day_label(tomorrow()))
    screen = ada.last()
    assert ada.labels() == [*starts[:PAGE], "◀ other day", "later times ›"]
    assert_within_telegram_limits(emulator, ada)
    await ada.tap("later times ›")
    assert ada.last().message_id == screen.message_id
    assert full_date(tomorrow()) in ada.last().text
    assert ada.labels() == [*starts[PAGE:], "◀ other day", "‹ earlier times"]
    assert_within_telegram_limits(emulator, ada)
    await ada.tap("‹ earlier times")
    assert ada.labels() == [*starts[:PAGE], "◀ other day", "later times ›"]
    await ada.tap("later times ›")
    await ada.tap(starts[-1])
    assert SCREEN["name"] in ada.last().text, "a time from the second page can be chosen"
    assert emulator.violations == []


async def test_other_day_goes_back_to_the_picker(chat: Chat) -> None:
    ada = chat.ada
    picker = await ada.send("/start")
    days = ada.labels()
    await ada.tap(day_label(tomorrow()))
    await ada.tap("◀ other day")
    assert ada.last().message_id == picker.message_id
    assert SCREEN["day"] in ada.last().text
    assert ada.labels() == days
    await ada.tap(days[-2])  # another day than before
    assert SCREEN["slot"] in ada.last().text
    assert chat.emulator.violations == []


async def test_meetergo_down_at_slot_offers_try_again_and_recovers(chat: Chat) -> None:
    ada = chat.ada
    await ada.send("/start")
    services(chat.bot).availability.invalidate()  # as if the cached days had expired
    chat.sandbox.fail_next(3, status=503, path="/booking-availability/v2")
    await ada.tap(day_label(tomorrow()))
    assert "The scheduling service is not answering right now." in ada.last().text
    assert ada.labels() == ["Try again", "Cancel"]
    before = availability_calls(chat.sandbox)
    await ada.tap("Try again")
    assert full_date(tomorrow()) in ada.last().text
    assert ada.labels()[:-1] == [time_label(s) for s in free_starts(chat.sandbox, tomorrow())]
    assert availability_calls(chat.sandbox) == before + 1
    await ada.tap(ada.labels()[0])
    assert SCREEN["name"] in ada.last().text
    assert chat.emulator.violations == []
