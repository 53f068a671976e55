"""Data model of the sandbox meetergo server: hosts, meeting types, bookings, calls, failures."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, time
from time import monotonic
from typing import Any, Literal

from bot.sandbox.scheduling_fields import DataField

# status: answer an error; timeout: hold the request unanswered; malformed: 200 with broken JSON.
# The next four let the request do its work first, then: lost (never answer), dropped (close
# the connection), garbled (the real status with a body that is not JSON), slow (answer late).
FailureKind = Literal["status", "timeout", "malformed", "lost", "dropped", "garbled", "slow"]
FAILURE_KINDS: tuple[FailureKind, ...] = (
    "status",
    "timeout",
    "malformed",
    "lost",
    "dropped",
    "garbled",
    "slow",
)
AFTER_WORK: frozenset[FailureKind] = frozenset({"lost", "dropped", "garbled", "slow"})

# The values meetergo knows for meetingInfo.channel and meetingOptions.allowedChannels.
CHANNELS: tuple[str, ...] = (
    "local",
    "local-attendee",
    "google",
    "zoom",
    "phone",
    "phone-incoming",
    "whatsapp",
    "connect",
    "webex",
    "teamsForBusiness2",
    "teams2ForExchange",
    "custom",
    "resource",
    "whereby",
    "kmeet",
    "jitsi",
    "nextcloudTalk",
    "openTalk",
    "alfaview",
)
# Booking types whose bookings wait: the attendee's e-mail link, or the host's approval.
BOOKING_TYPES: tuple[str, ...] = ("doubleOptIn", "requireHostConfirmation")

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
    # Minutes between the exact starts v4 lists, on each host's wall clock (None: the duration).
    slot_interval: int | None = None
    # "doubleOptIn" or "requireHostConfirmation" (in any case, answered as written): bookings
    # wait for a confirmation (SchedulingBook.confirm_pending gives it).
    booking_type: str | None = None
    # The questions a booking must answer (the required ones): the company's data fields by
    # name, or fields of this type's own. Served nowhere (how meetergo does is unknown).
    questions: list[str | DataField] = field(default_factory=list)
    # meetingOptions.allowPhoneOnlyBooking: a booking may then give a phone and no e-mail.
    allow_phone_only_booking: bool = False
    # meetingInfo.name per language ({"de": "Erstgespräch"}); empty: `name` is the only one.
    names: dict[str, str] = field(default_factory=dict)
    description: str = ""
    # enabled: false is an inactive type: still readable, but neither offered nor bookable.
    enabled: bool = True
    # meetingOptions.allowedChannels: more than one lets the attendee choose (empty: `channel`).
    allowed_channels: list[str] = field(default_factory=list)
    # Addresses of an in-person meeting; with several the attendee chooses (booking `location`).
    locations: list[str] = field(default_factory=list)
    # meetingOptions.allowHostSelection: the attendee may pick a host of the queue (hostIds);
    # forceHostSelection: must pick one, "whoever is free first" (queueId) is refused.
    allow_host_selection: bool = False
    force_host_selection: bool = False
    # meetingOptions.allowAddingGuests: the attendee may bring others (attendee.bringalongEmails).
    allow_adding_guests: bool = False

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

    def hosts_selectable(self) -> bool:
        """Whether the attendee may pick a host: allowed, or forced (a must is also a may)."""
        return self.allow_host_selection or self.force_host_selection

    def channels(self) -> list[str]:
        """meetingOptions.allowedChannels: the allowed ones, or the default alone. (A booking
        may always name the default channel too.)"""
        return list(self.allowed_channels) or [self.channel]

    def needs_confirmation(self, kind: str) -> bool:
        """Whether bookings wait for `kind` ("doubleOptIn", "requireHostConfirmation"), however
        booking_type is capitalised."""
        return (self.booking_type or "").casefold() == kind.casefold()


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
    created_at: datetime | None = None
    # Waiting for the attendee's or the host's confirmation: no appointment is listed yet.
    pending: bool = False
    cancelled: bool = False
    cancel: dict[str, Any] | None = None  # actionAt, actionSource, reason
    rescheduled_at: datetime | None = None
    reschedule_count: int = 0


@dataclass
class RecordedCall:
    """One request the sandbox received, with the status it answered (0: never answered)."""

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    json: Any
    status: int
    # When it arrived (monotonic seconds): benchmarks count requests per minute.
    at: float = field(default_factory=monotonic)


@dataclass
class Failure:
    """An injected failure rule, applied to the next `count` matching calls."""

    kind: FailureKind
    count: int
    status: int = 503
    retry_after: float | None = None
    path: str | None = None
    seconds: float = 10.0  # how late a "slow" answer comes

    def matches(self, path: str) -> bool:
        """Tell whether this rule applies to a request path (with or without /v4)."""
        if self.path is None:
            return True
        wanted = strip_version(self.path)
        actual = strip_version(path)
        return actual == wanted or actual.startswith(wanted.rstrip("/") + "/")


# v4 paths whose recipe twin has another name: a failure set on one applies to both.
_RECIPE_NAMES = {"/v4/booking-availability": "/booking-availability/v2"}


def strip_version(path: str) -> str:
    """The recipe's name of a path, so root and v4 paths of one resource compare equal."""
    if path in _RECIPE_NAMES:
        return _RECIPE_NAMES[path]
    return path[3:] if path.startswith("/v4/") else path
