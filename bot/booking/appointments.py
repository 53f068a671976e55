"""After the booking: the customer's appointments, checked against meetergo, cancelled or moved."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import UTC, datetime

from bot.booking.bookings import attendee_matches
from bot.booking.host_changes import CANCEL_TOLD, move_told
from bot.meetergo import MeetergoClient, MeetergoError, NotFoundError
from bot.meetergo.models import AppointmentAttendee, phone_digits
from bot.storage.ledger import BookingLedger, BookingRecord

CANCEL_REASON = "Cancelled by the customer in the Telegram booking bot"
KEY_LENGTH = 16  # letters and digits of an appointment id a button carries


def appointment_key(appointment_id: str) -> str:
    """A short, button-safe key for an appointment: its id's first letters and digits."""
    return "".join(char for char in appointment_id if char.isalnum())[:KEY_LENGTH]


class NotThisAttendeeError(LookupError):
    """A group appointment in which this chat's attendee cannot be told apart from the others."""


@dataclasses.dataclass(frozen=True, slots=True)
class Upcoming:
    """An appointment still ahead, as meetergo has it now."""

    record: BookingRecord
    pending: bool = False  # waiting for the customer's e-mail link or the host
    # The provisional id of a waiting booking that meetergo has confirmed since (its record
    # now has the appointment's id; reminders armed under the old one are to be moved).
    was: str | None = None
    # meetergo has it cancelled or at another time: the team changed it (see HostChanges).
    changed: bool = False


class AppointmentService:
    """The chat's appointments: listed from the booking records, checked on meetergo."""

    def __init__(
        self,
        client: MeetergoClient,
        ledger: BookingLedger,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        *,
        attendee_key: bytes,
    ) -> None:
        self._client = client
        self._ledger = ledger
        self._clock = clock
        self._attendee_key = attendee_key  # the records' attendee hashes are keyed with it

    async def upcoming(self, chat_id: int) -> list[Upcoming]:
        """The chat's appointments that have not started, earliest first; each one checked
        against meetergo: one the team cancelled or moved there is marked `changed` (the
        caller has HostChanges tell it once and keep it), a waiting one is settled once
        meetergo made its appointment, and one cancelled here is gone from the list."""
        now = self._clock()
        found: list[Upcoming] = []
        for record in await self._ledger.records_of_chat(chat_id):
            if record.start <= now or record.cancelled:
                continue
            was = None
            if record.pending:
                try:
                    confirmed = await self.settle_pending(record)
                except MeetergoError:
                    confirmed = None  # shown as waiting: one look-up failing spoils no list
                if confirmed is None:
                    found.append(Upcoming(record, pending=True))
                    continue
                record, was = confirmed, record.appointment_id
            try:
                appointment = await self._client.appointment(record.appointment_id)
                changed = appointment.is_cancelled or appointment.start != record.start
            except NotFoundError:
                changed = True  # deleted on meetergo's side: as good as cancelled
            # A change by the team is left to HostChanges (told once, reminders follow).
            found.append(Upcoming(record, was=was, changed=changed))
        return found

    async def settle_pending(self, record: BookingRecord) -> BookingRecord | None:
        """A pending booking's record once meetergo made its appointment (the customer
        followed the e-mail link, or the host confirmed), kept in place of the pending one;
        None while it still waits. meetergo gives the appointment an id of its own, so it is
        found by meeting type, start and the attendee's keyed hash."""
        for appointment in await self._client.appointments_at(record.meeting_type_id, record.start):
            if appointment.is_cancelled or appointment.start != record.start:
                continue
            if any(self._is_attendee(record, attendee) for attendee in appointment.attendees):
                confirmed = dataclasses.replace(
                    record, appointment_id=appointment.id, pending=False
                )
                await self._ledger.supersede(record.appointment_id, confirmed)
                return confirmed
        return None

    def _is_attendee(self, record: BookingRecord, attendee: AppointmentAttendee) -> bool:
        """Whether the record's keyed hash is this attendee's e-mail address, or (a phone-only
        booking's) phone number in E.164."""
        phone = phone_digits(attendee.phone or "")
        return any(
            attendee_matches(record.attendee_hash, contact, self._attendee_key)
            for contact in (attendee.email, phone)
            if contact
        )

    async def attendee_name(self, record: BookingRecord) -> str | None:
        """The name the customer booked under, as meetergo keeps it (the bot keeps none);
        None when meetergo does not say or does not answer."""
        try:
            appointment = await self._client.appointment(record.appointment_id)
        except MeetergoError:
            return None
        named = [a for a in appointment.attendees if a.fullname]
        found = [a for a in named if self._is_attendee(record, a)] or named[:1]
        return found[0].fullname if found else None

    async def find(self, chat_id: int, key: str) -> BookingRecord | None:
        """The chat's record a button's short key names (see appointment_key)."""
        matches = [
            record
            for record in await self._ledger.records_of_chat(chat_id)
            if appointment_key(record.appointment_id) == key
        ]
        return matches[0] if len(matches) == 1 else None

    async def cancel(self, record: BookingRecord) -> BookingRecord:
        """Cancel the appointment on meetergo (for this customer only, in a group booking);
        NotThisAttendeeError when a group appointment has no attendee the record recognises."""
        appointment = await self._client.appointment(record.appointment_id)
        attendee = next(
            (
                a.id
                for a in appointment.attendees
                if a.id and attendee_matches(record.attendee_hash, a.email, self._attendee_key)
            ),
            None,
        )
        if attendee is None and len(appointment.attendees) > 1:
            # A group appointment with no attendee this chat's record recognises (a record
            # from before the hash, or a changed BOT_LINK_SECRET): cancelling it would cancel
            # everyone's, so nothing is cancelled here.
            raise NotThisAttendeeError(record.appointment_id)
        if not appointment.is_cancelled:
            await self._client.cancel_appointment(
                record.appointment_id, reason=CANCEL_REASON, attendee_id=attendee
            )
        # Claimed as soon as it is done (before meetergo's own notice of it can be read back):
        # that notice tells the customer nothing; a cancel that failed claims nothing.
        await self._ledger.claim_reminder(record.appointment_id, CANCEL_TOLD)
        cancelled = dataclasses.replace(record, cancelled=True)
        await self._ledger.record(cancelled)
        return cancelled

    async def reschedule(self, record: BookingRecord, start: datetime) -> BookingRecord:
        """Move the appointment to `start`; its calendar entry's version goes up by one."""
        appointment = await self._client.reschedule_appointment(record.appointment_id, start)
        # Claimed as soon as it is done: meetergo's notice of this move tells nobody anything.
        claim = move_told(appointment.start)
        await self._ledger.claim_reminder(record.appointment_id, claim)
        # A new time: the reminders start over, and "I'll be there" is asked again.
        moved = dataclasses.replace(
            record,
            start=appointment.start,
            sequence=record.sequence + 1,
            reminded=(claim,),
            answer="",
        )
        await self._ledger.record(moved)
        return moved

    async def note_answer(self, record: BookingRecord, answer: str) -> BookingRecord:
        """Keep what the customer answered a reminder (see ledger.ATTENDING)."""
        answered = dataclasses.replace(record, answer=answer)
        await self._ledger.record(answered)
        return answered

    async def mark_reminded(self, record: BookingRecord, reminder: str) -> BookingRecord:
        """Note that a reminder was sent, so a restart sends it no second time."""
        marked = dataclasses.replace(record, reminded=(*record.reminded, reminder))
        await self._ledger.record(marked)
        return marked
