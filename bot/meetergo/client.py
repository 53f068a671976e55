"""The meetergo booking recipe over one shared httpx.AsyncClient."""

from __future__ import annotations

import asyncio
import json
import logging
import random
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

import httpx
from pydantic import BaseModel, SecretStr
from pydantic import ValidationError as ModelError

from bot.meetergo.errors import (
    BookingOutcomeUnknownError,
    MeetergoError,
    RateLimitedError,
    UnavailableError,
    error_from_response,
)
from bot.meetergo.meeting_type import MeetingType, TeamMember, team_members
from bot.meetergo.models import (
    Appointment,
    AppointmentPage,
    Availability,
    BookingConfirmation,
    BookingRequest,
    DataField,
    SpotAvailability,
    Webhook,
)
from bot.meetergo.pace import RequestPace
from bot.metrics import Metrics
from bot.tls import tls_context

log = logging.getLogger(__name__)

ModelT = TypeVar("ModelT", bound=BaseModel)
Sleep = Callable[[float], Awaitable[None]]

DEFAULT_TIMEOUT = httpx.Timeout(10.0, connect=5.0)
# A booking may take meetergo a while (calendars, e-mails); a slow answer must not be mistaken
# for a lost one. meetergo's own clients wait 30 seconds.
BOOKING_TIMEOUT = httpx.Timeout(30.0, connect=5.0)


# `GET /v4/data-field` pages: meetergo's own default size, and a bound on how many are read.
DATA_FIELD_PAGE = 50
MAX_DATA_FIELD_PAGES = 100
_DATA_FIELD_LISTS = ("data", "items", "dataFields", "results")

# How far around a start the appointment list is asked for when looking a booking up.
LOOKUP_MARGIN = timedelta(minutes=1)


def _utc_iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


class MeetergoClient:
    """Reads meeting types and availability (retried) and books (never retried blindly)."""

    def __init__(
        self,
        *,
        base_url: str,
        api_key: SecretStr,
        user_id: str | None = None,
        timeout: httpx.Timeout = DEFAULT_TIMEOUT,
        booking_timeout: httpx.Timeout = BOOKING_TIMEOUT,
        max_attempts: int = 3,
        backoff: float = 0.5,
        transport: httpx.AsyncBaseTransport | None = None,
        sleep: Sleep = asyncio.sleep,
        requests_per_minute: int = 0,
        metrics: Metrics | None = None,
    ) -> None:
        headers = {
            "Authorization": f"Bearer {api_key.get_secret_value()}",
            "Accept": "application/json",
            "User-Agent": "meetergo-telegram-bot",
        }
        if user_id:
            headers["x-meetergo-api-user-id"] = user_id
        self._http = httpx.AsyncClient(
            base_url=base_url.rstrip("/"),
            headers=headers,
            timeout=timeout,
            transport=transport,
            verify=tls_context(),
        )
        self._booking_timeout = booking_timeout
        self._max_attempts = max_attempts
        self._backoff = backoff
        self._sleep = sleep
        # Every request waits its turn here (0: no pace of the bot's own).
        self.pace = RequestPace(requests_per_minute)
        # Each call counted by path template and status, with its time (bot/metrics.py).
        self.metrics = metrics or Metrics()

    async def aclose(self) -> None:
        """Close the connection pool."""
        await self._http.aclose()

    async def meeting_type(self, meeting_type_id: str) -> MeetingType:
        """Read a meeting type: its name, duration, channel and round-robin queue."""
        body = await self._get(f"/meeting-type/{meeting_type_id}", params={})
        return self._parse(MeetingType, body, "meeting type")

    async def data_fields(self) -> list[DataField]:
        """Every one of the company's data fields (the questions forms ask), page by page.

        Pages of DATA_FIELD_PAGE are read (`limit`/`offset`, each read retried like any GET)
        until one comes back short, or one brings nothing new (a server ignoring `offset`).
        """
        found: dict[int | str | tuple[str, str], DataField] = {}
        for page in range(MAX_DATA_FIELD_PAGES):
            params = {"limit": str(DATA_FIELD_PAGE), "offset": str(page * DATA_FIELD_PAGE)}
            body = await self._get("/v4/data-field", params=params)
            fields = self._parse_data_fields(body)
            fresh: dict[int | str | tuple[str, str], DataField] = {
                (field.id if field.id is not None else ("name", field.name)): field
                for field in fields
            }
            if page and not fresh.keys() - found.keys():
                break
            found.update(fresh)
            if len(fields) < DATA_FIELD_PAGE:
                break
        return list(found.values())

    @classmethod
    def _parse_data_fields(cls, body: Any) -> list[DataField]:
        """A page: a bare array, or an object holding the array (its key is not documented)."""
        if isinstance(body, Mapping):
            body = next((body[key] for key in _DATA_FIELD_LISTS if key in body), body)
        if not isinstance(body, list):
            raise UnavailableError("meetergo sent an unexpected data field list")
        return [cls._parse(DataField, item, "data field") for item in body]

    async def team(self, queue_id: str) -> list[TeamMember]:
        """The people of a round-robin queue (`GET /v4/queue/{queueId}`), for the attendee to
        choose from; read tolerantly (see team_members), an unreadable list is empty."""
        return team_members(await self._get(f"/v4/queue/{queue_id}", params={}))

    async def availability(
        self,
        meeting_type: MeetingType,
        start: datetime,
        end: datetime,
        *,
        host_id: str | None = None,
    ) -> Availability:
        """Read the free windows (UTC) between start and end: the team's, or `host_id`'s."""
        params = {
            **meeting_type.host_query(host_id),
            "meetingTypeId": meeting_type.id,
            "start": _utc_iso(start),
            "end": _utc_iso(end),
        }
        body = await self._get("/booking-availability/v2", params=params)
        return self._parse(Availability, body, "availability")

    async def spots(
        self,
        meeting_type: MeetingType,
        start: datetime,
        end: datetime,
        *,
        duration: int,
        existing_appointment_id: str | None = None,
        host_id: str | None = None,
    ) -> SpotAvailability:
        """v4 availability: free windows and the exact starts meetergo will accept (counting
        the slot of `existing_appointment_id`, the appointment being moved, as free), for the
        team or only `host_id`."""
        params = {
            **meeting_type.host_query(host_id),
            "meetingTypeId": meeting_type.id,
            "start": _utc_iso(start),
            "end": _utc_iso(end),
            "meetingDuration": str(duration),
        }
        if existing_appointment_id:
            params["existingAppointmentId"] = existing_appointment_id
        body = await self._get("/v4/booking-availability", params=params)
        return self._parse(SpotAvailability, body, "availability")

    async def find_appointment(
        self, meeting_type_id: str, start: datetime, email: str, *, phone: str | None = None
    ) -> Appointment | None:
        """The appointment of `email` at `start`, if meetergo has one (v4 list, narrowed); of
        `phone` (E.164) instead for a phone-only booking, which has no e-mail address.

        meetergo cannot filter by attendee: the list is narrowed by time, meeting type and a
        free-text search (the address; not the phone, which no documented search covers), and
        the attendee and start are matched here. A phone look-up that finds an appointment at
        that start whose attendees' numbers are not listed cannot tell: it raises
        BookingOutcomeUnknownError rather than say "none".
        """
        page = await self.appointments_at(
            meeting_type_id, start, search=email if phone is None else None
        )
        wanted = start.astimezone(UTC)
        untold = False
        for appointment in page:
            if appointment.is_cancelled or appointment.start != wanted:
                continue
            found = (
                appointment.has_attendee(email) if phone is None else appointment.has_phone(phone)
            )
            if found:
                return appointment
            untold = untold or found is None
        if untold:
            raise BookingOutcomeUnknownError("the appointment list shows no phone numbers")
        return None

    async def appointments_at(
        self, meeting_type_id: str, start: datetime, *, search: str | None = None
    ) -> list[Appointment]:
        """The meeting type's appointments around `start` (a minute either side; the v4 list,
        narrowed by meetergo's free-text `search` when given)."""
        params = {
            "page": "0",
            "pageSize": "100",
            "start": _utc_iso(start - LOOKUP_MARGIN),
            "end": _utc_iso(start + LOOKUP_MARGIN),
            "meetingTypeId": meeting_type_id,
        }
        if search is not None:
            params["search"] = search
        body = await self._get("/v4/appointment/paginated", params=params)
        return self._parse(AppointmentPage, body, "appointment list").appointments

    async def appointment(self, appointment_id: str) -> Appointment:
        """One appointment as meetergo has it now (cancelled? moved?)."""
        body = await self._get(f"/v4/appointment/{appointment_id}", params={})
        return self._parse(Appointment, body, "appointment")

    async def cancel_appointment(
        self,
        appointment_id: str,
        *,
        reason: str | None = None,
        attendee_id: str | None = None,
    ) -> None:
        """Cancel an appointment: for the one attendee when given, else for everyone."""
        body: dict[str, Any] = {"reason": reason[:500]} if reason else {}
        if attendee_id:
            body["attendeeId"] = attendee_id
        else:
            body["cancelAll"] = True
        await self._post(f"/v4/appointment/{appointment_id}/cancel", body)

    async def reschedule_appointment(self, appointment_id: str, start: datetime) -> Appointment:
        """Move an appointment to `start` (its length stays); returns it as it is now."""
        answer = await self._post(
            f"/v4/appointment/{appointment_id}/reschedule", {"start": _utc_iso(start)}
        )
        # meetergo answers {"appointment": {...}} or the appointment itself.
        nested = answer.get("appointment") if isinstance(answer, Mapping) else None
        return self._parse(Appointment, nested if nested is not None else answer, "appointment")

    async def webhooks(self) -> list[Webhook]:
        """The company's webhooks (`GET /webhooks`, at the root); those not readable are left
        out."""
        body = await self._get("/webhooks", params={})
        items = body if isinstance(body, list) else []
        found = []
        for item in items:
            try:
                found.append(Webhook.model_validate(item))
            except ModelError:
                continue
        return found

    async def create_webhook(
        self, endpoint: str, event_types: Sequence[str], description: str
    ) -> Webhook:
        """Register a webhook (`POST /webhooks`); meetergo keeps at most six per company."""
        body = {"endpoint": endpoint, "eventTypes": list(event_types), "description": description}
        return self._parse(Webhook, await self._post("/webhooks", body), "webhook")

    async def update_webhook(
        self, webhook_id: str, endpoint: str, event_types: Sequence[str]
    ) -> None:
        """Point a webhook at `endpoint` for `event_types` (`PATCH /webhooks/{id}`)."""
        body = {"endpoint": endpoint, "eventTypes": list(event_types)}
        await self._send("PATCH", f"/webhooks/{webhook_id}", body)

    async def _post(self, path: str, body: Mapping[str, Any]) -> Any:
        """A POST that changes something: never retried (429 aside, which was refused)."""
        return await self._send("POST", path, body)

    async def _send(self, method: str, path: str, body: Mapping[str, Any]) -> Any:
        """A request that changes something: never retried (429 aside, which was refused)."""
        attempt = 0
        while True:
            attempt += 1
            await self.pace.take()
            started = time.monotonic()
            try:
                response = await self._http.request(method, path, json=dict(body))
            except httpx.TransportError as exc:
                self._log(method, path, None, started, attempt=attempt, error=exc)
                raise UnavailableError(
                    f"meetergo did not answer {path}: {type(exc).__name__}"
                ) from None
            self._log(method, path, response.status_code, started, attempt=attempt)
            try:
                return self._decode(response)
            except RateLimitedError as error:
                if attempt >= self._max_attempts:
                    raise
                await self._sleep(self._delay(attempt, error))

    async def book(self, request: BookingRequest) -> BookingConfirmation:
        """Create the booking; retried only after a 429 (refused, so nothing was created).

        A lost or unreadable answer raises BookingOutcomeUnknownError: the booking may exist.
        """
        attempt = 0
        while True:
            attempt += 1
            try:
                return await self._book_once(request, attempt)
            except RateLimitedError as error:
                if attempt >= self._max_attempts:
                    raise
                await self._sleep(self._delay(attempt, error))

    async def _book_once(self, request: BookingRequest, attempt: int) -> BookingConfirmation:
        await self.pace.take()
        started = time.monotonic()
        try:
            response = await self._http.post(
                "/booking", json=request.to_wire(), timeout=self._booking_timeout
            )
        except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout) as exc:
            # The request never left this process, so nothing was booked: safe to offer a retry.
            self._log("POST", "/booking", None, started, attempt=attempt, error=exc)
            raise UnavailableError(f"meetergo unreachable: {type(exc).__name__}") from None
        except httpx.TransportError as exc:
            self._log("POST", "/booking", None, started, attempt=attempt, error=exc)
            raise BookingOutcomeUnknownError(
                f"meetergo did not answer the booking: {type(exc).__name__}"
            ) from None
        self._log("POST", "/booking", response.status_code, started, attempt=attempt)
        if response.status_code == httpx.codes.GATEWAY_TIMEOUT:
            # The gateway stopped waiting, not meetergo: the booking may have been made.
            raise BookingOutcomeUnknownError(
                "meetergo's gateway timed out on the booking", status=response.status_code
            )
        try:
            body = self._decode(response)
            return self._parse(BookingConfirmation, body, "booking")
        except UnavailableError as error:
            if response.is_success:
                # meetergo said yes but the answer cannot be read: the booking may well exist.
                raise BookingOutcomeUnknownError(str(error), status=response.status_code) from None
            raise

    async def _get(self, path: str, *, params: Mapping[str, str]) -> Any:
        attempt = 0
        while True:
            attempt += 1
            await self.pace.take()
            started = time.monotonic()
            try:
                response = await self._http.get(path, params=params)
                self._log("GET", path, response.status_code, started, attempt=attempt)
                return self._decode(response)
            except httpx.TransportError as exc:
                error: MeetergoError = UnavailableError(
                    f"meetergo unreachable on {path}: {type(exc).__name__}"
                )
                self._log("GET", path, None, started, attempt=attempt, error=exc)
            except (UnavailableError, RateLimitedError) as exc:
                error = exc
            if attempt >= self._max_attempts:
                raise error
            await self._sleep(self._delay(attempt, error))

    def _delay(self, attempt: int, error: MeetergoError) -> float:
        if isinstance(error, RateLimitedError) and error.retry_after is not None:
            return error.retry_after
        # Full jitter keeps a burst of customers from retrying in lock-step.
        return random.uniform(0, self._backoff * 2 ** (attempt - 1))

    def _decode(self, response: httpx.Response) -> Any:
        try:
            body = response.json() if response.content else None
        except (json.JSONDecodeError, UnicodeDecodeError):
            if response.is_success:
                raise UnavailableError(
                    f"meetergo sent a body that is not JSON ({response.status_code})",
                    status=response.status_code,
                ) from None
            body = None
        if response.is_success:
            return body
        raise error_from_response(
            response.status_code, body, retry_after=response.headers.get("Retry-After")
        )

    @staticmethod
    def _parse(model: type[ModelT], body: Any, what: str) -> ModelT:
        try:
            return model.model_validate(body)
        except ModelError as exc:
            raise UnavailableError(
                f"meetergo sent an unexpected {what} ({exc.error_count()} problems)"
            ) from None

    def _log(
        self,
        method: str,
        path: str,
        status: int | None,
        started: float,
        *,
        attempt: int,
        error: Exception | None = None,
    ) -> None:
        """Log and count one call: its status, or the failure that left it without one."""
        seconds = time.monotonic() - started
        # Path and status only: headers carry the credential, bodies carry attendee data.
        log.info(
            "meetergo %s %s -> %s in %.0f ms (attempt %d)",
            method,
            path,
            status if status is not None else type(error).__name__,
            seconds * 1000,
            attempt,
        )
        # The metric's path is a template (ids replaced): no appointment id becomes a label.
        timed_out = isinstance(error, httpx.TimeoutException)
        failure = "timeout" if timed_out else "network"
        self.metrics.meetergo_call(method, path, status if status is not None else failure, seconds)
