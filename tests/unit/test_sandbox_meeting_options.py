"""What a meetergo meeting type configures beyond its questions, as the sandbox serves and
enforces it: names per language, enabled, channels, locations, host selection, guests and
confirmation; the meeting type list and the queue endpoints; pending bookings confirmed."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
import pytest_asyncio

from bot.sandbox.scheduling import SandboxScheduling
from bot.sandbox.scheduling_defaults import INTRO_CALL_ID, PRODUCT_DEMO_ID
from bot.sandbox.script_sandbox import build_sandbox, read_sandbox
from tests.unit.test_sandbox_scheduling import (
    AUTH,
    BERLIN,
    LISBON,
    NOW,
    QUEUE,
    SOLO,
    TEAM,
    TOKEN,
    booking_body,
    error_fields,
    make_hosts,
    make_types,
    utc,
)

SPAN = {"start": "2026-12-08T00:00:00Z", "end": "2026-12-09T00:00:00Z"}
HAMBURG = "Marktplatz 2, 20095 Hamburg"
BERLIN_OFFICE = "Hauptstr. 1, 10115 Berlin"


@pytest_asyncio.fixture
async def sandbox() -> AsyncIterator[SandboxScheduling]:
    server = SandboxScheduling(
        credential=TOKEN, hosts=make_hosts(), meeting_types=make_types(), clock=lambda: NOW
    )
    await server.start()
    yield server
    await server.stop()


@pytest_asyncio.fixture
async def client(sandbox: SandboxScheduling) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=sandbox.url, headers=AUTH, timeout=5) as http:
        yield http


def team(sandbox: SandboxScheduling, **settings: Any) -> None:
    """Configure the team type (a round-robin queue of Berlin and Lisbon)."""
    for key, value in settings.items():
        assert hasattr(sandbox.meeting_types[TEAM], key), key
        setattr(sandbox.meeting_types[TEAM], key, value)


def chosen(*host_ids: str, **overrides: Any) -> dict[str, Any]:
    """A team booking whose attendee picked hosts: hostIds and no queueId."""
    body = booking_body(hostIds=list(host_ids), **overrides)
    del body["queueId"]
    return body


def with_attendee(body: dict[str, Any], **attendee: Any) -> dict[str, Any]:
    body["attendee"] = {**body["attendee"], **attendee}
    return body


async def refused(
    client: httpx.AsyncClient, sandbox: SandboxScheduling, body: dict[str, Any]
) -> tuple[set[str], list[str]]:
    """Post a booking that must be refused; the fields and sentences of the answer."""
    response = await client.post("/booking", json=body)
    assert response.status_code == 400, response.text
    payload = response.json()
    assert payload["statusCode"] == 400
    assert payload["error"] == "Bad Request"
    assert sandbox.bookings == []
    return error_fields(response), payload["message"]


# ----- the meeting type's JSON -----------------------------------------------------------------


async def test_a_plain_type_serialises_its_options(client: httpx.AsyncClient) -> None:
    body = (await client.get(f"/v4/meeting-type/{TEAM}")).json()
    assert body["enabled"] is True
    assert body["locations"] == []
    assert "isActive" not in body
    assert body["meetingInfo"]["name"] == "Intro call"
    assert body["meetingInfo"]["description"] == ""
    assert body["meetingOptions"] == {
        "allowedDurations": [15, 30, 60],
        "allowPhoneOnlyBooking": False,
        "allowedChannels": ["connect"],
        "allowSelectChannel": False,
        "allowHostSelection": False,
        "forceHostSelection": False,
        "allowAddingGuests": False,
        "doubleOptIn": False,
        "requireHostConfirmation": False,
        "timeslotInterval": 15,
        "bookingMinimum": 120,
        "daysIntoFuture": {"mode": "rolling", "bookingLimit": 60, "countMode": "calendar"},
    }


async def test_a_configured_type_serialises_every_option(
    client: httpx.AsyncClient, sandbox: SandboxScheduling
) -> None:
    team(
        sandbox,
        names={"de": "Erstgespräch", "fr": "Premier appel"},
        description="A first talk",
        channel="local",
        allowed_channels=["local", "zoom", "phone"],
        locations=[BERLIN_OFFICE, HAMBURG],
        force_host_selection=True,
        allow_adding_guests=True,
        booking_type="DoubleOptIn",
        slot_interval=None,
        minimum_notice_minutes=1440,
        horizon_days=14,
    )
    body = (await client.get(f"/meeting-type/{TEAM}")).json()
    assert body["meetingInfo"]["name"] == {
        "en": "Intro call",
        "de": "Erstgespräch",
        "fr": "Premier appel",
    }
    assert body["meetingInfo"]["description"] == "A first talk"
    assert body["meetingInfo"]["channel"] == "local"
    assert body["locations"] == [BERLIN_OFFICE, HAMBURG]
    options = body["meetingOptions"]
    assert options["allowedChannels"] == ["local", "zoom", "phone"]
    assert options["allowSelectChannel"] is True
    # Forcing the choice of a host is allowing it too.
    assert (options["allowHostSelection"], options["forceHostSelection"]) == (True, True)
    assert options["allowAddingGuests"] is True
    assert (options["doubleOptIn"], options["requireHostConfirmation"]) == (True, False)
    assert options["timeslotInterval"] == 30  # no interval of its own: the duration
    assert options["bookingMinimum"] == 1440
    assert options["daysIntoFuture"]["bookingLimit"] == 14
    sandbox.meeting_types[TEAM].booking_type = "requireHostConfirmation"
    options = (await client.get(f"/meeting-type/{TEAM}")).json()["meetingOptions"]
    assert (options["doubleOptIn"], options["requireHostConfirmation"]) == (False, True)


async def test_the_list_is_a_bare_array_with_inactive_types(
    client: httpx.AsyncClient, sandbox: SandboxScheduling
) -> None:
    sandbox.meeting_types[SOLO].enabled = False
    response = await client.get("/v4/meeting-type")
    assert response.status_code == 200, response.text
    listed = response.json()
    assert isinstance(listed, list)
    assert [(t["id"], t["enabled"]) for t in listed] == [(TEAM, True), (SOLO, False)]
    assert listed[0]["meetingInfo"]["duration"] == 30
    # One type by its id still answers, the inactive one too.
    for prefix in ("", "/v4"):
        one = await client.get(f"{prefix}/meeting-type/{SOLO}")
        assert one.status_code == 200
        assert one.json()["enabled"] is False
    # The list lives at v4 only; POST is no method of it.
    assert (await client.get("/meeting-type")).status_code == 404
    assert (await client.post("/v4/meeting-type", json={})).status_code == 405


# ----- the queue -------------------------------------------------------------------------------


async def test_the_queue_names_its_hosts_in_team_order(
    client: httpx.AsyncClient, sandbox: SandboxScheduling
) -> None:
    team(sandbox, host_ids=[LISBON, BERLIN])
    response = await client.get(f"/v4/queue/{QUEUE}")
    assert response.status_code == 200, response.text
    assert response.json() == {
        "id": QUEUE,
        "name": "Intro call",
        "users": [
            {
                "id": LISBON,
                "givenName": "Luis",
                "familyName": "Lisbon",
                "fullName": "Luis Lisbon",
                "slug": "luis-lisbon",
                "picture": None,
            },
            {
                "id": BERLIN,
                "givenName": "Berta",
                "familyName": "Berlin",
                "fullName": "Berta Berlin",
                "slug": "berta-berlin",
                "picture": None,
            },
        ],
    }


async def test_a_one_word_name_and_an_unknown_queue(
    client: httpx.AsyncClient, sandbox: SandboxScheduling
) -> None:
    sandbox.hosts[BERLIN].name = "Cher"
    users = (await client.get(f"/v4/queue/{QUEUE}")).json()["users"]
    assert (users[0]["givenName"], users[0]["familyName"], users[0]["fullName"]) == (
        "Cher",
        "",
        "Cher",
    )
    unknown = await client.get("/v4/queue/q-nope")
    assert unknown.status_code == 404
    assert unknown.json() == {
        "statusCode": 404,
        "message": "Queue not found",
        "error": "Not Found",
    }


# ----- hosts -----------------------------------------------------------------------------------


async def test_queue_and_host_ids_cannot_be_combined(
    client: httpx.AsyncClient, sandbox: SandboxScheduling
) -> None:
    team(sandbox, allow_host_selection=True)
    fields, messages = await refused(client, sandbox, booking_body(hostIds=[BERLIN]))
    assert "queueId" in fields
    assert "queueId and hostIds cannot be combined" in messages
    for path in ("/booking-availability/v2", "/v4/booking-availability"):
        query = {"meetingTypeId": TEAM, "queueId": QUEUE, "hostIds": BERLIN, **SPAN}
        response = await client.get(path, params=query)
        assert response.status_code == 400
        assert response.json()["message"] == ["queueId and hostIds cannot be combined"]


async def test_host_ids_on_a_queue_type_need_host_selection(
    client: httpx.AsyncClient, sandbox: SandboxScheduling
) -> None:
    fields, messages = await refused(client, sandbox, chosen(BERLIN))
    assert fields == {"hostIds"}
    assert messages == ["host selection is not allowed for this meeting type"]
    # Availability may still be narrowed to one host of the queue.
    query = {"meetingTypeId": TEAM, "hostIds": LISBON, **SPAN}
    response = await client.get("/booking-availability/v2", params=query)
    assert response.status_code == 200, response.text
    assert response.json()["timeframes"] == [
        {"start": "2026-12-08T10:00:00Z", "end": "2026-12-08T18:00:00Z"}
    ]


async def test_a_chosen_host_must_be_of_the_team(
    client: httpx.AsyncClient, sandbox: SandboxScheduling
) -> None:
    team(sandbox, allow_host_selection=True, host_ids=[BERLIN])
    fields, messages = await refused(client, sandbox, chosen(LISBON))
    assert fields == {"hostIds"}
    assert messages == ["hostIds must only name hosts of this meeting type"]
    query = {"meetingTypeId": TEAM, "hostIds": LISBON, **SPAN}
    response = await client.get("/v4/booking-availability", params=query)
    assert response.status_code == 400


async def test_forced_host_selection_refuses_the_queue(
    client: httpx.AsyncClient, sandbox: SandboxScheduling
) -> None:
    team(sandbox, force_host_selection=True)
    fields, messages = await refused(client, sandbox, booking_body())
    assert fields == {"hostIds"}
    assert messages == ["a host must be chosen for this meeting type"]
    response = await client.post("/booking", json=chosen(BERLIN))
    assert response.status_code == 201, response.text
    assert sandbox.bookings[0].host_id == BERLIN


async def test_a_chosen_host_is_booked(
    client: httpx.AsyncClient, sandbox: SandboxScheduling
) -> None:
    team(sandbox, allow_host_selection=True)
    # Round robin would give Berlin this start (both free, neither booked): the choice wins.
    assert sandbox.free_hosts(TEAM, utc("2026-12-08T10:00:00Z"), 30) == [BERLIN, LISBON]
    body = chosen(LISBON)
    response = await client.post("/booking", json=body)
    assert response.status_code == 201, response.text
    booking = sandbox.bookings[0]
    assert booking.host_id == LISBON
    assert booking.body == body
    assert "queueId" not in booking.body
    appointment = (await client.get(f"/v4/appointment/{booking.appointment_id}")).json()
    assert appointment["hosts"] == [{"id": LISBON, "name": "Luis Lisbon"}]
    # Several chosen hosts of the team: booked on one of them, the queue still unnamed.
    several = chosen(BERLIN, LISBON, start="2026-12-08T11:00:00Z")
    assert (await client.post("/booking", json=several)).status_code == 201


# ----- channels and locations ------------------------------------------------------------------


async def test_a_channel_outside_the_allowed_ones_is_refused(
    client: httpx.AsyncClient, sandbox: SandboxScheduling
) -> None:
    fields, messages = await refused(client, sandbox, booking_body(channel="zoom"))
    assert fields == {"channel"}
    assert messages == ["channel is not allowed for this meeting type"]
    team(sandbox, allowed_channels=["zoom", "phone"])
    for channel in ("connect", "zoom", "phone"):  # the default stays allowed
        start = {"connect": "10:00", "zoom": "10:15", "phone": "10:30"}[channel]
        body = booking_body(channel=channel, start=f"2026-12-08T{start}:00Z")
        response = await client.post("/booking", json=body)
        assert response.status_code == 201, response.text
    sandbox.bookings.clear()
    assert (await refused(client, sandbox, booking_body(channel="webex")))[0] == {"channel"}


async def test_a_location_must_be_one_of_the_types(
    client: httpx.AsyncClient, sandbox: SandboxScheduling
) -> None:
    team(sandbox, channel="local", locations=[BERLIN_OFFICE, HAMBURG])
    fields, messages = await refused(client, sandbox, booking_body(location="Mars"))
    assert fields == {"location"}
    assert messages == ["location must be one of this meeting type's locations"]
    fields, messages = await refused(client, sandbox, booking_body(location=7))
    assert messages == ["location must be a string"]


@pytest.mark.parametrize("channel", [None, "local"])
async def test_in_person_among_several_locations_needs_one(
    client: httpx.AsyncClient, sandbox: SandboxScheduling, channel: str | None
) -> None:
    team(sandbox, channel="local", allowed_channels=["local", "zoom"])
    team(sandbox, locations=[BERLIN_OFFICE, HAMBURG])
    body = booking_body() if channel is None else booking_body(channel=channel)
    fields, messages = await refused(client, sandbox, body)
    assert fields == {"location"}
    assert messages == ["location should not be empty"]
    # Online, no address is needed.
    response = await client.post("/booking", json=booking_body(channel="zoom"))
    assert response.status_code == 201, response.text


async def test_one_location_needs_no_choice(
    client: httpx.AsyncClient, sandbox: SandboxScheduling
) -> None:
    team(sandbox, channel="local", locations=[HAMBURG])
    response = await client.post("/booking", json=booking_body())
    assert response.status_code == 201, response.text


@pytest.mark.parametrize(
    ("address", "sentence"),
    [
        (None, "attendee.notes.address should not be empty"),
        ("  ", "attendee.notes.address should not be empty"),
        (12, "attendee.notes.address must be a string"),
    ],
)
async def test_at_the_attendees_needs_their_address(
    client: httpx.AsyncClient, sandbox: SandboxScheduling, address: object, sentence: str
) -> None:
    team(sandbox, allowed_channels=["connect", "local-attendee"])
    notes = {} if address is None else {"address": address}
    body = with_attendee(booking_body(channel="local-attendee"), notes=notes)
    fields, messages = await refused(client, sandbox, body)
    assert fields == {"attendee.notes.address"}
    assert messages == [sentence]
    body["attendee"]["notes"] = {"address": "Gartenweg 3, 14467 Potsdam"}
    assert (await client.post("/booking", json=body)).status_code == 201


# ----- guests ----------------------------------------------------------------------------------


async def test_guests_only_where_the_type_offers_them(
    client: httpx.AsyncClient, sandbox: SandboxScheduling
) -> None:
    body = with_attendee(booking_body(), bringalongEmails=["grace@example.com"])
    fields, messages = await refused(client, sandbox, body)
    assert fields == {"attendee.bringalongEmails"}
    assert messages == ["guests are not allowed for this meeting type"]
    # An empty list brings nobody, so it is no guest.
    empty = with_attendee(booking_body(), bringalongEmails=[])
    assert (await client.post("/booking", json=empty)).status_code == 201


async def test_more_than_five_guests_stay_refused(
    client: httpx.AsyncClient, sandbox: SandboxScheduling
) -> None:
    team(sandbox, allow_adding_guests=True)
    guests = [f"g{i}@example.com" for i in range(6)]
    fields, messages = await refused(
        client, sandbox, with_attendee(booking_body(), bringalongEmails=guests)
    )
    assert fields == {"attendee.bringalongEmails"}
    assert messages == ["attendee.bringalongEmails must contain no more than 5 elements"]


async def test_in_person_at_the_second_location_with_two_guests(
    client: httpx.AsyncClient, sandbox: SandboxScheduling
) -> None:
    team(sandbox, channel="zoom", allowed_channels=["zoom", "local"], allow_adding_guests=True)
    team(sandbox, locations=[BERLIN_OFFICE, HAMBURG])
    guests = ["grace@example.com", "alan@example.com"]
    body = with_attendee(booking_body(channel="local", location=HAMBURG), bringalongEmails=guests)
    response = await client.post("/booking", json=body)
    assert response.status_code == 201, response.text
    stored = sandbox.bookings[0].body
    assert (stored["channel"], stored["location"]) == ("local", HAMBURG)
    assert stored["attendee"]["bringalongEmails"] == guests


# ----- inactive types --------------------------------------------------------------------------


async def test_an_inactive_type_is_neither_offered_nor_bookable(
    client: httpx.AsyncClient, sandbox: SandboxScheduling
) -> None:
    team(sandbox, enabled=False)
    inactive = {"statusCode": 400, "message": "This meeting type is not active"}
    booking = await client.post("/booking", json=booking_body())
    assert booking.status_code == 400
    assert booking.json() == {**inactive, "error": "Bad Request"}
    for path in ("/booking-availability/v2", "/v4/booking-availability"):
        query = {"meetingTypeId": TEAM, "queueId": QUEUE, **SPAN}
        response = await client.get(path, params=query)
        assert response.status_code == 400
        assert response.json()["message"] == inactive["message"]
    # A body that is wrong in itself is told so first.
    broken = await client.post("/booking", json=booking_body(start="soon"))
    assert error_fields(broken) == {"start"}
    assert sandbox.bookings == []
    assert (await client.get(f"/v4/meeting-type/{TEAM}")).json()["enabled"] is False


# ----- pending bookings ------------------------------------------------------------------------


async def test_a_pending_booking_is_confirmed_under_a_new_id(
    client: httpx.AsyncClient, sandbox: SandboxScheduling
) -> None:
    team(sandbox, booking_type="DoubleOptIn")
    response = await client.post("/booking", json=booking_body())
    assert response.status_code == 201, response.text
    answer = response.json()
    provisional = answer["provisionalBookingId"]
    assert answer == {"bookingType": "DoubleOptIn", "provisionalBookingId": provisional}
    page = {"page": "0", "pageSize": "10"}
    assert (await client.get(f"/v4/appointment/{provisional}")).status_code == 404
    assert (await client.get("/v4/appointment/paginated", params=page)).json()["total"] == 0
    booking = sandbox.confirm_pending(provisional)
    assert not booking.pending
    assert booking.appointment_id != provisional
    made = await client.get(f"/v4/appointment/{booking.appointment_id}")
    assert made.status_code == 200
    assert made.json()["start"] == "2026-12-08T10:00:00Z"
    listed = (await client.get("/v4/appointment/paginated", params=page)).json()
    assert [a["id"] for a in listed["appointments"]] == [booking.appointment_id]
    assert (await client.get(f"/v4/appointment/{provisional}")).status_code == 404
    with pytest.raises(KeyError):
        sandbox.confirm_pending(provisional)  # confirmed already
    with pytest.raises(KeyError):
        sandbox.confirm_pending(booking.appointment_id)  # a made appointment waits for nothing
    with pytest.raises(KeyError):
        sandbox.confirm_pending("nope")


# ----- a script's sandbox section --------------------------------------------------------------


def test_a_script_configures_the_options() -> None:
    spec = read_sandbox(
        {
            "meeting_types": {
                "Intro call": {
                    "names": {"de": "Erstgespräch"},
                    "channel": "local",
                    "channels": ["local", "zoom"],
                    "locations": [BERLIN_OFFICE, HAMBURG],
                    "allow_host_selection": True,
                    "force_host_selection": False,
                    "allow_adding_guests": True,
                    "booking_type": "requireHostConfirmation",
                },
                "Product demo": {"enabled": False},
            }
        }
    )
    sandbox = build_sandbox(spec, lambda: NOW)
    intro = sandbox.meeting_types[INTRO_CALL_ID]
    assert intro.names == {"de": "Erstgespräch"}
    assert (intro.channel, intro.allowed_channels) == ("local", ["local", "zoom"])
    assert intro.locations == [BERLIN_OFFICE, HAMBURG]
    assert (intro.allow_host_selection, intro.force_host_selection) == (True, False)
    assert intro.allow_adding_guests is True
    assert intro.booking_type == "requireHostConfirmation"
    assert intro.enabled is True
    demo = sandbox.meeting_types[PRODUCT_DEMO_ID]
    assert demo.enabled is False
    assert (demo.channel, demo.allowed_channels, demo.locations) == ("zoom", [], [])


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"enabled": "no"}, "Intro call.enabled: expected true or false"),
        ({"allow_adding_guests": 1}, "allow_adding_guests: expected true or false"),
        ({"force_host_selection": None}, "force_host_selection: expected true or false"),
        ({"allow_host_selection": "yes"}, "allow_host_selection: expected true or false"),
        ({"channel": "skype"}, "Intro call.channel: expected one of local, local-attendee"),
        ({"channels": "zoom"}, "Intro call.channels: expected a list"),
        ({"channels": ["zoom", "skype"]}, "Intro call.channels: expected one of"),
        ({"channels": ["zoom", "zoom"]}, "Intro call.channels: zoom, zoom names one twice"),
        ({"locations": []}, "Intro call.locations: expected a list"),
        ({"locations": ["Here", 3]}, "Intro call.locations: expected texts, got 3"),
        ({"names": ["Erstgespräch"]}, "Intro call.names: expected language codes and names"),
        ({"names": {"xx": "Hallo"}}, "Intro call.names: 'xx' is no language"),
        ({"names": {"de": ""}}, "Intro call.names.de: expected a name"),
        ({"booking_type": "optIn"}, "booking_type: expected one of doubleOptIn, requireHost"),
        ({"colour": "red"}, "expected a mapping with some of questions"),
    ],
)
def test_a_scripts_wrong_option_is_named(settings: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=f"^sandbox.meeting_types.*{message}"):
        read_sandbox({"meeting_types": {"Intro call": settings}})
