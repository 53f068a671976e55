"""The chat's appointments, as the booking records say and meetergo confirms."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest_asyncio
from pydantic import SecretStr

from bot.booking.appointments import AppointmentService
from bot.booking.availability import AvailabilityService
from bot.booking.bookings import AttendeeDetails, BookingService
from bot.meetergo import MeetergoClient
from bot.sandbox.scheduling import SandboxScheduling
from bot.sandbox.scheduling_defaults import INTRO_CALL_ID
from bot.storage.ledger_sqlite import SqliteLedger

NOW = datetime(2026, 12, 7, 7, 0, tzinfo=UTC)
CHAT = 42


@pytest_asyncio.fixture
async def world(
    tmp_path: Path,
) -> AsyncIterator[tuple[SandboxScheduling, BookingService, AppointmentService]]:
    async with SandboxScheduling(clock=lambda: NOW) as sandbox:
        client = MeetergoClient(base_url=sandbox.url, api_key=SecretStr(sandbox.credential))
        availability = AvailabilityService(
            client, [INTRO_CALL_ID], grid_zone="Europe/Berlin", clock=lambda: NOW
        )
        ledger = SqliteLedger(tmp_path / "bookings.sqlite3")
        bookings = BookingService(client, availability, ledger)
        yield sandbox, bookings, AppointmentService(client, ledger, clock=lambda: NOW)
        await ledger.close()
        await client.aclose()


async def test_cancelled_or_deleted_elsewhere_shows_once_as_cancelled(
    world: tuple[SandboxScheduling, BookingService, AppointmentService],
) -> None:
    sandbox, bookings, appointments = world
    starts = await bookings._availability.exact_starts(NOW, NOW + timedelta(days=7))
    ada = AttendeeDetails("Ada Lovelace", "ada@example.org", "en", "Europe/Berlin", CHAT)
    for start in starts[:2]:
        await bookings.book(start, ada, chat_id=CHAT)
    listed = await appointments.upcoming(CHAT)
    assert [item.cancelled for item in listed] == [False, False]
    first, second = sandbox.bookings[-2:]
    first.cancelled = True  # the team cancelled it in meetergo
    sandbox.bookings.remove(second)  # and this one is gone altogether
    listed = await appointments.upcoming(CHAT)
    assert [item.cancelled for item in listed] == [True, True]
    assert await appointments.upcoming(CHAT) == [], "told once, then gone from the list"


async def test_a_cancel_here_is_for_this_attendee_and_is_kept(
    world: tuple[SandboxScheduling, BookingService, AppointmentService],
) -> None:
    sandbox, bookings, appointments = world
    sandbox.meeting_types[INTRO_CALL_ID].spots = 2  # a group type: attendeeId is required
    starts = await bookings._availability.exact_starts(NOW, NOW + timedelta(days=7))
    ada = AttendeeDetails("Ada Lovelace", "ada@example.org", "en", "Europe/Berlin", CHAT)
    await bookings.book(starts[0], ada, chat_id=CHAT)
    [item] = await appointments.upcoming(CHAT)
    cancelled = await appointments.cancel(item.record)
    assert cancelled.cancelled
    assert sandbox.bookings[-1].cancelled
    assert sandbox.bookings[-1].cancel is not None
    assert sandbox.bookings[-1].cancel["actionSource"] == "attendee"
    assert await appointments.upcoming(CHAT) == []
