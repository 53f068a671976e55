"""The meetergo sandbox's endpoints: meeting types, availability, bookings and appointments.

Each handler takes the request, the path's match and the parsed body, and answers from the
appointment book the way meetergo documents; routing, auth and injected failures come first
(bot/sandbox/scheduling.py).
"""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from http import HTTPStatus
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from aiohttp import web

from bot.sandbox.scheduling_book import SchedulingBook
from bot.sandbox.scheduling_calendar import utc
from bot.sandbox.scheduling_fields import DataField
from bot.sandbox.scheduling_json import (
    NOT_JSON,
    attendee_id,
    error_response,
    iso_z,
    meeting_type_json,
    not_an_object,
    queue_json,
    validation_error,
)
from bot.sandbox.scheduling_model import Booking, Host, MeetingType
from bot.sandbox.scheduling_validation import (
    AvailabilityQuery,
    FieldError,
    parse_availability_query,
    parse_datetime,
    split_host_ids,
    validate_booking,
)

INACTIVE = "This meeting type is not active"

Handler = Callable[[web.Request, "re.Match[str]", Any], Awaitable[web.Response]]


class SchedulingEndpoints(SchedulingBook):
    """The appointment book answering meetergo's booking-recipe endpoints."""

    def __init__(
        self,
        *,
        hosts: list[Host] | None = None,
        meeting_types: list[MeetingType] | None = None,
        clock: Callable[[], datetime] | None = None,
        data_fields: list[DataField] | None = None,
    ) -> None:
        """Set up the book, the answers' default shapes and the route table."""
        super().__init__(
            hosts=hosts, meeting_types=meeting_types, clock=clock, data_fields=data_fields
        )
        # How many upcoming booking requests lose their start to a rival customer first.
        self.rivals_waiting = 0
        # How a taken start is refused: status, message (a list when several), errorCode too.
        self.taken_answer: tuple[int, str | list[str], bool] = (
            400,
            "The selected slot is no longer available",
            True,
        )
        # Whether a pending booking's answer names its provisionalBookingId beside bookingType.
        self.pending_names_id = True
        # Whether a reschedule answers {"appointment": {...}} (true) or the appointment itself.
        self.reschedule_nests = True
        self._lock = asyncio.Lock()
        self._routes: list[tuple[re.Pattern[str], str, Handler]] = [
            # Full matches: the list (no id) and one type (an id after the slash) never meet.
            (re.compile(r"/v4/meeting-type"), "GET", self._meeting_type_list),
            (re.compile(r"/(?:v4/)?meeting-type/(?P<id>[^/]+)"), "GET", self._meeting_type),
            (re.compile(r"/v4/queue/(?P<id>[^/]+)"), "GET", self._queue),
            (re.compile(r"/booking-availability/v2"), "GET", self._availability),
            (re.compile(r"/v4/booking-availability"), "GET", self._spots),
            (re.compile(r"/(?:v4/)?booking"), "POST", self._booking),
            (re.compile(r"/v4/appointment/paginated"), "GET", self._appointment_page),
            (re.compile(r"/v4/appointment/(?P<id>[^/]+)/cancel"), "POST", self._cancel),
            (re.compile(r"/v4/appointment/(?P<id>[^/]+)/reschedule"), "POST", self._reschedule),
            (re.compile(r"/v4/appointment/(?P<id>[^/]+)"), "GET", self._appointment),
            (re.compile(r"/v4/data-field"), "GET", self._data_fields),
        ]

    # ----- endpoints -------------------------------------------------------------------------

    async def _meeting_type(
        self, request: web.Request, found: re.Match[str], _: Any
    ) -> web.Response:
        """GET /meeting-type/{id}."""
        meeting_type = self.meeting_types.get(found["id"])
        if meeting_type is None:
            return error_response(404, "Meeting type not found")
        return web.json_response(meeting_type_json(meeting_type))

    async def _meeting_type_list(
        self, request: web.Request, _: re.Match[str], __: Any
    ) -> web.Response:
        """GET /v4/meeting-type: every meeting type, a bare array (inactive ones too)."""
        return web.json_response([meeting_type_json(t) for t in self.meeting_types.values()])

    async def _queue(self, request: web.Request, found: re.Match[str], _: Any) -> web.Response:
        """GET /v4/queue/{id}: the round-robin queue and its hosts as users."""
        queue = queue_json(found["id"], self.meeting_types.values(), self.hosts)
        if queue is None:
            return error_response(404, "Queue not found")
        return web.json_response(queue)

    def _availability_asked(
        self, request: web.Request
    ) -> tuple[AvailabilityQuery, MeetingType, list[str]] | web.Response:
        """What an availability request asks for (both versions), or why it is refused."""
        host_ids = split_host_ids(request.query.getall("hostIds", []))
        if not request.query.get("queueId") and not host_ids:
            return error_response(400, "Expected hostIds or queueId")
        query = parse_availability_query(request.query, host_ids)
        if isinstance(query, list):
            return validation_error(query)
        meeting_type = self.meeting_types.get(query.meeting_type_id)
        if meeting_type is None:
            return error_response(404, "Meeting type not found")
        if not meeting_type.enabled:
            return error_response(400, INACTIVE)
        hosts = _availability_hosts(meeting_type, query)
        if isinstance(hosts, web.Response):
            return hosts
        return query, meeting_type, hosts

    async def _availability(self, request: web.Request, _: re.Match[str], __: Any) -> web.Response:
        """GET /booking-availability/v2."""
        asked = self._availability_asked(request)
        if isinstance(asked, web.Response):
            return asked
        query, meeting_type, hosts = asked
        windows = self.free_windows(meeting_type.id, query.start, query.end, hosts)
        frames = [{"start": iso_z(s), "end": iso_z(e)} for s, e in windows]
        return web.json_response({"timezone": "utc", "timeframes": frames})

    async def _booking(self, request: web.Request, _: re.Match[str], body: Any) -> web.Response:
        """POST /booking."""
        refused = not_an_object(body)
        if refused is not None:
            return refused
        type_id = body.get("meetingTypeId")
        meeting_type = self.meeting_types.get(type_id) if isinstance(type_id, str) else None
        try:
            questions = [] if meeting_type is None else self.questions_of(meeting_type)
        except LookupError as error:  # a test's meeting type asks a field the company lacks
            return error_response(500, str(error))
        if meeting_type is not None and not meeting_type.enabled:
            # The body's own shape is checked first; the type's rules never come into it.
            errors = validate_booking(body, None)
            return validation_error(errors) if errors else error_response(400, INACTIVE)
        errors = validate_booking(body, meeting_type, questions)
        if errors:
            return validation_error(errors)
        if meeting_type is None:
            return error_response(404, "Meeting type not found")
        return await self._book(meeting_type, body)

    async def _book(self, meeting_type: MeetingType, body: dict[str, Any]) -> web.Response:
        """Pick a host and store the booking, atomically against concurrent requests."""
        start = parse_datetime(body["start"])
        if start is None:  # unreachable after validate_booking; keeps the type narrow
            return error_response(400, "start must be a valid ISO 8601 date string")
        duration = body.get("duration") or meeting_type.duration
        hosts = body.get("hostIds") or meeting_type.team()
        async with self._lock:
            if self.rivals_waiting > 0:
                # Another customer books this very start a moment earlier.
                self.rivals_waiting -= 1
                self.take(meeting_type.id, start, duration=duration)
            # v4 availability lists exact starts, and meetergo refuses any other.
            listed = [h for h in hosts if self._listed(meeting_type, h, start, duration)]
            host_id = self._pick_host(meeting_type, listed, start, duration)
            if host_id is None:
                return self._slot_taken()
            booking = self.add_booking(
                meeting_type.id, host_id, start, duration=duration, attendee=body["attendee"]
            )
            booking.body = body
            booking.pending = meeting_type.booking_type is not None
        if booking.pending:
            pending: dict[str, Any] = {"bookingType": meeting_type.booking_type}
            if self.pending_names_id:
                pending["provisionalBookingId"] = booking.appointment_id
            return web.json_response(pending, status=201)
        self._booked(booking)  # a pending booking is no appointment yet: no event
        answer = {"appointmentId": booking.appointment_id, "secret": booking.secret}
        return web.json_response(answer, status=201)

    def _booked(self, booking: Booking) -> None:
        """A booking was made through the API (not a pending one); the webhooks hear of it
        (scheduling_hooks.py). Here: nothing, so the book can be used without them."""

    def _slot_taken(self) -> web.Response:
        """Refuse a start that is no longer free, in the shape `taken_answer` says."""
        status, message, with_code = self.taken_answer
        extra = {"errorCode": "slot-occupied"} if with_code else {}
        reason = HTTPStatus(status).phrase
        return web.json_response(
            {"statusCode": status, "message": message, "error": reason, **extra}, status=status
        )

    async def _data_fields(self, request: web.Request, _: re.Match[str], __: Any) -> web.Response:
        """GET /v4/data-field: the company's data fields, a bare array, `limit` (default 50)
        from `offset` (default 0)."""
        errors: list[FieldError] = []
        numbers: dict[str, int] = {}
        for name, default, least in (("limit", 50, 1), ("offset", 0, 0)):
            text = request.query.get(name, str(default))
            if not text.isdigit() or int(text) < least:
                errors.append(FieldError(name, f"must be an integer not less than {least}"))
            else:
                numbers[name] = int(text)
        if errors:
            return validation_error(errors)
        low = numbers["offset"]
        shown = self.data_fields[low : low + numbers["limit"]]
        return web.json_response([data_field.to_json() for data_field in shown])

    # ----- v4: exact starts and appointments -------------------------------------------------

    async def _spots(self, request: web.Request, _: re.Match[str], __: Any) -> web.Response:
        """GET /v4/booking-availability: windows plus dates[].spots[] (exact starts)."""
        if "from" in request.query or "to" in request.query:
            return validation_error([FieldError("start", "use start and end, not from and to")])
        asked = self._availability_asked(request)
        if isinstance(asked, web.Response):
            return asked
        query, meeting_type, hosts = asked
        raw_minutes = request.query.get("meetingDuration")
        minutes = meeting_type.duration
        if raw_minutes is not None:
            if not raw_minutes.isdigit() or int(raw_minutes) not in meeting_type.durations():
                message = "meetingDuration must be the default or an allowed duration"
                return validation_error([FieldError("meetingDuration", message)])
            minutes = int(raw_minutes)
        try:
            zone = ZoneInfo(request.query.get("timezone") or "UTC")
        except (ZoneInfoNotFoundError, ValueError):
            return validation_error([FieldError("timezone", "must be a valid IANA time zone")])
        moving = request.query.get("existingAppointmentId") or None
        if moving is not None:
            appointment = self._find(moving)
            if appointment is None:
                return error_response(404, "Appointment not found")
            # A move keeps the appointment's host, and its reschedule takes only that host's
            # starts: those are the ones listed.
            hosts = [appointment.host_id]
        windows = self.free_windows(meeting_type.id, query.start, query.end, hosts, moving)
        by_date: dict[str, list[dict[str, Any]]] = {}
        for moment in self.spots(meeting_type.id, query.start, query.end, minutes, hosts, moving):
            spot: dict[str, Any] = {
                "startTime": iso_z(moment),
                "unavailabilityEvents": [],
                "appointment": None,
            }
            by_date.setdefault(moment.astimezone(zone).date().isoformat(), []).append(spot)
        return web.json_response(
            {
                "timezone": zone.key,
                "timeframes": [{"start": iso_z(a), "end": iso_z(b)} for a, b in windows],
                "dates": [{"date": d, "spots": spots} for d, spots in by_date.items()],
            }
        )

    async def _appointment(
        self, request: web.Request, found: re.Match[str], _: Any
    ) -> web.Response:
        """GET /v4/appointment/{id}."""
        booking = self._find(found["id"])
        if booking is None:
            return error_response(404, "Appointment not found")
        return web.json_response(self._appointment_json(booking))

    async def _cancel(self, request: web.Request, found: re.Match[str], body: Any) -> web.Response:
        """POST /v4/appointment/{id}/cancel: reason (at most 500), attendeeId or cancelAll."""
        booking = self._find(found["id"])
        if booking is None:
            return error_response(404, "Appointment not found")
        if body is NOT_JSON or not isinstance(body, dict | None):
            return error_response(400, "Body must be a JSON object")
        data = body or {}
        errors: list[FieldError] = []
        reason = data.get("reason")
        if reason is not None and (not isinstance(reason, str) or len(reason) > 500):
            errors.append(FieldError("reason", "reason must be a string of at most 500 characters"))
        attendee = data.get("attendeeId")
        if attendee is not None and attendee != attendee_id(booking):
            errors.append(FieldError("attendeeId", "attendeeId is not an attendee of it"))
        meeting_type = self.meeting_types.get(booking.meeting_type_id)
        group = meeting_type is not None and meeting_type.spots > 1
        if group and attendee is None and data.get("cancelAll") is not True:
            errors.append(FieldError("attendeeId", "attendeeId or cancelAll is required"))
        if errors:
            return validation_error(errors)
        if booking.cancelled:
            return error_response(400, "Appointment is already cancelled")
        booking.cancelled = True
        booking.cancel = {
            "actionAt": iso_z(datetime.now(UTC)),
            "actionSource": "attendee" if attendee else "api",
            "reason": reason,
        }
        return web.json_response(self._appointment_json(booking), status=201)

    async def _reschedule(
        self, request: web.Request, found: re.Match[str], body: Any
    ) -> web.Response:
        """POST /v4/appointment/{id}/reschedule: a new start (the length stays)."""
        booking = self._find(found["id"])
        if booking is None:
            return error_response(404, "Appointment not found")
        if not isinstance(body, dict):
            return error_response(400, "Body must be a JSON object")
        start = parse_datetime(body.get("start"))
        if start is None:
            return validation_error([FieldError("start", "start must be a valid ISO 8601 date")])
        if booking.cancelled:
            return error_response(400, "A cancelled appointment cannot be rescheduled")
        meeting_type = self.meeting_types[booking.meeting_type_id]
        minutes = int((booking.end - booking.start).total_seconds() // 60)
        async with self._lock:
            listed = self._listed(
                meeting_type, booking.host_id, utc(start), minutes, booking.appointment_id
            )
            if not listed and body.get("ignoreAvailability") is not True:
                return self._slot_taken()
            booking.start = utc(start)
            booking.end = booking.start + timedelta(minutes=minutes)
            booking.rescheduled_at = datetime.now(UTC)
            booking.reschedule_count += 1
        appointment = self._appointment_json(booking)
        return web.json_response(
            {"appointment": appointment} if self.reschedule_nests else appointment, status=201
        )

    async def _appointment_page(
        self, request: web.Request, _: re.Match[str], __: Any
    ) -> web.Response:
        """GET /v4/appointment/paginated: page (0-based) and pageSize (1-100) are required."""
        query = request.query
        errors: list[FieldError] = []
        page_text, size_text = query.get("page", ""), query.get("pageSize", "")
        if not page_text.isdigit():
            errors.append(FieldError("page", "page must be an integer of at least 0"))
        if not size_text.isdigit() or not 1 <= int(size_text) <= 100:
            errors.append(FieldError("pageSize", "pageSize must be an integer from 1 to 100"))
        low = parse_datetime(query.get("start")) if "start" in query else None
        high = parse_datetime(query.get("end")) if "end" in query else None
        for name, value in (("start", low), ("end", high)):
            if name in query and value is None:
                errors.append(FieldError(name, "must be a valid ISO 8601 date string"))
        sort_by = query.get("sortBy", "appointment.start")
        direction = query.get("sortDirection", "ASC")
        if sort_by not in ("appointment.start", "appointment.createdAt"):
            errors.append(
                FieldError("sortBy", "must be appointment.start or appointment.createdAt")
            )
        if direction not in ("ASC", "DESC"):
            errors.append(FieldError("sortDirection", "must be ASC or DESC"))
        if errors:
            return validation_error(errors)
        search = query.get("search", "").casefold()
        type_id = query.get("meetingTypeId")
        chosen = [
            b
            for b in self.bookings
            if b.body
            and not b.pending
            and (low is None or b.start >= utc(low))
            and (high is None or b.start <= utc(high))
            and (type_id is None or b.meeting_type_id == type_id)
            and (not search or search in json.dumps(b.attendee, ensure_ascii=False).casefold())
        ]
        key = (
            (lambda b: b.start)
            if sort_by == "appointment.start"
            else (lambda b: b.created_at or b.start)
        )
        chosen.sort(key=key, reverse=direction == "DESC")
        size, page = int(size_text), int(page_text)
        shown = chosen[page * size : (page + 1) * size]
        return web.json_response(
            {"appointments": [self._appointment_json(b) for b in shown], "total": len(chosen)}
        )

    def _appointment_json(self, booking: Booking) -> dict[str, Any]:
        """Serialise a booking as meetergo's v4 appointment, with its attendee and host."""
        attendee = booking.attendee
        return {
            "id": booking.appointment_id,
            "start": iso_z(booking.start),
            "end": iso_z(booking.end),
            "meetingTypeId": booking.meeting_type_id,
            "isCancelled": booking.cancelled,
            "cancel": booking.cancel,
            "rescheduledAt": iso_z(booking.rescheduled_at) if booking.rescheduled_at else None,
            "rescheduleCount": booking.reschedule_count,
            "attendees": [
                {
                    "id": attendee_id(booking),
                    "email": attendee.get("email", ""),
                    "firstname": attendee.get("firstname"),
                    "lastname": attendee.get("lastname"),
                    "fullname": attendee.get("fullname"),
                    "phone": attendee.get("phone"),
                    "timezone": attendee.get("timezone"),
                }
            ],
            "hosts": [{"id": booking.host_id, "name": self.hosts[booking.host_id].name}],
        }


def _availability_hosts(
    meeting_type: MeetingType, query: AvailabilityQuery
) -> list[str] | web.Response:
    """Hosts an availability query covers, or a 400 when it names foreign ones or both a
    queue and hosts."""
    if query.queue_id is not None and query.host_ids:
        # As in a booking: the queue ("whoever is free first") or chosen hosts, not both.
        return validation_error([FieldError("queueId", "and hostIds cannot be combined")])
    if query.queue_id is not None and query.queue_id != meeting_type.queue_id:
        return error_response(400, "queueId does not belong to this meeting type")
    if not query.host_ids:
        return meeting_type.team()
    if not set(query.host_ids) <= set(meeting_type.team()):
        return error_response(400, "hostIds must only name hosts of this meeting type")
    return list(dict.fromkeys(query.host_ids))
