"""The appointment as a calendar entry: an .ics file, and "add to" links for web calendars."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode

PRODUCT = "-//meetergo-telegram-bot//EN"


@dataclass(frozen=True, slots=True)
class CalendarEntry:
    """What a calendar needs to know about one appointment."""

    appointment_id: str
    title: str
    start: datetime  # aware
    minutes: int
    description: str  # names the zone the customer booked in
    sequence: int = 0  # raised at every reschedule, so calendars replace the old entry
    location: str = ""  # where they meet: the address, or how ("Video call (Zoom)")
    # What the "add to" links say instead, when the file names the customer's own address:
    # a link hands its text to a web calendar, and the address stays in the chat.
    shared_location: str | None = None

    @property
    def link_location(self) -> str:
        """Where, as the "add to" links may say it."""
        return self.location if self.shared_location is None else self.shared_location

    @property
    def end(self) -> datetime:
        """When the appointment ends."""
        return self.start + timedelta(minutes=self.minutes)

    @property
    def uid(self) -> str:
        """The same for every version of the appointment: a calendar updates, not duplicates."""
        return f"{self.appointment_id}@meetergo-telegram-bot"


def ics(entry: CalendarEntry, *, stamp: datetime | None = None) -> bytes:
    """The entry as an iCalendar file (RFC 5545), times in UTC."""
    # Loaded at the first file, not at every start: 0.1 s that most starts never need.
    from icalendar import Calendar, Event

    calendar = Calendar()
    calendar.add("prodid", PRODUCT)
    calendar.add("version", "2.0")
    calendar.add("method", "PUBLISH")
    event = Event()
    event.add("uid", entry.uid)
    event.add("dtstamp", (stamp or datetime.now(UTC)).astimezone(UTC))
    event.add("dtstart", entry.start.astimezone(UTC))
    event.add("dtend", entry.end.astimezone(UTC))
    event.add("summary", entry.title)
    event.add("description", entry.description)
    event.add("sequence", entry.sequence)
    if entry.location:
        event.add("location", entry.location)
    calendar.add_component(event)
    return bytes(calendar.to_ical())


def _compact(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def google_link(entry: CalendarEntry) -> str:
    """Google Calendar's page that adds the entry."""
    query = {
        "action": "TEMPLATE",
        "text": entry.title,
        "dates": f"{_compact(entry.start)}/{_compact(entry.end)}",
        "details": entry.description,
    }
    if entry.link_location:
        query["location"] = entry.link_location
    return f"https://calendar.google.com/calendar/render?{urlencode(query)}"


def outlook_link(entry: CalendarEntry) -> str:
    """Outlook on the web's page that adds the entry."""
    query = {
        "path": "/calendar/action/compose",
        "rru": "addevent",
        "subject": entry.title,
        "startdt": entry.start.astimezone(UTC).isoformat().replace("+00:00", "Z"),
        "enddt": entry.end.astimezone(UTC).isoformat().replace("+00:00", "Z"),
        "body": entry.description,
    }
    if entry.link_location:
        query["location"] = entry.link_location
    return f"https://outlook.live.com/calendar/0/deeplink/compose?{urlencode(query)}"
