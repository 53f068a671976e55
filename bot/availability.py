"""Free start times per meeting type, shared across customers: cached briefly and coalesced."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.meetergo import MeetergoClient, MeetingType
from bot.slots import Timeframe, bookable_starts

Window = tuple[datetime, datetime]


def utc_now() -> datetime:
    """The current moment, aware, in UTC."""
    return datetime.now(UTC)


class AvailabilityService:
    """Answers "which starts are free between A and B" with at most one meetergo call per window.

    A burst of customers looking at the same days must not turn into a burst of API calls
    (meetergo allows 100 a minute per credential), so answers live for `ttl` seconds and
    concurrent askers of the same window share one in-flight request.
    """

    def __init__(
        self,
        client: MeetergoClient,
        meeting_type_id: str,
        *,
        grid_zone: str,
        step_minutes: int | None = None,
        ttl: float = 30.0,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self._client = client
        self._meeting_type_id = meeting_type_id
        self._grid_zone = ZoneInfo(grid_zone)
        self._step_minutes = step_minutes
        self._ttl = ttl
        self._clock = clock
        self._meeting_type: MeetingType | None = None
        self._type_lock = asyncio.Lock()
        self._answers: dict[Window, tuple[float, list[Timeframe]]] = {}
        self._in_flight: dict[Window, asyncio.Task[list[Timeframe]]] = {}

    def now(self) -> datetime:
        """The service's clock (UTC)."""
        return self._clock()

    async def meeting_type(self) -> MeetingType:
        """The meeting type, read once and kept (its name, duration and queue rarely change)."""
        async with self._type_lock:
            if self._meeting_type is None:
                self._meeting_type = await self._client.meeting_type(self._meeting_type_id)
            return self._meeting_type

    async def starts(self, start: datetime, end: datetime) -> list[datetime]:
        """Bookable starts (UTC) between start and end, never in the past."""
        meeting_type = await self.meeting_type()
        timeframes = await self._timeframes(meeting_type, (start, end))
        duration = timedelta(minutes=meeting_type.duration)
        step = timedelta(minutes=self._step_minutes or meeting_type.duration)
        return [
            moment
            for moment in bookable_starts(
                timeframes,
                duration=duration,
                step=step,
                earliest=max(start, self.now()),
                grid_zone=self._grid_zone,
            )
            if moment < end
        ]

    def invalidate(self) -> None:
        """Forget cached answers, e.g. after a booking or a slot-taken answer."""
        self._answers.clear()

    async def _timeframes(self, meeting_type: MeetingType, window: Window) -> list[Timeframe]:
        cached = self._answers.get(window)
        if cached and time.monotonic() - cached[0] < self._ttl:
            return cached[1]
        task = self._in_flight.get(window)
        if task is None:
            task = asyncio.ensure_future(self._fetch(meeting_type, window))
            self._in_flight[window] = task
            task.add_done_callback(lambda _: self._in_flight.pop(window, None))
        # shield: one customer giving up must not cancel the answer others are waiting for.
        return await asyncio.shield(task)

    async def _fetch(self, meeting_type: MeetingType, window: Window) -> list[Timeframe]:
        availability = await self._client.availability(meeting_type, *window)
        frames = [Timeframe(frame.start, frame.end) for frame in availability.timeframes]
        self._evict_expired()
        self._answers[window] = (time.monotonic(), frames)
        return frames

    def _evict_expired(self) -> None:
        limit = time.monotonic() - self._ttl
        for window in [w for w, (stamp, _) in self._answers.items() if stamp < limit]:
            del self._answers[window]
