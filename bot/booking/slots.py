"""Turn meetergo free windows into bookable meeting start times.

meetergo reports availability as free windows ("timeframes"), not as ready-made slots, so the
bot has to cut them into starts itself. Starts sit on a wall-clock grid of the host's zone
because customers expect "10:00, 10:30, ..." in the host's calendar, not UTC multiples.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

__all__ = ["FreeWindow", "bookable_starts", "group_by_local_day"]

_MINUTE = timedelta(minutes=1)
_DAY = timedelta(days=1)
_MINUTES_PER_DAY = 24 * 60


@dataclass(frozen=True, slots=True)
class FreeWindow:
    """A free window [start, end) in which a whole meeting may be placed."""

    start: datetime  # aware, any zone (normally UTC)
    end: datetime


def bookable_starts(
    timeframes: Iterable[FreeWindow],
    *,
    duration: timedelta,
    step: timedelta,
    earliest: datetime,
    grid_zone: ZoneInfo,
) -> list[datetime]:
    """Return sorted, unique UTC starts on the grid_zone grid whose meeting fits one timeframe."""
    step_minutes = _whole_minutes(step)
    if duration <= timedelta(0):
        raise ValueError(f"duration must be positive, got {duration!r}")
    earliest_utc = _to_utc(earliest, "earliest")

    # Work in UTC from here on: arithmetic and comparisons on datetimes sharing one zoneinfo
    # object are wall-clock based and ignore `fold`, which is wrong around DST changes.
    windows: list[tuple[datetime, datetime]] = []
    for frame in timeframes:
        first = max(_to_utc(frame.start, "FreeWindow.start"), earliest_utc)
        last = _to_utc(frame.end, "FreeWindow.end") - duration
        if first <= last:  # also drops empty and inverted frames
            windows.append((first, last))
    if not windows:
        return []

    # Grid points are generated once per local day and shared by all windows, so overlapping
    # or adjacent frames cost nothing extra. A day of margin on each side covers any UTC
    # offset change between a window's ends and the grid points inside it.
    days: set[date] = set()
    for first, last in windows:
        day = first.astimezone(grid_zone).date() - _DAY
        stop = last.astimezone(grid_zone).date() + _DAY
        while day <= stop:
            days.add(day)
            day += _DAY
    grid = sorted(
        {instant for day in days for instant in _grid_on_day(day, step_minutes, grid_zone)}
    )

    starts: set[datetime] = set()
    for first, last in windows:
        starts.update(grid[bisect_left(grid, first) : bisect_right(grid, last)])
    return sorted(starts)


def group_by_local_day(starts: Iterable[datetime], zone: ZoneInfo) -> dict[date, list[datetime]]:
    """Group starts by their calendar date in zone, with days and starts in ascending order."""
    groups: dict[date, list[datetime]] = {}
    # timestamp() honours fold, unlike comparing two datetimes that share one zoneinfo object.
    for start in sorted(starts, key=lambda moment: _to_utc(moment, "start").timestamp()):
        groups.setdefault(start.astimezone(zone).date(), []).append(start)
    # Days are sorted explicitly: a zone falling back across midnight makes the local date of
    # consecutive instants step backwards, so insertion order is not always date order.
    return dict(sorted(groups.items()))


def _grid_on_day(day: date, step_minutes: int, zone: ZoneInfo) -> Iterator[datetime]:
    """Yield the UTC instants of the wall-clock grid points of one local day."""
    midnight = datetime.combine(day, time())
    for minute_of_day in range(0, _MINUTES_PER_DAY, step_minutes):
        wall = midnight + minute_of_day * _MINUTE
        # PEP 495: both folds agree on ordinary times; in a gap fold=0 has the smaller offset
        # (the wall time never happens), in an overlap the larger one (it happens twice).
        before = wall.replace(tzinfo=zone).utcoffset()
        after = wall.replace(tzinfo=zone, fold=1).utcoffset()
        if before is None or after is None:  # pragma: no cover - zoneinfo always answers
            raise ValueError(f"zone {zone.key} gives no UTC offset for {wall}")
        if before < after:
            continue
        yield (wall - before).replace(tzinfo=UTC)
        if before > after:
            yield (wall - after).replace(tzinfo=UTC)


def _whole_minutes(step: timedelta) -> int:
    """Return step as a positive whole number of minutes or raise ValueError."""
    if step <= timedelta(0):
        raise ValueError(f"step must be positive, got {step!r}")
    if step % _MINUTE:
        raise ValueError(f"step must be whole minutes, got {step!r}")
    return step // _MINUTE


def _to_utc(moment: datetime, what: str) -> datetime:
    """Return moment in UTC, refusing naive datetimes instead of guessing their zone."""
    if moment.utcoffset() is None:
        raise ValueError(f"{what} must be timezone-aware, got {moment!r}")
    return moment.astimezone(UTC)
