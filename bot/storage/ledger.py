"""Bookings whose outcome is not known yet, kept on disk from just before the POST.

meetergo has no idempotency key: when a booking's answer is lost (or the bot dies while it is
on its way) the booking may exist or not. So the attempt is written down, committed to disk,
before the request leaves, and stays there until its outcome is known, at which point it is
erased (with `secure_delete`, so the e-mail address, or a phone-only booking's phone number,
does not linger in the file's free pages).
Whoever finds an attempt still there (a retry, or the bot starting again) looks the booking
up on meetergo before doing anything else.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Final


@dataclass(frozen=True, slots=True)
class Attempt:
    """One booking request on its way (or whose answer was lost)."""

    chat_id: int
    user_id: int
    meeting_type_id: str
    start: datetime
    duration: int
    # What the booking is looked up by: the attendee's e-mail address, or for a phone-only
    # booking (no e-mail) the phone number in E.164 ("+49301234567"), kept in the same column.
    email: str
    language: str
    timezone: str
    message_id: int | None = None  # the chat message showing "Booking…"
    agent_id: int | None = None  # the support agent whose link brought the customer

    @property
    def phone(self) -> str | None:
        """A phone-only booking's number (E.164), None for one made with an e-mail address."""
        return self.email if self.email.startswith("+") and "@" not in self.email else None


@dataclass(frozen=True, slots=True)
class BookingRecord:
    """A booking made through the bot: what later features need, no name, no e-mail."""

    appointment_id: str
    meeting_type_id: str
    start: datetime
    agent_id: int | None
    chat_id: int
    language: str
    timezone: str
    booked_at: datetime
    duration: int = 0
    sequence: int = 0  # the calendar file's version: raised at each reschedule
    cancelled: bool = False
    reminded: tuple[str, ...] = ()  # the reminders already sent ("24h", "1h")
    # A hash of the attendee's e-mail: finds them among a group booking's attendees later
    # without keeping the address.
    attendee_hash: str = ""
    # How and where they meet: the channel booked, and the business's address for channel
    # `local` (never the attendee's own address, which only meetergo keeps).
    channel: str = ""
    location: str = ""
    # Waiting for the attendee's e-mail link or the host: `appointment_id` is then meetergo's
    # provisional booking id, and no reminder is sent until the appointment exists.
    pending: bool = False
    # What the customer answered a reminder: ATTENDING ("I'll be there"), or "" (nothing yet).
    answer: str = ""


RECORD_COLUMNS: Final = (
    "appointment_id, meeting_type_id, start, agent_id, chat_id, language, timezone, booked_at, "
    "duration, sequence, cancelled, reminded, attendee_hash, channel, location, pending, answer"
)
# The customer said "I'll be there" to a reminder.
ATTENDING: Final = "attending"
# Which of an agent's bookings came through a link and which from the agent's own chats
# (recorded under their business chat's key); the one parameter is FIRST_BUSINESS_KEY.
LINKS: Final = "chat_id < ?"
AGENT_CHATS: Final = "chat_id >= ?"


class BookingLedger(ABC):
    """Attempts on their way (one per chat) and the records of bookings made."""

    @abstractmethod
    async def open(self) -> None:
        """Connect, creating or migrating the schema."""

    @abstractmethod
    async def close(self) -> None:
        """Release the file or connections."""

    @abstractmethod
    async def begin(self, attempt: Attempt) -> None:
        """Record the attempt; returns once it is durable."""

    @abstractmethod
    async def settle(self, chat_id: int) -> None:
        """Forget the chat's attempt: its outcome is known."""

    @abstractmethod
    async def forget(self, chat_id: int) -> None:
        """Erase the chat's attempt and booking records (the customer asked to be forgotten)."""

    @abstractmethod
    async def record(self, booking: BookingRecord) -> None:
        """Keep a booking's record (appointment, type, start, agent, chat, language, zone)."""

    @abstractmethod
    async def supersede(self, old_id: str, booking: BookingRecord) -> None:
        """Put `booking` in place of the record of `old_id` (a pending booking's provisional id,
        once meetergo made the appointment), as one change."""

    @abstractmethod
    async def records_of_chat(self, chat_id: int) -> list[BookingRecord]:
        """The chat's booking records, earliest start first."""

    @abstractmethod
    async def active_records(self, after: datetime) -> list[BookingRecord]:
        """Every record not cancelled that starts after `after` (for reminders)."""

    @abstractmethod
    async def record_of(self, appointment_id: str) -> BookingRecord | None:
        """One booking record by its appointment id."""

    @abstractmethod
    async def claim_reminder(self, appointment_id: str, reminder: str) -> bool:
        """Note a reminder as sent; False if it already was (by this or another process)."""

    @abstractmethod
    async def count_for_agent(
        self, agent_id: int, since: datetime, *, in_agent_chats: bool = False
    ) -> int:
        """How many bookings the agent's links (or, `in_agent_chats`, the agent's own chats)
        brought in since `since`."""

    @abstractmethod
    async def records_of_agent(self, agent_id: int, after: datetime) -> list[BookingRecord]:
        """The bookings the agent brought that start after `after`, cancelled ones too."""

    @abstractmethod
    async def of_chat(self, chat_id: int) -> Attempt | None:
        """The chat's unsettled attempt, if any."""

    @abstractmethod
    async def unsettled(self) -> list[Attempt]:
        """Every attempt still waiting for its outcome (after a restart: the ones cut short)."""


def stored_moment(value: object) -> datetime:
    """A moment as a store kept it (SQLite: ISO text; PostgreSQL: a timestamptz), aware."""
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def record_from_row(row: Sequence[object]) -> BookingRecord:
    """A booking record from its columns, in RECORD_COLUMNS order."""
    return BookingRecord(
        appointment_id=str(row[0]),
        meeting_type_id=str(row[1]),
        start=stored_moment(row[2]),
        agent_id=None if row[3] is None else int(str(row[3])),
        chat_id=int(str(row[4])),
        language=str(row[5]),
        timezone=str(row[6]),
        booked_at=stored_moment(row[7]),
        duration=int(str(row[8])),
        sequence=int(str(row[9])),
        cancelled=bool(row[10]),
        reminded=tuple(part for part in str(row[11]).split(",") if part),
        attendee_hash=str(row[12]),
        channel=str(row[13] or ""),
        location=str(row[14] or ""),
        pending=bool(row[15]),
        answer=str(row[16] or ""),
    )


def record_row(booking: BookingRecord) -> tuple[object, ...]:
    """A booking record's columns, in RECORD_COLUMNS order; its moments in UTC (a store keeps
    them as it keeps moments: SQLite as ISO text, PostgreSQL as they are)."""
    return (
        booking.appointment_id,
        booking.meeting_type_id,
        booking.start.astimezone(UTC),
        booking.agent_id,
        booking.chat_id,
        booking.language,
        booking.timezone,
        booking.booked_at.astimezone(UTC),
        booking.duration,
        booking.sequence,
        booking.cancelled,
        ",".join(booking.reminded),
        booking.attendee_hash,
        booking.channel,
        booking.location,
        booking.pending,
        booking.answer,
    )


def attempt_from_row(row: Sequence[object]) -> Attempt:
    """An attempt from its columns, in ATTEMPT_COLUMNS order."""
    return Attempt(
        chat_id=int(str(row[0])),
        user_id=int(str(row[1])),
        meeting_type_id=str(row[2]),
        start=stored_moment(row[3]),
        duration=int(str(row[4])),
        email=str(row[5]),
        language=str(row[6]),
        timezone=str(row[7]),
        message_id=None if row[8] is None else int(str(row[8])),
        agent_id=None if row[9] is None else int(str(row[9])),
    )


def attempt_row(attempt: Attempt) -> tuple[object, ...]:
    """An attempt's columns, in ATTEMPT_COLUMNS order (its start in the zone it was given)."""
    return (
        attempt.chat_id,
        attempt.user_id,
        attempt.meeting_type_id,
        attempt.start,
        attempt.duration,
        attempt.email,
        attempt.language,
        attempt.timezone,
        attempt.message_id,
        attempt.agent_id,
    )


ATTEMPT_COLUMNS: Final = (
    "chat_id, user_id, meeting_type_id, start, duration, email, language, timezone, "
    "message_id, agent_id"
)
# Adds one reminder to the comma-separated list unless it is there: the claim is one atomic
# statement, so of two processes only one sees a row changed.
CLAIM_REMINDER_SET: Final = (
    "reminded = CASE WHEN reminded = '' THEN {0} ELSE reminded || ',' || {0} END"
)
CLAIM_REMINDER_WHERE: Final = "(',' || reminded || ',') NOT LIKE ('%,' || {0} || ',%')"
