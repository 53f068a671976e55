"""Request validation for the sandbox, mirroring the rules meetergo documents for bookings."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any, TypeGuard
from zoneinfo import available_timezones

from email_validator import EmailNotValidError, validate_email

from bot.sandbox.scheduling_fields import DataField
from bot.sandbox.scheduling_model import MeetingType

LANGUAGES: tuple[str, ...] = ("en", "de", "fr", "es", "no", "nl", "it", "pl", "sv", "tr", "da")
MAX_ICS_TITLE = 200
MAX_ICS_DESCRIPTION = 2000
MAX_BRINGALONG = 5

EMPTY = "should not be empty"
NOT_STRING = "must be a string"
NOT_BOOLEAN = "must be a boolean value"
NOT_OBJECT = "must be an object"
NOT_EMAIL = "must be an email"
NOT_DATE = "must be a valid ISO 8601 date string"
NO_OFFSET = "must include a UTC offset (e.g. Z or +01:00)"
HOST_SELECTION_OFF = "host selection is not allowed for this meeting type"
HOST_NOT_CHOSEN = "a host must be chosen for this meeting type"
GUESTS_OFF = "guests are not allowed for this meeting type"


@dataclass(frozen=True)
class FieldError:
    """One validation problem, reported against a dotted field path."""

    field: str
    message: str
    # The message is a sentence of its own: a rule of the meeting type, said in the service's
    # words rather than class-validator's "<field> <problem>".
    whole: bool = False

    def sentence(self) -> str:
        """Render as the sentence used in `message`: class-validator style unless whole."""
        return self.message if self.whole else f"{self.field} {self.message}"


@dataclass(frozen=True)
class AvailabilityQuery:
    """A validated availability query."""

    meeting_type_id: str
    start: datetime
    end: datetime
    queue_id: str | None
    host_ids: list[str]


def parse_datetime(value: object) -> datetime | None:
    """Parse an ISO 8601 date-time that carries an offset, to UTC; None when it does not."""
    if not isinstance(value, str) or "T" not in value:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    if parsed.tzinfo is None or parsed.utcoffset() is None:
        return None
    return parsed.astimezone(UTC)


def _datetime_error(name: str, value: object) -> FieldError | None:
    if value is None or value == "":
        return FieldError(name, EMPTY)
    if parse_datetime(value) is not None:
        return None
    try:
        naive_ok = (
            isinstance(value, str) and "T" in value and datetime.fromisoformat(value).tzinfo is None
        )
    except ValueError:
        naive_ok = False
    # A date-time without offset is ambiguous; refusing it keeps clients honest about zones.
    return FieldError(name, NO_OFFSET if naive_ok else NOT_DATE)


def is_email(value: object) -> bool:
    """Tell whether a value is a syntactically valid email address."""
    if not isinstance(value, str):
        return False
    try:
        validate_email(value, check_deliverability=False)
    except EmailNotValidError:
        return False
    return True


@lru_cache(maxsize=1)
def _zones() -> frozenset[str]:
    return frozenset(available_timezones())


def is_timezone(value: object) -> bool:
    """Tell whether a value names a known IANA time zone."""
    return isinstance(value, str) and value in _zones()


def split_host_ids(values: list[str]) -> list[str]:
    """Flatten repeated and comma-separated hostIds query values."""
    return [part.strip() for value in values for part in value.split(",") if part.strip()]


def parse_availability_query(
    params: Mapping[str, str], host_ids: list[str]
) -> AvailabilityQuery | list[FieldError]:
    """Validate availability query fields; return the query or every problem found."""
    errors: list[FieldError] = []
    meeting_type_id = params.get("meetingTypeId", "")
    if not meeting_type_id:
        errors.append(FieldError("meetingTypeId", EMPTY))
    for name in ("start", "end"):
        problem = _datetime_error(name, params.get(name))
        if problem:
            errors.append(problem)
    start = parse_datetime(params.get("start"))
    end = parse_datetime(params.get("end"))
    if start is not None and end is not None and end <= start:
        errors.append(FieldError("end", "must be after start"))
    if errors or start is None or end is None:
        return errors
    queue_id = params.get("queueId") or None
    return AvailabilityQuery(meeting_type_id, start, end, queue_id, host_ids)


def _given(data: Mapping[str, Any], key: str) -> bool:
    # Like class-validator's IsOptional: null counts as absent.
    return data.get(key) is not None


def _check_optional(
    data: Mapping[str, Any],
    key: str,
    prefix: str,
    test: Callable[[Any], bool],
    message: str,
) -> list[FieldError]:
    if _given(data, key) and not test(data[key]):
        return [FieldError(prefix + key, message)]
    return []


def _check_text(data: Mapping[str, Any], key: str, limit: int) -> list[FieldError]:
    if not _given(data, key):
        return []
    value = data[key]
    if not isinstance(value, str):
        return [FieldError(key, NOT_STRING)]
    if len(value) > limit:
        return [FieldError(key, f"must be shorter than or equal to {limit} characters")]
    return []


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_str_list(value: object) -> TypeGuard[list[str]]:
    return isinstance(value, list) and all(isinstance(v, str) for v in value)


def _check_top_level(body: Mapping[str, Any]) -> list[FieldError]:
    errors: list[FieldError] = []
    type_id = body.get("meetingTypeId")
    if not _given(body, "meetingTypeId") or type_id == "":
        errors.append(FieldError("meetingTypeId", EMPTY))
    elif not isinstance(type_id, str):
        errors.append(FieldError("meetingTypeId", NOT_STRING))
    start_problem = _datetime_error("start", body.get("start"))
    if start_problem:
        errors.append(start_problem)
    errors += _check_optional(body, "queueId", "", lambda v: isinstance(v, str), NOT_STRING)
    errors += _check_optional(body, "hostIds", "", _is_str_list, "must be an array of strings")
    errors += _check_optional(
        body, "duration", "", lambda v: _is_int(v) and v > 0, "must be a positive integer"
    )
    errors += _check_optional(body, "channel", "", lambda v: isinstance(v, str), NOT_STRING)
    errors += _check_optional(body, "locationId", "", lambda v: isinstance(v, str), NOT_STRING)
    errors += _check_optional(body, "location", "", lambda v: isinstance(v, str), NOT_STRING)
    for flag in ("skipNotifications", "phoneOnlyBooking"):
        errors += _check_optional(body, flag, "", lambda v: isinstance(v, bool), NOT_BOOLEAN)
    errors += _check_text(body, "icsTitle", MAX_ICS_TITLE)
    errors += _check_text(body, "icsDescription", MAX_ICS_DESCRIPTION)
    return errors


def _check_name(attendee: Mapping[str, Any]) -> list[FieldError]:
    for key in ("fullname", "firstname", "lastname"):
        if _given(attendee, key) and not isinstance(attendee[key], str):
            return [FieldError(f"attendee.{key}", NOT_STRING)]
    if attendee.get("fullname"):
        return []
    first, last = attendee.get("firstname"), attendee.get("lastname")
    if not first and not last:
        return [FieldError("attendee.fullname", "or firstname and lastname should not be empty")]
    missing = "attendee.lastname" if first else "attendee.firstname"
    return [] if first and last else [FieldError(missing, EMPTY)]


def _check_email(attendee: Mapping[str, Any], phone_only: bool) -> list[FieldError]:
    # A phone-only booking needs the phone instead (a given e-mail must still be one).
    if phone_only and not str(attendee.get("phone") or "").strip():
        return [FieldError("attendee.phone", EMPTY)]
    if not attendee.get("email"):
        return [] if phone_only else [FieldError("attendee.email", EMPTY)]
    return [] if is_email(attendee["email"]) else [FieldError("attendee.email", NOT_EMAIL)]


def _check_bringalong(attendee: Mapping[str, Any]) -> list[FieldError]:
    if not _given(attendee, "bringalongEmails"):
        return []
    emails = attendee["bringalongEmails"]
    name = "attendee.bringalongEmails"
    if not isinstance(emails, list):
        return [FieldError(name, "must be an array")]
    errors: list[FieldError] = []
    if len(emails) > MAX_BRINGALONG:
        errors.append(FieldError(name, f"must contain no more than {MAX_BRINGALONG} elements"))
    errors += [
        FieldError(f"{name}.{i}", NOT_EMAIL) for i, e in enumerate(emails) if not is_email(e)
    ]
    return errors


def _check_attendee(attendee: object, phone_only: bool) -> list[FieldError]:
    if attendee is None:
        return [FieldError("attendee", EMPTY)]
    if not isinstance(attendee, dict):
        return [FieldError("attendee", NOT_OBJECT)]
    errors = _check_email(attendee, phone_only) + _check_name(attendee)
    if not isinstance(attendee.get("receiveReminders"), bool):
        errors.append(FieldError("attendee.receiveReminders", NOT_BOOLEAN))
    if not isinstance(attendee.get("notes"), dict):
        errors.append(FieldError("attendee.notes", NOT_OBJECT))
    languages = f"must be one of the following values: {', '.join(LANGUAGES)}"
    p = "attendee."
    errors += _check_optional(attendee, "language", p, lambda v: v in LANGUAGES, languages)
    errors += _check_optional(
        attendee, "timezone", p, is_timezone, "must be a valid IANA time zone"
    )
    errors += _check_optional(attendee, "phone", p, lambda v: isinstance(v, str), NOT_STRING)
    errors += _check_optional(
        attendee, "dataPolicyAccepted", p, lambda v: isinstance(v, bool), NOT_BOOLEAN
    )
    return errors + _check_bringalong(attendee)


def _check_against_type(body: Mapping[str, Any], meeting_type: MeetingType) -> list[FieldError]:
    errors = _check_hosts(body, meeting_type)
    duration = body.get("duration")
    allowed = meeting_type.durations()
    if _is_int(duration) and duration not in allowed:
        values = ", ".join(str(d) for d in sorted(allowed))
        errors.append(FieldError("duration", f"must be one of the following values: {values}"))
    if body.get("phoneOnlyBooking") is True and not meeting_type.allow_phone_only_booking:
        errors.append(FieldError("phoneOnlyBooking", "is not allowed for this meeting type"))
    return errors + _check_place(body, meeting_type) + _check_guests(body, meeting_type)


def _check_hosts(body: Mapping[str, Any], meeting_type: MeetingType) -> list[FieldError]:
    """Who takes the meeting: a queue type's own queue ("whoever is free first") or, where the
    attendee may pick, hostIds of its team and no queueId; a single-host type has no queue."""
    errors: list[FieldError] = []
    queue_id, host_ids = body.get("queueId"), body.get("hostIds")
    chosen = _is_str_list(host_ids) and bool(host_ids)
    if queue_id and chosen:
        errors.append(FieldError("queueId", "and hostIds cannot be combined"))
    if meeting_type.queue_id is None:
        if _given(body, "queueId"):
            errors.append(FieldError("queueId", "should not be set: the meeting type has no queue"))
    elif chosen:
        if not meeting_type.hosts_selectable():
            errors.append(FieldError("hostIds", HOST_SELECTION_OFF, whole=True))
    elif meeting_type.force_host_selection:
        errors.append(FieldError("hostIds", HOST_NOT_CHOSEN, whole=True))
    elif not queue_id:
        errors.append(FieldError("queueId", EMPTY))
    elif queue_id != meeting_type.queue_id:
        errors.append(FieldError("queueId", "does not belong to this meeting type"))
    if _is_str_list(host_ids) and not set(host_ids) <= set(meeting_type.team()):
        errors.append(FieldError("hostIds", "must only name hosts of this meeting type"))
    return errors


def _check_place(body: Mapping[str, Any], meeting_type: MeetingType) -> list[FieldError]:
    """Where the meeting takes place: an allowed channel, one of the type's addresses (which
    the attendee must choose for a meeting in person among several), or the attendee's own
    address in the notes for one at the attendee's."""
    errors: list[FieldError] = []
    channel = body.get("channel")
    if isinstance(channel, str) and channel not in {
        meeting_type.channel,
        *meeting_type.allowed_channels,
    }:
        errors.append(FieldError("channel", "is not allowed for this meeting type"))
    # No channel in the booking: the meeting happens on the type's default one.
    effective = channel if isinstance(channel, str) else meeting_type.channel
    location = body.get("location")
    if isinstance(location, str) and location not in meeting_type.locations:
        errors.append(FieldError("location", "must be one of this meeting type's locations"))
    if effective == "local" and len(meeting_type.locations) > 1 and not _given(body, "location"):
        errors.append(FieldError("location", EMPTY))
    attendee = body.get("attendee")
    notes = attendee.get("notes") if isinstance(attendee, dict) else None
    if effective == "local-attendee" and isinstance(notes, dict):  # else refused as a whole
        address = notes.get("address")
        if address is not None and not isinstance(address, str):
            errors.append(FieldError("attendee.notes.address", NOT_STRING))
        elif not (address or "").strip():
            errors.append(FieldError("attendee.notes.address", EMPTY))
    return errors


def _check_guests(body: Mapping[str, Any], meeting_type: MeetingType) -> list[FieldError]:
    """Guests (attendee.bringalongEmails) only where the type offers them."""
    attendee = body.get("attendee")
    guests = attendee.get("bringalongEmails") if isinstance(attendee, dict) else None
    if isinstance(guests, list) and guests and not meeting_type.allow_adding_guests:
        return [FieldError("attendee.bringalongEmails", GUESTS_OFF, whole=True)]
    return []


def _check_answers(attendee: object, questions: Sequence[DataField]) -> list[FieldError]:
    """Every required question answered, in the notes by its label or name (or, for a field
    that targets the attendee's phone or e-mail, there)."""
    if not isinstance(attendee, dict) or not isinstance(attendee.get("notes"), dict):
        return []  # already refused as a whole
    return [
        FieldError(f"attendee.notes.{question.label}", EMPTY)
        for question in questions
        if question.required and not question.answered(attendee)
    ]


def validate_booking(
    body: Mapping[str, Any],
    meeting_type: MeetingType | None,
    questions: Sequence[DataField] = (),
) -> list[FieldError]:
    """Return every problem in a booking body; type rules apply when the type is known, and
    `questions`, the data fields it asks, must have their required ones answered."""
    phone_only = body.get("phoneOnlyBooking") is True
    attendee = body.get("attendee")
    errors = _check_top_level(body) + _check_attendee(attendee, phone_only)
    if meeting_type is not None:
        errors += _check_against_type(body, meeting_type)
    return errors + _check_answers(attendee, questions)
