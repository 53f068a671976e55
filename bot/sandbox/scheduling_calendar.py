"""Interval arithmetic for the sandbox: working hours, holidays, busy time, free windows."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.sandbox.scheduling_model import Host

Interval = tuple[datetime, datetime]


def utc(moment: datetime) -> datetime:
    """The same instant in UTC; a naive datetime is refused, its zone would be a guess."""
    if moment.tzinfo is None:
        raise ValueError("datetimes given to the sandbox must be timezone-aware")
    return moment.astimezone(UTC)


def merge(intervals: Iterable[Interval]) -> list[Interval]:
    """Sort intervals and join those that overlap or touch."""
    merged: list[Interval] = []
    for start, end in sorted(i for i in intervals if i[0] < i[1]):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def subtract(intervals: Iterable[Interval], cuts: Iterable[Interval]) -> list[Interval]:
    """Remove every cut from the intervals."""
    result = merge(intervals)
    for cut_start, cut_end in merge(cuts):
        result = [piece for iv in result for piece in _cut_one(iv, cut_start, cut_end)]
    return result


def _cut_one(interval: Interval, cut_start: datetime, cut_end: datetime) -> list[Interval]:
    start, end = interval
    if cut_end <= start or end <= cut_start:
        return [interval]
    pieces: list[Interval] = []
    if start < cut_start:
        pieces.append((start, cut_start))
    if cut_end < end:
        pieces.append((cut_end, end))
    return pieces


def clip(intervals: Iterable[Interval], low: datetime, high: datetime) -> list[Interval]:
    """Keep only the parts of the intervals inside [low, high)."""
    clipped = ((max(s, low), min(e, high)) for s, e in intervals)
    return [iv for iv in clipped if iv[0] < iv[1]]


def working_intervals(host: Host, low: datetime, high: datetime) -> list[Interval]:
    """Return the host's working time touching [low, high), in UTC, without holidays."""
    zone = ZoneInfo(host.timezone)
    # One day of slack on each side: a host-local day can start or end on another UTC date.
    first = low.astimezone(zone).date() - timedelta(days=1)
    last = high.astimezone(zone).date() + timedelta(days=1)
    spans: list[Interval] = []
    day = first
    while day <= last:
        if day not in host.holidays:
            spans.extend(_day_spans(host, day, zone))
        day += timedelta(days=1)
    return clip(merge(spans), low, high)


def _day_spans(host: Host, day: date, zone: ZoneInfo) -> list[Interval]:
    spans: list[Interval] = []
    for opens, closes in host.weekly_hours.get(day.weekday(), []):
        start = _local_to_utc(day, opens, zone)
        # A range closing at 00:00 runs to the end of the local day.
        close_day = day + timedelta(days=1) if closes == time(0) else day
        spans.append((start, _local_to_utc(close_day, closes, zone)))
    return spans


def _local_to_utc(day: date, wall: time, zone: ZoneInfo) -> datetime:
    # zoneinfo picks the offset valid on that very date, so DST changes come out right.
    return datetime.combine(day, wall, tzinfo=zone).astimezone(UTC)


def contains(windows: Iterable[Interval], start: datetime, end: datetime) -> bool:
    """Tell whether [start, end) lies fully inside one of the windows."""
    return any(ws <= start and end <= we for ws, we in windows)
