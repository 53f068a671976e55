"""The chat's appointments, as the booking records say and meetergo confirms."""

from __future__ import annotations

import dataclasses
import hashlib
import hmac
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import pytest_asyncio
from pydantic import SecretStr

from bot.booking.appointments import AppointmentService, NotThisAttendeeError
from bot.booking.availability import AvailabilityService
from bot.booking.bookings import (
    AttendeeDetails,
    BookingService,
    attendee_hash,
    attendee_matches,
)
from bot.booking.host_changes import HostChanges
from bot.meetergo import MeetergoClient, MeetergoError
from bot.meetergo.models import Appointment, AppointmentAttendee
from bot.sandbox.scheduling import SandboxScheduling
from bot.sandbox.scheduling_defaults import INTRO_CALL_ID
from bot.storage.ledger_sqlite import SqliteLedger

NOW = datetime(2026, 12, 7, 7, 0, tzinfo=UTC)
CHAT = 42
KEY = b"a link secret of sixteen bytes or more"


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
        bookings = BookingService(client, availability, ledger, attendee_key=KEY)
        yield (
            sandbox,
            bookings,
            AppointmentService(client, ledger, clock=lambda: NOW, attendee_key=KEY),
        )
        await ledger.close()
        await client.aclose()


async def test_cancelled_or_deleted_elsewhere_is_told_once_as_cancelled(
    world: tuple[SandboxScheduling, BookingService, AppointmentService],
) -> None:
    sandbox, bookings, appointments = world
    starts = await bookings._availability.exact_starts(NOW, NOW + timedelta(days=7))
    ada = AttendeeDetails("Ada Lovelace", "ada@example.org", "en", "Europe/Berlin", CHAT)
    for start in starts[:2]:
        await bookings.book(start, ada, chat_id=CHAT)
    listed = await appointments.upcoming(CHAT)
    assert [item.changed for item in listed] == [False, False]
    first, second = sandbox.bookings[-2:]
    first.cancelled = True  # the team cancelled it in meetergo
    sandbox.bookings.remove(second)  # and this one is gone altogether
    listed = await appointments.upcoming(CHAT)
    assert [item.changed for item in listed] == [True, True], "left to be told as a change"
    host = HostChanges(bookings._client, bookings.ledger)
    ids = [item.record.appointment_id for item in listed]
    changes = [await host.check(appointment) for appointment in ids]
    assert [change.kind if change else None for change in changes] == ["cancelled"] * 2
    assert [await host.check(appointment) for appointment in ids] == [None, None], "told once"
    assert await appointments.upcoming(CHAT) == [], "then gone from the list"


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


def test_the_attendee_hash_is_keyed_with_the_link_secret() -> None:
    kept = attendee_hash("Ada@Example.org ", KEY)
    bare = hashlib.sha256(b"ada@example.org").hexdigest()
    assert bare not in kept, "a list of addresses alone cannot find her"
    assert kept == attendee_hash("ada@example.org", KEY), "the address as meetergo writes it"
    assert kept != attendee_hash("ada@example.org", b"another secret, sixteen bytes")
    mac = hmac.new(KEY, b"attendee-email\x00ada@example.org", hashlib.sha256).hexdigest()
    assert kept == f"hmac-sha256:{mac}", "HMAC-SHA256 with the link secret"
    assert attendee_matches(kept, "ada@example.org", KEY)
    assert not attendee_matches(kept, "bob@example.org", KEY)
    assert not attendee_matches(kept, "ada@example.org", b"another secret, sixteen bytes")
    assert not attendee_matches("", "ada@example.org", KEY)


async def test_a_booking_is_recorded_with_the_keyed_hash(
    world: tuple[SandboxScheduling, BookingService, AppointmentService],
) -> None:
    _, bookings, appointments = world
    starts = await bookings._availability.exact_starts(NOW, NOW + timedelta(days=7))
    ada = AttendeeDetails("Ada Lovelace", "ada@example.org", "en", "Europe/Berlin", CHAT)
    await bookings.book(starts[0], ada, chat_id=CHAT)
    [item] = await appointments.upcoming(CHAT)
    assert item.record.attendee_hash == attendee_hash("ada@example.org", KEY)


async def test_a_group_booking_recorded_with_a_bare_hash_is_still_cancelled_for_its_attendee(
    world: tuple[SandboxScheduling, BookingService, AppointmentService],
) -> None:
    # Records written before the hashes were keyed hold a bare SHA-256 of the address.
    sandbox, bookings, appointments = world
    sandbox.meeting_types[INTRO_CALL_ID].spots = 2
    starts = await bookings._availability.exact_starts(NOW, NOW + timedelta(days=7))
    ada = AttendeeDetails("Ada Lovelace", "ada@example.org", "en", "Europe/Berlin", CHAT)
    await bookings.book(starts[0], ada, chat_id=CHAT)
    [item] = await appointments.upcoming(CHAT)
    older = dataclasses.replace(
        item.record, attendee_hash=hashlib.sha256(b"ada@example.org").hexdigest()
    )
    await bookings.ledger.record(older)
    cancelled = await appointments.cancel(older)
    assert cancelled.cancelled
    assert sandbox.bookings[-1].cancel is not None
    assert sandbox.bookings[-1].cancel["actionSource"] == "attendee", "hers alone, not all"


async def test_a_group_appointment_that_does_not_recognise_this_attendee_is_not_cancelled(
    world: tuple[SandboxScheduling, BookingService, AppointmentService],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A record whose hash no attendee matches (say, BOT_LINK_SECRET changed since): a cancel
    # for everyone would cancel the other attendees' appointment too.
    sandbox, bookings, appointments = world
    starts = await bookings._availability.exact_starts(NOW, NOW + timedelta(days=7))
    ada = AttendeeDetails("Ada Lovelace", "ada@example.org", "en", "Europe/Berlin", CHAT)
    await bookings.book(starts[0], ada, chat_id=CHAT)
    record = (await appointments.upcoming(CHAT))[0].record
    client = appointments._client
    # The sandbox keeps one attendee per appointment; meetergo's group has two.
    shown = await client.appointment(record.appointment_id)
    group = shown.model_copy(
        update={"attendees": [*shown.attendees, AppointmentAttendee(id="b2", email="bob@x.org")]}
    )

    async def appointment(_: str) -> Appointment:
        return group

    monkeypatch.setattr(client, "appointment", appointment)
    unknown = dataclasses.replace(record, attendee_hash=attendee_hash("ada@example.org", b"old"))
    with pytest.raises(NotThisAttendeeError):
        await appointments.cancel(unknown)
    assert not sandbox.bookings[-1].cancelled, "nothing was cancelled for anyone"


async def test_a_cancel_that_failed_leaves_the_teams_later_cancel_to_be_told(
    world: tuple[SandboxScheduling, BookingService, AppointmentService],
) -> None:
    sandbox, bookings, appointments = world
    starts = await bookings._availability.exact_starts(NOW, NOW + timedelta(days=7))
    ada = AttendeeDetails("Ada Lovelace", "ada@example.org", "en", "Europe/Berlin", CHAT)
    await bookings.book(starts[0], ada, chat_id=CHAT)
    [item] = await appointments.upcoming(CHAT)
    appointment = item.record.appointment_id
    sandbox.fail_next(1, status=503, path=f"/v4/appointment/{appointment}/cancel")
    with pytest.raises(MeetergoError):
        await appointments.cancel(item.record)
    sandbox.bookings[-1].cancelled = True  # then the team cancels it in meetergo
    host = HostChanges(bookings._client, bookings.ledger)
    change = await host.check(appointment)
    assert change is not None, "the failed cancel claimed nothing"
    assert change.kind == "cancelled"
