"""Free start times per meeting type and duration, shared across customers: cached briefly and
coalesced."""

from __future__ import annotations

import asyncio
import math
import time
import weakref
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from bot.booking.slots import FreeWindow, bookable_starts, group_by_local_day
from bot.meetergo import (
    MeetergoClient,
    MeetergoError,
    MeetingType,
    NotFoundError,
    TeamMember,
    UnavailableError,
)
from bot.meetergo.models import Timeframe
from bot.meetergo.pace import RequestPace

Window = tuple[datetime, datetime]
# How far the bot's clock may run ahead of meetergo's when the minimum notice is checked.
NOTICE_GRACE = timedelta(minutes=5)
TEAM_RETRY_AFTER = 60.0  # seconds before a team meetergo could not name is asked for again
# One cached answer: windows or listed starts (of the team, or of one host), of which meeting
# type, for how many minutes, between which two moments.
AskKey = tuple[str, str, int, datetime, datetime]


def utc_now() -> datetime:
    """The current moment, aware, in UTC."""
    return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class _Grouped:
    """An answer's starts grouped by day, as offered from `since` on: the same until the
    earliest start offered passes `first` (the first of them)."""

    found: list[datetime]  # the cached answer they come from
    since: datetime
    first: datetime
    groups: dict[date, list[datetime]]


# Groupings kept at most (a few per zone and page are in use at once); all go when full.
GROUPINGS_KEPT = 256


@dataclass(frozen=True, slots=True)
class _TypeRead:
    """A meeting type's read on its way, shared by everyone who asks for it meanwhile."""

    task: asyncio.Task[MeetingType]
    answer_by: float  # monotonic time after which askers are told meetergo is not answering
    # The askers (each update's task) told so: asking again, one update waits no second time.
    told: weakref.WeakSet[asyncio.Task[Any]] = field(default_factory=weakref.WeakSet)


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
        type_patience: float | None = None,
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
        # Seconds a meeting type's read (all its tries) has to answer those who ask for it;
        # None: they wait for the read to end.
        self._type_patience = type_patience
        self._type_reads: dict[str, _TypeRead] = {}  # the newest read of each meeting type
        self._reading: set[asyncio.Task[MeetingType]] = set()  # every read on its way
        self._spots_missing = False
        self._teams: dict[str, list[TeamMember]] = {}
        self._teams_failed: dict[str, float] = {}  # when reading a team last failed
        self._answers: dict[AskKey, tuple[float, list[datetime]]] = {}
        # free_days' groupings of cached answers (see there).
        self._grouped: dict[tuple[int, datetime, datetime, date | None, str], _Grouped] = {}
        self._in_flight: dict[AskKey, asyncio.Task[list[datetime]]] = {}

    def now(self) -> datetime:
        """The service's clock (UTC)."""
        return self._clock()

    @property
    def pace(self) -> RequestPace:
        """The bot's pace for meetergo, shared by every request (see bot/meetergo/pace.py)."""
        return self._client.pace

    async def meeting_type(
        self, meeting_type_id: str | None = None, *, patient: bool = False
    ) -> MeetingType:
        """A configured meeting type (the first when None), read once and kept.

        A read is shared by everyone who asks meanwhile, and goes on to its end (its answer
        kept) even when they stop waiting. Unless `patient`, an asker waits at most until the
        read is `type_patience` seconds old and then gets UnavailableError: a meetergo that
        hangs (each try of the read waiting out its timeout) must not keep a customer in
        silence. The same asker (task) asking again is told at once, so one answer to a
        customer waits once however many of its steps need the type; anyone else asking
        after that starts a new read, so a meetergo that is back is noticed at once, not when
        the hanging try gives up.
        """
        wanted = meeting_type_id or self.meeting_type_ids[0]
        if wanted not in self.meeting_type_ids:
            raise LookupError(f"meeting type {wanted} is not configured")
        known = self._meeting_types.get(wanted)
        if known is not None:
            return known
        read = self._type_reads.get(wanted)
        if patient:
            return await asyncio.shield((read or self._read_type(wanted)).task)
        asker = asyncio.current_task()
        if read is not None and read.answer_by <= time.monotonic() and not read.task.done():
            if asker in read.told:
                raise UnavailableError(f"meetergo has not answered meeting type {wanted}")
            read = None
        read = read or self._read_type(wanted)
        try:
            left = read.answer_by - time.monotonic()
            return await asyncio.wait_for(asyncio.shield(read.task), left)
        except TimeoutError:
            if asker is not None:
                read.told.add(asker)
            raise UnavailableError(f"meetergo has not answered meeting type {wanted}") from None

    def _read_type(self, wanted: str) -> _TypeRead:
        async def read() -> MeetingType:
            found = await self._client.meeting_type(wanted)
            self._meeting_types[wanted] = found
            return found

        task = asyncio.ensure_future(read())
        patience = self._type_patience
        started = _TypeRead(task, math.inf if patience is None else time.monotonic() + patience)

        def done(_: object) -> None:
            self._reading.discard(task)
            if self._type_reads.get(wanted) is started:
                del self._type_reads[wanted]
            if not task.cancelled():
                task.exception()  # retrieved here: everyone may have stopped waiting for it

        task.add_done_callback(done)
        self._reading.add(task)
        self._type_reads[wanted] = started
        return started

    async def starts(
        self,
        start: datetime,
        end: datetime,
        *,
        meeting_type_id: str | None = None,
        duration: int | None = None,
        moving: str | None = None,
        host_id: str | None = None,
    ) -> list[datetime]:
        """Bookable starts (UTC) between start and end from meetergo's free windows (the
        recipe's availability), on the grid of the team's wall clock; never in the past, nor
        inside the meeting type's minimum notice or beyond its horizon. With `host_id`, the
        starts of that person of the team only.

        `duration` (minutes) defaults to the meeting type's own; a meeting must fit whole.
        With `moving` (an appointment being rescheduled) they are the starts meetergo lists
        for moving it, its own slot counted as free (see exact_starts): the recipe's windows
        know nothing of a move, and a day free only in that slot would not be offered.
        """
        if moving is not None:
            return await self.exact_starts(
                start, end, meeting_type_id=meeting_type_id, duration=duration, moving=moving
            )
        meeting_type, found = await self._windows(start, end, meeting_type_id, duration, host_id)
        return self._upcoming(meeting_type, found, start, end)

    async def free_days(
        self,
        start: datetime,
        end: datetime,
        zone: ZoneInfo,
        *,
        meeting_type_id: str | None = None,
        duration: int | None = None,
        moving: str | None = None,
        host_id: str | None = None,
    ) -> dict[date, list[datetime]]:
        """`starts` grouped by their date in `zone`, days and starts in order.

        A burst of customers asks this of the same cached answer many times a second; their
        grouping is kept (with the answer) for as long as it cannot have changed: until the
        earliest start the notice allows passes its first start, or the horizon's last day
        moves."""
        if moving is not None:
            found = await self.starts(
                start, end, meeting_type_id=meeting_type_id, duration=duration, moving=moving
            )
            return group_by_local_day(found, zone)
        meeting_type, found = await self._windows(start, end, meeting_type_id, duration, host_id)
        earliest, last_day = self._limits(meeting_type, start)
        memo_key = (id(found), start, end, last_day, zone.key)
        kept = self._grouped.get(memo_key)
        if kept is None or kept.found is not found or not kept.since <= earliest <= kept.first:
            upcoming = self._upcoming(meeting_type, found, start, end)
            groups = group_by_local_day(upcoming, zone)
            kept = _Grouped(found, earliest, min(upcoming, default=end), groups)
            if len(self._grouped) >= GROUPINGS_KEPT:
                self._grouped.clear()
            self._grouped[memo_key] = kept
        return {day: list(day_starts) for day, day_starts in kept.groups.items()}

    async def _windows(
        self,
        start: datetime,
        end: datetime,
        meeting_type_id: str | None,
        duration: int | None,
        host_id: str | None,
    ) -> tuple[MeetingType, list[datetime]]:
        """The meeting type, and the starts meetergo's windows give between start and end
        (the cached answer, shared: not to be changed)."""
        meeting_type = await self.meeting_type(meeting_type_id)
        minutes = duration or meeting_type.duration
        key = (f"windows:{host_id or ''}", meeting_type.id, minutes, start, end)
        found = await self._shared(
            key, lambda: self._windowed(meeting_type, minutes, start, end, host_id)
        )
        return meeting_type, found

    async def exact_starts(
        self,
        start: datetime,
        end: datetime,
        *,
        meeting_type_id: str | None = None,
        duration: int | None = None,
        moving: str | None = None,
        host_id: str | None = None,
        fresh: bool = False,
    ) -> list[datetime]:
        """The starts meetergo itself lists between start and end (v4 availability), which are
        the ones it accepts; cut from its windows on the grid only where it lists none. With
        `moving` (an appointment being rescheduled) its own slot counts as free; with
        `host_id`, the starts of that person only; `fresh`: not a cached answer (one on its way
        is still shared)."""
        meeting_type = await self.meeting_type(meeting_type_id)
        minutes = duration or meeting_type.duration
        key = (f"spots:{moving or ''}:{host_id or ''}", meeting_type.id, minutes, start, end)
        found = await self._shared(
            key, lambda: self._listed(meeting_type, minutes, start, end, moving, host_id), fresh
        )
        return self._upcoming(meeting_type, found, start, end)

    async def active_types(self) -> list[MeetingType]:
        """The configured meeting types that are switched on (`enabled`), in their order."""
        types = [await self.meeting_type(i) for i in self.meeting_type_ids]
        return [meeting_type for meeting_type in types if meeting_type.enabled]

    async def team(self, meeting_type: MeetingType) -> list[TeamMember]:
        """The people of the meeting type's team the attendee may choose from, read once and
        kept for the process (a team changes seldom; a restart reads it again)."""
        queue = meeting_type.queue_id
        if not queue:
            return []
        known = self._teams.get(queue)
        if known is not None:
            return known
        failed = self._teams_failed.get(queue)
        if failed is not None and time.monotonic() - failed < TEAM_RETRY_AFTER:
            # Each read may take its three tries' timeouts: one failure is not asked again at
            # every step of every customer.
            raise UnavailableError("meetergo did not name the team a moment ago")
        try:
            known = await self._client.team(queue)
        except MeetergoError:
            self._teams_failed[queue] = time.monotonic()
            raise
        self._teams[queue] = known
        return known

    def last_day(self, meeting_type: MeetingType) -> date | None:
        """The last day (on the team's calendar) the meeting type may be booked on."""
        return meeting_type.last_day(self.now().astimezone(self._grid_zone).date())

    async def aclose(self) -> None:
        """Stop the meeting type reads still on their way (before the client is closed)."""
        reads = list(self._reading)
        for task in reads:
            task.cancel()
        await asyncio.gather(*reads, return_exceptions=True)

    def invalidate(self) -> None:
        """Forget cached answers, e.g. after a booking or a slot-taken answer."""
        self._answers.clear()
        self._grouped.clear()

    def _limits(self, meeting_type: MeetingType, start: datetime) -> tuple[datetime, date | None]:
        """The earliest start offered now, and the last day (None: no horizon)."""
        # meetergo applies its minimum notice itself; the bot keeps to it too (a start that
        # meetergo lists but the notice forbids is not offered), give or take its clock's lead.
        earliest = max(start, self.now(), meeting_type.earliest(self.now()) - NOTICE_GRACE)
        return earliest, self.last_day(meeting_type)

    def _upcoming(
        self, meeting_type: MeetingType, found: list[datetime], start: datetime, end: datetime
    ) -> list[datetime]:
        earliest, last_day = self._limits(meeting_type, start)
        return [
            moment
            for moment in found
            if earliest <= moment < end
            and (last_day is None or moment.astimezone(self._grid_zone).date() <= last_day)
        ]

    async def _shared(
        self, key: AskKey, fetch: Callable[[], Awaitable[list[datetime]]], fresh: bool = False
    ) -> list[datetime]:
        """One answer per question for `ttl` seconds, one request for concurrent askers."""
        cached = None if fresh else self._answers.get(key)
        if cached and time.monotonic() - cached[0] < self._ttl:
            self._client.metrics.availability_lookup(hit=True)
            return cached[1]
        task = self._in_flight.get(key)
        # A question already on its way is a hit too: no new request to meetergo.
        self._client.metrics.availability_lookup(hit=task is not None)
        if task is None:
            task = asyncio.ensure_future(self._remember(key, fetch))
            self._in_flight[key] = task
            task.add_done_callback(lambda _: self._in_flight.pop(key, None))
        # shield: one customer giving up must not cancel the answer others are waiting for.
        return await asyncio.shield(task)

    async def _remember(
        self, key: AskKey, fetch: Callable[[], Awaitable[list[datetime]]]
    ) -> list[datetime]:
        found = await fetch()
        self._evict_expired()
        self._answers[key] = (time.monotonic(), found)
        return found

    async def _windowed(
        self,
        meeting_type: MeetingType,
        minutes: int,
        start: datetime,
        end: datetime,
        host_id: str | None = None,
    ) -> list[datetime]:
        availability = await self._client.availability(meeting_type, start, end, host_id=host_id)
        return self._on_grid(meeting_type, availability.timeframes, minutes, start)

    async def _listed(
        self,
        meeting_type: MeetingType,
        minutes: int,
        start: datetime,
        end: datetime,
        moving: str | None = None,
        host_id: str | None = None,
    ) -> list[datetime]:
        if self._spots_missing:
            return await self._windowed(meeting_type, minutes, start, end, host_id)
        try:
            answer = await self._client.spots(
                meeting_type,
                start,
                end,
                duration=minutes,
                existing_appointment_id=moving,
                host_id=host_id,
            )
        except NotFoundError:
            # A meetergo (or stand-in) without v4 availability: the recipe's windows will do,
            # from now on (unless the meeting type itself is unknown, which this raises).
            found = await self._windowed(meeting_type, minutes, start, end, host_id)
            self._spots_missing = True
            return found
        listed = answer.starts()
        if listed is not None:
            return listed
        return self._on_grid(meeting_type, answer.timeframes, minutes, start)

    def _on_grid(
        self,
        meeting_type: MeetingType,
        timeframes: Iterable[Timeframe],
        minutes: int,
        start: datetime,
    ) -> list[datetime]:
        windows = [FreeWindow(frame.start, frame.end) for frame in timeframes]
        # meetergo's own slot step when it gives one, else the bot's setting, else the length.
        step = meeting_type.timeslot_interval or self._step_minutes or minutes
        return bookable_starts(
            windows,
            duration=timedelta(minutes=minutes),
            step=timedelta(minutes=step),
            earliest=max(start, self.now()),
            grid_zone=self._grid_zone,
        )

    def _evict_expired(self) -> None:
        limit = time.monotonic() - self._ttl
        for key in [k for k, (stamp, _) in self._answers.items() if stamp < limit]:
            del self._answers[key]
