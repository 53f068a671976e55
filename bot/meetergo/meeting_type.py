"""A meeting type as meetergo describes it: what is booked, how and where people meet, who may
choose the host, whether guests come along, and the limits of the booking calendar.

Read tolerantly: meetergo adds fields, its documentation versions differ, and several of these
settings are documented only by name (see the README's "What the meeting type decides").
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, timedelta
from typing import Any, Final

from pydantic import Field, field_validator, model_validator

from bot.meetergo.wire import Wire

# A text meetergo may keep as one string or as one string per language ({"de": ..., "en": ...}).
LocalText = str | dict[str, Any] | None

# The settings whose place in the meeting type no source shows: read at the top level, else
# in meetingOptions, else in meetingInfo.
_PLACED_ANYWHERE: Final = ("timeslotInterval", "bookingMinimum", "daysIntoFuture", "locations")


def local_text(text: LocalText, language: str) -> str:
    """A text in `language`: the string itself, or from a per-language object the language's
    own, then a regional form of it ("de-DE"), then English, then any that is not empty."""
    if isinstance(text, str):
        return text
    if not isinstance(text, Mapping):
        return ""
    texts = {str(key).lower(): value for key, value in text.items() if isinstance(value, str)}
    wanted = language.lower()
    regional = [value for key, value in texts.items() if key.split("-")[0].split("_")[0] == wanted]
    for found in (texts.get(wanted), *regional, texts.get("en")):
        if found and found.strip():
            return found
    return next((value for value in texts.values() if value.strip()), "")


def _only_true(value: Any) -> bool:
    # Read tolerantly: only a plain `true` switches a setting on; null, strings, numbers do not.
    return value is True


# No setting of a booking calendar reaches further than this (minutes, or days): a larger
# number is read as "no limit" rather than overflow a date.
LONGEST: Final = 10 * 366 * 24 * 60


def _minutes(value: Any) -> int | None:
    """A positive whole number as meetergo may send it (a number or a numeric string), or
    None (nothing, nonsense, or beyond LONGEST)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, str):
        value = value.strip()
        if not value.isdigit():
            return None
    if isinstance(value, int | float | str):
        try:
            number = int(float(value))
        except (ValueError, OverflowError):
            return None
        return number if 0 < number <= LONGEST else None
    return None


def _text_or_none(value: Any) -> str | None:
    return value if isinstance(value, str) else None


class MeetingInfo(Wire):
    name: LocalText = ""
    description: LocalText = ""
    duration: int = Field(gt=0)
    channel: str = "connect"
    buffer_before: int = 0
    buffer_after: int = 0
    custom_channel_name: LocalText = None


class MeetingOptions(Wire):
    allowed_durations: list[int] = Field(default_factory=list)
    # meetingOptions.allowPhoneOnlyBooking: a booking may give a phone number and no e-mail.
    allow_phone_only_booking: bool = False
    # More than one channel: the attendee chooses (unless allowSelectChannel is false).
    allowed_channels: list[str] = Field(default_factory=list)
    allow_select_channel: bool | None = None
    allow_host_selection: bool = False
    force_host_selection: bool = False
    allow_adding_guests: bool = False

    @field_validator(
        "allow_phone_only_booking",
        "allow_host_selection",
        "force_host_selection",
        "allow_adding_guests",
        mode="before",
    )
    @classmethod
    def _switched_on(cls, value: Any) -> bool:
        return _only_true(value)

    @field_validator("allow_select_channel", mode="before")
    @classmethod
    def _said(cls, value: Any) -> bool | None:
        return value if isinstance(value, bool) else None

    @field_validator("allowed_channels", mode="before")
    @classmethod
    def _channel_names(cls, value: Any) -> list[str]:
        if not isinstance(value, list):
            return []
        return list(dict.fromkeys(item for item in value if isinstance(item, str) and item))


class DaysIntoFuture(Wire):
    """How far ahead a booking may be: a rolling number of days (calendar or business days),
    or a fixed range of dates; nothing (or "unlimited") leaves it to meetergo."""

    mode: str | None = None
    booking_limit: int | None = None
    range_min: date | None = None
    range_max: date | None = None
    count_mode: str | None = None

    @field_validator("booking_limit", mode="before")
    @classmethod
    def _days(cls, value: Any) -> int | None:
        days = _minutes(value)  # a positive whole number, read the same way
        return days if days is not None and days <= 3660 else None

    @field_validator("mode", "count_mode", mode="before")
    @classmethod
    def _word(cls, value: Any) -> str | None:
        return _text_or_none(value)

    @field_validator("range_min", "range_max", mode="before")
    @classmethod
    def _day(cls, value: Any) -> date | None:
        if not isinstance(value, str) or len(value) < 10:
            return None
        try:
            return date.fromisoformat(value[:10])
        except ValueError:
            return None

    def last_day(self, today: date) -> date | None:
        """The last day a meeting may be booked on, counted from `today`; None: no limit."""
        if (self.mode or "").lower() in ("unlimited", "indefinitely", "none"):
            return None
        if self.range_max is not None and (self.mode or "range").lower() != "rolling":
            return self.range_max
        if self.booking_limit is None:
            return self.range_max
        if "business" not in (self.count_mode or "").lower():
            return today + timedelta(days=self.booking_limit)
        day, left = today, self.booking_limit
        while left:
            day += timedelta(days=1)
            left -= day.weekday() < 5
        return day


class MeetingType(Wire):
    id: str
    slug: str | None = None
    queue_id: str | None = None
    user_id: str | None = None
    spots: int | None = None
    # `enabled: false`: the business switched it off; nothing may be booked.
    enabled: bool = True
    meeting_info: MeetingInfo
    meeting_options: MeetingOptions = Field(default_factory=MeetingOptions)
    # The addresses of channel `local`; several: the attendee chooses (sent as `location`).
    locations: list[str] = Field(default_factory=list)
    timeslot_interval: int | None = None  # minutes between starts
    booking_minimum: int | None = None  # minimum notice, minutes
    days_into_future: DaysIntoFuture | None = None

    @model_validator(mode="before")
    @classmethod
    def _settings_wherever_they_are(cls, data: Any) -> Any:
        if not isinstance(data, Mapping):
            return data
        found = dict(data)
        for key in _PLACED_ANYWHERE:
            for section in ("meetingOptions", "meetingInfo"):
                inner = found.get(section)
                if found.get(key) is None and isinstance(inner, Mapping) and key in inner:
                    found[key] = inner[key]
        return found

    @field_validator("enabled", mode="before")
    @classmethod
    def _not_off(cls, value: Any) -> bool:
        return value is not False  # only an explicit `false` switches a type off

    @field_validator("locations", mode="before")
    @classmethod
    def _addresses(cls, value: Any) -> list[str]:
        if not isinstance(value, list):
            return []
        stripped = (item.strip() for item in value if isinstance(item, str))
        return list(dict.fromkeys(item for item in stripped if item))

    @field_validator("timeslot_interval", "booking_minimum", mode="before")
    @classmethod
    def _positive_minutes(cls, value: Any) -> int | None:
        return _minutes(value)

    @field_validator("days_into_future", mode="before")
    @classmethod
    def _horizon(cls, value: Any) -> Any:
        return value if isinstance(value, Mapping) else None

    @property
    def name(self) -> str:
        """The name customers know the meeting by (English, or the one it has; its slug or id
        when it has none)."""
        return self.name_in("en") or self.slug or self.id

    def name_in(self, language: str) -> str:
        """The meeting's name in `language` when meetergo keeps one, else the one it has
        (empty when it has none)."""
        return local_text(self.meeting_info.name, language).strip()

    def description_in(self, language: str) -> str:
        """The meeting's description in `language` (empty when it has none)."""
        return local_text(self.meeting_info.description, language).strip()

    @property
    def duration(self) -> int:
        """Default length in minutes."""
        return self.meeting_info.duration

    def durations(self) -> list[int]:
        """Every length a booking may ask for: the default first, then the allowed others."""
        allowed = self.meeting_options.allowed_durations
        return list(dict.fromkeys([self.duration, *sorted(d for d in allowed if d > 0)]))

    def channels(self) -> list[str]:
        """The ways to meet the attendee chooses from: the allowed channels when there are
        several (and choosing is not switched off), else only the default channel."""
        options = self.meeting_options
        allowed = options.allowed_channels
        if len(allowed) > 1 and options.allow_select_channel is not False:
            return allowed
        return [self.meeting_info.channel]

    def hosts_selectable(self) -> bool:
        """Whether the attendee may pick a person of the round-robin team (a type that forces
        the choice allows it, whatever allowHostSelection says)."""
        options = self.meeting_options
        return bool(self.queue_id) and (
            options.allow_host_selection or options.force_host_selection
        )

    def host_forced(self) -> bool:
        """Whether the attendee must pick a person (no "whoever is free first")."""
        return self.hosts_selectable() and self.meeting_options.force_host_selection

    def host_query(self, host_id: str | None = None) -> dict[str, str]:
        """Who to ask for: a chosen host, the round-robin queue, or the single host."""
        if host_id:
            return {"hostIds": host_id}
        if self.queue_id:
            return {"queueId": self.queue_id}
        if self.user_id:
            return {"hostIds": self.user_id}
        raise ValueError(f"meeting type {self.id} has neither a queueId nor a userId")

    def earliest(self, now: datetime) -> datetime:
        """The earliest start a booking may have (the minimum notice from now)."""
        return now + timedelta(minutes=self.booking_minimum or 0)

    def last_day(self, today: date) -> date | None:
        """The last day it may be booked on (from daysIntoFuture); None: no limit given."""
        return None if self.days_into_future is None else self.days_into_future.last_day(today)


class TeamMember(Wire):
    """A person of a round-robin team, as the attendee may choose them."""

    id: str
    name: str


_MEMBER_LISTS: Final = ("users", "members", "hosts", "queueMembers", "userQueues", "data")


def team_members(body: Any) -> list[TeamMember]:
    """The people of a queue as `GET /v4/queue/{id}` lists them, read tolerantly: its exact
    shape is not documented, so a list under any of the usual keys (or a bare list), each
    item a user or an object holding one ({"user": {...}}); people without an id or a name
    are left out."""
    if isinstance(body, Mapping):
        body = next((body[key] for key in _MEMBER_LISTS if isinstance(body.get(key), list)), [])
    if not isinstance(body, list):
        return []
    found: dict[str, TeamMember] = {}
    for item in body:
        person = item.get("user") if isinstance(item, Mapping) else None
        member = _member(person if isinstance(person, Mapping) else item)
        if member is not None:
            found.setdefault(member.id, member)
    return list(found.values())


def _member(person: Any) -> TeamMember | None:
    if not isinstance(person, Mapping):
        return None
    ident = person.get("id") or person.get("userId")
    parts = (person.get("givenName") or person.get("firstName"), person.get("familyName"))
    joined = " ".join(str(part) for part in parts if isinstance(part, str) and part.strip())
    name = next(
        (
            text.strip()
            for text in (person.get("fullName"), person.get("name"), joined)
            if isinstance(text, str) and text.strip()
        ),
        "",
    )
    if not isinstance(ident, str | int) or isinstance(ident, bool) or not name:
        return None
    return TeamMember(id=str(ident), name=name)
