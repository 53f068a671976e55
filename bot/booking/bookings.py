"""Turn a customer's choices into a meetergo booking."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from bot.booking.availability import AvailabilityService
from bot.language.contact import split_name
from bot.meetergo import (
    Attendee,
    BookingConfirmation,
    BookingOutcomeUnknownError,
    BookingRequest,
    MeetergoClient,
    MeetergoError,
    Place,
    SlotTakenError,
)
from bot.metrics import Metrics
from bot.storage.ledger import Attempt, BookingLedger, BookingRecord


@dataclass(frozen=True, slots=True)
class AttendeeDetails:
    """Who the booking is for, as the customer gave it in the chat."""

    name: str
    email: str
    language: str
    timezone: str
    telegram_user_id: int
    # Answers to the meeting type's own questions, by the question's label (attendee.notes).
    answers: Mapping[str, Any] = field(default_factory=dict)
    phone: str | None = None  # E.164, from a question with target phone or the phone step
    # Booked by phone number instead of e-mail (meetingOptions.allowPhoneOnlyBooking): `email`
    # is empty and `phone` is required.
    phone_only: bool = False
    # Guests' e-mail addresses (attendee.bringalongEmails; at most five).
    guests: tuple[str, ...] = ()

    @property
    def contact(self) -> str:
        """What the booking is found again by: the e-mail address, or a phone-only booking's
        phone number (E.164, never containing "@")."""
        return (self.phone or "") if self.phone_only else self.email


@dataclass(frozen=True, slots=True)
class Booked:
    """meetergo's answer, and the start it is for (an earlier attempt's, if that one held)."""

    confirmation: BookingConfirmation
    start: datetime


class BookingNotMadeError(MeetergoError):
    """A booking's answer was lost, and meetergo has no such booking: trying again is safe."""


class BookingService:
    """Books a start for a customer: at most one booking per confirmation, whatever happens.

    Each attempt is written to the ledger before the POST and settled once its outcome is
    known. An attempt whose answer was lost is looked up on meetergo (found: it is booked;
    not found: BookingNotMadeError), and so is one left unsettled, before anything is posted
    again for that chat.
    """

    def __init__(
        self,
        client: MeetergoClient,
        availability: AvailabilityService,
        ledger: BookingLedger,
        *,
        attendee_key: bytes,
    ) -> None:
        self._client = client
        self._availability = availability
        self.ledger = ledger
        self._attendee_key = attendee_key  # keys the records' attendee hashes (attendee_hash)

    @property
    def metrics(self) -> Metrics:
        """Where bookings are counted by outcome (the client's metrics)."""
        return self._client.metrics

    async def book(
        self,
        start: datetime,
        customer: AttendeeDetails,
        *,
        chat_id: int,
        meeting_type_id: str | None = None,
        duration: int | None = None,
        message_id: int | None = None,
        agent_id: int | None = None,
        shown_at: datetime | None = None,
        place: Place | None = None,
    ) -> Booked:
        """Book this start (the first configured meeting type and its own length by default),
        meeting as `place` says (the channel, the business's address, the chosen host).

        `shown_at` is when the customer was shown the confirmation being answered: a booking
        the chat made since is this one (the confirmation handled a second time).

        Raises BookingOutcomeUnknownError when neither the answer nor a look-up tells whether
        the booking exists; the attempt then stays in the ledger for the next try.

        Each call is counted by its outcome (bot/metrics.py): booked, pending, found (an
        earlier or lost answer's booking found), taken, or failed (any other refusal, or
        nothing found behind a lost answer).
        """
        metrics = self.metrics
        try:
            meeting_type = await self._availability.meeting_type(meeting_type_id)
            made = await self._booked_before(chat_id, meeting_type.id, start, customer, shown_at)
            if made is not None:
                metrics.booking("found")
                return made
            return await self._post(
                Attempt(
                    chat_id=chat_id,
                    user_id=customer.telegram_user_id,
                    meeting_type_id=meeting_type.id,
                    start=start,
                    duration=duration or meeting_type.duration,
                    email=customer.contact,
                    language=customer.language,
                    timezone=customer.timezone,
                    message_id=message_id,
                    agent_id=agent_id,
                ),
                BookingRequest.for_meeting_type(
                    meeting_type,
                    start=start,
                    attendee=_attendee(customer, agent_id),
                    duration=duration,
                    phone_only=customer.phone_only,
                    place=place,
                ),
            )
        except SlotTakenError:
            metrics.booking("taken")
            raise
        except BookingOutcomeUnknownError:
            raise  # not settled: counted once it is (found, or failed), by the look-up later
        except MeetergoError:
            metrics.booking("failed")
            raise

    async def _post(self, attempt: Attempt, request: BookingRequest) -> Booked:
        """Write the attempt down, POST the booking, and settle the attempt by its answer
        (looked up when the answer was lost)."""
        metrics, chat_id, start = self.metrics, attempt.chat_id, attempt.start
        await self.ledger.begin(attempt)
        try:
            confirmation = await self._client.book(request)
        except BookingOutcomeUnknownError:
            found = await self.look_up(attempt)
            if found is None:
                raise BookingNotMadeError(
                    "meetergo lost the answer and has no such booking"
                ) from None
            metrics.booking("found")
            return Booked(found, start)
        except MeetergoError:
            # Refused outright (taken, invalid, rate limited to the end): nothing was created.
            await self.ledger.settle(chat_id)
            raise
        finally:
            # Booked or refused, the free times just changed for everyone.
            self._availability.invalidate()
        # Recorded before the attempt is settled: a crash between the two leaves the attempt,
        # which is then looked up, never the booking forgotten.
        booked = await self._kept(Booked(confirmation, start), attempt, request)
        await self.ledger.settle(chat_id)
        metrics.booking("pending" if confirmation.is_provisional else "booked")
        return booked

    async def _booked_before(
        self,
        chat_id: int,
        meeting_type_id: str,
        start: datetime,
        customer: AttendeeDetails,
        shown_at: datetime | None,
    ) -> Booked | None:
        """The booking, if an earlier attempt of the chat made it (its answer lost), or this
        very confirmation was handled before (see _made_already)."""
        earlier = await self.ledger.of_chat(chat_id)
        if earlier is not None:
            found = await self.look_up(earlier)
            if found is not None:
                return Booked(found, earlier.start)
        if shown_at is None:
            return None
        return await self._made_already(chat_id, meeting_type_id, start, customer.contact, shown_at)

    async def _made_already(
        self, chat_id: int, meeting_type_id: str, start: datetime, contact: str, shown_at: datetime
    ) -> Booked | None:
        """This very booking, if the chat made it after its confirmation card was shown.

        A process that dies after meetergo's 201 but before its turn is written leaves the
        chat at the card; the confirmation handled again (by another replica, or after a
        restart) must find the booking, not post a second one. A booking made before the card
        was shown is an earlier confirmation's, and a new card asks for a new booking.
        """
        for record in await self.ledger.records_of_chat(chat_id):
            if (
                not record.cancelled
                and record.booked_at >= shown_at
                and record.meeting_type_id == meeting_type_id
                and record.start == start
                and attendee_matches(record.attendee_hash, contact, self._attendee_key)
            ):
                return Booked(BookingConfirmation(appointment_id=record.appointment_id), start)
        return None

    async def _kept(
        self, booked: Booked, attempt: Attempt, request: BookingRequest | None = None
    ) -> Booked:
        """Keep the booking's record (no name, no e-mail, no phone) for /stats and what comes
        later; its attendee hash is of the e-mail address (a phone-only booking's: of the
        phone number, which no attendee's address matches). `request`: how they meet (a
        booking found again by a look-up keeps the meeting type's own channel)."""
        confirmation = booked.confirmation
        appointment = confirmation.appointment_id or confirmation.provisional_booking_id
        if appointment:
            await self.ledger.record(
                BookingRecord(
                    appointment_id=appointment,
                    meeting_type_id=attempt.meeting_type_id,
                    start=booked.start,
                    agent_id=attempt.agent_id,
                    chat_id=attempt.chat_id,
                    language=attempt.language,
                    timezone=attempt.timezone,
                    booked_at=datetime.now(UTC),
                    duration=attempt.duration,
                    attendee_hash=attendee_hash(attempt.email, self._attendee_key),
                    channel=(request.channel or "") if request else "",
                    location=(request.location or "") if request else "",
                    pending=confirmation.is_provisional,
                )
            )
        return booked

    async def look_up(self, attempt: Attempt) -> BookingConfirmation | None:
        """Whether an attempt's booking exists; settles the attempt when that is known.

        Raises BookingOutcomeUnknownError when meetergo cannot be asked (the attempt stays).
        """
        try:
            found = await self._client.find_appointment(
                attempt.meeting_type_id, attempt.start, attempt.email, phone=attempt.phone
            )
        except MeetergoError as error:
            raise BookingOutcomeUnknownError(
                f"could not look the booking up: {type(error).__name__}"
            ) from None
        await self.ledger.settle(attempt.chat_id)
        if found is None:
            return None
        confirmation = BookingConfirmation(appointment_id=found.id)
        await self._kept(Booked(confirmation, attempt.start), attempt)
        return confirmation


# Marks a keyed attendee hash. Records written before hashes were keyed hold a bare SHA-256
# of the address (64 hex digits, no mark); they are still recognised (attendee_matches) and
# matter only until their appointment has passed.
KEYED_HASH = "hmac-sha256:"
# The link secret also signs agents' start links: hashing addresses as a message of their own
# kind keeps either MAC from ever standing for the other.
_ATTENDEE_DOMAIN = b"attendee-email\x00"


def _normal(email: str) -> bytes:
    return email.strip().casefold().encode()


def attendee_hash(email: str, key: bytes) -> str:
    """A stand-in for an e-mail address that finds its attendee again but does not reveal it.

    Keyed (HMAC-SHA256 with the link secret): a bare hash of an address is as good as the
    address to anyone holding a list of addresses to try, such as a copy of the records.
    """
    digest = hmac.new(key, _ATTENDEE_DOMAIN + _normal(email), hashlib.sha256).hexdigest()
    return KEYED_HASH + digest


def attendee_matches(stored: str, email: str, key: bytes) -> bool:
    """Whether a record's attendee hash (keyed, or bare from an older record) is `email`'s."""
    if not stored:
        return False
    if stored.startswith(KEYED_HASH):
        expected = attendee_hash(email, key)
    else:
        expected = hashlib.sha256(_normal(email)).hexdigest()
    return hmac.compare_digest(stored, expected)


def _attendee(customer: AttendeeDetails, agent_id: int | None = None) -> Attendee:
    first, last = split_name(customer.name)
    # Free keys are kept by meetergo as metadata: the team finds the chat, and the agent.
    notes = {
        **customer.answers,
        "source": "telegram",
        "telegramUserId": str(customer.telegram_user_id),
    }
    if agent_id:
        notes["agentTelegramId"] = str(agent_id)
    return Attendee(
        bringalong_emails=list(customer.guests) or None,
        email="" if customer.phone_only else customer.email,
        fullname=customer.name,
        phone=customer.phone,
        firstname=first,
        lastname=last or None,
        receive_reminders=True,
        notes=notes,
        language=customer.language,
        timezone=customer.timezone,
        data_policy_accepted=True,
    )
