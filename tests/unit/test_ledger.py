"""The booking ledger on SQLite and on PostgreSQL: attempts and records come back as written."""

from __future__ import annotations

import dataclasses
import sqlite3
from collections.abc import AsyncIterator
from contextlib import closing
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.storage.business import FIRST_BUSINESS_KEY
from bot.storage.ledger import Attempt, BookingLedger, BookingRecord
from bot.storage.ledger_postgres import PostgresLedger
from bot.storage.ledger_sqlite import SqliteLedger
from bot.storage.postgres import Database

BERLIN = ZoneInfo("Europe/Berlin")
START = datetime(2026, 12, 8, 9, 30, tzinfo=BERLIN)
ATTEMPT = Attempt(
    chat_id=42,
    user_id=7,
    meeting_type_id="intro",
    start=START,
    duration=30,
    email="ada@example.org",
    language="de",
    timezone="Europe/Berlin",
    message_id=12,
    agent_id=None,
)
RECORD = BookingRecord(
    appointment_id="a-1",
    meeting_type_id="intro",
    start=START,
    agent_id=99,
    chat_id=42,
    language="de",
    timezone="Europe/Berlin",
    booked_at=datetime(2026, 12, 7, 8, 0, tzinfo=UTC),
    duration=30,
    sequence=1,
    cancelled=False,
    reminded=("1d",),
    attendee_hash="hmac-sha256:00ff",
    channel="local",
    location="Calle Mayor 1, Madrid",
)


@pytest.fixture(params=["sqlite", "postgres"])
async def ledger(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[BookingLedger]:
    database: Database | None = None
    kept: BookingLedger
    if request.param == "sqlite":
        kept = SqliteLedger(tmp_path / "bookings.sqlite3")
    else:
        database = Database(request.getfixturevalue("database_url"))
        kept = PostgresLedger(database)
    await kept.open()
    yield kept
    await kept.close()
    if database is not None:
        await database.close()


async def test_an_attempt_comes_back_as_written_and_is_replaced_per_chat(
    ledger: BookingLedger,
) -> None:
    await ledger.begin(ATTEMPT)
    assert await ledger.of_chat(42) == ATTEMPT
    later = dataclasses.replace(ATTEMPT, start=START + timedelta(hours=1), agent_id=5)
    await ledger.begin(later)
    assert await ledger.unsettled() == [later]
    await ledger.settle(42)
    assert await ledger.of_chat(42) is None


async def test_a_record_comes_back_as_written_and_is_replaced_per_appointment(
    ledger: BookingLedger,
) -> None:
    await ledger.record(RECORD)
    assert await ledger.record_of("a-1") == RECORD
    moved = dataclasses.replace(RECORD, start=START + timedelta(days=1), cancelled=True)
    await ledger.record(moved)
    assert await ledger.records_of_chat(42) == [moved]
    assert await ledger.active_records(START - timedelta(days=1)) == []
    assert await ledger.count_for_agent(99, RECORD.booked_at) == 1


async def test_a_pending_booking_is_superseded_by_its_appointment_in_one_change(
    ledger: BookingLedger,
) -> None:
    pending = dataclasses.replace(RECORD, appointment_id="provisional-1", pending=True)
    await ledger.record(pending)
    assert await ledger.record_of("provisional-1") == pending
    confirmed = dataclasses.replace(pending, appointment_id="a-2", pending=False)
    await ledger.supersede("provisional-1", confirmed)
    assert await ledger.records_of_chat(42) == [confirmed]
    assert await ledger.count_for_agent(99, RECORD.booked_at) == 1, "counted once"


async def test_the_sqlite_file_keeps_record_moments_in_utc_and_an_attempts_as_given(
    tmp_path: Path,
) -> None:
    ledger = SqliteLedger(tmp_path / "bookings.sqlite3")
    await ledger.begin(ATTEMPT)
    await ledger.record(RECORD)
    await ledger.close()
    with closing(sqlite3.connect(tmp_path / "bookings.sqlite3")) as connection:
        [(attempt_start,)] = connection.execute("SELECT start FROM attempts").fetchall()
        [row] = connection.execute("SELECT start, booked_at, cancelled FROM bookings").fetchall()
    assert attempt_start == "2026-12-08T09:30:00+01:00"
    assert row == ("2026-12-08T08:30:00+00:00", "2026-12-07T08:00:00+00:00", 0)


async def test_an_agents_bookings_are_counted_apart_by_where_they_were_made(
    ledger: BookingLedger,
) -> None:
    await ledger.record(RECORD)  # through Grace's link, in the customer's own chat
    in_her_chat = dataclasses.replace(
        RECORD, appointment_id="a-3", chat_id=FIRST_BUSINESS_KEY + 1, cancelled=True
    )
    await ledger.record(in_her_chat)
    assert await ledger.count_for_agent(99, RECORD.booked_at) == 1
    assert await ledger.count_for_agent(99, RECORD.booked_at, in_agent_chats=True) == 1
    listed = await ledger.records_of_agent(99, START - timedelta(days=1))
    assert [record.appointment_id for record in listed] == ["a-1", "a-3"], "cancelled too"
    assert await ledger.records_of_agent(98, START - timedelta(days=1)) == []
