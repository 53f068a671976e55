"""Pydantic shapes of the meetergo booking recipe; tolerant of fields meetergo adds later."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

from pydantic import (
    AwareDatetime,
    ConfigDict,
    Field,
    field_validator,
    model_validator,
)
from pydantic.alias_generators import to_camel

from bot.meetergo.meeting_type import MeetingType
from bot.meetergo.wire import Wire


class Timeframe(Wire):
    start: AwareDatetime
    end: AwareDatetime


class Availability(Wire):
    timezone: str = "utc"
    timeframes: list[Timeframe] = Field(default_factory=list)


class Attendee(Wire):
    email: str  # empty only in a phone-only booking (then `phone` is required, and sent)
    fullname: str | None = None
    phone: str | None = None
    firstname: str | None = None
    lastname: str | None = None
    receive_reminders: bool = True
    notes: dict[str, Any] = Field(default_factory=dict)
    language: str | None = None
    timezone: str | None = None
    data_policy_accepted: bool | None = None
    # Guests the attendee brings along (at most five; meetingOptions.allowAddingGuests).
    bringalong_emails: list[str] | None = None


class BookingRequest(Wire):
    meeting_type_id: str
    start: AwareDatetime
    duration: int
    attendee: Attendee
    queue_id: str | None = None
    host_ids: list[str] | None = None
    channel: str | None = None
    # Which of the meeting type's `locations` (for channel `local`).
    location: str | None = None
    # True: the attendee gives a phone number instead of an e-mail address (where the
    # meeting type allows it, meetingOptions.allowPhoneOnlyBooking).
    phone_only_booking: bool | None = None

    @classmethod
    def for_meeting_type(
        cls,
        meeting_type: MeetingType,
        *,
        start: datetime,
        attendee: Attendee,
        duration: int | None = None,
        phone_only: bool = False,
        place: Place | None = None,
    ) -> BookingRequest:
        """Build the request the recipe expects for this meeting type (its own duration and
        channel when none is chosen); a chosen host is sent as `hostIds`, never beside the
        queue."""
        place = place or Place()
        hosts = meeting_type.host_query(place.host_id)
        return cls(
            meeting_type_id=meeting_type.id,
            start=start,
            duration=duration or meeting_type.duration,
            attendee=attendee,
            queue_id=hosts.get("queueId"),
            host_ids=[hosts["hostIds"]] if "hostIds" in hosts else None,
            channel=place.channel or meeting_type.meeting_info.channel,
            location=place.location,
            phone_only_booking=True if phone_only else None,
        )

    def to_wire(self) -> dict[str, Any]:
        """The JSON body: camelCase, no unset optionals, start as ISO 8601 with its offset; a
        phone-only booking without an e-mail address sends none."""
        body = self.model_dump(mode="json", by_alias=True, exclude_none=True)
        if self.phone_only_booking and not self.attendee.email:
            body["attendee"].pop("email", None)
        return body


@dataclass(frozen=True, slots=True)
class Place:
    """How, where and with whom the attendee chose to meet (None: the meeting type's own)."""

    channel: str | None = None
    location: str | None = None
    host_id: str | None = None


# Booking types whose booking waits for the attendee's e-mail link or the host's approval,
# as meetergo spells them in lower case (it answers "doubleOptIn" or "DoubleOptIn").
DOUBLE_OPT_IN = "doubleoptin"
HOST_CONFIRMATION = "requirehostconfirmation"
PENDING_BOOKING_TYPES = frozenset({DOUBLE_OPT_IN, HOST_CONFIRMATION})


class BookingConfirmation(Wire):
    appointment_id: str | None = None
    secret: str | None = None
    booking_type: str | None = None
    provisional_booking_id: str | None = None

    @property
    def waits_for(self) -> str | None:
        """Whose confirmation a pending booking waits for: DOUBLE_OPT_IN (the attendee's, from
        meetergo's e-mail) or HOST_CONFIRMATION; None when it is not said."""
        kind = (self.booking_type or "").casefold()
        return kind if kind in PENDING_BOOKING_TYPES else None

    @property
    def is_provisional(self) -> bool:
        """True when the host or a double opt-in still has to confirm.

        meetergo's own clients recognise this by `bookingType`; older answers carry only a
        `provisionalBookingId`.
        """
        if self.waits_for is not None:
            return True
        return self.appointment_id is None and self.provisional_booking_id is not None


class AppointmentAttendee(Wire):
    id: str | None = None
    email: str = ""
    phone: str | None = None
    fullname: str | None = None
    timezone: str | None = None

    @field_validator("email", mode="before")
    @classmethod
    def _no_email(cls, value: Any) -> Any:
        # A phone-only booking's attendee may come with `"email": null`.
        return "" if value is None else value


class Appointment(Wire):
    """An appointment as v4 lists it (`GET /v4/appointment/...`)."""

    id: str
    start: AwareDatetime
    end: AwareDatetime | None = None
    meeting_type_id: str | None = None
    is_cancelled: bool = False
    rescheduled_at: AwareDatetime | None = None
    reschedule_count: int = 0
    attendees: list[AppointmentAttendee] = Field(default_factory=list)

    def attendee_id(self, email: str) -> str | None:
        """The id meetergo gave the attendee with this e-mail address (for a cancel)."""
        wanted = email.casefold()
        found = [a.id for a in self.attendees if a.email.casefold() == wanted and a.id]
        return found[0] if found else None

    def has_attendee(self, email: str) -> bool:
        """True when `email` is one of the attendees (e-mail addresses compare without case)."""
        wanted = email.casefold()
        return any(attendee.email.casefold() == wanted for attendee in self.attendees)

    def has_phone(self, phone: str) -> bool | None:
        """True when `phone` (E.164) is one of the attendees' numbers (spaces, dashes and
        brackets aside); None when an attendee's number is not listed, so it cannot be told."""
        wanted = phone_digits(phone)
        listed = [attendee.phone for attendee in self.attendees]
        if any(phone_digits(number or "") == wanted for number in listed):
            return True
        return None if any(not number for number in listed) else False


def phone_digits(phone: str) -> str:
    """A phone number's digits and "+" (spaces, dashes and brackets left out)."""
    return "".join(c for c in phone if c.isdigit() or c == "+")


class AppointmentPage(Wire):
    appointments: list[Appointment] = Field(default_factory=list)
    total: int = 0


class Spot(Wire):
    start_time: AwareDatetime


class SpotDate(Wire):
    date: str = ""
    spots: list[Spot] = Field(default_factory=list)


class SpotAvailability(Wire):
    """v4 availability: the free windows and, where meetergo lists them, the exact starts."""

    timeframes: list[Timeframe] = Field(default_factory=list)
    dates: list[SpotDate] | None = None

    def starts(self) -> list[datetime] | None:
        """Every listed start, sorted; None when the answer lists none (windows only)."""
        if self.dates is None:
            return None
        return sorted({spot.start_time for day in self.dates for spot in day.spots})


# --- the company's data fields (`GET /v4/data-field`): the questions a form may ask ----------

# Every fieldType meetergo names; a field of another type is kept, with its type as sent.
FIELD_TYPES: Final = (
    "text-single",
    "text-multi",
    "email",
    "phone",
    "number",
    "select",
    "checkbox-single",
    "checkbox-multi",
    "radio",
    "slide",
    "url",
    "file",
    "date",
    "date-of-birth",
    "time",
    "yes-no",
    "rating",
    "scale",
    "signature",
)

OptionValue = str | int | float | bool


class _Tolerant(Wire):
    """A wire shape whose unknown fields are dropped and whose nulls mean "not set"."""

    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="ignore")

    @model_validator(mode="before")
    @classmethod
    def _drop_nulls(cls, data: Any) -> Any:
        if isinstance(data, Mapping):
            return {key: value for key, value in data.items() if value is not None}
        return data


class FieldLocale(_Tolerant):
    """A field's (or an option's) label in one language."""

    locale: str
    label: str


class FieldOption(_Tolerant):
    """One choice of a select, radio, checkbox-multi, rating or scale field."""

    label: str
    value: OptionValue
    locales: list[FieldLocale] = Field(default_factory=list)

    @field_validator("label", mode="before")
    @classmethod
    def _label_text(cls, value: Any) -> Any:
        return str(value) if isinstance(value, int | float) else value


def _number_or_none(value: Any) -> Any:
    """A bound as meetergo may send it: a number, a numeric string, or nothing."""
    if isinstance(value, str):
        try:
            return float(value) if value.strip() else None
        except ValueError:
            return None
    return value


class DataField(_Tolerant):
    """One of the company's data fields, as `GET /v4/data-field` lists them."""

    id: int | str | None = None
    label: str = ""
    name: str = ""
    field_type: str = "text-single"
    required: bool = False
    hidden: bool = False
    placeholder: str | None = None
    default_value: Any = None
    help_text: str | None = None
    min: float | None = None
    max: float | None = None
    default_country_code: str | None = None
    locales: list[FieldLocale] = Field(default_factory=list)
    options: list[FieldOption] = Field(default_factory=list)
    target: str | None = None
    conditions: Any = None

    @field_validator("min", "max", mode="before")
    @classmethod
    def _bound(cls, value: Any) -> Any:
        return _number_or_none(value)

    @field_validator("id", mode="before")
    @classmethod
    def _id_kept(cls, value: Any) -> Any:
        return value if isinstance(value, int | str) and not isinstance(value, bool) else None


class Webhook(Wire):
    """One of the company's webhooks (`/webhooks`): where meetergo posts which events."""

    id: str
    endpoint: str = ""
    event_types: list[str] = Field(default_factory=list)
    description: str | None = None

    @field_validator("id", mode="before")
    @classmethod
    def _id_text(cls, value: Any) -> Any:
        return str(value) if isinstance(value, int) and not isinstance(value, bool) else value
