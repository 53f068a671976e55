"""Tests for the sandbox meetergo server, driven over loopback HTTP with httpx."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import time as monotonic
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
import pytest_asyncio

from bot.sandbox.scheduling import Host, MeetingType, SandboxScheduling

TOKEN = "rgo-test-token-1234567890"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
# Monday 2026-12-07 08:00 UTC: Berlin is UTC+1, Lisbon is UTC+0 (both in winter time).
NOW = datetime(2026, 12, 7, 8, 0, tzinfo=UTC)

BERLIN = "h-berlin"
LISBON = "h-lisbon"
TEAM = "mt-team"
QUEUE = "q-team"
SOLO = "mt-solo"
WEEK = range(5)

Factory = Callable[..., Awaitable[SandboxScheduling]]


def utc(text: str) -> datetime:
    """Parse an ISO string into an aware UTC datetime."""
    return datetime.fromisoformat(text).astimezone(UTC)


def make_hosts() -> list[Host]:
    """Berlin 09-12 + 13-17 local (holiday Wed 9th); Lisbon 10-18 local (holiday Thu 10th)."""
    return [
        Host(
            id=BERLIN,
            name="Berta Berlin",
            timezone="Europe/Berlin",
            weekly_hours={d: [(time(9), time(12)), (time(13), time(17))] for d in WEEK},
            holidays={date(2026, 12, 9)},
        ),
        Host(
            id=LISBON,
            name="Luis Lisbon",
            timezone="Europe/Lisbon",
            weekly_hours={d: [(time(10), time(18))] for d in WEEK},
            holidays={date(2026, 12, 10)},
        ),
    ]


def make_types(**team_overrides: Any) -> list[MeetingType]:
    """A round-robin team type over both hosts and a single-host type for Berlin."""
    team = MeetingType(
        id=TEAM,
        name="Intro call",
        duration=30,
        queue_id=QUEUE,
        host_ids=[BERLIN, LISBON],
        allowed_durations=[15, 30, 60],
        slot_interval=15,  # these tests book quarter hours; the grid itself is tested apart
    )
    for key, value in team_overrides.items():
        setattr(team, key, value)
    solo = MeetingType(
        id=SOLO,
        name="Solo demo",
        duration=45,
        user_id=BERLIN,
        host_ids=[BERLIN],
        buffer_after=15,
        slot_interval=15,
    )
    return [team, solo]


@pytest_asyncio.fixture
async def make_sandbox() -> AsyncIterator[Factory]:
    """Start sandboxes on demand and stop them all afterwards."""
    started: list[SandboxScheduling] = []

    async def factory(**kwargs: Any) -> SandboxScheduling:
        kwargs.setdefault("credential", TOKEN)
        kwargs.setdefault("hosts", make_hosts())
        kwargs.setdefault("meeting_types", make_types())
        kwargs.setdefault("clock", lambda: NOW)
        sandbox = SandboxScheduling(**kwargs)
        await sandbox.start()
        started.append(sandbox)
        return sandbox

    yield factory
    for sandbox in started:
        await sandbox.stop()


@pytest_asyncio.fixture
async def sandbox(make_sandbox: Factory) -> SandboxScheduling:
    return await make_sandbox()


@pytest_asyncio.fixture
async def client(sandbox: SandboxScheduling) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=sandbox.url, headers=AUTH, timeout=5) as http:
        yield http


async def availability(
    http: httpx.AsyncClient, start: str, end: str, **params: Any
) -> list[tuple[str, str]]:
    """Fetch availability for the team type (unless overridden) and return the frames."""
    query = {"meetingTypeId": TEAM, "queueId": QUEUE, "start": start, "end": end, **params}
    response = await http.get("/booking-availability/v2", params=query)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["timezone"] == "utc"
    return [(f["start"], f["end"]) for f in body["timeframes"]]


def booking_body(**overrides: Any) -> dict[str, Any]:
    """A valid team booking for Tuesday 2026-12-08 10:00 UTC."""
    body: dict[str, Any] = {
        "meetingTypeId": TEAM,
        "queueId": QUEUE,
        "start": "2026-12-08T10:00:00Z",
        "attendee": {
            "email": "ada@example.com",
            "fullname": "Ada Lovelace",
            "receiveReminders": True,
            "notes": {},
        },
    }
    body.update(overrides)
    return body


def error_fields(response: httpx.Response) -> set[str]:
    """Fields named in a validation error answer."""
    return {e["field"] for e in response.json()["errors"]}


# ----- auth ---------------------------------------------------------------------------------


async def test_missing_credential_is_401(sandbox: SandboxScheduling) -> None:
    async with httpx.AsyncClient(base_url=sandbox.url) as http:
        response = await http.get(f"/meeting-type/{TEAM}")
    assert response.status_code == 401
    assert response.json() == {
        "statusCode": 401,
        "message": "Unauthorized",
        "error": "Unauthorized",
    }


@pytest.mark.parametrize("header", [f"Bearer {TOKEN}x", TOKEN, f"Basic {TOKEN}", "Bearer"])
async def test_wrong_credential_is_401(sandbox: SandboxScheduling, header: str) -> None:
    async with httpx.AsyncClient(base_url=sandbox.url) as http:
        response = await http.get(f"/meeting-type/{TEAM}", headers={"Authorization": header})
    assert response.status_code == 401


async def test_personal_token_with_user_header_is_403(client: httpx.AsyncClient) -> None:
    headers = {"x-meetergo-api-user-id": BERLIN}
    response = await client.get(f"/meeting-type/{TEAM}", headers=headers)
    assert response.status_code == 403
    assert response.json()["statusCode"] == 403


async def test_platform_key_needs_user_header(make_sandbox: Factory) -> None:
    key = "ak_live:11111111-2222-3333-4444-555555555555:secret"
    sandbox = await make_sandbox(credential=key)
    headers = {"Authorization": f"Bearer {key}"}
    async with httpx.AsyncClient(base_url=sandbox.url, headers=headers) as http:
        without = await http.get(f"/meeting-type/{TEAM}")
        with_user = await http.get(
            f"/meeting-type/{TEAM}", headers={"x-meetergo-api-user-id": BERLIN}
        )
    assert without.status_code == 400
    assert with_user.status_code == 200


# ----- meeting type -------------------------------------------------------------------------


@pytest.mark.parametrize("prefix", ["", "/v4"])
async def test_meeting_type_shape(client: httpx.AsyncClient, prefix: str) -> None:
    response = await client.get(f"{prefix}/meeting-type/{TEAM}")
    assert response.status_code == 200
    body = response.json()
    assert body["id"] == TEAM
    assert body["slug"] == "intro-call"
    assert body["queueId"] == QUEUE
    assert body["spots"] == 1
    assert body["meetingInfo"] == {
        "name": "Intro call",
        "duration": 30,
        "channel": "connect",
        "bufferBefore": 0,
        "bufferAfter": 0,
        "description": "",
    }
    assert body["meetingOptions"]["allowedDurations"] == [15, 30, 60]
    # Extra fields a client must tolerate are present.
    assert set(body) - {"id", "slug", "queueId", "userId", "spots", "meetingInfo", "meetingOptions"}


async def test_single_host_meeting_type_has_user_and_no_queue(client: httpx.AsyncClient) -> None:
    body = (await client.get(f"/meeting-type/{SOLO}")).json()
    assert body["queueId"] is None
    assert body["userId"] == BERLIN
    assert body["meetingInfo"]["bufferAfter"] == 15


async def test_unknown_meeting_type_is_404(client: httpx.AsyncClient) -> None:
    response = await client.get("/meeting-type/nope")
    assert response.status_code == 404
    assert response.json()["statusCode"] == 404
    assert response.json()["error"] == "Not Found"


async def test_unknown_path_404_and_wrong_method_405(client: httpx.AsyncClient) -> None:
    assert (await client.get("/nowhere")).status_code == 404
    response = await client.get("/booking")
    assert response.status_code == 405
    assert response.headers["Allow"] == "POST"
    assert (await client.post(f"/meeting-type/{TEAM}", json={})).status_code == 405


# ----- availability -------------------------------------------------------------------------


async def test_availability_is_merged_sorted_utc_across_hosts(client: httpx.AsyncClient) -> None:
    frames = await availability(client, "2026-12-08T00:00:00Z", "2026-12-12T00:00:00Z")
    assert frames == [
        # Tue: Berlin 08-11 & 12-16 UTC joined with Lisbon 10-18 UTC.
        ("2026-12-08T08:00:00Z", "2026-12-08T18:00:00Z"),
        # Wed: Berlin's holiday leaves Lisbon only.
        ("2026-12-09T10:00:00Z", "2026-12-09T18:00:00Z"),
        # Thu: Lisbon's holiday leaves Berlin with its lunch gap.
        ("2026-12-10T08:00:00Z", "2026-12-10T11:00:00Z"),
        ("2026-12-10T12:00:00Z", "2026-12-10T16:00:00Z"),
        ("2026-12-11T08:00:00Z", "2026-12-11T18:00:00Z"),
    ]


async def test_availability_is_clipped_to_the_query(client: httpx.AsyncClient) -> None:
    # Thursday: Berlin only (08-11 and 12-16 UTC); the query's end carries a +01:00 offset.
    frames = await availability(client, "2026-12-10T09:30:00+00:00", "2026-12-10T14:00:00+01:00")
    assert frames == [
        ("2026-12-10T09:30:00Z", "2026-12-10T11:00:00Z"),
        ("2026-12-10T12:00:00Z", "2026-12-10T13:00:00Z"),
    ]


async def test_single_host_availability_with_host_ids(client: httpx.AsyncClient) -> None:
    span = {"start": "2026-12-08T00:00:00Z", "end": "2026-12-09T00:00:00Z"}
    for params in ({"hostIds": BERLIN}, {"hostIds": [BERLIN, BERLIN]}, {"hostIds": f"{BERLIN},"}):
        query = {"meetingTypeId": SOLO, **span, **params}
        response = await client.get("/booking-availability/v2", params=query)
        assert response.status_code == 200, response.text
        assert [(f["start"], f["end"]) for f in response.json()["timeframes"]] == [
            ("2026-12-08T08:00:00Z", "2026-12-08T11:00:00Z"),
            ("2026-12-08T12:00:00Z", "2026-12-08T16:00:00Z"),
        ]


async def test_team_availability_restricted_by_host_ids(client: httpx.AsyncClient) -> None:
    frames = await availability(
        client, "2026-12-08T00:00:00Z", "2026-12-09T00:00:00Z", queueId="", hostIds=LISBON
    )
    assert frames == [("2026-12-08T10:00:00Z", "2026-12-08T18:00:00Z")]


async def test_hours_follow_the_host_zone_across_dst(make_sandbox: Factory) -> None:
    # Europe switches to summer time on Sunday 2027-03-28.
    sandbox = await make_sandbox(clock=lambda: datetime(2027, 3, 22, 8, tzinfo=UTC))
    async with httpx.AsyncClient(base_url=sandbox.url, headers=AUTH) as http:
        friday = await availability(http, "2027-03-26T00:00:00Z", "2027-03-27T00:00:00Z")
        monday = await availability(http, "2027-03-29T00:00:00Z", "2027-03-30T00:00:00Z")
    assert friday == [("2027-03-26T08:00:00Z", "2027-03-26T18:00:00Z")]
    assert monday == [("2027-03-29T07:00:00Z", "2027-03-29T17:00:00Z")]


async def test_holiday_is_a_host_local_date(make_sandbox: Factory) -> None:
    # Auckland is UTC+13 in December: its Wednesday 9th runs from Tue 8th 11:00 UTC.
    auckland = Host(
        id="h-akl",
        name="Aroha",
        timezone="Pacific/Auckland",
        weekly_hours={d: [(time(9), time(17))] for d in WEEK},
        holidays={date(2026, 12, 9)},
    )
    kiwi = MeetingType(id="mt-akl", name="Kia ora", duration=30, user_id="h-akl")
    sandbox = await make_sandbox(hosts=[auckland], meeting_types=[kiwi])
    params = {"meetingTypeId": "mt-akl", "hostIds": "h-akl"}
    async with httpx.AsyncClient(base_url=sandbox.url, headers=AUTH) as http:
        frames = await availability(
            http, "2026-12-07T00:00:00Z", "2026-12-10T00:00:00Z", queueId="", **params
        )
    assert frames == [
        ("2026-12-07T20:00:00Z", "2026-12-08T04:00:00Z"),  # Auckland Tue 8th
        ("2026-12-09T20:00:00Z", "2026-12-10T00:00:00Z"),  # Auckland Thu 10th, clipped
    ]


async def test_minimum_notice_hides_the_next_two_hours(client: httpx.AsyncClient) -> None:
    frames = await availability(client, "2026-12-07T00:00:00Z", "2026-12-08T00:00:00Z")
    # Berlin opens 08:00 UTC, but nothing before now (08:00) + 120 minutes is offered.
    assert frames == [("2026-12-07T10:00:00Z", "2026-12-07T18:00:00Z")]
    response = await client.post("/booking", json=booking_body(start="2026-12-07T09:00:00Z"))
    assert response.status_code == 400
    assert response.json()["errorCode"] == "slot-occupied"


async def test_horizon_cuts_off_far_future(make_sandbox: Factory) -> None:
    sandbox = await make_sandbox(
        clock=lambda: datetime(2026, 12, 7, 13, 30, tzinfo=UTC),
        meeting_types=make_types(horizon_days=1),
    )
    async with httpx.AsyncClient(base_url=sandbox.url, headers=AUTH) as http:
        frames = await availability(http, "2026-12-07T00:00:00Z", "2026-12-10T00:00:00Z")
        late = await http.post("/booking", json=booking_body(start="2026-12-08T13:30:00Z"))
    assert frames == [
        ("2026-12-07T15:30:00Z", "2026-12-07T18:00:00Z"),
        ("2026-12-08T08:00:00Z", "2026-12-08T13:30:00Z"),
    ]
    assert late.status_code == 400


async def test_default_horizon_is_sixty_days(client: httpx.AsyncClient) -> None:
    frames = await availability(client, "2027-02-04T00:00:00Z", "2027-02-06T00:00:00Z")
    assert frames == [("2027-02-04T08:00:00Z", "2027-02-04T18:00:00Z")]


async def test_availability_needs_queue_or_hosts(client: httpx.AsyncClient) -> None:
    query = {"meetingTypeId": TEAM, "start": "2026-12-08T00:00:00Z", "end": "2026-12-09T00:00:00Z"}
    response = await client.get("/booking-availability/v2", params=query)
    assert response.status_code == 400
    assert response.json()["message"] == "Expected hostIds or queueId"


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"start": None}, "start"),
        ({"end": "tomorrow"}, "end"),
        ({"start": "2026-12-08T00:00:00"}, "start"),
        ({"end": "2026-12-07T00:00:00Z"}, "end"),
        ({"meetingTypeId": None}, "meetingTypeId"),
    ],
)
async def test_availability_query_validation(
    client: httpx.AsyncClient, params: dict[str, Any], field: str
) -> None:
    query = {
        "meetingTypeId": TEAM,
        "queueId": QUEUE,
        "start": "2026-12-08T00:00:00Z",
        "end": "2026-12-09T00:00:00Z",
    }
    query.update(params)
    clean = {k: v for k, v in query.items() if v is not None}
    response = await client.get("/booking-availability/v2", params=clean)
    assert response.status_code == 400
    assert field in error_fields(response)


async def test_availability_unknown_type_and_foreign_queue(client: httpx.AsyncClient) -> None:
    span = {"start": "2026-12-08T00:00:00Z", "end": "2026-12-09T00:00:00Z"}
    unknown = await client.get(
        "/booking-availability/v2", params={"meetingTypeId": "nope", "queueId": QUEUE, **span}
    )
    foreign = await client.get(
        "/booking-availability/v2", params={"meetingTypeId": SOLO, "queueId": QUEUE, **span}
    )
    stranger = await client.get(
        "/booking-availability/v2", params={"meetingTypeId": SOLO, "hostIds": LISBON, **span}
    )
    assert unknown.status_code == 404
    assert foreign.status_code == 400
    assert stranger.status_code == 400


# ----- booking ------------------------------------------------------------------------------


async def test_booking_succeeds_and_blocks_the_host_with_buffers(
    client: httpx.AsyncClient, sandbox: SandboxScheduling
) -> None:
    body = booking_body(meetingTypeId=SOLO, start="2026-12-08T10:00:00+01:00")
    del body["queueId"]
    response = await client.post("/booking", json=body)
    assert response.status_code == 201, response.text
    answer = response.json()
    assert set(answer) == {"appointmentId", "secret"}
    [booking] = sandbox.bookings
    assert booking.appointment_id == answer["appointmentId"]
    assert booking.host_id == BERLIN
    assert (booking.start, booking.end) == (utc("2026-12-08T09:00Z"), utc("2026-12-08T09:45Z"))
    assert booking.attendee["email"] == "ada@example.com"
    solo = {"meetingTypeId": SOLO, "hostIds": BERLIN, "queueId": ""}
    frames = await availability(client, "2026-12-08T00:00:00Z", "2026-12-09T00:00:00Z", **solo)
    # 45 minutes booked at 09:00 plus the 15-minute buffer on both sides of new meetings.
    assert frames == [
        ("2026-12-08T08:00:00Z", "2026-12-08T08:45:00Z"),
        ("2026-12-08T10:00:00Z", "2026-12-08T11:00:00Z"),
        ("2026-12-08T12:00:00Z", "2026-12-08T16:00:00Z"),
    ]


async def test_round_robin_fills_each_host_then_slot_occupied(
    client: httpx.AsyncClient, sandbox: SandboxScheduling
) -> None:
    statuses = [(await client.post("/v4/booking", json=booking_body())).status_code for _ in "abc"]
    assert statuses == [201, 201, 400]
    assert [b.host_id for b in sandbox.bookings] == [BERLIN, LISBON]
    last = await client.post("/booking", json=booking_body())
    assert last.json() == {
        "statusCode": 400,
        "errorCode": "slot-occupied",
        "message": "The selected slot is no longer available",
        "error": "Bad Request",
    }
    frames = await availability(client, "2026-12-08T00:00:00Z", "2026-12-09T00:00:00Z")
    assert frames == [
        ("2026-12-08T08:00:00Z", "2026-12-08T10:00:00Z"),
        ("2026-12-08T10:30:00Z", "2026-12-08T18:00:00Z"),
    ]


async def test_round_robin_prefers_the_least_booked_host(
    client: httpx.AsyncClient, sandbox: SandboxScheduling
) -> None:
    sandbox.add_booking(TEAM, BERLIN, utc("2026-12-11T08:00:00Z"))
    response = await client.post("/booking", json=booking_body())
    assert response.status_code == 201
    assert sandbox.bookings[-1].host_id == LISBON


async def test_meeting_must_fit_a_window_and_durations(
    client: httpx.AsyncClient, sandbox: SandboxScheduling
) -> None:
    # Thursday: only Berlin, whose morning ends 11:00 UTC; 60 minutes from 10:30 does not fit.
    late = booking_body(start="2026-12-10T10:30:00Z", duration=60)
    assert (await client.post("/booking", json=late)).status_code == 400
    short = booking_body(start="2026-12-10T10:30:00Z", duration=15)
    assert (await client.post("/booking", json=short)).status_code == 201
    assert sandbox.bookings[-1].end == utc("2026-12-10T10:45:00Z")


async def test_take_and_free_hosts(client: httpx.AsyncClient, sandbox: SandboxScheduling) -> None:
    start = utc("2026-12-08T10:00:00Z")
    assert sandbox.free_hosts(TEAM, start, 30) == [BERLIN, LISBON]
    sandbox.take(TEAM, start, host_id=BERLIN)
    assert sandbox.free_hosts(TEAM, start, 30) == [LISBON]
    sandbox.take(TEAM, start)
    assert sandbox.free_hosts(TEAM, start, 30) == []
    response = await client.post("/booking", json=booking_body())
    assert response.json()["errorCode"] == "slot-occupied"


async def test_concurrent_posts_for_last_free_host(
    client: httpx.AsyncClient, sandbox: SandboxScheduling
) -> None:
    sandbox.take(TEAM, utc("2026-12-08T10:00:00Z"), host_id=BERLIN)
    sandbox.latency = 0.05
    first, second = await asyncio.gather(
        client.post("/booking", json=booking_body()),
        client.post("/booking", json=booking_body()),
    )
    assert sorted([first.status_code, second.status_code]) == [201, 400]
    assert [b.host_id for b in sandbox.bookings] == [BERLIN, LISBON]


def _without(path: str) -> Callable[[dict[str, Any]], None]:
    def mutate(body: dict[str, Any]) -> None:
        *parents, leaf = path.split(".")
        target = body
        for key in parents:
            target = target[key]
        del target[leaf]

    return mutate


def _setting(path: str, value: Any) -> Callable[[dict[str, Any]], None]:
    def mutate(body: dict[str, Any]) -> None:
        *parents, leaf = path.split(".")
        target = body
        for key in parents:
            target = target[key]
        target[leaf] = value

    return mutate


def _on_solo(body: dict[str, Any]) -> None:
    body["meetingTypeId"] = SOLO


def _first_name_only(body: dict[str, Any]) -> None:
    del body["attendee"]["fullname"]
    body["attendee"]["firstname"] = "Ada"


@pytest.mark.parametrize(
    ("mutate", "field"),
    [
        (_without("meetingTypeId"), "meetingTypeId"),
        (_without("start"), "start"),
        (_setting("start", "2026-12-08T10:00:00"), "start"),
        (_setting("start", "next tuesday"), "start"),
        (_without("attendee"), "attendee"),
        (_without("attendee.email"), "attendee.email"),
        (_setting("attendee.email", "not-an-email"), "attendee.email"),
        (_without("attendee.fullname"), "attendee.fullname"),
        (_first_name_only, "attendee.lastname"),
        (_without("attendee.receiveReminders"), "attendee.receiveReminders"),
        (_setting("attendee.receiveReminders", "yes"), "attendee.receiveReminders"),
        (_without("attendee.notes"), "attendee.notes"),
        (_setting("attendee.language", "xx"), "attendee.language"),
        (_setting("attendee.timezone", "Mars/Olympus_Mons"), "attendee.timezone"),
        (
            _setting("attendee.bringalongEmails", [f"g{i}@example.com" for i in range(6)]),
            "attendee.bringalongEmails",
        ),
        (_setting("attendee.bringalongEmails", ["nope"]), "attendee.bringalongEmails.0"),
        (_setting("attendee.dataPolicyAccepted", "true"), "attendee.dataPolicyAccepted"),
        (_setting("attendee.phone", 4930123), "attendee.phone"),
        (_setting("duration", 45), "duration"),
        (_setting("channel", 7), "channel"),
        (_setting("icsTitle", "t" * 201), "icsTitle"),
        (_setting("icsDescription", "d" * 2001), "icsDescription"),
        (_without("queueId"), "queueId"),
        (_setting("queueId", "q-other"), "queueId"),
        (_on_solo, "queueId"),
        (_setting("hostIds", [LISBON]), "hostIds"),
    ],
)
async def test_booking_validation(
    client: httpx.AsyncClient,
    sandbox: SandboxScheduling,
    mutate: Callable[[dict[str, Any]], None],
    field: str,
) -> None:
    body = booking_body()
    if field == "hostIds":
        body = booking_body(meetingTypeId=SOLO)
        del body["queueId"]
    mutate(body)
    response = await client.post("/booking", json=body)
    assert response.status_code == 400, response.text
    payload = response.json()
    assert payload["error"] == "Bad Request"
    assert field in error_fields(response)
    assert any(m.startswith(field) for m in payload["message"])
    assert sandbox.bookings == []


async def test_validation_lists_every_problem(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/booking", json={"meetingTypeId": TEAM, "attendee": {"email": "bad"}}
    )
    assert response.status_code == 400
    assert error_fields(response) == {
        "start",
        "queueId",
        "attendee.email",
        "attendee.fullname",
        "attendee.receiveReminders",
        "attendee.notes",
    }
    assert len(response.json()["message"]) == 6


async def test_booking_accepts_every_optional_field(
    client: httpx.AsyncClient, sandbox: SandboxScheduling
) -> None:
    # The type lets the attendee choose the channel and bring guests (as the body does).
    sandbox.meeting_types[TEAM].allowed_channels = ["connect", "zoom"]
    sandbox.meeting_types[TEAM].allow_adding_guests = True
    attendee = {
        "email": "ada@example.com",
        "firstname": "Ada",
        "lastname": "Lovelace",
        "receiveReminders": False,
        "notes": {"company": "Analytical Engines"},
        "language": "de",
        "timezone": "Europe/Berlin",
        "bringalongEmails": [f"g{i}@example.com" for i in range(5)],
        "dataPolicyAccepted": True,
        "phone": "+49 30 123",
    }
    body = booking_body(
        attendee=attendee, duration=60, channel="zoom", icsTitle="t" * 200, icsDescription="d"
    )
    response = await client.post("/booking", json=body)
    assert response.status_code == 201, response.text
    assert sandbox.bookings[0].body == body


async def test_single_host_booking_with_host_ids(
    client: httpx.AsyncClient, sandbox: SandboxScheduling
) -> None:
    body = booking_body(meetingTypeId=SOLO, hostIds=[BERLIN])
    del body["queueId"]
    assert (await client.post("/booking", json=body)).status_code == 201
    assert (await client.post("/booking", json=body)).json()["errorCode"] == "slot-occupied"


async def test_non_json_body_and_unknown_type(client: httpx.AsyncClient) -> None:
    garbage = await client.post(
        "/booking", content=b"{not json", headers={"Content-Type": "application/json"}
    )
    assert garbage.status_code == 400
    listing = await client.post("/booking", json=[booking_body()])
    assert listing.status_code == 400
    unknown = await client.post("/booking", json=booking_body(meetingTypeId="nope"))
    assert unknown.status_code == 404


# ----- knobs --------------------------------------------------------------------------------


async def test_injected_503_twice_then_ok(
    client: httpx.AsyncClient, sandbox: SandboxScheduling
) -> None:
    sandbox.fail_next(2, status=503, path="/booking-availability/v2")
    # The path filter leaves other endpoints alone.
    assert (await client.get(f"/meeting-type/{TEAM}")).status_code == 200
    query = {"meetingTypeId": TEAM, "queueId": QUEUE}
    query |= {"start": "2026-12-08T00:00:00Z", "end": "2026-12-09T00:00:00Z"}
    statuses = [
        (await client.get("/booking-availability/v2", params=query)).status_code for _ in "abc"
    ]
    assert statuses == [503, 503, 200]


async def test_injected_429_with_retry_after(
    client: httpx.AsyncClient, sandbox: SandboxScheduling
) -> None:
    sandbox.fail_next(1, status=429, retry_after=2)
    response = await client.get(f"/meeting-type/{TEAM}")
    assert response.status_code == 429
    assert response.headers["Retry-After"] == "2"
    assert response.json()["message"] == "Too Many Requests"
    assert (await client.get(f"/meeting-type/{TEAM}")).status_code == 200


async def test_injected_malformed_json(
    client: httpx.AsyncClient, sandbox: SandboxScheduling
) -> None:
    sandbox.fail_next(1, kind="malformed", path="/booking")
    response = await client.post("/v4/booking", json=booking_body())
    assert response.status_code == 200
    with pytest.raises(ValueError):  # noqa: PT011 - json's error is a ValueError subclass
        response.json()
    assert sandbox.bookings == []


async def test_injected_timeout(client: httpx.AsyncClient, sandbox: SandboxScheduling) -> None:
    sandbox.fail_next(1, kind="timeout", path="/booking")
    with pytest.raises(httpx.ReadTimeout):
        await client.post("/booking", json=booking_body(), timeout=0.3)
    assert sandbox.calls[-1].status == 0
    assert (await client.post("/booking", json=booking_body())).status_code == 201


async def test_failures_are_consumed_in_order(
    client: httpx.AsyncClient, sandbox: SandboxScheduling
) -> None:
    sandbox.fail_next(1, status=500)
    sandbox.fail_next(1, status=502)
    codes = [(await client.get(f"/meeting-type/{TEAM}")).status_code for _ in "abc"]
    assert codes == [500, 502, 200]
    with pytest.raises(ValueError, match="kind"):
        sandbox.fail_next(1, kind="explode")
    with pytest.raises(ValueError, match="at least"):
        sandbox.fail_next(0)


async def test_latency_delays_every_answer(
    client: httpx.AsyncClient, sandbox: SandboxScheduling
) -> None:
    sandbox.latency = 0.2
    began = monotonic.perf_counter()
    await client.get(f"/meeting-type/{TEAM}")
    assert monotonic.perf_counter() - began >= 0.2


async def test_call_log_records_everything_without_credential(
    sandbox: SandboxScheduling, client: httpx.AsyncClient
) -> None:
    await client.get(f"/meeting-type/{TEAM}")
    await client.post("/booking", json=booking_body())
    async with httpx.AsyncClient(base_url=sandbox.url) as anonymous:
        await anonymous.get("/booking-availability/v2", params={"queueId": QUEUE})
    first, second, third = sandbox.calls
    assert (first.method, first.path, first.status) == ("GET", f"/meeting-type/{TEAM}", 200)
    assert (second.method, second.path, second.status) == ("POST", "/booking", 201)
    assert second.json == booking_body()
    assert third.status == 401
    assert third.query == {"queueId": QUEUE}
    assert "authorization" not in {k.lower() for k in third.headers}
    assert first.headers["Authorization"] != AUTH["Authorization"]
    assert TOKEN not in repr(sandbox.calls)


# ----- defaults and standalone --------------------------------------------------------------


def test_defaults_are_a_two_zone_team_and_a_single_host_type() -> None:
    sandbox = SandboxScheduling(clock=lambda: NOW)
    hosts = list(sandbox.hosts.values())
    assert len(hosts) == 2
    assert hosts[0].timezone != hosts[1].timezone
    for host in hosts:
        [holiday] = host.holidays
        today = NOW.astimezone(ZoneInfo(host.timezone)).date()
        assert 0 < (holiday - today).days <= 7
    team, solo = sandbox.meeting_types.values()
    assert (team.name, team.duration, team.durations()) == ("Intro call", 30, [30])
    assert team.queue_id is not None
    assert solo.durations() == [45, 30, 60], "one of the two lets the customer choose a length"
    assert team.team() == [h.id for h in hosts]
    assert solo.queue_id is None
    assert solo.user_id == hosts[0].id
    assert sandbox.credential.startswith("rgo-")


async def test_default_sandbox_books_over_http() -> None:
    async with SandboxScheduling(clock=lambda: NOW) as sandbox:
        team = next(iter(sandbox.meeting_types.values()))
        async with httpx.AsyncClient(
            base_url=sandbox.url, headers={"Authorization": f"Bearer {sandbox.credential}"}
        ) as http:
            query = {"meetingTypeId": team.id, "queueId": team.queue_id}
            query |= {"start": "2026-12-08T00:00:00Z", "end": "2026-12-09T00:00:00Z"}
            frames = (await http.get("/booking-availability/v2", params=query)).json()
            first_start = frames["timeframes"][0]["start"]
            body = booking_body(meetingTypeId=team.id, queueId=team.queue_id, start=first_start)
            booked = await http.post("/booking", json=body)
    assert booked.status_code == 201


@pytest.mark.parametrize("command", [["bot.sandbox.scheduling"], ["bot", "sandbox"]])
async def test_standalone_prints_url_and_stops_on_sigterm(command: list[str]) -> None:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        *command,
        "--port",
        "0",
        stdout=asyncio.subprocess.PIPE,
        env={**os.environ, "PYTHONWARNINGS": "error"},
    )
    assert process.stdout is not None
    line = (await asyncio.wait_for(process.stdout.readline(), timeout=10)).decode()
    fields = dict(part.split("=", 1) for part in line.split()[2:])
    async with httpx.AsyncClient(
        base_url=fields["url"], headers={"Authorization": f"Bearer {fields['credential']}"}
    ) as http:
        type_id = fields["meeting_types"].split(",")[0]
        assert (await http.get(f"/meeting-type/{type_id}")).status_code == 200
    process.send_signal(signal.SIGTERM)
    assert await asyncio.wait_for(process.wait(), timeout=10) == 0


def test_naive_datetimes_are_refused_by_helpers() -> None:
    sandbox = SandboxScheduling(hosts=make_hosts(), meeting_types=make_types(), clock=lambda: NOW)
    with pytest.raises(ValueError, match="timezone-aware"):
        sandbox.free_hosts(TEAM, datetime(2026, 12, 8, 10), 30)
    assert sandbox.bookings == []


async def test_rival_customer_takes_the_start_of_the_next_booking(
    client: httpx.AsyncClient, sandbox: SandboxScheduling
) -> None:
    sandbox.rival_books_first()
    first = await client.post("/booking", json=booking_body())
    assert first.status_code == 400
    assert first.json()["errorCode"] == "slot-occupied"
    assert len(sandbox.bookings) == 2  # the rival's, one per host
    assert all(b.attendee == {} or "email" not in b.attendee for b in sandbox.bookings)
    later = booking_body()
    later["start"] = "2026-12-08T14:00:00Z"
    assert (await client.post("/booking", json=later)).status_code == 201
