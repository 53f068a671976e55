"""A typed day with a time of day ("tomorrow afternoon", "tomorrow 10:00"), a typed week, and a
time typed before the day: what the time step and the day picker then show."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from tests.unit.conftest import (
    BERLIN,
    SCREEN,
    Chat,
    berlin_today,
    day_label,
    free_days,
    free_starts,
    posts,
    time_label,
    tomorrow,
)

ALL_TIMES = "All free times of this day"


def local_minutes(start: datetime) -> int:
    local = start.astimezone(BERLIN)
    return local.hour * 60 + local.minute


def time_buttons(labels: list[str]) -> list[str]:
    return [label for label in labels if label[0].isdigit()]


async def test_a_part_of_the_day_shows_its_times_first_and_says_so(chat: Chat) -> None:
    ada = chat.ada
    await ada.send("/start")
    screen = await ada.send("tomorrow afternoon")
    starts = free_starts(chat.sandbox, tomorrow())
    afternoon = [time_label(s) for s in starts if 12 * 60 <= local_minutes(s) < 18 * 60]
    assert afternoon
    assert len(afternoon) < len(starts)
    assert "Times in the afternoon, as you asked:" in screen.text
    assert time_buttons(ada.labels()) == afternoon
    assert ALL_TIMES in ada.labels()
    await ada.tap(ALL_TIMES)
    assert time_buttons(ada.labels()) == [time_label(s) for s in starts]
    assert ALL_TIMES not in ada.labels()


async def test_an_exact_free_time_goes_straight_to_the_next_step(chat: Chat) -> None:
    ada = chat.ada
    await ada.send("/start")
    reply = await ada.send("tomorrow at 10:00")
    assert SCREEN["name"] in reply.text
    await ada.tap("Ada Lovelace")
    await ada.send("ada@example.org")
    await ada.tap("I agree")
    card = ada.menu().text
    assert "10:00\u202fAM" in card
    await ada.tap("✅ Confirm")
    assert posts(chat.sandbox) == 1
    booked = chat.sandbox.bookings[-1]
    assert booked.start == datetime.combine(tomorrow(), time(10), BERLIN)


async def test_a_time_that_is_not_free_offers_the_nearest_free_ones(chat: Chat) -> None:
    ada = chat.ada
    await ada.send("/start")
    screen = await ada.send("tomorrow 12:30")  # the team's lunch: nobody is free
    starts = free_starts(chat.sandbox, tomorrow())
    nearest = sorted(starts, key=lambda s: abs(local_minutes(s) - (12 * 60 + 30)))[:4]
    assert "12:30\u202fPM is not free. These are the nearest free times:" in screen.text
    assert time_buttons(ada.labels()) == [time_label(s) for s in sorted(nearest)]
    await ada.tap(time_label(sorted(nearest)[0]))
    assert SCREEN["name"] in ada.last().text


async def test_a_typed_week_opens_the_picker_on_that_week(chat: Chat) -> None:
    ada = chat.ada
    await ada.send("/start")
    await ada.send("next week")
    today = berlin_today()
    monday = today - timedelta(days=today.weekday()) + timedelta(days=7)
    expected = [day_label(day) for day in free_days(chat.sandbox, monday, 7)]
    shown = [label for label in ada.labels() if label not in ("‹ earlier", "later ›")]
    assert shown == expected


async def test_a_time_typed_before_the_day_waits_for_the_day(chat: Chat) -> None:
    ada = chat.ada
    await ada.send("/start")
    asked = await ada.send("after 3 pm")
    assert "Which day? I will show the times that fit first." in asked.text
    await ada.tap(day_label(tomorrow()))
    starts = free_starts(chat.sandbox, tomorrow())
    assert time_buttons(ada.labels()) == [
        time_label(s) for s in starts if local_minutes(s) >= 15 * 60
    ]
    assert "Times from 3:00\u202fPM on, as you asked:" in ada.last().text


async def test_the_wish_is_dropped_once_a_time_is_chosen(chat: Chat) -> None:
    ada = chat.ada
    await ada.send("/start")
    await ada.send("tomorrow morning")
    await ada.tap(ada.labels()[0])
    await ada.tap("Ada Lovelace")
    await ada.send("ada@example.org")
    await ada.tap("I agree")
    await ada.tap("Change time")
    starts = free_starts(chat.sandbox, tomorrow())
    assert time_buttons(ada.labels()) == [time_label(s) for s in starts]


async def test_a_time_typed_at_the_times_is_understood_there(chat: Chat) -> None:
    ada = chat.ada
    await ada.send("/start")
    await ada.tap(day_label(tomorrow()))
    screen = await ada.send("tomorrow after 3 pm")
    starts = free_starts(chat.sandbox, tomorrow())
    assert "Times from 3:00\u202fPM on, as you asked:" in screen.text
    assert time_buttons(ada.labels()) == [
        time_label(s) for s in starts if local_minutes(s) >= 15 * 60
    ]


async def test_going_back_to_the_days_drops_the_typed_time(chat: Chat) -> None:
    ada = chat.ada
    await ada.send("/start")
    await ada.send("tomorrow 12:30")  # not free: the nearest times are offered
    await ada.tap("◀ other day")
    later = tomorrow() + timedelta(days=1)
    await ada.tap(day_label(later))
    assert time_buttons(ada.labels()) == [time_label(s) for s in free_starts(chat.sandbox, later)]


async def test_a_first_message_with_a_day_opens_the_booking_on_it(chat: Chat) -> None:
    ada = chat.ada
    screen = await ada.send("tomorrow morning")
    starts = free_starts(chat.sandbox, tomorrow())
    assert "Times in the morning, as you asked:" in screen.text
    assert time_buttons(ada.labels()) == [time_label(s) for s in starts if local_minutes(s) < 720]
