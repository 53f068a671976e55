"""The real client against the sandbox over loopback: the whole booking recipe, to exhaustion."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
import pytest
import pytest_asyncio
from pydantic import SecretStr

from bot.booking.availability import AvailabilityService
from bot.booking.bookings import AttendeeDetails, BookingService
from bot.meetergo import (
    Attendee,
    AuthenticationError,
    BookingRequest,
    BookingValidationError,
    MeetergoClient,
    SlotTakenError,
    UnavailableError,
)
from bot.sandbox.scheduling import SandboxScheduling
from bot.sandbox.scheduling_defaults import INTRO_CALL_ID, PRODUCT_DEMO_ID
from bot.storage.ledger_sqlite import SqliteLedger
from tests.support.waiting import until

NOW = datetime(2026, 12, 7, 7, 0, tzinfo=UTC)  # a Monday morning before anyone works
KEY = b"a link secret of sixteen bytes or more"


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
    ledger = SqliteLedger(tmp_path / "ledger.sqlite3")
    bookings = BookingService(client, service, ledger, attendee_key=KEY)
    customer = AttendeeDetails("Ada Lovelace", "ada@example.org", "de", "America/New_York", 42)
    await bookings.book(starts[-1], customer, chat_id=42)
    body = sandbox.bookings[0].body
    assert body["attendee"]["firstname"] == "Ada"
    assert body["attendee"]["lastname"] == "Lovelace"
    assert body["attendee"]["language"] == "de"
    assert body["attendee"]["timezone"] == "America/New_York"
    assert body["attendee"]["notes"]["telegramUserId"] == "42"


async def test_a_confirmation_handled_again_after_its_booking_finds_it_and_books_no_second(
    sandbox: SandboxScheduling, client: MeetergoClient, tmp_path: Path
) -> None:
    # A replica that died after meetergo's 201 but before writing its turn leaves the chat at
    # the confirmation card: the other replica handles the same confirmation again.
    service = AvailabilityService(
        client, [INTRO_CALL_ID], grid_zone="Europe/Berlin", clock=lambda: NOW
    )
    start = (await service.starts(NOW, NOW + timedelta(days=14)))[0]
    ledger = SqliteLedger(tmp_path / "ledger.sqlite3")
    bookings = BookingService(client, service, ledger, attendee_key=KEY)
    customer = AttendeeDetails("Ada Lovelace", "ada@example.org", "en", "Europe/Berlin", 42)
    card_shown = datetime.now(UTC)
    first = await bookings.book(start, customer, chat_id=42, shown_at=card_shown)
    again = await bookings.book(start, customer, chat_id=42, shown_at=card_shown)
    assert again.confirmation.appointment_id == first.confirmation.appointment_id
    assert len(sandbox.bookings) == 1, "the same confirmation books once"
    # Cancelled through meetergo's e-mail, the time is free again; a card shown after that
    # booking is a new confirmation, and it books.
    sandbox.bookings[0].cancelled = True
    later = await bookings.book(start, customer, chat_id=42, shown_at=datetime.now(UTC))
    assert later.confirmation.appointment_id != first.confirmation.appointment_id
    assert len(sandbox.bookings) == 2


async def test_free_days_are_the_starts_by_day_as_the_clock_moves_on(
    sandbox: SandboxScheduling, client: MeetergoClient
) -> None:
    # A burst's customers share one grouping of the cached answer; it still follows the clock
    # (a start inside the notice is no longer offered) and the answer's end.
    now = [NOW]
    service = AvailabilityService(
        client, [INTRO_CALL_ID], grid_zone="Europe/Berlin", clock=lambda: now[0]
    )
    berlin = ZoneInfo("Europe/Berlin")
    window = (NOW, NOW + timedelta(days=14))

    async def by_day() -> tuple[dict[date, list[datetime]], dict[date, list[datetime]]]:
        days = await service.free_days(*window, berlin)
        grouped: dict[date, list[datetime]] = {}
        for start in await service.starts(*window):
            grouped.setdefault(start.astimezone(berlin).date(), []).append(start)
        return days, grouped

    days, grouped = await by_day()
    assert days == grouped
    assert len(days) > 1
    days[next(iter(days))].clear()  # a caller's copy: what the next customer gets is whole
    first_start = min(grouped[min(grouped)])
    again, _ = await by_day()
    assert again == grouped
    now[0] = first_start + timedelta(hours=1)  # the first start is in the past now
    later, grouped = await by_day()
    assert later == grouped
    assert first_start not in [start for starts in later.values() for start in starts]


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
    ledger = SqliteLedger(tmp_path / "ledger.sqlite3")
    await BookingService(client, service, ledger, attendee_key=KEY).book(
        starts[0], customer, chat_id=42, meeting_type_id=PRODUCT_DEMO_ID, duration=60
    )
    body = sandbox.bookings[0].body
    assert body["meetingTypeId"] == PRODUCT_DEMO_ID
    assert body["duration"] == 60
    assert body["hostIds"] == [sandbox.meeting_types[PRODUCT_DEMO_ID].user_id]
    with pytest.raises(LookupError):
        await service.meeting_type("not-configured")


async def _book_first(
    sandbox: SandboxScheduling, client: MeetergoClient, type_id: str = INTRO_CALL_ID
) -> tuple[str, datetime]:
    meeting_type = await client.meeting_type(type_id)
    listed = await client.spots(
        meeting_type, NOW, NOW + timedelta(days=7), duration=meeting_type.duration
    )
    start = (listed.starts() or [])[0]
    confirmation = await client.book(
        BookingRequest.for_meeting_type(meeting_type, start=start, attendee=attendee(1))
    )
    assert confirmation.appointment_id is not None
    return confirmation.appointment_id, start


async def test_an_appointment_reads_back_and_is_looked_up_by_its_attendee(
    sandbox: SandboxScheduling, client: MeetergoClient
) -> None:
    appointment_id, start = await _book_first(sandbox, client)
    appointment = await client.appointment(appointment_id)
    assert (appointment.start, appointment.is_cancelled) == (start, False)
    assert appointment.attendee_id(attendee(1).email)
    found = await client.find_appointment(INTRO_CALL_ID, start, attendee(1).email.upper())
    assert found is not None
    assert found.id == appointment_id
    assert await client.find_appointment(INTRO_CALL_ID, start, "someone@else.org") is None


async def test_a_group_booking_is_cancelled_for_one_attendee_only_when_named(
    sandbox: SandboxScheduling, client: MeetergoClient
) -> None:
    sandbox.meeting_types[INTRO_CALL_ID].spots = 3  # a group meeting type
    appointment_id, _ = await _book_first(sandbox, client)
    raw = httpx.AsyncClient(
        base_url=sandbox.url, headers={"Authorization": f"Bearer {sandbox.credential}"}
    )
    refused = await raw.post(f"/v4/appointment/{appointment_id}/cancel", json={"reason": "x"})
    assert refused.status_code == 400, "a group booking needs attendeeId or cancelAll"
    too_long = await raw.post(
        f"/v4/appointment/{appointment_id}/cancel", json={"reason": "x" * 501, "cancelAll": True}
    )
    assert too_long.status_code == 400
    await raw.aclose()
    attendee_id = (await client.appointment(appointment_id)).attendee_id(attendee(1).email)
    await client.cancel_appointment(appointment_id, reason="no time", attendee_id=attendee_id)
    cancelled = await client.appointment(appointment_id)
    assert cancelled.is_cancelled
    with pytest.raises(BookingValidationError):
        await client.cancel_appointment(appointment_id, attendee_id=attendee_id)
    gone = await client.find_appointment(INTRO_CALL_ID, cancelled.start, attendee(1).email)
    assert gone is None, "a cancelled appointment is no booking any more"


@pytest.mark.parametrize("nested", [True, False], ids=["nested", "flat"])
async def test_a_reschedule_is_read_in_both_answer_shapes_and_frees_the_old_slot(
    nested: bool, sandbox: SandboxScheduling, client: MeetergoClient
) -> None:
    sandbox.reschedule_nests = nested
    appointment_id, start = await _book_first(sandbox, client)
    meeting_type = await client.meeting_type(INTRO_CALL_ID)
    window = (start - timedelta(hours=1), start + timedelta(hours=1))
    others = await client.spots(meeting_type, *window, duration=30)
    own = await client.spots(
        meeting_type, *window, duration=30, existing_appointment_id=appointment_id
    )
    assert start in (own.starts() or []), "the appointment's own slot counts as free"
    assert len(own.starts() or []) >= len(others.starts() or [])
    later = next(moment for moment in (own.starts() or []) if moment > start)
    moved = await client.reschedule_appointment(appointment_id, later)
    assert moved.start == later
    assert moved.reschedule_count == 1
    booking = next(b for b in sandbox.bookings if b.appointment_id == appointment_id)
    assert booking.start == later


async def test_a_hanging_meeting_type_read_answers_askers_within_its_patience(
    sandbox: SandboxScheduling,
) -> None:
    # Each try of a read waits 0.5 s for an answer that never comes; askers wait 0.2 s.
    hanging = MeetergoClient(
        base_url=sandbox.url, api_key=SecretStr(sandbox.credential), timeout=httpx.Timeout(0.5)
    )
    service = AvailabilityService(
        hanging, [INTRO_CALL_ID], grid_zone="Europe/Berlin", clock=lambda: NOW, type_patience=0.2
    )
    sandbox.fail_next(1000, kind="timeout", path="/meeting-type")
    loop = asyncio.get_running_loop()
    began = loop.time()
    told = await asyncio.gather(*(service.meeting_type() for _ in range(3)), return_exceptions=True)
    assert all(isinstance(answer, UnavailableError) for answer in told)
    assert loop.time() - began < 0.45, "told before the read's first try gives up"
    assert len(sandbox.calls) == 1, "one read, shared"
    with pytest.raises(UnavailableError):
        await service.meeting_type()  # a new asker of a late read: a new read, one more wait
    # The new read may reach meetergo only after its asker stopped waiting (a busy machine).
    await until(lambda: len(sandbox.calls) == 2, seconds=2)
    began = loop.time()
    with pytest.raises(UnavailableError):
        await service.meeting_type()  # the same asker again (its next step): told at once
    assert loop.time() - began < 0.1
    assert len(sandbox.calls) == 2
    sandbox.clear_failures()  # meetergo is back while the late reads' first tries still hang
    began = loop.time()
    meeting_type = await asyncio.create_task(service.meeting_type())  # another asker
    assert loop.time() - began < 0.2, "a new read answers, not the late ones"
    assert meeting_type.id == INTRO_CALL_ID
    assert len(sandbox.calls) == 3
    await service.aclose()  # the late reads are stopped, not left behind
    await hanging.aclose()
