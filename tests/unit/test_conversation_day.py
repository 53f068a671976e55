"""DAY: the day picker, its pages, typed days, and meetergo failing while days are fetched."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

import pytest

from bot.sandbox.telegram_api import BotApiEmulator
from tests.unit.conftest import (
    HOLIDAY,
    SCREEN,
    ZONE_NAME,
    Chat,
    Launcher,
    SandboxFactory,
    StepCustomer,
    availability_calls,
    berlin_today,
    day_label,
    free_days,
    free_starts,
    full_date,
    posts,
    services,
    time_label,
    tomorrow,
)

DAYS_PER_PAGE = 14


def day_buttons(ada: StepCustomer) -> list[str]:
    """The day buttons of the newest message, without the navigation row."""
    return [label for label in ada.labels() if label not in ("‹ earlier", "later ›")]


def assert_slot_screen_for(chat: Chat, day: date) -> None:
    text = chat.ada.last().text
    assert full_date(day) in text
    times = [time_label(start) for start in free_starts(chat.sandbox, day)]
    assert f"{len(times)} free times in {ZONE_NAME}. Tap one:" in text
    assert chat.ada.labels() == [*times, "◀ other day"]


async def test_start_greets_and_lists_only_free_days_earliest_first(chat: Chat) -> None:
    ada = chat.ada
    picker = await ada.send("/start")
    assert picker.text.startswith("Hello Ada! Let's find a time for your appointment.")
    assert "Intro call · 30 min" in picker.text
    today = berlin_today()
    expected = free_days(chat.sandbox, today, DAYS_PER_PAGE)
    shown = day_buttons(ada)
    on_page = (today + timedelta(days=offset) for offset in range(DAYS_PER_PAGE))
    by_label = {day_label(day): day for day in on_page}
    first, last = by_label[shown[0]], by_label[shown[-1]]
    assert (
        f"Pick a day between {full_date(first)} and {full_date(last)}. "
        f"Times are shown in {ZONE_NAME}."
    ) in picker.text
    # Whether today still has a time depends on the hour the suite runs; every other day is fixed.
    assert [label for label in shown if label != day_label(today)] == [
        day_label(day) for day in expected if day != today
    ]
    assert day_label(today + timedelta(days=HOLIDAY)) not in shown, "a day without free times"
    assert len(shown) <= DAYS_PER_PAGE
    assert ada.labels()[-1] == "later ›"
    assert "‹ earlier" not in ada.labels()
    assert all(len(row) <= 8 for row in chat.emulator.buttons(picker))
    assert chat.emulator.violations == []


async def test_later_shows_the_next_two_weeks_and_earlier_goes_back(chat: Chat) -> None:
    ada = chat.ada
    picker = await ada.send("/start")
    first_page = ada.labels()
    await ada.tap("later ›")
    assert ada.last().message_id == picker.message_id, "the picker is edited in place"
    second_start = berlin_today() + timedelta(days=DAYS_PER_PAGE)
    assert day_buttons(ada) == [
        day_label(second_start + timedelta(days=offset)) for offset in range(DAYS_PER_PAGE)
    ]
    assert ada.labels()[-2:] == ["‹ earlier", "later ›"]
    await ada.tap(day_label(second_start + timedelta(days=3)))
    assert_slot_screen_for(chat, second_start + timedelta(days=3))
    await ada.tap("◀ other day")
    await ada.tap("‹ earlier")
    assert ada.labels() == first_page
    assert ada.last().message_id == picker.message_id
    assert chat.emulator.violations == []


def _iso(today: date) -> tuple[str, date]:
    day = today + timedelta(days=2)
    return day.isoformat(), day


def _dotted(today: date) -> tuple[str, date]:
    day = today + timedelta(days=3)
    return f"{day.day}.{day.month}.", day


def _weekday(today: date) -> tuple[str, date]:
    day = today + timedelta(days=4)  # a weekday name means its next occurrence
    return f"{day:%A}".lower(), day


def _tomorrow(today: date) -> tuple[str, date]:
    return "tomorrow", today + timedelta(days=1)


@pytest.mark.parametrize("typed", [_iso, _dotted, _weekday, _tomorrow])
async def test_typed_day_shows_its_times(
    chat: Chat, typed: Callable[[date], tuple[str, date]]
) -> None:
    text, day = typed(berlin_today())
    await chat.ada.send("/start")
    await chat.ada.send(text)
    assert_slot_screen_for(chat, day)
    await chat.ada.tap(chat.ada.labels()[0])
    assert SCREEN["name"] in chat.ada.last().text, "the typed day is a real choice"
    assert chat.emulator.violations == []


@pytest.mark.parametrize(
    ("typed", "notice"),
    [
        (lambda today: (today - timedelta(days=1)).isoformat(), "That day is already over."),
        (lambda today: "next blue moon", "I didn't understand that day."),
        (
            lambda today: (today + timedelta(days=HOLIDAY)).isoformat(),
            "There are no free times on {holiday}. Here are the nearest days:",
        ),
        (
            lambda today: (today + timedelta(days=400)).isoformat(),
            "That is too far ahead to book yet.",
        ),
    ],
    ids=["past", "garbage", "no-free-times", "too-far"],
)
async def test_typed_day_that_cannot_be_booked_explains_and_shows_the_picker(
    chat: Chat, typed: Callable[[date], str], notice: str
) -> None:
    today = berlin_today()
    holiday = full_date(today + timedelta(days=HOLIDAY))
    await chat.ada.send("/start")
    reply = await chat.ada.send(typed(today))
    assert reply.text.startswith(notice.format(holiday=holiday)), reply.text
    assert SCREEN["day"] in reply.text
    assert day_label(tomorrow()) in chat.ada.labels()
    assert day_label(today + timedelta(days=HOLIDAY)) not in chat.ada.labels()
    await chat.ada.send("tomorrow")
    assert_slot_screen_for(chat, tomorrow())
    assert chat.emulator.violations == []


async def test_no_free_time_in_two_weeks_offers_to_look_further(
    launch: Launcher, sandboxes: SandboxFactory, emulator: BotApiEmulator
) -> None:
    meetergo = await sandboxes(days_off=range(DAYS_PER_PAGE))
    ada = StepCustomer(emulator, await launch(meetergo=meetergo))
    empty = await ada.send("/start")
    assert "There are no free times in these two weeks. Shall I look further ahead?" in empty.text
    assert ada.labels() == ["Look further ›"]
    await ada.tap("Look further ›")
    assert ada.last().message_id == empty.message_id
    assert SCREEN["day"] in ada.last().text
    first = berlin_today() + timedelta(days=DAYS_PER_PAGE)
    assert day_buttons(ada) == [
        day_label(first + timedelta(days=offset)) for offset in range(DAYS_PER_PAGE)
    ]
    assert ada.labels()[-2:] == ["‹ earlier", "later ›"]
    await ada.tap("‹ earlier")
    assert ada.labels() == ["Look further ›"]
    assert emulator.violations == []


async def test_meetergo_down_at_day_offers_try_again_and_recovers(chat: Chat) -> None:
    # The client tries a read three times before it gives up.
    chat.sandbox.fail_next(3, status=503, path="/booking-availability/v2")
    failure = await chat.ada.send("/start")
    assert "The scheduling service is not answering right now." in failure.text
    assert chat.ada.labels() == ["Try again", "Cancel"]
    await chat.ada.tap("Try again")
    assert chat.ada.last().message_id == failure.message_id
    assert SCREEN["day"] in chat.ada.last().text
    assert day_label(tomorrow()) in chat.ada.labels()
    assert availability_calls(chat.sandbox) == 4
    assert chat.emulator.violations == []


async def test_cancel_on_the_failure_message_ends_the_booking(chat: Chat) -> None:
    chat.sandbox.fail_next(3, status=503, path="/booking-availability/v2")
    await chat.ada.send("/start")
    await chat.ada.tap("Cancel")
    assert chat.ada.last().text.startswith("Booking cancelled.")
    assert chat.ada.labels() == []
    reply = await chat.ada.send("/cancel")
    assert "There is no booking in progress" in reply.text
    assert posts(chat.sandbox) == 0
    assert chat.emulator.violations == []


async def test_typed_day_while_meetergo_fails_does_not_claim_the_day_is_full(chat: Chat) -> None:
    await chat.ada.send("/start")
    services(chat.bot).availability.invalidate()  # as if the cached days had expired
    chat.sandbox.fail_next(3, status=503, path="/booking-availability/v2")
    reply = await chat.ada.send("tomorrow")
    assert "There are no free times" not in reply.text, reply.text
    assert chat.emulator.violations == []
