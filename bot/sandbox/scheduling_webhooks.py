"""meetergo's webhooks in the sandbox: the registered subscriptions, their checks, and the sender.

A company registers at most six webhooks (`POST /webhooks` with an https `endpoint`, the
`eventTypes` it wants and an optional `description`). meetergo then POSTs each event as JSON
to every webhook subscribed to it: unsigned, with a 30 s timeout, and possibly more than once.
The sandbox stands in for the internet on loopback, so there an http endpoint is accepted too.

The routes and the events themselves are in scheduling_hooks.py; this module holds what they
share: the model, the body checks and the sender with its log.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from ipaddress import ip_address
from typing import Any
from urllib.parse import urlsplit

import aiohttp

from bot.sandbox.scheduling_json import iso_z
from bot.sandbox.scheduling_validation import EMPTY, NOT_STRING, FieldError

log = logging.getLogger(__name__)

WEBHOOK_EVENTS: tuple[str, ...] = (
    "booking_created",
    "booking_rescheduled",
    "booking_cancelled",
    "form_submission",
    "new_employee",
    "credential_error",
    "review_submitted",
    "review_published",
    "signature_completed",
)
MAX_WEBHOOKS = 6
TOO_MANY = f"A company can have at most {MAX_WEBHOOKS} webhooks"
MAX_DESCRIPTION = 255
DELIVERY_TIMEOUT = 30.0  # seconds meetergo waits for a webhook's answer
LOOPBACK_NAMES = frozenset({"localhost"})


@dataclass
class Webhook:
    """One registered webhook: where events go and which ones."""

    id: str
    endpoint: str
    event_types: list[str]
    description: str | None
    created_at: datetime

    def to_json(self) -> dict[str, Any]:
        """The webhook as meetergo answers it."""
        return {
            "id": self.id,
            "endpoint": self.endpoint,
            "eventTypes": list(self.event_types),
            "description": self.description,
            "createdAt": iso_z(self.created_at),
        }


@dataclass
class Delivery:
    """One POST of an event to a webhook: the answer's status (None: no connection, or no
    answer within the timeout) and when the attempt ended."""

    endpoint: str
    payload: dict[str, Any]
    status: int | None
    delivered_at: datetime


def new_webhook(fields: dict[str, Any]) -> Webhook:
    """A webhook from checked fields (read_webhook), with a fresh id."""
    return Webhook(
        id=str(uuid.uuid4()),
        endpoint=fields["endpoint"],
        event_types=fields["event_types"],
        description=fields.get("description"),
        created_at=datetime.now(UTC),
    )


def read_webhook(body: dict[str, Any], *, partial: bool) -> tuple[dict[str, Any], list[FieldError]]:
    """The fields a POST (everything but the description required) or a PATCH (nothing
    required) sets, by Webhook attribute, and what is wrong with them. Other keys are ignored,
    as the booking endpoints ignore them."""
    fields: dict[str, Any] = {}
    errors: list[FieldError] = []
    if body.get("endpoint") is not None or not partial:
        problem = _endpoint_problem(body.get("endpoint"))
        if problem is None:
            fields["endpoint"] = body["endpoint"]
        else:
            errors.append(FieldError("endpoint", problem))
    if body.get("eventTypes") is not None or not partial:
        events = body.get("eventTypes")
        error = _events_error(events)
        if error is None and isinstance(events, list):
            fields["event_types"] = list(dict.fromkeys(events))  # each once, as first given
        elif error is not None:
            errors.append(error)
    description = body.get("description")
    if not isinstance(description, str | None):
        errors.append(FieldError("description", NOT_STRING))
    elif description is not None and len(description) > MAX_DESCRIPTION:
        message = f"must be shorter than or equal to {MAX_DESCRIPTION} characters"
        errors.append(FieldError("description", message))
    elif "description" in body:
        fields["description"] = description
    return fields, errors


def _endpoint_problem(value: Any) -> str | None:
    """Why `value` is no endpoint meetergo would call, or None: an https URL; http only for
    a loopback host, which the sandbox's own receivers (and the bot under test) listen on."""
    if value is None or value == "":
        return EMPTY
    if not isinstance(value, str):
        return NOT_STRING
    try:
        parts = urlsplit(value)
        host = parts.hostname
        _ = parts.port  # a port that is no number raises here
    except ValueError:
        return "must be a URL address"
    if parts.scheme not in ("http", "https") or not host:
        return "must be a URL address"
    if parts.scheme == "http" and not _is_loopback(host):
        return "must be an https URL (http only on loopback)"
    return None


def _is_loopback(host: str) -> bool:
    """127.0.0.1, ::1 (and the rest of 127/8) or localhost."""
    if host.lower() in LOOPBACK_NAMES:
        return True
    try:
        return ip_address(host).is_loopback
    except ValueError:
        return False


def _events_error(value: Any) -> FieldError | None:
    """Why `value` is no list of event types, or None."""
    if not isinstance(value, list) or not value:
        return FieldError("eventTypes", "must be a non-empty array")
    if not all(isinstance(event, str) and event in WEBHOOK_EVENTS for event in value):
        known = ", ".join(WEBHOOK_EVENTS)
        return FieldError(
            "eventTypes",
            f"each value in eventTypes must be one of the following values: {known}",
            whole=True,
        )
    return None


@dataclass
class _Held:
    """Deliveries collected inside held_deliveries, sent when it ends."""

    reverse: bool
    waiting: list[tuple[str, dict[str, Any], int]] = field(default_factory=list)


class WebhookSender:
    """Sends events in the background and logs every attempt.

    Each webhook gets its deliveries in the order they were made (one at a time, so only
    held_deliveries puts a pair out of order); a delivery and its repeats go one after the
    other. Nothing is retried: meetergo's retry policy is not documented.
    """

    def __init__(self) -> None:
        """An idle sender with an empty log."""
        self.log: list[Delivery] = []
        self.timeout = DELIVERY_TIMEOUT
        self._tasks: set[asyncio.Task[None]] = set()
        self._last: dict[str, asyncio.Task[None]] = {}  # each endpoint's newest task
        self._held: _Held | None = None

    def send(self, endpoint: str, payload: dict[str, Any], repeat: int = 0) -> None:
        """POST `payload` to `endpoint` 1 + `repeat` times, in the background (or when the
        current held_deliveries block ends)."""
        if self._held is not None:
            self._held.waiting.append((endpoint, payload, repeat))
            return
        self._start([(endpoint, payload, repeat)])

    async def settled(self) -> None:
        """Wait until every delivery started so far has ended (answered, refused, timed out)."""
        while pending := [task for task in self._tasks if not task.done()]:
            await asyncio.gather(*pending, return_exceptions=True)

    @contextlib.asynccontextmanager
    async def held(self, reverse: bool = True) -> AsyncIterator[None]:
        """Collect the deliveries made inside the block; send them when it ends, one after
        the other, last first when `reverse` (the pair meetergo may deliver out of order)."""
        if self._held is not None:
            raise RuntimeError("deliveries are already held")
        held = self._held = _Held(reverse)
        try:
            yield
        finally:
            self._held = None
            waiting = held.waiting[::-1] if held.reverse else held.waiting
            if waiting:
                self._start(waiting)

    async def close(self) -> None:
        """Abandon the deliveries still under way (the sandbox is stopping)."""
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._last.clear()

    def _start(self, batch: list[tuple[str, dict[str, Any], int]]) -> None:
        """One task sending `batch` in order, after whatever its endpoints are still sent."""
        endpoints = {endpoint for endpoint, _, _ in batch}
        before = [self._last[e] for e in endpoints if e in self._last]
        task = asyncio.create_task(self._run(before, batch))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        for endpoint in endpoints:
            self._last[endpoint] = task

    async def _run(
        self, before: list[asyncio.Task[None]], batch: list[tuple[str, dict[str, Any], int]]
    ) -> None:
        """Wait for the endpoints' earlier deliveries, then send each of `batch`."""
        await asyncio.gather(*before, return_exceptions=True)
        timeout = aiohttp.ClientTimeout(total=self.timeout)
        async with aiohttp.ClientSession(timeout=timeout) as session:
            for endpoint, payload, repeat in batch:
                for _ in range(1 + repeat):
                    await self._post(session, endpoint, payload)

    async def _post(
        self, session: aiohttp.ClientSession, endpoint: str, payload: dict[str, Any]
    ) -> None:
        """One attempt, logged whatever happens."""
        status: int | None = None
        try:
            async with session.post(endpoint, json=payload) as answer:
                await answer.read()
                status = answer.status
        except (aiohttp.ClientError, TimeoutError) as error:
            log.debug("webhook delivery to %s failed: %s", endpoint, type(error).__name__)
        self.log.append(Delivery(endpoint, payload, status, datetime.now(UTC)))
