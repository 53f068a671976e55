"""The sandbox's webhooks: the `/webhooks` registry over HTTP, and the events it POSTs to a small
receiver on loopback for a booking made through the API, a host's cancellation and a host's move
(repeated, held back and delivered out of order, refused, unanswered)."""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
import pytest_asyncio
from aiohttp import web

from bot.sandbox.scheduling import Booking, SandboxScheduling
from bot.sandbox.scheduling_defaults import (
    BERLIN_HOST_ID,
    INTRO_CALL_ID,
    INTRO_QUEUE_ID,
    PRODUCT_DEMO_ID,
)
from bot.sandbox.scheduling_webhooks import WEBHOOK_EVENTS

NOW = datetime(2026, 12, 7, 7, 0, tzinfo=UTC)  # a Monday morning before anyone works
ISO_Z = r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z"


@dataclass
class Receiver:
    """A webhook's receiving end on loopback: keeps each body, answers `status`, and holds
    its answers while `gate` is clear."""

    url: str = ""
    bodies: list[dict[str, Any]] = field(default_factory=list)
    status: int = 200
    gate: asyncio.Event = field(default_factory=asyncio.Event)
    arrived: asyncio.Event = field(default_factory=asyncio.Event)

    async def handle(self, request: web.Request) -> web.Response:
        self.bodies.append(await request.json())
        self.arrived.set()
        await self.gate.wait()
        return web.json_response({"ok": True}, status=self.status)

    def events(self) -> list[str]:
        return [body["webhookType"] for body in self.bodies]


@pytest_asyncio.fixture
async def sandbox() -> AsyncIterator[SandboxScheduling]:
    async with SandboxScheduling(clock=lambda: NOW) as server:
        yield server


@pytest_asyncio.fixture
async def http(sandbox: SandboxScheduling) -> AsyncIterator[httpx.AsyncClient]:
    auth = {"Authorization": f"Bearer {sandbox.credential}"}
    async with httpx.AsyncClient(base_url=sandbox.url, headers=auth, timeout=5) as client:
        yield client


@pytest_asyncio.fixture
async def receiver() -> AsyncIterator[Receiver]:
    found = Receiver()
    found.gate.set()
    app = web.Application()
    app.router.add_post("/hook", found.handle)
    runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.5)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    found.url = f"http://127.0.0.1:{runner.addresses[0][1]}/hook"
    yield found
    found.gate.set()
    await runner.cleanup()


async def register(
    http: httpx.AsyncClient, endpoint: str, events: list[str] | None = None, **more: Any
) -> dict[str, Any]:
    body = {"endpoint": endpoint, "eventTypes": events or list(WEBHOOK_EVENTS[:3]), **more}
    response = await http.post("/webhooks", json=body)
    assert response.status_code == 201, response.text
    answer: dict[str, Any] = response.json()
    return answer


async def book(http: httpx.AsyncClient, sandbox: SandboxScheduling, **extra: Any) -> dict[str, Any]:
    """Book the Intro call's first free start through the API; its answer."""
    start = sandbox.spots(INTRO_CALL_ID, NOW, NOW + timedelta(days=7))[0]
    body = {
        "meetingTypeId": INTRO_CALL_ID,
        "queueId": INTRO_QUEUE_ID,
        "start": start.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "attendee": {
            "email": "ada@example.org",
            "fullname": "Ada Lovelace",
            "timezone": "Europe/Berlin",
            "receiveReminders": True,
            "notes": {},
        },
        **extra,
    }
    response = await http.post("/v4/booking", json=body)
    assert response.status_code == 201, response.text
    answer: dict[str, Any] = response.json()
    return answer


def appointment(sandbox: SandboxScheduling, appointment_id: str) -> Booking:
    return next(b for b in sandbox.bookings if b.appointment_id == appointment_id)


# ----- the registry ---------------------------------------------------------------------------


async def test_registered_webhooks_are_answered_and_listed_in_creation_order(
    http: httpx.AsyncClient,
) -> None:
    first = await register(http, "https://hooks.example.org/a", ["booking_created"])
    second = await register(
        http, "http://localhost:8080/b", ["booking_cancelled"], description="the bot"
    )
    assert set(first) == {"id", "endpoint", "eventTypes", "description", "createdAt"}
    assert first["endpoint"] == "https://hooks.example.org/a"
    assert first["eventTypes"] == ["booking_created"]
    assert first["description"] is None
    assert re.fullmatch(ISO_Z, first["createdAt"])
    assert second["description"] == "the bot"
    listed = (await http.get("/webhooks")).json()
    assert listed == [first, second]  # a bare array, oldest first


async def test_a_patch_replaces_the_fields_given_and_a_delete_removes(
    http: httpx.AsyncClient,
) -> None:
    hook = await register(http, "https://hooks.example.org/a", ["booking_created"])
    response = await http.patch(
        f"/webhooks/{hook['id']}",
        json={"eventTypes": ["booking_cancelled", "booking_rescheduled"], "description": "x"},
    )
    assert response.status_code == 200
    assert response.json() == {
        **hook,
        "eventTypes": ["booking_cancelled", "booking_rescheduled"],
        "description": "x",
    }
    deleted = await http.delete(f"/webhooks/{hook['id']}")
    assert (deleted.status_code, deleted.json()) == (200, {})
    assert (await http.get("/webhooks")).json() == []


@pytest.mark.parametrize("method", ["PATCH", "DELETE"])
async def test_an_unknown_webhook_is_404_in_meetergo_shape(
    http: httpx.AsyncClient, method: str
) -> None:
    response = await http.request(method, "/webhooks/no-such-id", json={})
    assert response.status_code == 404
    assert response.json() == {
        "statusCode": 404,
        "message": "Webhook not found",
        "error": "Not Found",
    }


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"eventTypes": ["booking_created"]}, "endpoint"),
        ({"endpoint": "", "eventTypes": ["booking_created"]}, "endpoint"),
        ({"endpoint": 42, "eventTypes": ["booking_created"]}, "endpoint"),
        ({"endpoint": "not a url", "eventTypes": ["booking_created"]}, "endpoint"),
        ({"endpoint": "ftp://hooks.example.org/", "eventTypes": ["booking_created"]}, "endpoint"),
        ({"endpoint": "https://", "eventTypes": ["booking_created"]}, "endpoint"),
        ({"endpoint": "https://x.org:port/", "eventTypes": ["booking_created"]}, "endpoint"),
        ({"endpoint": "http://hooks.example.org/", "eventTypes": ["booking_created"]}, "endpoint"),
        ({"endpoint": "http://10.0.0.1/", "eventTypes": ["booking_created"]}, "endpoint"),
        ({"endpoint": "https://h.example.org/"}, "eventTypes"),
        ({"endpoint": "https://h.example.org/", "eventTypes": []}, "eventTypes"),
        ({"endpoint": "https://h.example.org/", "eventTypes": "booking_created"}, "eventTypes"),
        ({"endpoint": "https://h.example.org/", "eventTypes": ["booking_made"]}, "eventTypes"),
        ({"endpoint": "https://h.example.org/", "eventTypes": [1]}, "eventTypes"),
        (
            {
                "endpoint": "https://h.example.org/",
                "eventTypes": ["form_submission"],
                "description": 7,
            },
            "description",
        ),
        (
            {
                "endpoint": "https://h.example.org/",
                "eventTypes": ["form_submission"],
                "description": "d" * 256,
            },
            "description",
        ),
    ],
)
async def test_a_wrong_webhook_is_refused_naming_the_field(
    http: httpx.AsyncClient, body: dict[str, Any], field: str
) -> None:
    response = await http.post("/webhooks", json=body)
    assert response.status_code == 400, response.text
    answer = response.json()
    assert answer["statusCode"] == 400
    assert [error["field"] for error in answer["errors"]] == [field]
    assert (await http.get("/webhooks")).json() == []


async def test_every_problem_of_a_body_is_named_at_once(http: httpx.AsyncClient) -> None:
    response = await http.post("/webhooks", json={"endpoint": "http://example.org"})
    assert response.status_code == 400
    assert [error["field"] for error in response.json()["errors"]] == ["endpoint", "eventTypes"]
    assert "https" in response.json()["message"][0]


@pytest.mark.parametrize(
    "raw", [b"[1, 2]", b"null", b"{not json"], ids=["array", "null", "not-json"]
)
async def test_a_body_that_is_no_object_is_refused(http: httpx.AsyncClient, raw: bytes) -> None:
    response = await http.post(
        "/webhooks", content=raw, headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 400
    assert response.json()["message"].startswith("Body must be")


async def test_a_wrong_patch_changes_nothing(http: httpx.AsyncClient) -> None:
    hook = await register(http, "https://hooks.example.org/a", ["booking_created"])
    bodies: list[dict[str, Any]] = [
        {"endpoint": "http://example.org/"},
        {"eventTypes": []},
        {"description": 1},
    ]
    for body in bodies:
        response = await http.patch(f"/webhooks/{hook['id']}", json=body)
        assert response.status_code == 400, body
    assert (await http.get("/webhooks")).json() == [hook]


@pytest.mark.parametrize(
    "endpoint",
    [
        "http://127.0.0.1:9/hook",
        "http://[::1]:9/hook",
        "http://localhost/hook",
        "https://hooks.example.org/meetergo?x=1",
    ],
)
async def test_https_anywhere_and_http_on_loopback_are_accepted(
    http: httpx.AsyncClient, endpoint: str
) -> None:
    assert (await register(http, endpoint))["endpoint"] == endpoint


async def test_a_seventh_webhook_is_refused(http: httpx.AsyncClient) -> None:
    hooks = [await register(http, f"https://hooks.example.org/{n}") for n in range(6)]
    refused = await http.post(
        "/webhooks",
        json={"endpoint": "https://hooks.example.org/7", "eventTypes": ["new_employee"]},
    )
    assert refused.status_code == 400
    assert refused.json()["message"] == "A company can have at most 6 webhooks"
    await http.delete(f"/webhooks/{hooks[0]['id']}")
    await register(http, "https://hooks.example.org/7")  # room again


async def test_the_registry_is_authorised_and_recorded_like_every_endpoint(
    sandbox: SandboxScheduling, http: httpx.AsyncClient
) -> None:
    async with httpx.AsyncClient(base_url=sandbox.url) as anonymous:
        assert (await anonymous.get("/webhooks")).status_code == 401
    await register(http, "https://hooks.example.org/a")
    assert [(c.method, c.path, c.status) for c in sandbox.calls] == [
        ("GET", "/webhooks", 401),
        ("POST", "/webhooks", 201),
    ]
    assert sandbox.calls[1].headers["Authorization"] == "<redacted>"
    put = await http.put("/webhooks", json={})
    assert put.status_code == 405
    assert put.headers["Allow"] == "POST, GET"


# ----- deliveries -----------------------------------------------------------------------------


async def test_a_booking_through_the_api_is_delivered_to_its_subscribers(
    sandbox: SandboxScheduling, http: httpx.AsyncClient, receiver: Receiver
) -> None:
    await register(http, receiver.url, ["booking_created"])
    await register(http, receiver.url + "?other", ["booking_cancelled"])  # not told
    answer = await book(http, sandbox)
    await sandbox.deliveries_settled()
    [body] = receiver.bodies
    booking = appointment(sandbox, answer["appointmentId"])
    assert body == {
        "webhookType": "booking_created",
        "id": answer["appointmentId"],
        "start": booking.start.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "end": booking.end.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "location": None,
        "isCancelled": False,
        "rescheduledAt": None,
        "attendees": [
            {
                "id": f"attendee-{booking.appointment_id[:8]}",
                "email": "ada@example.org",
                "firstname": None,
                "lastname": None,
                "fullname": "Ada Lovelace",
                "phone": None,
                "timezone": "Europe/Berlin",
            }
        ],
        "hosts": [{"id": booking.host_id, "name": sandbox.hosts[booking.host_id].name}],
        "hostIds": [booking.host_id],
        "meetingTypeId": INTRO_CALL_ID,
        "meetingType": {"id": INTRO_CALL_ID, "slug": "intro-call", "name": "Intro call"},
    }
    [delivery] = sandbox.deliveries
    assert (delivery.endpoint, delivery.payload, delivery.status) == (receiver.url, body, 200)
    assert delivery.delivered_at.tzinfo is not None


async def test_the_booking_answer_does_not_wait_for_the_delivery(
    sandbox: SandboxScheduling, http: httpx.AsyncClient, receiver: Receiver
) -> None:
    receiver.gate.clear()  # the receiver takes the event but does not answer yet
    await register(http, receiver.url, ["booking_created"])
    await book(http, sandbox)
    await asyncio.wait_for(receiver.arrived.wait(), 5)
    assert sandbox.deliveries == []  # still under way
    receiver.gate.set()
    await sandbox.deliveries_settled()
    assert [d.status for d in sandbox.deliveries] == [200]


async def test_the_booking_location_is_delivered(
    sandbox: SandboxScheduling, http: httpx.AsyncClient, receiver: Receiver
) -> None:
    sandbox.meeting_types[INTRO_CALL_ID].channel = "local"
    sandbox.meeting_types[INTRO_CALL_ID].locations = ["Hauptstr. 1, Berlin"]
    await register(http, receiver.url, ["booking_created"])
    await book(http, sandbox, location="Hauptstr. 1, Berlin")
    await sandbox.deliveries_settled()
    assert receiver.bodies[0]["location"] == "Hauptstr. 1, Berlin"


async def test_without_webhooks_or_for_a_pending_booking_nothing_is_sent(
    sandbox: SandboxScheduling, http: httpx.AsyncClient, receiver: Receiver
) -> None:
    answer = await book(http, sandbox)
    await sandbox.host_cancel(answer["appointmentId"])
    await sandbox.deliveries_settled()
    assert sandbox.deliveries == []
    await register(http, receiver.url, ["booking_created"])
    sandbox.meeting_types[INTRO_CALL_ID].booking_type = "doubleOptIn"
    assert "bookingType" in await book(http, sandbox)
    await sandbox.deliveries_settled()
    assert receiver.bodies == []


async def test_a_host_cancellation_is_delivered_with_its_details(
    sandbox: SandboxScheduling, http: httpx.AsyncClient, receiver: Receiver
) -> None:
    await register(http, receiver.url, ["booking_cancelled"])
    answer = await book(http, sandbox)
    cancelled = await sandbox.host_cancel(answer["appointmentId"], "The host is ill")
    assert cancelled.cancelled
    assert cancelled.cancel is not None
    assert cancelled.cancel["actionSource"] == "host"
    await sandbox.deliveries_settled()
    [body] = receiver.bodies
    assert body["webhookType"] == "booking_cancelled"
    assert body["id"] == answer["appointmentId"]
    assert body["isCancelled"] is True
    assert body["cancel"] == cancelled.cancel
    assert body["cancel"]["reason"] == "The host is ill"
    assert body["cancel"]["actionAt"].endswith("Z")
    shown = (await http.get(f"/v4/appointment/{answer['appointmentId']}")).json()
    assert shown["isCancelled"] is True
    assert shown["cancel"] == body["cancel"]


async def test_a_host_move_is_delivered_with_the_original_start(
    sandbox: SandboxScheduling, http: httpx.AsyncClient, receiver: Receiver
) -> None:
    await register(http, receiver.url, ["booking_rescheduled"])
    answer = await book(http, sandbox)
    booking = appointment(sandbox, answer["appointmentId"])
    before, length = booking.start, booking.end - booking.start
    # The host may move it anywhere, even outside the hours the API would offer.
    moved = await sandbox.host_move(answer["appointmentId"], before + timedelta(hours=-30))
    assert moved.start == before - timedelta(hours=30)
    assert moved.end - moved.start == length
    assert moved.reschedule_count == 1
    assert moved.rescheduled_at is not None
    await sandbox.deliveries_settled()
    [body] = receiver.bodies
    assert body["webhookType"] == "booking_rescheduled"
    assert body["originalStart"] == before.strftime("%Y-%m-%dT%H:%M:%SZ")
    assert body["start"] == moved.start.strftime("%Y-%m-%dT%H:%M:%SZ")
    assert body["end"] == moved.end.strftime("%Y-%m-%dT%H:%M:%SZ")
    assert body["rescheduledAt"] is not None
    assert body["isCancelled"] is False


async def test_repeated_deliveries_come_one_after_the_other(
    sandbox: SandboxScheduling, http: httpx.AsyncClient, receiver: Receiver
) -> None:
    await register(http, receiver.url, ["booking_created", "booking_cancelled"])
    sandbox.repeat_deliveries = 2
    answer = await book(http, sandbox)
    await sandbox.host_cancel(answer["appointmentId"])
    await sandbox.deliveries_settled()
    assert receiver.events() == ["booking_created"] * 3 + ["booking_cancelled"] * 3
    assert len({json.dumps(body) for body in receiver.bodies}) == 2
    assert [d.status for d in sandbox.deliveries] == [200] * 6


async def test_held_deliveries_are_sent_on_exit_last_first(
    sandbox: SandboxScheduling, http: httpx.AsyncClient, receiver: Receiver
) -> None:
    await register(http, receiver.url, ["booking_rescheduled", "booking_cancelled"])
    answer = await book(http, sandbox)
    booking = appointment(sandbox, answer["appointmentId"])
    async with sandbox.held_deliveries():
        await sandbox.host_move(booking.appointment_id, booking.start + timedelta(hours=1))
        await sandbox.host_cancel(booking.appointment_id)
        await asyncio.sleep(0.05)
        assert receiver.bodies == []  # held
    await sandbox.deliveries_settled()
    assert receiver.events() == ["booking_cancelled", "booking_rescheduled"]


async def test_held_deliveries_keep_their_order_unless_reversed(
    sandbox: SandboxScheduling, http: httpx.AsyncClient, receiver: Receiver
) -> None:
    await register(http, receiver.url, ["booking_created", "booking_cancelled"])
    async with sandbox.held_deliveries(reverse=False):
        answer = await book(http, sandbox)
        await sandbox.host_cancel(answer["appointmentId"])
    await sandbox.deliveries_settled()
    assert receiver.events() == ["booking_created", "booking_cancelled"]


async def test_refused_and_unanswered_deliveries_are_logged(
    sandbox: SandboxScheduling, http: httpx.AsyncClient, receiver: Receiver
) -> None:
    receiver.status = 500
    await register(http, receiver.url, ["booking_created"])
    await register(http, "http://127.0.0.1:9/nobody-listens", ["booking_created"])
    await book(http, sandbox)
    await sandbox.deliveries_settled()
    statuses = {d.endpoint: d.status for d in sandbox.deliveries}
    assert statuses == {receiver.url: 500, "http://127.0.0.1:9/nobody-listens": None}


async def test_a_delivery_without_an_answer_in_time_is_given_up(
    sandbox: SandboxScheduling, http: httpx.AsyncClient, receiver: Receiver
) -> None:
    assert sandbox.delivery_timeout == 30.0  # meetergo's
    sandbox.delivery_timeout = 0.2
    receiver.gate.clear()
    await register(http, receiver.url, ["booking_created"])
    await book(http, sandbox)
    await sandbox.deliveries_settled()
    assert [d.status for d in sandbox.deliveries] == [None]


async def test_stopping_abandons_deliveries_under_way(
    http: httpx.AsyncClient, receiver: Receiver
) -> None:
    receiver.gate.clear()
    server = SandboxScheduling(clock=lambda: NOW)
    await server.start()
    auth = {"Authorization": f"Bearer {server.credential}"}
    async with httpx.AsyncClient(base_url=server.url, headers=auth) as own:
        await register(own, receiver.url, ["booking_created"])
        await book(own, server)
    await asyncio.wait_for(receiver.arrived.wait(), 5)
    await asyncio.wait_for(server.stop(), 5)
    assert server.deliveries == []


# ----- the host's changes of unknown appointments --------------------------------------------


async def test_the_host_cannot_change_an_unknown_or_pending_appointment(
    sandbox: SandboxScheduling, http: httpx.AsyncClient
) -> None:
    with pytest.raises(KeyError):
        await sandbox.host_cancel("no-such-appointment")
    with pytest.raises(KeyError):
        await sandbox.host_move("no-such-appointment", NOW + timedelta(days=1))
    sandbox.meeting_types[PRODUCT_DEMO_ID].booking_type = "requireHostConfirmation"
    start = sandbox.spots(PRODUCT_DEMO_ID, NOW, NOW + timedelta(days=7))[0]
    pending = sandbox.add_booking(PRODUCT_DEMO_ID, BERLIN_HOST_ID, start)
    pending.pending = True
    with pytest.raises(KeyError):
        await sandbox.host_cancel(pending.appointment_id)
    with pytest.raises(KeyError):
        await sandbox.host_move(pending.appointment_id, start + timedelta(hours=1))


async def test_a_cancelled_appointment_cannot_be_cancelled_or_moved_again(
    sandbox: SandboxScheduling, http: httpx.AsyncClient
) -> None:
    answer = await book(http, sandbox)
    await sandbox.host_cancel(answer["appointmentId"])
    with pytest.raises(ValueError, match="already cancelled"):
        await sandbox.host_cancel(answer["appointmentId"])
    with pytest.raises(ValueError, match="already cancelled"):
        await sandbox.host_move(answer["appointmentId"], NOW + timedelta(days=2))


async def test_a_move_needs_an_aware_start(
    sandbox: SandboxScheduling, http: httpx.AsyncClient
) -> None:
    answer = await book(http, sandbox)
    with pytest.raises(ValueError, match="timezone-aware"):
        await sandbox.host_move(answer["appointmentId"], datetime(2026, 12, 8, 10, 0))
