"""The meetergo sandbox's appointment book: hosts, meeting types, bookings and the time they leave.

Free windows and exact starts follow from the hosts' working hours, the meeting types' rules
(notice, horizon, buffers, slot interval) and the bookings already made; the endpoints answer
from them.
"""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from bot.sandbox.scheduling_calendar import (
    Interval,
    contains,
    merge,
    subtract,
    utc,
    working_intervals,
)
from bot.sandbox.scheduling_defaults import (
    attach_questions,
    default_data_fields,
    default_hosts,
    default_meeting_types,
)
from bot.sandbox.scheduling_fields import DataField
from bot.sandbox.scheduling_model import Booking, Host, MeetingType


class SchedulingBook:
    """Hosts, meeting types and bookings, and the free windows and starts they leave."""

    def __init__(
        self,
        *,
        hosts: list[Host] | None = None,
        meeting_types: list[MeetingType] | None = None,
        clock: Callable[[], datetime] | None = None,
        data_fields: list[DataField] | None = None,
    ) -> None:
        """Set up the book; defaults give a two-host round-robin team and a single-host type,
        and the company's sample data fields (which no default type asks)."""
        # Frozen at construction unless told otherwise: minimum notice, horizon and holidays
        # must not move under a running conversation (a time offered stays bookable).
        started = datetime.now(UTC)
        self._clock = clock or (lambda: started)
        host_list = hosts if hosts is not None else default_hosts(self.now())
        type_list = meeting_types if meeting_types is not None else default_meeting_types()
        self.hosts: dict[str, Host] = {h.id: h for h in host_list}
        self.meeting_types: dict[str, MeetingType] = {t.id: t for t in type_list}
        # The company's data fields, in the order `GET /v4/data-field` lists them.
        self.data_fields: list[DataField] = (
            list(data_fields) if data_fields is not None else default_data_fields()
        )
        self._check_references()
        self.bookings: list[Booking] = []

    def _check_references(self) -> None:
        """Refuse a meeting type without hosts or with hosts the book does not have."""
        # A typo in test data should fail loudly here, not as a puzzling empty availability.
        for meeting_type in self.meeting_types.values():
            unknown = [h for h in meeting_type.team() if h not in self.hosts]
            if unknown or not meeting_type.team():
                raise ValueError(f"meeting type {meeting_type.id} has unknown hosts {unknown}")
            self.questions_of(meeting_type)

    def questions_of(self, meeting_type: MeetingType) -> list[DataField]:
        """The data fields a meeting type asks, its names looked up among the company's;
        LookupError names one the company does not have."""
        by_name = {f.name: f for f in self.data_fields}
        asked: list[DataField] = []
        for question in meeting_type.questions:
            if isinstance(question, DataField):
                asked.append(question)
            elif question in by_name:
                asked.append(by_name[question])
            else:
                raise LookupError(
                    f"meeting type {meeting_type.id} asks {question!r}, which is none of the "
                    f"company's data fields ({', '.join(by_name)})"
                )
        return asked

    def set_questions(
        self,
        meeting_type_id: str,
        questions: Sequence[str | DataField],
        *,
        allow_phone_only_booking: bool | None = None,
    ) -> list[DataField]:
        """Let a meeting type ask `questions` (data field names or fields; they replace what
        it asked), and allow or forbid phone-only bookings when given; returns the fields."""
        meeting_type = self.meeting_types[meeting_type_id]
        before = (meeting_type.questions, meeting_type.allow_phone_only_booking)
        attach_questions(meeting_type, questions, allow_phone_only_booking=allow_phone_only_booking)
        try:
            return self.questions_of(meeting_type)
        except LookupError:
            meeting_type.questions, meeting_type.allow_phone_only_booking = before
            raise

    def now(self) -> datetime:
        """Return the sandbox's current time (aware, UTC) from its clock."""
        return utc(self._clock())

    def add_booking(
        self,
        meeting_type_id: str,
        host_id: str,
        start: datetime,
        *,
        duration: int | None = None,
        attendee: dict[str, Any] | None = None,
    ) -> Booking:
        """Store a booking directly, without availability checks (to pre-occupy a host)."""
        meeting_type = self.meeting_types[meeting_type_id]
        if host_id not in self.hosts:
            raise KeyError(host_id)
        begin = utc(start)
        booking = Booking(
            appointment_id=str(uuid.uuid4()),
            secret=secrets.token_urlsafe(24),
            meeting_type_id=meeting_type_id,
            host_id=host_id,
            start=begin,
            end=begin + timedelta(minutes=duration or meeting_type.duration),
            attendee=dict(attendee or {}),
            body={},
            created_at=datetime.now(UTC),
        )
        self.bookings.append(booking)
        return booking

    def confirm_pending(self, provisional_id: str) -> Booking:
        """Make a pending booking a real appointment, as when the attendee follows the
        double opt-in link or the host approves: it gets a new appointment id (the
        provisional one is gone) and is listed from then on. KeyError when no booking waits
        under `provisional_id`."""
        for booking in self.bookings:
            if booking.pending and booking.appointment_id == provisional_id:
                booking.appointment_id = str(uuid.uuid4())
                booking.secret = secrets.token_urlsafe(24)
                booking.pending = False
                return booking
        raise KeyError(provisional_id)

    def take(
        self,
        meeting_type_id: str,
        start: datetime,
        *,
        host_id: str | None = None,
        duration: int | None = None,
    ) -> list[Booking]:
        """Occupy a slot for one host, or for every host of the type when host_id is None."""
        hosts = [host_id] if host_id else self.meeting_types[meeting_type_id].team()
        return [self.add_booking(meeting_type_id, h, start, duration=duration) for h in hosts]

    # ----- availability ----------------------------------------------------------------------

    def _blocked(
        self, meeting_type: MeetingType, host_id: str, ignoring: str | None = None
    ) -> list[Interval]:
        """Time a new meeting of this type may not overlap, from the host's bookings (not the
        cancelled ones, nor `ignoring`, the appointment being moved)."""
        blocked: list[Interval] = []
        for booking in self.bookings:
            if booking.host_id != host_id or booking.cancelled:
                continue
            if ignoring is not None and booking.appointment_id == ignoring:
                continue
            other = self.meeting_types.get(booking.meeting_type_id)
            before = other.buffer_before if other else 0
            after = other.buffer_after if other else 0
            # Neither meeting may run into the other's buffer on the side they meet.
            blocked.append(
                (
                    booking.start - timedelta(minutes=max(before, meeting_type.buffer_after)),
                    booking.end + timedelta(minutes=max(after, meeting_type.buffer_before)),
                )
            )
        return blocked

    def host_windows(
        self,
        meeting_type: MeetingType,
        host_id: str,
        low: datetime,
        high: datetime,
        ignoring: str | None = None,
    ) -> list[Interval]:
        """Free windows of one host for a meeting type inside [low, high), in UTC."""
        now = self.now()
        low = max(utc(low), now + timedelta(minutes=meeting_type.minimum_notice_minutes))
        high = min(utc(high), now + timedelta(days=meeting_type.horizon_days))
        if low >= high:
            return []
        working = working_intervals(self.hosts[host_id], low, high)
        return subtract(working, self._blocked(meeting_type, host_id, ignoring))

    def free_windows(
        self,
        meeting_type_id: str,
        low: datetime,
        high: datetime,
        host_ids: Sequence[str] | None = None,
        ignoring: str | None = None,
    ) -> list[Interval]:
        """Union of the hosts' free windows inside [low, high), merged and sorted."""
        meeting_type = self.meeting_types[meeting_type_id]
        hosts = list(host_ids) if host_ids is not None else meeting_type.team()
        return merge(
            w for h in hosts for w in self.host_windows(meeting_type, h, low, high, ignoring)
        )

    def free_hosts(self, meeting_type_id: str, start: datetime, duration_min: int) -> list[str]:
        """Hosts of the type for whom [start, start + duration) is entirely free."""
        meeting_type = self.meeting_types[meeting_type_id]
        return self._free_among(meeting_type, meeting_type.team(), utc(start), duration_min)

    def _free_among(
        self, meeting_type: MeetingType, hosts: list[str], start: datetime, duration_min: int
    ) -> list[str]:
        """Those of `hosts` for whom [start, start + duration) is entirely free."""
        end = start + timedelta(minutes=duration_min)
        return [
            h for h in hosts if contains(self.host_windows(meeting_type, h, start, end), start, end)
        ]

    def _pick_host(
        self, meeting_type: MeetingType, hosts: list[str], start: datetime, duration_min: int
    ) -> str | None:
        """Round robin: the free host with the fewest bookings of this type; ties by list order."""
        free = self._free_among(meeting_type, hosts, start, duration_min)
        if not free:
            return None
        load = {h: 0 for h in free}
        for booking in self.bookings:
            if booking.meeting_type_id == meeting_type.id and booking.host_id in load:
                load[booking.host_id] += 1
        return min(free, key=lambda h: load[h])

    # ----- exact starts (v4) -----------------------------------------------------------------

    def host_spots(
        self,
        meeting_type: MeetingType,
        host_id: str,
        low: datetime,
        high: datetime,
        minutes: int,
        ignoring: str | None = None,
    ) -> list[datetime]:
        """Exact starts of one host: every slot_interval on the host's wall clock, counted from
        local midnight, where the whole meeting fits in a free window."""
        zone = ZoneInfo(self.hosts[host_id].timezone)
        step = timedelta(minutes=meeting_type.slot_interval or meeting_type.duration)
        length = timedelta(minutes=minutes)
        found: list[datetime] = []
        windows = self.host_windows(meeting_type, host_id, low, high, ignoring)
        for window_start, window_end in windows:
            local = window_start.astimezone(zone)
            midnight = datetime.combine(local.date(), time(), zone)
            steps = -(-(local.replace(tzinfo=None) - midnight.replace(tzinfo=None)) // step)
            wall = midnight.replace(tzinfo=None) + steps * step
            while True:
                moment = wall.replace(tzinfo=zone).astimezone(UTC)
                if moment + length > window_end:
                    break
                if moment >= window_start:
                    found.append(moment)
                wall += step
        return found

    def spots(
        self,
        meeting_type_id: str,
        low: datetime,
        high: datetime,
        minutes: int | None = None,
        host_ids: Sequence[str] | None = None,
        ignoring: str | None = None,
    ) -> list[datetime]:
        """The exact starts v4 availability lists for a type, sorted, each once."""
        meeting_type = self.meeting_types[meeting_type_id]
        length = minutes or meeting_type.duration
        hosts = list(host_ids) if host_ids is not None else meeting_type.team()
        return sorted(
            {
                moment
                for h in hosts
                for moment in self.host_spots(meeting_type, h, low, high, length, ignoring)
            }
        )

    def _listed(
        self,
        meeting_type: MeetingType,
        host_id: str,
        start: datetime,
        minutes: int,
        ignoring: str | None = None,
    ) -> bool:
        """Whether v4 availability lists `start` for this host: other starts are refused."""
        day = timedelta(days=1)
        listed = self.host_spots(meeting_type, host_id, start - day, start + day, minutes, ignoring)
        return start in listed

    def _find(self, appointment_id: str) -> Booking | None:
        """A made appointment (not a pending booking) by its id."""
        return next(
            (b for b in self.bookings if b.appointment_id == appointment_id and not b.pending),
            None,
        )
