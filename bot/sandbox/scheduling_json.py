"""The JSON the meetergo sandbox speaks: its error shape, timestamps, bodies and meeting types."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from http import HTTPStatus
from typing import Any

from aiohttp import web

from bot.sandbox.scheduling_model import Booking, Failure, Host, MeetingType
from bot.sandbox.scheduling_validation import FieldError

MALFORMED_BODY = '{"appointmentId": "'


def error_response(status: int, message: str | list[str], **extra: Any) -> web.Response:
    """Build a response in meetergo's error shape."""
    try:
        phrase = HTTPStatus(status).phrase
    except ValueError:
        phrase = "Error"
    body = {"statusCode": status, "message": message, "error": phrase, **extra}
    return web.json_response(body, status=status)


def not_an_object(body: Any) -> web.Response | None:
    """The 400 meetergo answers a body that is not JSON, or not a JSON object; None for an
    object."""
    if body is NOT_JSON:
        return error_response(400, "Body must be valid JSON")
    if not isinstance(body, dict):
        return error_response(400, "Body must be a JSON object")
    return None


def validation_error(errors: list[FieldError]) -> web.Response:
    """Build the 400 answer that lists every validation problem."""
    sentences = [e.sentence() for e in errors]
    details = [{"field": e.field, "message": e.sentence()} for e in errors]
    return error_response(400, sentences, errors=details)


def iso_z(moment: datetime) -> str:
    """Format an aware datetime as UTC with seconds precision and a Z suffix."""
    return moment.astimezone(UTC).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")


class NotJson:
    """Marker for a request body that is present but not JSON."""


NOT_JSON = NotJson()


def parse_json(raw: str) -> tuple[Any, bool]:
    """Parse a body; an empty body counts as JSON null so GETs pass through."""
    if not raw.strip():
        return None, True
    try:
        return json.loads(raw), True
    except ValueError:
        return None, False


def failure_response(failure: Failure) -> web.Response:
    """Answer for an injected status or malformed failure."""
    if failure.kind == "malformed":
        return web.Response(status=200, text=MALFORMED_BODY, content_type="application/json")
    response = error_response(failure.status, HTTPStatus(failure.status).phrase)
    if failure.retry_after is not None:
        # Whole seconds print as an integer, as servers send; fractions only serve fast tests.
        response.headers["Retry-After"] = f"{failure.retry_after:g}"
    return response


def attendee_id(booking: Booking) -> str:
    """The id meetergo gives a booking's one attendee."""
    return f"attendee-{booking.appointment_id[:8]}"


def localised(text: str, by_language: dict[str, str]) -> str | dict[str, str]:
    """A meetergo text: the plain string, or an object keyed by language code when the type
    has texts in other languages too (English is the plain one)."""
    return {"en": text, **by_language} if by_language else text


def meeting_type_json(meeting_type: MeetingType) -> dict[str, Any]:
    """Serialise a meeting type, with extra fields clients have to tolerate."""
    return {
        "id": meeting_type.id,
        "slug": meeting_type.slug,
        "queueId": meeting_type.queue_id,
        "userId": meeting_type.user_id,
        "spots": meeting_type.spots,
        "enabled": meeting_type.enabled,
        "locations": list(meeting_type.locations),
        "meetingInfo": {
            "name": localised(meeting_type.name, meeting_type.names),
            "duration": meeting_type.duration,
            "channel": meeting_type.channel,
            "bufferBefore": meeting_type.buffer_before,
            "bufferAfter": meeting_type.buffer_after,
            "description": meeting_type.description,
        },
        "meetingOptions": _options_json(meeting_type),
        "createdAt": "2025-01-15T10:00:00.000Z",
    }


def _options_json(meeting_type: MeetingType) -> dict[str, Any]:
    """A meeting type's meetingOptions: what a booking may choose and how it is confirmed."""
    channels = meeting_type.channels()
    return {
        "allowedDurations": list(meeting_type.allowed_durations),
        "allowPhoneOnlyBooking": meeting_type.allow_phone_only_booking,
        "allowedChannels": channels,
        "allowSelectChannel": len(channels) > 1,
        "allowHostSelection": meeting_type.hosts_selectable(),
        "forceHostSelection": meeting_type.force_host_selection,
        "allowAddingGuests": meeting_type.allow_adding_guests,
        "doubleOptIn": meeting_type.needs_confirmation("doubleOptIn"),
        "requireHostConfirmation": meeting_type.needs_confirmation("requireHostConfirmation"),
        "timeslotInterval": meeting_type.slot_interval or meeting_type.duration,
        "bookingMinimum": meeting_type.minimum_notice_minutes,
        "daysIntoFuture": {
            "mode": "rolling",
            "bookingLimit": meeting_type.horizon_days,
            "countMode": "calendar",
        },
    }


def user_json(host: Host) -> dict[str, Any]:
    """A host as meetergo serialises a user: the name split at its first space."""
    given, _, family = host.name.partition(" ")
    return {
        "id": host.id,
        "givenName": given,
        "familyName": family,
        "fullName": host.name,
        "slug": re.sub(r"[^a-z0-9]+", "-", host.name.lower()).strip("-"),
        "picture": None,
    }


def queue_json(
    queue_id: str, meeting_types: Iterable[MeetingType], hosts: Mapping[str, Host]
) -> dict[str, Any] | None:
    """`GET /v4/queue/{id}`: the queue's name (its first type's) and its hosts in team order,
    each once; None when no meeting type has that queue."""
    types = [t for t in meeting_types if t.queue_id == queue_id]
    if not types:
        return None
    members = dict.fromkeys(host_id for t in types for host_id in t.team())
    return {
        "id": queue_id,
        "name": types[0].name,
        "users": [user_json(hosts[host_id]) for host_id in members],
    }
