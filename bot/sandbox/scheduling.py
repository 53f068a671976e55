"""An offline meetergo stand-in: a loopback HTTP server for the three booking-recipe endpoints.

Every answer follows from the request and the server's state (hosts, meeting types, bookings,
clock), using only the behaviour meetergo documents. Tests and the `bot sandbox` command use it.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import re
import secrets
import signal
import uuid
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime, time, timedelta
from http import HTTPStatus
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from aiohttp import web

from bot.sandbox.scheduling_calendar import (
    Interval,
    contains,
    merge,
    subtract,
    working_intervals,
)
from bot.sandbox.scheduling_defaults import default_hosts, default_meeting_types
from bot.sandbox.scheduling_model import (
    AFTER_WORK,
    FAILURE_KINDS,
    Booking,
    Failure,
    FailureKind,
    Host,
    MeetingType,
    RecordedCall,
)
from bot.sandbox.scheduling_validation import (
    AvailabilityQuery,
    FieldError,
    parse_availability_query,
    parse_datetime,
    split_host_ids,
    validate_booking,
)

__all__ = [
    "DEFAULT_CREDENTIAL",
    "Booking",
    "Failure",
    "Host",
    "MeetingType",
    "RecordedCall",
    "SandboxScheduling",
    "main_standalone",
    "run_standalone",
]

DEFAULT_CREDENTIAL = "rgo-sandbox-local-token"
USER_HEADER = "x-meetergo-api-user-id"
REDACTED = "<redacted>"
# Longer than any sane client timeout; stop() wakes held requests early.
HOLD_SECONDS = 60.0  # longer than the client's 30 s booking timeout, so the client gives up first
MALFORMED_BODY = '{"appointmentId": "'

Handler = Callable[[web.Request, "re.Match[str]", Any], Awaitable[web.Response]]


def _error(status: int, message: str | list[str], **extra: Any) -> web.Response:
    """Build a response in meetergo's error shape."""
    try:
        phrase = HTTPStatus(status).phrase
    except ValueError:
        phrase = "Error"
    body = {"statusCode": status, "message": message, "error": phrase, **extra}
    return web.json_response(body, status=status)


def _validation_error(errors: list[FieldError]) -> web.Response:
    """Build the 400 answer that lists every validation problem."""
    sentences = [e.sentence() for e in errors]
    details = [{"field": e.field, "message": e.sentence()} for e in errors]
    return _error(400, sentences, errors=details)


def _iso_z(moment: datetime) -> str:
    """Format an aware datetime as UTC with seconds precision and a Z suffix."""
    return moment.astimezone(UTC).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")


def _utc(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        raise ValueError("datetimes given to the sandbox must be timezone-aware")
    return moment.astimezone(UTC)


class SandboxScheduling:
    """A real aiohttp server on loopback that behaves like meetergo's booking recipe."""

    def __init__(
        self,
        *,
        credential: str = DEFAULT_CREDENTIAL,
        hosts: list[Host] | None = None,
        meeting_types: list[MeetingType] | None = None,
        clock: Callable[[], datetime] | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        """Set up state; defaults give a two-host round-robin team and a single-host type."""
        self.credential = credential
        # Frozen at construction unless told otherwise: minimum notice, horizon and holidays
        # must not move under a running conversation (a time offered stays bookable).
        started = datetime.now(UTC)
        self._clock = clock or (lambda: started)
        host_list = hosts if hosts is not None else default_hosts(self.now())
        type_list = meeting_types if meeting_types is not None else default_meeting_types()
        self.hosts: dict[str, Host] = {h.id: h for h in host_list}
        self.meeting_types: dict[str, MeetingType] = {t.id: t for t in type_list}
        self._check_references()
        self.latency = 0.0
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
        self.calls: list[RecordedCall] = []
        self.bookings: list[Booking] = []
        self._failures: list[Failure] = []
        self._lock = asyncio.Lock()
        self._stopping = asyncio.Event()
        self._bind = (host, port)
        self._runner: web.AppRunner | None = None
        self._port: int | None = None
        self._routes: list[tuple[re.Pattern[str], str, Handler]] = [
            (re.compile(r"/(?:v4/)?meeting-type/(?P<id>[^/]+)"), "GET", self._meeting_type),
            (re.compile(r"/booking-availability/v2"), "GET", self._availability),
            (re.compile(r"/v4/booking-availability"), "GET", self._spots),
            (re.compile(r"/(?:v4/)?booking"), "POST", self._booking),
            (re.compile(r"/v4/appointment/paginated"), "GET", self._appointment_page),
            (re.compile(r"/v4/appointment/(?P<id>[^/]+)/cancel"), "POST", self._cancel),
            (re.compile(r"/v4/appointment/(?P<id>[^/]+)/reschedule"), "POST", self._reschedule),
            (re.compile(r"/v4/appointment/(?P<id>[^/]+)"), "GET", self._appointment),
        ]

    def _check_references(self) -> None:
        # A typo in test data should fail loudly here, not as a puzzling empty availability.
        for meeting_type in self.meeting_types.values():
            unknown = [h for h in meeting_type.team() if h not in self.hosts]
            if unknown or not meeting_type.team():
                raise ValueError(f"meeting type {meeting_type.id} has unknown hosts {unknown}")

    # ----- lifecycle -------------------------------------------------------------------------

    def now(self) -> datetime:
        """Return the sandbox's current time (aware, UTC) from its clock."""
        return _utc(self._clock())

    @property
    def url(self) -> str:
        """Base URL of the running server, e.g. http://127.0.0.1:8099."""
        if self._port is None:
            raise RuntimeError("sandbox is not started")
        return f"http://{self._bind[0]}:{self._port}"

    async def start(self) -> None:
        """Bind the socket and start answering requests."""
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._handle)
        # Held "timeout" requests are woken by stop(), so a short shutdown wait is enough.
        runner = web.AppRunner(app, access_log=None, shutdown_timeout=2.0)
        await runner.setup()
        site = web.TCPSite(runner, self._bind[0], self._bind[1])
        await site.start()
        # Fresh primitives bind to the loop that runs this server, even after a restart.
        self._lock = asyncio.Lock()
        self._stopping = asyncio.Event()
        self._runner = runner
        self._port = int(runner.addresses[0][1])
        self._bind = (self._bind[0], self._port)

    async def stop(self) -> None:
        """Wake held requests and shut the server down."""
        self._stopping.set()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> SandboxScheduling:
        """Start on entering an async with block."""
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        """Stop on leaving an async with block."""
        await self.stop()

    # ----- knobs -----------------------------------------------------------------------------

    def fail_next(
        self,
        n: int,
        *,
        status: int | None = None,
        kind: str = "status",
        path: str | None = None,
        retry_after: float | None = None,
        seconds: float = 10.0,
    ) -> None:
        """Make the next n matching calls fail (see FailureKind): an HTTP status, a held
        request, malformed JSON, or the work done and then the answer lost, dropped, garbled
        or `seconds` late."""
        if n < 1:
            raise ValueError("n must be at least 1")
        if kind not in FAILURE_KINDS:
            raise ValueError(f"kind must be one of {FAILURE_KINDS}")
        failure_kind: FailureKind = next(k for k in FAILURE_KINDS if k == kind)
        self._failures.append(
            Failure(
                failure_kind,
                n,
                status or 503,
                retry_after=retry_after,
                path=path,
                seconds=seconds,
            )
        )

    def clear_failures(self) -> None:
        """Forget every injected failure still pending: meetergo answers normally again."""
        self._failures.clear()

    def _take_failure(self, path: str) -> Failure | None:
        """Consume one use of the first pending failure that applies to this path."""
        for failure in self._failures:
            if failure.count > 0 and failure.matches(path):
                failure.count -= 1
                if failure.count == 0:
                    self._failures.remove(failure)
                return failure
        return None

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
        begin = _utc(start)
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

    def answer_taken_slot_as(
        self,
        status: int = 409,
        message: str | list[str] = "This slot is no longer available",
        *,
        error_code: bool = False,
    ) -> None:
        """Refuse taken starts the way the live service may: 400 or 409, a message string or
        list, with or without errorCode."""
        self.taken_answer = (status, message, error_code)

    async def refuse_connections(self) -> None:
        """Stop listening (connections are refused) but keep the port for accept_connections."""
        if self._runner is not None:
            self._bind = (self._bind[0], self._port or self._bind[1])
            await self._runner.cleanup()
            self._runner = None

    async def accept_connections(self) -> None:
        """Listen again on the same port after refuse_connections."""
        if self._runner is None:
            await self.start()

    def rival_books_first(self, n: int = 1) -> None:
        """Let another customer book the start of each of the next n booking requests first."""
        self.rivals_waiting += n

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
        low = max(_utc(low), now + timedelta(minutes=meeting_type.minimum_notice_minutes))
        high = min(_utc(high), now + timedelta(days=meeting_type.horizon_days))
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
        return self._free_among(meeting_type, meeting_type.team(), _utc(start), duration_min)

    def _free_among(
        self, meeting_type: MeetingType, hosts: list[str], start: datetime, duration_min: int
    ) -> list[str]:
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

    # ----- HTTP plumbing ---------------------------------------------------------------------

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        """Entry point for every request: latency, injected failures, routing, auth, record."""
        raw = await request.text()
        parsed, is_json = _parse_json(raw)
        if self.latency > 0:
            await asyncio.sleep(self.latency)
        failure = self._take_failure(request.path)
        if failure is not None and failure.kind == "timeout":
            self._record(request, parsed, 0)
            return await self._hold()
        if failure is not None and failure.kind in AFTER_WORK:
            return await self._answer_badly(request, parsed if is_json else _NOT_JSON, failure)
        if failure is not None:
            response = _failure_response(failure)
        else:
            response = await self._dispatch(request, parsed if is_json else _NOT_JSON)
        self._record(request, parsed, response.status)
        return response

    async def _answer_badly(
        self, request: web.Request, body: Any, failure: Failure
    ) -> web.StreamResponse:
        """Do the request's work (a booking is really made), then spoil the answer."""
        response = await self._dispatch(request, body)
        if failure.kind == "slow":
            self._record(request, body, response.status)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), timeout=failure.seconds)
            return response
        if failure.kind == "garbled":
            self._record(request, body, response.status)
            return web.Response(
                status=response.status, text=MALFORMED_BODY, content_type="application/json"
            )
        self._record(request, body, 0)
        if failure.kind == "dropped" and request.transport is not None:
            request.transport.abort()
        return await self._hold()

    async def _hold(self) -> web.Response:
        """Keep a request open past any client timeout, or until the server stops."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._stopping.wait(), timeout=HOLD_SECONDS)
        return _error(504, "Gateway Timeout")

    async def _dispatch(self, request: web.Request, body: Any) -> web.Response:
        """Route to a handler; 404 for unknown paths, 405 for a wrong method, then auth."""
        matched: list[tuple[re.Match[str], str, Handler]] = []
        for pattern, method, handler in self._routes:
            found = pattern.fullmatch(request.path)
            if found is not None:
                matched.append((found, method, handler))
        if not matched:
            return _error(404, f"Cannot {request.method} {request.path}")
        for found, method, handler in matched:
            if method == request.method:
                denied = self._authorize(request)
                return denied or await handler(request, found, body)
        response = _error(405, f"Method {request.method} not allowed on {request.path}")
        response.headers["Allow"] = ", ".join(m for _, m, _ in matched)
        return response

    def _authorize(self, request: web.Request) -> web.Response | None:
        """Check the bearer credential and the platform-key user header."""
        header = request.headers.get("Authorization", "")
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not secrets.compare_digest(
            token.strip().encode(), self.credential.encode()
        ):
            return _error(401, "Unauthorized")
        user_id = request.headers.get(USER_HEADER)
        if self.credential.startswith("rgo-") and user_id is not None:
            message = f"{USER_HEADER} must not be sent with a personal access token"
            return _error(403, message)
        if self.credential.startswith("ak_live:") and not user_id:
            return _error(400, f"{USER_HEADER} header is required with a platform API key")
        return None

    def _record(self, request: web.Request, body: Any, status: int) -> None:
        """Log a call, never keeping the credential in clear."""
        headers = {
            k: (REDACTED if k.lower() == "authorization" else v) for k, v in request.headers.items()
        }
        query = {k: ",".join(request.query.getall(k)) for k in request.query}
        call = RecordedCall(request.method, request.path, query, headers, body, status)
        self.calls.append(call)

    # ----- endpoints -------------------------------------------------------------------------

    async def _meeting_type(
        self, request: web.Request, found: re.Match[str], _: Any
    ) -> web.Response:
        """GET /meeting-type/{id}."""
        meeting_type = self.meeting_types.get(found["id"])
        if meeting_type is None:
            return _error(404, "Meeting type not found")
        return web.json_response(_meeting_type_json(meeting_type))

    async def _availability(self, request: web.Request, _: re.Match[str], __: Any) -> web.Response:
        """GET /booking-availability/v2."""
        host_ids = split_host_ids(request.query.getall("hostIds", []))
        if not request.query.get("queueId") and not host_ids:
            return _error(400, "Expected hostIds or queueId")
        query = parse_availability_query(request.query, host_ids)
        if isinstance(query, list):
            return _validation_error(query)
        meeting_type = self.meeting_types.get(query.meeting_type_id)
        if meeting_type is None:
            return _error(404, "Meeting type not found")
        hosts = _availability_hosts(meeting_type, query)
        if isinstance(hosts, web.Response):
            return hosts
        windows = self.free_windows(meeting_type.id, query.start, query.end, hosts)
        frames = [{"start": _iso_z(s), "end": _iso_z(e)} for s, e in windows]
        return web.json_response({"timezone": "utc", "timeframes": frames})

    async def _booking(self, request: web.Request, _: re.Match[str], body: Any) -> web.Response:
        """POST /booking."""
        if body is _NOT_JSON:
            return _error(400, "Body must be valid JSON")
        if not isinstance(body, dict):
            return _error(400, "Body must be a JSON object")
        type_id = body.get("meetingTypeId")
        meeting_type = self.meeting_types.get(type_id) if isinstance(type_id, str) else None
        errors = validate_booking(body, meeting_type)
        if errors:
            return _validation_error(errors)
        if meeting_type is None:
            return _error(404, "Meeting type not found")
        return await self._book(meeting_type, body)

    async def _book(self, meeting_type: MeetingType, body: dict[str, Any]) -> web.Response:
        """Pick a host and store the booking, atomically against concurrent requests."""
        start = parse_datetime(body["start"])
        if start is None:  # unreachable after validate_booking; keeps the type narrow
            return _error(400, "start must be a valid ISO 8601 date string")
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
        answer = {"appointmentId": booking.appointment_id, "secret": booking.secret}
        return web.json_response(answer, status=201)

    def _slot_taken(self) -> web.Response:
        status, message, with_code = self.taken_answer
        extra = {"errorCode": "slot-occupied"} if with_code else {}
        reason = HTTPStatus(status).phrase
        return web.json_response(
            {"statusCode": status, "message": message, "error": reason, **extra}, status=status
        )

    # ----- v4: exact starts and appointments -------------------------------------------------

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

    async def _spots(self, request: web.Request, _: re.Match[str], __: Any) -> web.Response:
        """GET /v4/booking-availability: windows plus dates[].spots[] (exact starts)."""
        if "from" in request.query or "to" in request.query:
            return _validation_error([FieldError("start", "use start and end, not from and to")])
        host_ids = split_host_ids(request.query.getall("hostIds", []))
        if not request.query.get("queueId") and not host_ids:
            return _error(400, "Expected hostIds or queueId")
        query = parse_availability_query(request.query, host_ids)
        if isinstance(query, list):
            return _validation_error(query)
        meeting_type = self.meeting_types.get(query.meeting_type_id)
        if meeting_type is None:
            return _error(404, "Meeting type not found")
        hosts = _availability_hosts(meeting_type, query)
        if isinstance(hosts, web.Response):
            return hosts
        raw_minutes = request.query.get("meetingDuration")
        minutes = meeting_type.duration
        if raw_minutes is not None:
            if not raw_minutes.isdigit() or int(raw_minutes) not in meeting_type.durations():
                message = "meetingDuration must be the default or an allowed duration"
                return _validation_error([FieldError("meetingDuration", message)])
            minutes = int(raw_minutes)
        try:
            zone = ZoneInfo(request.query.get("timezone") or "UTC")
        except (ZoneInfoNotFoundError, ValueError):
            return _validation_error([FieldError("timezone", "must be a valid IANA time zone")])
        moving = request.query.get("existingAppointmentId") or None
        if moving is not None and self._find(moving) is None:
            return _error(404, "Appointment not found")
        windows = self.free_windows(meeting_type.id, query.start, query.end, hosts, moving)
        by_date: dict[str, list[dict[str, Any]]] = {}
        for moment in self.spots(meeting_type.id, query.start, query.end, minutes, hosts, moving):
            spot: dict[str, Any] = {
                "startTime": _iso_z(moment),
                "unavailabilityEvents": [],
                "appointment": None,
            }
            by_date.setdefault(moment.astimezone(zone).date().isoformat(), []).append(spot)
        return web.json_response(
            {
                "timezone": zone.key,
                "timeframes": [{"start": _iso_z(a), "end": _iso_z(b)} for a, b in windows],
                "dates": [{"date": d, "spots": spots} for d, spots in by_date.items()],
            }
        )

    async def _appointment(
        self, request: web.Request, found: re.Match[str], _: Any
    ) -> web.Response:
        """GET /v4/appointment/{id}."""
        booking = self._find(found["id"])
        if booking is None:
            return _error(404, "Appointment not found")
        return web.json_response(self._appointment_json(booking))

    def _find(self, appointment_id: str) -> Booking | None:
        """A made appointment (not a pending booking) by its id."""
        return next(
            (b for b in self.bookings if b.appointment_id == appointment_id and not b.pending),
            None,
        )

    async def _cancel(self, request: web.Request, found: re.Match[str], body: Any) -> web.Response:
        """POST /v4/appointment/{id}/cancel: reason (at most 500), attendeeId or cancelAll."""
        booking = self._find(found["id"])
        if booking is None:
            return _error(404, "Appointment not found")
        if body is _NOT_JSON or not isinstance(body, dict | None):
            return _error(400, "Body must be a JSON object")
        data = body or {}
        errors: list[FieldError] = []
        reason = data.get("reason")
        if reason is not None and (not isinstance(reason, str) or len(reason) > 500):
            errors.append(FieldError("reason", "reason must be a string of at most 500 characters"))
        attendee = data.get("attendeeId")
        if attendee is not None and attendee != _attendee_id(booking):
            errors.append(FieldError("attendeeId", "attendeeId is not an attendee of it"))
        meeting_type = self.meeting_types.get(booking.meeting_type_id)
        group = meeting_type is not None and meeting_type.spots > 1
        if group and attendee is None and data.get("cancelAll") is not True:
            errors.append(FieldError("attendeeId", "attendeeId or cancelAll is required"))
        if errors:
            return _validation_error(errors)
        if booking.cancelled:
            return _error(400, "Appointment is already cancelled")
        booking.cancelled = True
        booking.cancel = {
            "actionAt": _iso_z(datetime.now(UTC)),
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
            return _error(404, "Appointment not found")
        if not isinstance(body, dict):
            return _error(400, "Body must be a JSON object")
        start = parse_datetime(body.get("start"))
        if start is None:
            return _validation_error([FieldError("start", "start must be a valid ISO 8601 date")])
        if booking.cancelled:
            return _error(400, "A cancelled appointment cannot be rescheduled")
        meeting_type = self.meeting_types[booking.meeting_type_id]
        minutes = int((booking.end - booking.start).total_seconds() // 60)
        async with self._lock:
            listed = self._listed(
                meeting_type, booking.host_id, _utc(start), minutes, booking.appointment_id
            )
            if not listed and body.get("ignoreAvailability") is not True:
                return self._slot_taken()
            booking.start = _utc(start)
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
            return _validation_error(errors)
        search = query.get("search", "").casefold()
        type_id = query.get("meetingTypeId")
        chosen = [
            b
            for b in self.bookings
            if b.body
            and not b.pending
            and (low is None or b.start >= _utc(low))
            and (high is None or b.start <= _utc(high))
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
        attendee = booking.attendee
        return {
            "id": booking.appointment_id,
            "start": _iso_z(booking.start),
            "end": _iso_z(booking.end),
            "meetingTypeId": booking.meeting_type_id,
            "isCancelled": booking.cancelled,
            "cancel": booking.cancel,
            "rescheduledAt": _iso_z(booking.rescheduled_at) if booking.rescheduled_at else None,
            "rescheduleCount": booking.reschedule_count,
            "attendees": [
                {
                    "id": _attendee_id(booking),
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


def _attendee_id(booking: Booking) -> str:
    return f"attendee-{booking.appointment_id[:8]}"


class _NotJson:
    """Marker for a request body that is present but not JSON."""


_NOT_JSON = _NotJson()


def _parse_json(raw: str) -> tuple[Any, bool]:
    """Parse a body; an empty body counts as JSON null so GETs pass through."""
    if not raw.strip():
        return None, True
    try:
        return json.loads(raw), True
    except ValueError:
        return None, False


def _failure_response(failure: Failure) -> web.Response:
    """Answer for an injected status or malformed failure."""
    if failure.kind == "malformed":
        return web.Response(status=200, text=MALFORMED_BODY, content_type="application/json")
    response = _error(failure.status, HTTPStatus(failure.status).phrase)
    if failure.retry_after is not None:
        # Whole seconds print as an integer, as servers send; fractions only serve fast tests.
        response.headers["Retry-After"] = f"{failure.retry_after:g}"
    return response


def _availability_hosts(
    meeting_type: MeetingType, query: AvailabilityQuery
) -> list[str] | web.Response:
    """Hosts an availability query covers, or a 400 when it names foreign ones."""
    if query.queue_id is not None and query.queue_id != meeting_type.queue_id:
        return _error(400, "queueId does not belong to this meeting type")
    if not query.host_ids:
        return meeting_type.team()
    if not set(query.host_ids) <= set(meeting_type.team()):
        return _error(400, "hostIds must only name hosts of this meeting type")
    return list(dict.fromkeys(query.host_ids))


def _meeting_type_json(meeting_type: MeetingType) -> dict[str, Any]:
    """Serialise a meeting type, with extra fields clients have to tolerate."""
    return {
        "id": meeting_type.id,
        "slug": meeting_type.slug,
        "queueId": meeting_type.queue_id,
        "userId": meeting_type.user_id,
        "spots": meeting_type.spots,
        "meetingInfo": {
            "name": meeting_type.name,
            "duration": meeting_type.duration,
            "channel": meeting_type.channel,
            "bufferBefore": meeting_type.buffer_before,
            "bufferAfter": meeting_type.buffer_after,
            "description": "",
        },
        "meetingOptions": {"allowedDurations": list(meeting_type.allowed_durations)},
        "createdAt": "2025-01-15T10:00:00.000Z",
        "isActive": True,
    }


# ----- standalone ---------------------------------------------------------------------------


async def run_standalone(host: str = "127.0.0.1", port: int = 8099) -> None:
    """Serve the default sandbox, print its URL and credential, run until SIGINT/SIGTERM."""
    # A long-running server for a live bot follows the real clock.
    sandbox = SandboxScheduling(host=host, port=port, clock=lambda: datetime.now(UTC))
    await sandbox.start()
    types = ",".join(sandbox.meeting_types)
    print(
        f"meetergo sandbox url={sandbox.url} credential={sandbox.credential} meeting_types={types}",
        flush=True,
    )
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    try:
        await stop.wait()
    finally:
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(sig)
        await sandbox.stop()


def main_standalone(argv: Sequence[str] | None = None) -> int:
    """Command-line entry: `--host` and `--port`, then serve until interrupted."""
    parser = argparse.ArgumentParser(description="Offline meetergo sandbox server")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8099)
    args = parser.parse_args(argv)
    asyncio.run(run_standalone(args.host, args.port))
    return 0


if __name__ == "__main__":
    raise SystemExit(main_standalone())
