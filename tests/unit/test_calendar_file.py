"""The appointment's calendar file and "add to" links."""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

from icalendar import Calendar

from bot.booking.calendar_file import CalendarEntry, google_link, ics, outlook_link

ENTRY = CalendarEntry(
    appointment_id="a1b2c3",
    title="Intro call",
    start=datetime(2026, 12, 8, 9, 30, tzinfo=ZoneInfo("Europe/Berlin")),
    minutes=30,
    description="Intro call, booked for Tuesday, December 8, 2026 at 9:30 AM, Berlin time.",
    sequence=2,
)


def test_the_file_parses_with_uid_times_in_utc_and_sequence() -> None:
    raw = ics(ENTRY).decode()
    assert "DTSTART:20261208T083000Z" in raw, "in UTC, not in a local zone"
    [event] = Calendar.from_ical(raw).walk("VEVENT")
    assert str(event["UID"]) == "a1b2c3@meetergo-telegram-bot"
    assert event.decoded("DTSTART") == datetime(2026, 12, 8, 8, 30, tzinfo=UTC)
    assert event.decoded("DTEND") == datetime(2026, 12, 8, 9, 0, tzinfo=UTC)
    assert str(event["SUMMARY"]) == "Intro call"
    assert "Berlin" in str(event["DESCRIPTION"])
    assert event.decoded("SEQUENCE") == 2


def test_web_calendar_links_carry_title_and_utc_times() -> None:
    google = parse_qs(urlsplit(google_link(ENTRY)).query)
    assert google["text"] == ["Intro call"]
    assert google["dates"] == ["20261208T083000Z/20261208T090000Z"]
    outlook = parse_qs(urlsplit(outlook_link(ENTRY)).query)
    assert outlook["subject"] == ["Intro call"]
    assert outlook["startdt"] == ["2026-12-08T08:30:00Z"]
    assert outlook["enddt"] == ["2026-12-08T09:00:00Z"]
