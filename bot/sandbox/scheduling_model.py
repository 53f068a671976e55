"""Data model of the sandbox meetergo server: hosts, meeting types, bookings, calls, failures."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any, Literal

FailureKind = Literal["status", "timeout", "malformed"]
FAILURE_KINDS: tuple[FailureKind, ...] = ("status", "timeout", "malformed")

# Weekly hours: weekday (0 = Monday) -> wall-clock ranges in the host's own zone.
WeeklyHours = dict[int, list[tuple[time, time]]]


@dataclass
class Host:
    """A person whose calendar can take meetings, with hours in their own zone."""

    id: str
    name: str
    timezone: str
    weekly_hours: WeeklyHours
    # Dates are host-local: a holiday blocks the whole local day, whatever UTC says.
    holidays: set[date] = field(default_factory=set)


@dataclass
class MeetingType:
    """A bookable meeting type: single host (user_id) or round-robin team (queue_id)."""

    id: str
    name: str
    duration: int
    channel: str = "connect"
    queue_id: str | None = None
    user_id: str | None = None
    host_ids: list[str] = field(default_factory=list)
    allowed_durations: list[int] = field(default_factory=list)
    buffer_before: int = 0
    buffer_after: int = 0
    minimum_notice_minutes: int = 120
    horizon_days: int = 60
    slug: str = ""
    spots: int = 1

    def __post_init__(self) -> None:
        """Derive a slug from the name when none was given."""
        if not self.slug:
            self.slug = re.sub(r"[^a-z0-9]+", "-", self.name.lower()).strip("-")

    def team(self) -> list[str]:
        """Return the ids of the hosts who can take this type, in round-robin order."""
        if self.queue_id is None and self.user_id is not None:
            return [self.user_id]
        return list(self.host_ids)

    def durations(self) -> list[int]:
        """Return every duration a booking of this type may ask for."""
        return [self.duration, *(d for d in self.allowed_durations if d != self.duration)]


@dataclass
class Booking:
    """One stored appointment; start and end are aware UTC datetimes."""

    appointment_id: str
    secret: str
    meeting_type_id: str
    host_id: str
    start: datetime
    end: datetime
    attendee: dict[str, Any]
    body: dict[str, Any]


@dataclass
class RecordedCall:
    """One request the sandbox received, with the status it answered (0: never answered)."""

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    json: Any
    status: int


@dataclass
class Failure:
    """An injected failure rule, applied to the next `count` matching calls."""

    kind: FailureKind
    count: int
    status: int = 503
    retry_after: float | None = None
    path: str | None = None

    def matches(self, path: str) -> bool:
        """Tell whether this rule applies to a request path (with or without /v4)."""
        if self.path is None:
            return True
        wanted = strip_version(self.path)
        actual = strip_version(path)
        return actual == wanted or actual.startswith(wanted.rstrip("/") + "/")


def strip_version(path: str) -> str:
    """Drop the /v4 prefix so root and v4 paths compare equal."""
    return path[3:] if path.startswith("/v4/") else path
