"""Free start times per meeting type and duration, shared across customers: cached briefly and
coalesced."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.meetergo import MeetergoClient, MeetingType
from bot.slots import FreeWindow, bookable_starts

Window = tuple[datetime, datetime]
# One cached answer: which meeting type, for how many minutes, between which two moments.
AskKey = tuple[str, int, datetime, datetime]


def utc_now() -> datetime:
    """The current moment, aware, in UTC."""
    return datetime.now(UTC)


class AvailabilityService:
    """Answers "which starts are free between A and B" with at most one meetergo call per question.

    A burst of customers looking at the same days must not turn into a burst of API calls
    (meetergo allows 100 a minute per credential), so answers live for `ttl` seconds and
    concurrent askers of the same (meeting type, duration, window) share one request.
    """

    def __init__(
        self,
        client: MeetergoClient,
        meeting_type_ids: Sequence[str],
        *,
        grid_zone: str,
        step_minutes: int | None = None,
        ttl: float = 30.0,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        if isinstance(meeting_type_ids, str):
            raise TypeError("meeting_type_ids is a list of ids, not one id")
        if not meeting_type_ids:
            raise ValueError("at least one meeting type is needed")
        self._client = client
        self.meeting_type_ids: tuple[str, ...] = tuple(meeting_type_ids)
        self._grid_zone = ZoneInfo(grid_zone)
        self._step_minutes = step_minutes
        self._ttl = ttl
        self._clock = clock
        self._meeting_types: dict[str, MeetingType] = {}
        self._type_lock = asyncio.Lock()
        self._answers: dict[AskKey, tuple[float, list[FreeWindow]]] = {}
        self._in_flight: dict[AskKey, asyncio.Task[list[FreeWindow]]] = {}

    def now(self) -> datetime:
        """The service's clock (UTC)."""
        return self._clock()

    async def meeting_type(self, meeting_type_id: str | None = None) -> MeetingType:
        """A configured meeting type (the first when None), read once and kept."""
        wanted = meeting_type_id or self.meeting_type_ids[0]
        if wanted not in self.meeting_type_ids:
            raise LookupError(f"meeting type {wanted} is not configured")
        async with self._type_lock:
            if wanted not in self._meeting_types:
                self._meeting_types[wanted] = await self._client.meeting_type(wanted)
            return self._meeting_types[wanted]

    async def starts(
        self,
        start: datetime,
        end: datetime,
        *,
        meeting_type_id: str | None = None,
        duration: int | None = None,
    ) -> list[datetime]:
        """Bookable starts (UTC) between start and end, never in the past.

        `duration` (minutes) defaults to the meeting type's own; a meeting must fit whole.
        """
        meeting_type = await self.meeting_type(meeting_type_id)
        minutes = duration or meeting_type.duration
        key = (meeting_type.id, minutes, start, end)
        timeframes = await self._timeframes(meeting_type, key)
        step = timedelta(minutes=self._step_minutes or minutes)
        return [
            moment
            for moment in bookable_starts(
                timeframes,
                duration=timedelta(minutes=minutes),
                step=step,
                earliest=max(start, self.now()),
                grid_zone=self._grid_zone,
            )
            if moment < end
        ]

    def invalidate(self) -> None:
        """Forget cached answers, e.g. after a booking or a slot-taken answer."""
        self._answers.clear()

    async def _timeframes(self, meeting_type: MeetingType, key: AskKey) -> list[FreeWindow]:
        cached = self._answers.get(key)
        if cached and time.monotonic() - cached[0] < self._ttl:
            return cached[1]
        task = self._in_flight.get(key)
        if task is None:
            task = asyncio.ensure_future(self._fetch(meeting_type, key))
            self._in_flight[key] = task
            task.add_done_callback(lambda _: self._in_flight.pop(key, None))
        # shield: one customer giving up must not cancel the answer others are waiting for.
        return await asyncio.shield(task)

    async def _fetch(self, meeting_type: MeetingType, key: AskKey) -> list[FreeWindow]:
        _, _, start, end = key
        availability = await self._client.availability(meeting_type, start, end)
        frames = [FreeWindow(frame.start, frame.end) for frame in availability.timeframes]
        self._evict_expired()
        self._answers[key] = (time.monotonic(), frames)
        return frames

    def _evict_expired(self) -> None:
        limit = time.monotonic() - self._ttl
        for key in [k for k, (stamp, _) in self._answers.items() if stamp < limit]:
            del self._answers[key]
