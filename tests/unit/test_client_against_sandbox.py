"""The real client against the sandbox over loopback: the whole booking recipe, to exhaustion."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import pytest_asyncio
from pydantic import SecretStr

from bot.availability import AvailabilityService
from bot.booking_ledger import BookingLedger
from bot.bookings import AttendeeDetails, BookingService
from bot.meetergo import (
    Attendee,
    AuthenticationError,
    BookingRequest,
    MeetergoClient,
    SlotTakenError,
    UnavailableError,
)
from bot.sandbox.scheduling import SandboxScheduling
from bot.sandbox.scheduling_defaults import INTRO_CALL_ID, PRODUCT_DEMO_ID

NOW = datetime(2026, 12, 7, 7, 0, tzinfo=UTC)  # a Monday morning before anyone works


@pytest_asyncio.fixture
async def sandbox() -> AsyncIterator[SandboxScheduling]:
    async with SandboxScheduling(clock=lambda: NOW) as server:
        yield server


@pytest_asyncio.fixture
async def client(sandbox: SandboxScheduling) -> AsyncIterator[MeetergoClient]:
    async def no_sleep(_: float) -> None:
        return None

    meetergo = MeetergoClient(
        base_url=sandbox.url, api_key=SecretStr(sandbox.credential), sleep=no_sleep
    )
    yield meetergo
    await meetergo.aclose()


def attendee(index: int) -> Attendee:
    return Attendee(
        email=f"customer{index}@example.org",
        fullname=f"Customer {index}",
        language="en",
        timezone="Europe/Berlin",
        data_policy_accepted=True,
    )


async def test_recipe_books_every_host_then_reports_slot_taken(
    sandbox: SandboxScheduling, client: MeetergoClient
) -> None:
    meeting_type = await client.meeting_type(INTRO_CALL_ID)
    assert meeting_type.queue_id
    availability = await client.availability(meeting_type, NOW, NOW + timedelta(days=14))
    assert availability.timeframes
    first = availability.timeframes[0]
    start = first.start
    assert first.end - start >= timedelta(minutes=meeting_type.duration)

    team_size = len(sandbox.meeting_types[INTRO_CALL_ID].host_ids)
    free_at_start = len(sandbox.free_hosts(INTRO_CALL_ID, start, meeting_type.duration))
    assert 1 <= free_at_start <= team_size
    for index in range(free_at_start):
        request = BookingRequest.for_meeting_type(
            meeting_type, start=start, attendee=attendee(index)
        )
        confirmation = await client.book(request)
        assert confirmation.appointment_id
    assert len({booking.host_id for booking in sandbox.bookings}) == free_at_start

    with pytest.raises(SlotTakenError):
        await client.book(
            BookingRequest.for_meeting_type(meeting_type, start=start, attendee=attendee(99))
        )
    after = await client.availability(meeting_type, NOW, NOW + timedelta(days=14))
    assert all(not (f.start <= start < f.end) for f in after.timeframes)
    received = sandbox.bookings[0].body
    assert received["queueId"] == meeting_type.queue_id
    assert received["attendee"]["receiveReminders"] is True
    assert received["attendee"]["notes"] == {}


async def test_single_host_type_books_with_host_ids(
    sandbox: SandboxScheduling, client: MeetergoClient
) -> None:
    meeting_type = await client.meeting_type(PRODUCT_DEMO_ID)
    assert meeting_type.queue_id is None
    listed = await client.spots(meeting_type, NOW, NOW + timedelta(days=7), duration=45)
    start = (listed.starts() or [])[0]
    await client.book(
        BookingRequest.for_meeting_type(meeting_type, start=start, attendee=attendee(1))
    )
    assert sandbox.bookings[0].body["hostIds"] == [meeting_type.user_id]
    assert "queueId" not in sandbox.bookings[0].body


async def test_services_offer_only_bookable_starts_and_book_them(
    sandbox: SandboxScheduling, client: MeetergoClient, tmp_path: Path
) -> None:
    service = AvailabilityService(
        client, [INTRO_CALL_ID], grid_zone="Europe/Berlin", clock=lambda: NOW
    )
    starts = await service.starts(NOW, NOW + timedelta(days=14))
    assert starts
    assert all(start.astimezone(ZoneInfo("Europe/Berlin")).minute in (0, 30) for start in starts)
    bookings = BookingService(client, service, BookingLedger(tmp_path / "ledger.sqlite3"))
    customer = AttendeeDetails("Ada Lovelace", "ada@example.org", "de", "America/New_York", 42)
    await bookings.book(starts[-1], customer, chat_id=42)
    body = sandbox.bookings[0].body
    assert body["attendee"]["firstname"] == "Ada"
    assert body["attendee"]["lastname"] == "Lovelace"
    assert body["attendee"]["language"] == "de"
    assert body["attendee"]["timezone"] == "America/New_York"
    assert body["attendee"]["notes"]["telegramUserId"] == "42"


async def test_availability_calls_are_shared_between_customers(
    sandbox: SandboxScheduling, client: MeetergoClient
) -> None:
    service = AvailabilityService(
        client, [INTRO_CALL_ID], grid_zone="Europe/Berlin", clock=lambda: NOW
    )
    window = (NOW, NOW + timedelta(days=14))
    sandbox.latency = 0.05
    answers = await asyncio.gather(*(service.starts(*window) for _ in range(20)))
    assert all(answer == answers[0] for answer in answers)
    availability_calls = [c for c in sandbox.calls if c.path.endswith("booking-availability/v2")]
    assert len(availability_calls) == 1


async def test_sandbox_failures_reach_the_client_as_their_kinds(
    sandbox: SandboxScheduling, client: MeetergoClient
) -> None:
    sandbox.fail_next(3, status=503)
    with pytest.raises(UnavailableError):
        await client.meeting_type(INTRO_CALL_ID)
    assert len(sandbox.calls) == 3
    wrong = MeetergoClient(base_url=sandbox.url, api_key=SecretStr("rgo-wrong"))
    with pytest.raises(AuthenticationError):
        await wrong.meeting_type(INTRO_CALL_ID)
    await wrong.aclose()


async def test_availability_is_kept_per_meeting_type_and_duration(
    sandbox: SandboxScheduling, client: MeetergoClient
) -> None:
    service = AvailabilityService(
        client, [INTRO_CALL_ID, PRODUCT_DEMO_ID], grid_zone="Europe/Berlin", clock=lambda: NOW
    )
    window = (NOW, NOW + timedelta(days=14))
    sandbox.latency = 0.05
    intro, demo, *many = await asyncio.gather(
        service.starts(*window, meeting_type_id=INTRO_CALL_ID),
        service.starts(*window, meeting_type_id=PRODUCT_DEMO_ID),
        *(service.starts(*window, meeting_type_id=INTRO_CALL_ID) for _ in range(50)),
    )
    asked = [c for c in sandbox.calls if c.path.endswith("booking-availability/v2")]
    assert len(asked) == 2, "one call per meeting type, shared by its 51 askers"
    assert all(answer == intro for answer in many)
    assert intro != demo, "a 30-minute team type and a 45-minute personal type differ"
    hour = await service.starts(*window, meeting_type_id=INTRO_CALL_ID, duration=60)
    asked = [c for c in sandbox.calls if c.path.endswith("booking-availability/v2")]
    assert len(asked) == 3, "another duration is another question"
    assert set(hour) < set(intro), "an hour fits in fewer places than half an hour"


async def test_booking_sends_the_chosen_meeting_type_and_duration(
    sandbox: SandboxScheduling, client: MeetergoClient, tmp_path: Path
) -> None:
    service = AvailabilityService(
        client, [INTRO_CALL_ID, PRODUCT_DEMO_ID], grid_zone="Europe/Berlin", clock=lambda: NOW
    )
    starts = await service.exact_starts(
        NOW, NOW + timedelta(days=14), meeting_type_id=PRODUCT_DEMO_ID, duration=60
    )
    customer = AttendeeDetails("Ada Lovelace", "ada@example.org", "en", "Europe/Berlin", 42)
    ledger = BookingLedger(tmp_path / "ledger.sqlite3")
    await BookingService(client, service, ledger).book(
        starts[0], customer, chat_id=42, meeting_type_id=PRODUCT_DEMO_ID, duration=60
    )
    body = sandbox.bookings[0].body
    assert body["meetingTypeId"] == PRODUCT_DEMO_ID
    assert body["duration"] == 60
    assert body["hostIds"] == [sandbox.meeting_types[PRODUCT_DEMO_ID].user_id]
    with pytest.raises(LookupError):
        await service.meeting_type("not-configured")
