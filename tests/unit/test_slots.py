"""Tests for bot.booking.slots: cutting free windows into grid-aligned, DST-correct starts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.booking.slots import FreeWindow, bookable_starts, group_by_local_day

BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")
KOLKATA = ZoneInfo("Asia/Kolkata")
LORD_HOWE = ZoneInfo("Australia/Lord_Howe")
TOKYO = ZoneInfo("Asia/Tokyo")
ZONE_NAMES = [
    "Europe/Berlin",
    "America/New_York",
    "Asia/Kolkata",
    "Australia/Lord_Howe",
    "UTC",
    "Pacific/Chatham",
]
# Days (UTC) just before each zone's 2026 offset changes, so generated ranges straddle them.
TRANSITION_EVES = {
    "Europe/Berlin": [date(2026, 3, 28), date(2026, 10, 24)],
    "America/New_York": [date(2026, 3, 7), date(2026, 10, 31)],
    "Asia/Kolkata": [date(2026, 1, 15)],
    "Australia/Lord_Howe": [date(2026, 4, 4), date(2026, 10, 3)],
    "UTC": [date(2026, 6, 1)],
    "Pacific/Chatham": [date(2026, 4, 4), date(2026, 9, 26)],
}
MINUTE = timedelta(minutes=1)
SETTINGS = settings(
    max_examples=100,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def wall(moment: datetime, zone: ZoneInfo) -> str:
    return moment.astimezone(zone).strftime("%H:%M%z")


def starts_for(
    frames: list[FreeWindow],
    *,
    zone: ZoneInfo,
    duration: int,
    step: int,
    earliest: datetime | None = None,
) -> list[datetime]:
    return bookable_starts(
        frames,
        duration=timedelta(minutes=duration),
        step=timedelta(minutes=step),
        earliest=earliest or utc(2000, 1, 1),
        grid_zone=zone,
    )


def local_frame(day: date, start_hour: int, end_hour: int, zone: ZoneInfo) -> FreeWindow:
    """A free window between two unambiguous local wall times on one day."""
    start = datetime(day.year, day.month, day.day, start_hour, tzinfo=zone)
    end = datetime(day.year, day.month, day.day, end_hour, tzinfo=zone)
    return FreeWindow(start.astimezone(UTC), end.astimezone(UTC))


def brute_force(
    frames: list[FreeWindow],
    *,
    duration: timedelta,
    step_minutes: int,
    earliest: datetime,
    zone: ZoneInfo,
) -> list[datetime]:
    """Reference: walk every UTC minute and keep those whose local wall time is on the grid."""
    spans = [(f.start.astimezone(UTC), f.end.astimezone(UTC)) for f in frames]
    spans = [(s, e) for s, e in spans if s < e]
    if not spans:
        return []
    moment = min(s for s, _ in spans).replace(second=0, microsecond=0)
    stop = max(e for _, e in spans)
    found = []
    while moment <= stop:
        local = moment.astimezone(zone)
        on_grid = local.second == 0 and (local.hour * 60 + local.minute) % step_minutes == 0
        fits = any(s <= moment and moment + duration <= e for s, e in spans)
        if on_grid and fits and moment >= earliest:
            found.append(moment)
        moment += MINUTE
    return found


@dataclass(frozen=True)
class Scenario:
    frames: list[FreeWindow]
    duration: timedelta
    step_minutes: int
    earliest: datetime
    zone: ZoneInfo

    def run(self) -> list[datetime]:
        return bookable_starts(
            self.frames,
            duration=self.duration,
            step=self.step_minutes * MINUTE,
            earliest=self.earliest,
            grid_zone=self.zone,
        )


@st.composite
def scenarios(draw: st.DrawFn) -> Scenario:
    zone_name = draw(st.sampled_from(ZONE_NAMES))
    eve = draw(st.sampled_from(TRANSITION_EVES[zone_name]))
    base = (
        datetime(eve.year, eve.month, eve.day, tzinfo=UTC) + draw(st.integers(0, 24 * 60)) * MINUTE
    )
    frames = []
    for _ in range(draw(st.integers(0, 5))):
        start = base + draw(st.integers(0, 36 * 60)) * MINUTE
        # Negative lengths produce inverted frames, which must be ignored.
        end = start + draw(st.integers(-60, 10 * 60)) * MINUTE
        frames.append(FreeWindow(start, end))
    return Scenario(
        frames=frames,
        duration=draw(st.integers(1, 4 * 60)) * MINUTE,
        step_minutes=draw(st.sampled_from([1, 5, 7, 10, 15, 20, 25, 30, 45, 60, 90])),
        # Second resolution so earliest is usually off the grid.
        earliest=base + draw(st.integers(-60 * 60, 40 * 60 * 60)) * timedelta(seconds=1),
        zone=ZoneInfo(zone_name),
    )


# --- properties ------------------------------------------------------------------------------


@SETTINGS
@given(scenarios())
def test_property_matches_brute_force_reference(scenario: Scenario) -> None:
    expected = brute_force(
        scenario.frames,
        duration=scenario.duration,
        step_minutes=scenario.step_minutes,
        earliest=scenario.earliest,
        zone=scenario.zone,
    )
    assert scenario.run() == expected


@SETTINGS
@given(scenarios())
def test_property_every_start_fits_one_frame_after_earliest(scenario: Scenario) -> None:
    for start in scenario.run():
        assert start >= scenario.earliest
        assert any(f.start <= start and start + scenario.duration <= f.end for f in scenario.frames)


@SETTINGS
@given(scenarios())
def test_property_starts_are_on_grid_sorted_unique_utc(scenario: Scenario) -> None:
    starts = scenario.run()
    assert starts == sorted(set(starts))
    for start in starts:
        assert start.tzinfo is UTC
        local = start.astimezone(scenario.zone)
        assert local.second == 0
        assert local.microsecond == 0
        assert (local.hour * 60 + local.minute) % scenario.step_minutes == 0


@SETTINGS
@given(scenarios(), st.sampled_from([*ZONE_NAMES, "Asia/Tokyo", "America/Los_Angeles"]))
def test_property_grouping_partitions_starts(scenario: Scenario, customer: str) -> None:
    zone = ZoneInfo(customer)
    starts = scenario.run()
    groups = group_by_local_day(starts, zone)
    assert list(groups) == sorted(groups)
    flattened = [start for day_starts in groups.values() for start in day_starts]
    assert flattened == starts  # disjoint, complete, and in order
    for day, day_starts in groups.items():
        assert day_starts
        assert all(start.astimezone(zone).date() == day for start in day_starts)


# --- DST days --------------------------------------------------------------------------------


def test_berlin_spring_forward_skips_missing_hour() -> None:
    day = date(2026, 3, 29)
    starts = starts_for([local_frame(day, 0, 6, BERLIN)], zone=BERLIN, duration=30, step=30)
    walls = [start.astimezone(BERLIN).strftime("%H:%M") for start in starts]
    assert walls == ["00:00", "00:30", "01:00", "01:30"] + [
        f"{h:02}:{m:02}" for h in range(3, 6) for m in (0, 30)
    ]
    assert len(starts) == 10  # five real hours between local 00:00 and 06:00


def test_berlin_spring_forward_gap_with_step_not_dividing_an_hour() -> None:
    # 02:15 does not exist; read with the pre-change offset it would be 03:15 CEST, which is
    # off a 45-minute grid, so it must be dropped rather than shifted.
    frame = FreeWindow(utc(2026, 3, 28, 23), utc(2026, 3, 29, 4))
    starts = starts_for([frame], zone=BERLIN, duration=45, step=45)
    assert [s.astimezone(BERLIN).strftime("%H:%M") for s in starts] == [
        "00:00",
        "00:45",
        "01:30",
        "03:00",
        "03:45",
        "04:30",
        "05:15",
    ]


def test_berlin_fall_back_offers_both_two_oclocks() -> None:
    day = date(2026, 10, 25)
    starts = starts_for([local_frame(day, 0, 6, BERLIN)], zone=BERLIN, duration=60, step=60)
    assert [wall(s, BERLIN) for s in starts] == [
        "00:00+0200",
        "01:00+0200",
        "02:00+0200",
        "02:00+0100",
        "03:00+0100",
        "04:00+0100",
        "05:00+0100",
    ]
    assert utc(2026, 10, 25, 0) in starts
    assert utc(2026, 10, 25, 1) in starts


def test_new_york_spring_forward() -> None:
    day = date(2026, 3, 8)
    starts = starts_for([local_frame(day, 0, 5, NEW_YORK)], zone=NEW_YORK, duration=60, step=60)
    assert [wall(s, NEW_YORK) for s in starts] == [
        "00:00-0500",
        "01:00-0500",
        "03:00-0400",
        "04:00-0400",
    ]


def test_new_york_fall_back_repeats_one_oclock_hour() -> None:
    day = date(2026, 11, 1)
    starts = starts_for([local_frame(day, 0, 3, NEW_YORK)], zone=NEW_YORK, duration=30, step=30)
    assert [wall(s, NEW_YORK) for s in starts] == [
        "00:00-0400",
        "00:30-0400",
        "01:00-0400",
        "01:30-0400",
        "01:00-0500",
        "01:30-0500",
        "02:00-0500",
        "02:30-0500",
    ]


def test_kolkata_hourly_grid_is_half_past_in_utc() -> None:
    frames = [FreeWindow(utc(2026, 5, 4, 9), utc(2026, 5, 4, 12))]
    starts = starts_for(frames, zone=KOLKATA, duration=60, step=60)
    assert starts == [utc(2026, 5, 4, 9, 30), utc(2026, 5, 4, 10, 30)]
    assert [wall(s, KOLKATA) for s in starts] == ["15:00+0530", "16:00+0530"]


def test_kolkata_half_hour_grid_from_off_grid_window() -> None:
    frames = [FreeWindow(utc(2026, 5, 4, 9, 10), utc(2026, 5, 4, 11))]
    starts = starts_for(frames, zone=KOLKATA, duration=30, step=30)
    assert [wall(s, KOLKATA) for s in starts] == ["15:00+0530", "15:30+0530", "16:00+0530"]


def test_lord_howe_dst_start_skips_half_hour() -> None:
    day = date(2026, 10, 4)  # 02:00 +10:30 jumps to 02:30 +11:00
    starts = starts_for([local_frame(day, 0, 5, LORD_HOWE)], zone=LORD_HOWE, duration=30, step=30)
    assert [wall(s, LORD_HOWE) for s in starts] == [
        "00:00+1030",
        "00:30+1030",
        "01:00+1030",
        "01:30+1030",
        "02:30+1100",
        "03:00+1100",
        "03:30+1100",
        "04:00+1100",
        "04:30+1100",
    ]
    hourly = starts_for([local_frame(day, 0, 5, LORD_HOWE)], zone=LORD_HOWE, duration=60, step=60)
    # The same local hour grid lands on :30 UTC before the change and on :00 UTC after it.
    assert hourly == [
        utc(2026, 10, 3, 13, 30),
        utc(2026, 10, 3, 14, 30),
        utc(2026, 10, 3, 16, 0),
        utc(2026, 10, 3, 17, 0),
    ]


def test_lord_howe_dst_end_repeats_half_hour() -> None:
    day = date(2026, 4, 5)  # 02:00 +11:00 falls back to 01:30 +10:30
    starts = starts_for([local_frame(day, 0, 3, LORD_HOWE)], zone=LORD_HOWE, duration=30, step=30)
    assert [wall(s, LORD_HOWE) for s in starts] == [
        "00:00+1100",
        "00:30+1100",
        "01:00+1100",
        "01:30+1100",
        "01:30+1030",
        "02:00+1030",
        "02:30+1030",
    ]


def test_frame_given_in_local_zone_across_fold_uses_real_elapsed_time() -> None:
    # 01:00 CEST to the second 02:00 (CET) is two real hours, although only one on the clock.
    frame = FreeWindow(
        datetime(2026, 10, 25, 1, tzinfo=BERLIN),
        datetime(2026, 10, 25, 2, tzinfo=BERLIN, fold=1),
    )
    starts = starts_for([frame], zone=BERLIN, duration=60, step=60)
    assert starts == [utc(2026, 10, 24, 23), utc(2026, 10, 25, 0)]


def test_clock_set_back_a_whole_day_keeps_starts_from_the_later_local_date() -> None:
    # tzdb's Alaska purchase (1867): Sitka went from +14:58:47 to -09:01:13 at 00:31:13Z, so
    # starts inside the window carry a later local date than the window's end does.
    sitka = ZoneInfo("America/Sitka")
    frame = FreeWindow(
        datetime(1867, 10, 18, 23, tzinfo=UTC), datetime(1867, 10, 19, 3, tzinfo=UTC)
    )
    starts = starts_for([frame], zone=sitka, duration=60, step=60, earliest=utc(1800, 1, 1))
    assert [s.astimezone(sitka).strftime("%d %H:%M:%S") for s in starts] == [
        "19 14:00:00",
        "19 15:00:00",
        "18 16:00:00",
    ]


# --- grid and window edges -------------------------------------------------------------------


def test_meeting_that_overruns_window_end_is_not_offered() -> None:
    frames = [FreeWindow(utc(2026, 5, 4, 9), utc(2026, 5, 4, 10))]
    starts = starts_for(frames, zone=ZoneInfo("UTC"), duration=45, step=15)
    assert starts == [utc(2026, 5, 4, 9), utc(2026, 5, 4, 9, 15)]


def test_window_shorter_than_meeting_offers_nothing() -> None:
    frames = [FreeWindow(utc(2026, 5, 4, 9), utc(2026, 5, 4, 9, 29))]
    assert starts_for(frames, zone=BERLIN, duration=30, step=15) == []


def test_earliest_cuts_into_window() -> None:
    frames = [FreeWindow(utc(2026, 5, 4, 9), utc(2026, 5, 4, 11))]
    starts = starts_for(
        frames, zone=ZoneInfo("UTC"), duration=30, step=15, earliest=utc(2026, 5, 4, 10, 7)
    )
    assert starts == [utc(2026, 5, 4, 10, 15), utc(2026, 5, 4, 10, 30)]
    exact = starts_for(
        frames, zone=ZoneInfo("UTC"), duration=30, step=30, earliest=utc(2026, 5, 4, 10)
    )
    assert exact == [utc(2026, 5, 4, 10), utc(2026, 5, 4, 10, 30)]


def test_meeting_may_not_straddle_two_adjacent_frames() -> None:
    frames = [
        FreeWindow(utc(2026, 5, 4, 9), utc(2026, 5, 4, 10)),
        FreeWindow(utc(2026, 5, 4, 10), utc(2026, 5, 4, 11)),
    ]
    starts = starts_for(frames, zone=ZoneInfo("UTC"), duration=60, step=30)
    assert starts == [utc(2026, 5, 4, 9), utc(2026, 5, 4, 10)]


def test_unsorted_overlapping_empty_and_inverted_frames() -> None:
    frames = [
        FreeWindow(utc(2026, 5, 4, 14), utc(2026, 5, 4, 15)),
        FreeWindow(utc(2026, 5, 4, 9), utc(2026, 5, 4, 10, 30)),
        FreeWindow(utc(2026, 5, 4, 12), utc(2026, 5, 4, 12)),  # empty
        FreeWindow(utc(2026, 5, 4, 13), utc(2026, 5, 4, 11)),  # inverted
        FreeWindow(utc(2026, 5, 4, 9, 30), utc(2026, 5, 4, 11)),  # overlaps the second
    ]
    starts = starts_for(frames, zone=ZoneInfo("UTC"), duration=30, step=30)
    assert starts == [
        utc(2026, 5, 4, 9),
        utc(2026, 5, 4, 9, 30),
        utc(2026, 5, 4, 10),
        utc(2026, 5, 4, 10, 30),
        utc(2026, 5, 4, 14),
        utc(2026, 5, 4, 14, 30),
    ]
    assert starts_for([], zone=BERLIN, duration=30, step=30) == []


def test_grid_counts_from_local_midnight_for_steps_not_dividing_an_hour() -> None:
    frames = [FreeWindow(utc(2026, 5, 4, 23), utc(2026, 5, 5, 1))]
    starts = starts_for(frames, zone=ZoneInfo("UTC"), duration=5, step=25)
    assert [s.strftime("%H:%M") for s in starts] == ["23:20", "23:45", "00:00", "00:25", "00:50"]
    frames = [FreeWindow(utc(2026, 5, 4, 0), utc(2026, 5, 4, 3))]
    starts = starts_for(frames, zone=ZoneInfo("UTC"), duration=15, step=45)
    assert [s.strftime("%H:%M") for s in starts] == ["00:00", "00:45", "01:30", "02:15"]


@pytest.mark.parametrize(
    ("duration", "step"),
    [
        (timedelta(minutes=30), timedelta(0)),
        (timedelta(minutes=30), timedelta(minutes=-15)),
        (timedelta(0), timedelta(minutes=15)),
        (timedelta(minutes=-30), timedelta(minutes=15)),
        (timedelta(minutes=30), timedelta(seconds=90)),
    ],
)
def test_invalid_duration_or_step_is_rejected(duration: timedelta, step: timedelta) -> None:
    with pytest.raises(ValueError, match=r"duration|step"):
        bookable_starts(
            [], duration=duration, step=step, earliest=utc(2026, 1, 1), grid_zone=BERLIN
        )


def test_naive_datetimes_are_rejected() -> None:
    with pytest.raises(ValueError, match="earliest"):
        bookable_starts(
            [],
            duration=timedelta(minutes=30),
            step=timedelta(minutes=30),
            earliest=datetime(2026, 1, 1),
            grid_zone=BERLIN,
        )
    naive_frame = FreeWindow(datetime(2026, 1, 1, 9), datetime(2026, 1, 1, 10))
    with pytest.raises(ValueError, match="FreeWindow"):
        starts_for([naive_frame], zone=BERLIN, duration=30, step=30)
    with pytest.raises(ValueError, match="timezone-aware"):
        group_by_local_day([datetime(2026, 1, 1, 9)], BERLIN)


# --- grouping --------------------------------------------------------------------------------


def test_frame_crossing_local_midnight_groups_into_two_days() -> None:
    frame = FreeWindow(
        datetime(2026, 6, 10, 22, tzinfo=BERLIN),
        datetime(2026, 6, 11, 2, tzinfo=BERLIN),
    )
    starts = starts_for([frame], zone=BERLIN, duration=60, step=60)
    groups = group_by_local_day(starts, BERLIN)
    assert list(groups) == [date(2026, 6, 10), date(2026, 6, 11)]
    assert [wall(s, BERLIN) for s in groups[date(2026, 6, 10)]] == ["22:00+0200", "23:00+0200"]
    assert [wall(s, BERLIN) for s in groups[date(2026, 6, 11)]] == ["00:00+0200", "01:00+0200"]


def test_customer_zone_moves_starts_to_other_days() -> None:
    frame = FreeWindow(
        datetime(2026, 6, 10, 22, tzinfo=BERLIN),
        datetime(2026, 6, 11, 2, tzinfo=BERLIN),
    )
    starts = starts_for([frame], zone=BERLIN, duration=60, step=60)
    # 20:00Z-23:00Z: all of it is 10 June afternoon in New York and 11 June morning in Tokyo.
    assert group_by_local_day(starts, NEW_YORK) == {date(2026, 6, 10): starts}
    assert group_by_local_day(starts, TOKYO) == {date(2026, 6, 11): starts}
    # Kolkata shows them at 01:30-04:30 on 11 June: one day, where Berlin shows two.
    assert group_by_local_day(starts, KOLKATA) == {date(2026, 6, 11): starts}
    assert len(group_by_local_day(starts, BERLIN)) == 2


def test_grouping_sorts_unsorted_input_and_empty_input() -> None:
    starts = [utc(2026, 6, 11, 9), utc(2026, 6, 10, 9), utc(2026, 6, 10, 8)]
    groups = group_by_local_day(starts, BERLIN)
    assert groups == {
        date(2026, 6, 10): [utc(2026, 6, 10, 8), utc(2026, 6, 10, 9)],
        date(2026, 6, 11): [utc(2026, 6, 11, 9)],
    }
    assert group_by_local_day([], BERLIN) == {}


def test_grouping_orders_days_when_local_date_steps_backwards() -> None:
    # tzdb's Alaska purchase (1867) moved Sitka's clocks back a whole day, so a later instant
    # carries an earlier local date; keys must still come out in calendar order.
    sitka = ZoneInfo("America/Sitka")
    starts = [datetime(1867, 10, 19, 0, tzinfo=UTC), datetime(1867, 10, 19, 1, tzinfo=UTC)]
    assert starts[0].astimezone(sitka).date() > starts[1].astimezone(sitka).date()
    groups = group_by_local_day(starts, sitka)
    assert list(groups) == [date(1867, 10, 18), date(1867, 10, 19)]
    assert groups == {date(1867, 10, 18): [starts[1]], date(1867, 10, 19): [starts[0]]}
