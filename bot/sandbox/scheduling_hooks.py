"""The sandbox's webhooks at work: the `/webhooks` registry, the events it delivers, and the
changes a host makes in meetergo's web app (not through the API) that cause two of them.

Events go out when a booking is made through the API (`booking_created`; a pending booking
waits, so it does not count) and when the host cancels (`booking_cancelled`) or moves
(`booking_rescheduled`) an appointment. Each is a JSON POST to every webhook subscribed to it,
the event's name in `webhookType` and the appointment flat beside it (event_payload). Sending
is never part of the request or call that caused it: it runs in the background
(scheduling_webhooks.WebhookSender), and a test waits for it with deliveries_settled().
"""

from __future__ import annotations

import re
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from datetime import UTC, datetime
from typing import Any

from aiohttp import web

from bot.sandbox.scheduling_calendar import utc
from bot.sandbox.scheduling_endpoints import SchedulingEndpoints
from bot.sandbox.scheduling_fields import DataField
from bot.sandbox.scheduling_json import (
    error_response,
    iso_z,
    not_an_object,
    validation_error,
)
from bot.sandbox.scheduling_model import Booking, Host, MeetingType
from bot.sandbox.scheduling_webhooks import (
    MAX_WEBHOOKS,
    TOO_MANY,
    Delivery,
    Webhook,
    WebhookSender,
    new_webhook,
    read_webhook,
)

WEBHOOK_NOT_FOUND = "Webhook not found"


class SchedulingHooks(SchedulingEndpoints):
    """The endpoints plus meetergo's webhooks and the host's own changes."""

    def __init__(
        self,
        *,
        hosts: list[Host] | None = None,
        meeting_types: list[MeetingType] | None = None,
        clock: Callable[[], datetime] | None = None,
        data_fields: list[DataField] | None = None,
    ) -> None:
        """No webhooks yet; the registry's routes join the endpoints'."""
        super().__init__(
            hosts=hosts, meeting_types=meeting_types, clock=clock, data_fields=data_fields
        )
        # In the order they were registered, which is how GET /webhooks lists them.
        self.webhooks: list[Webhook] = []
        # Each delivery is sent this many extra times, one after the other (meetergo may).
        self.repeat_deliveries = 0
        self._sender = WebhookSender()
        self._routes += [
            (re.compile(r"/webhooks"), "POST", self._webhook_create),
            (re.compile(r"/webhooks"), "GET", self._webhook_list),
            (re.compile(r"/webhooks/(?P<id>[^/]+)"), "PATCH", self._webhook_update),
            (re.compile(r"/webhooks/(?P<id>[^/]+)"), "DELETE", self._webhook_delete),
        ]

    # ----- deliveries ------------------------------------------------------------------------

    @property
    def deliveries(self) -> list[Delivery]:
        """Every attempt so far, in the order they ended."""
        return self._sender.log

    @property
    def delivery_timeout(self) -> float:
        """Seconds a delivery waits for the webhook's answer (meetergo: 30)."""
        return self._sender.timeout

    @delivery_timeout.setter
    def delivery_timeout(self, seconds: float) -> None:
        self._sender.timeout = seconds

    async def deliveries_settled(self) -> None:
        """Wait until every delivery started so far has ended."""
        await self._sender.settled()

    def held_deliveries(self, reverse: bool = True) -> AbstractAsyncContextManager[None]:
        """`async with sandbox.held_deliveries():` deliveries made inside are sent when the
        block ends, one after the other, the last first when `reverse`."""
        return self._sender.held(reverse)

    async def close_deliveries(self) -> None:
        """Abandon the deliveries still under way (the server is stopping)."""
        await self._sender.close()

    def _booked(self, booking: Booking) -> None:
        """A booking made through the API: booking_created."""
        self._deliver("booking_created", booking)

    def _deliver(self, event: str, booking: Booking, **extra: Any) -> None:
        """Send `event` about `booking` to every webhook subscribed to it."""
        targets = [w for w in self.webhooks if event in w.event_types]
        if not targets:
            return
        payload = self.event_payload(event, booking, **extra)
        for webhook in targets:
            self._sender.send(webhook.endpoint, payload, self.repeat_deliveries)

    def event_payload(self, event: str, booking: Booking, **extra: Any) -> dict[str, Any]:
        """The JSON meetergo POSTs for an event about an appointment: `webhookType`, then the
        appointment's fields flat (attendees and hosts as GET /v4/appointment has them),
        then `extra` (a cancellation's `cancel`, a move's `originalStart`)."""
        appointment = self._appointment_json(booking)
        meeting_type = self.meeting_types.get(booking.meeting_type_id)
        location = booking.body.get("location")
        return {
            "webhookType": event,
            "id": booking.appointment_id,
            "start": appointment["start"],
            "end": appointment["end"],
            "location": location if isinstance(location, str) else None,
            "isCancelled": booking.cancelled,
            "rescheduledAt": appointment["rescheduledAt"],
            "attendees": appointment["attendees"],
            "hosts": appointment["hosts"],
            "hostIds": [booking.host_id],
            "meetingTypeId": booking.meeting_type_id,
            "meetingType": {
                "id": booking.meeting_type_id,
                "slug": meeting_type.slug if meeting_type else None,
                "name": meeting_type.name if meeting_type else None,
            },
            **extra,
        }

    # ----- the host's own changes ------------------------------------------------------------

    def _appointment_of(self, appointment_id: str) -> Booking:
        """A made appointment that is not cancelled: KeyError when there is none under that id
        (or only a pending booking), ValueError when it is cancelled already."""
        booking = self._find(appointment_id)
        if booking is None:
            raise KeyError(appointment_id)
        if booking.cancelled:
            raise ValueError(f"appointment {appointment_id} is already cancelled")
        return booking

    async def host_cancel(self, appointment_id: str, reason: str | None = None) -> Booking:
        """The host cancels an appointment in meetergo's web app; booking_cancelled goes out.
        KeyError for an unknown or pending appointment, ValueError for a cancelled one."""
        booking = self._appointment_of(appointment_id)
        booking.cancelled = True
        booking.cancel = {
            # The real clock, as the API's own cancellations stamp it (_cancel).
            "actionAt": iso_z(datetime.now(UTC)),
            "actionSource": "host",
            "reason": reason,
        }
        self._deliver("booking_cancelled", booking, cancel=dict(booking.cancel))
        return booking

    async def host_move(self, appointment_id: str, start: datetime) -> Booking:
        """The host moves an appointment to `start` (aware; the length stays) in meetergo's
        web app, which lets a host override their own availability, so nothing is checked;
        booking_rescheduled goes out. KeyError for an unknown or pending appointment,
        ValueError for a cancelled one or a naive `start`."""
        booking = self._appointment_of(appointment_id)
        moved_to = utc(start)
        async with self._lock:  # no booking request sees the appointment half moved
            original = booking.start
            length = booking.end - booking.start
            booking.start, booking.end = moved_to, moved_to + length
            booking.rescheduled_at = datetime.now(UTC)
            booking.reschedule_count += 1
        self._deliver("booking_rescheduled", booking, originalStart=iso_z(original))
        return booking

    # ----- the registry ----------------------------------------------------------------------

    def _webhook(self, webhook_id: str) -> Webhook | None:
        return next((w for w in self.webhooks if w.id == webhook_id), None)

    async def _webhook_create(
        self, request: web.Request, _: re.Match[str], body: Any
    ) -> web.Response:
        """POST /webhooks: 201 and the webhook; 400 when the body is wrong or six exist."""
        refused = not_an_object(body)
        if refused is not None:
            return refused
        fields, errors = read_webhook(body, partial=False)
        if errors:
            return validation_error(errors)
        if len(self.webhooks) >= MAX_WEBHOOKS:
            return error_response(400, TOO_MANY)
        webhook = new_webhook(fields)
        self.webhooks.append(webhook)
        return web.json_response(webhook.to_json(), status=201)

    async def _webhook_list(self, request: web.Request, _: re.Match[str], __: Any) -> web.Response:
        """GET /webhooks: a bare array, in the order they were registered."""
        return web.json_response([webhook.to_json() for webhook in self.webhooks])

    async def _webhook_update(
        self, request: web.Request, found: re.Match[str], body: Any
    ) -> web.Response:
        """PATCH /webhooks/{id}: the fields given replace the webhook's; 200 and the webhook."""
        webhook = self._webhook(found["id"])
        if webhook is None:
            return error_response(404, WEBHOOK_NOT_FOUND)
        refused = not_an_object(body)
        if refused is not None:
            return refused
        fields, errors = read_webhook(body, partial=True)
        if errors:
            return validation_error(errors)
        for name, value in fields.items():
            setattr(webhook, name, value)
        return web.json_response(webhook.to_json())

    async def _webhook_delete(
        self, request: web.Request, found: re.Match[str], _: Any
    ) -> web.Response:
        """DELETE /webhooks/{id}: 200 and an empty object."""
        webhook = self._webhook(found["id"])
        if webhook is None:
            return error_response(404, WEBHOOK_NOT_FOUND)
        self.webhooks.remove(webhook)
        return web.json_response({})
