"""Turn a customer's choices into a meetergo booking."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.availability import AvailabilityService
from bot.contact import split_name
from bot.meetergo import (
    Attendee,
    BookingConfirmation,
    BookingRequest,
    MeetergoClient,
)


@dataclass(frozen=True, slots=True)
class AttendeeDetails:
    """Who the booking is for, as the customer gave it in the chat."""

    name: str
    email: str
    language: str
    timezone: str
    telegram_user_id: int


class BookingService:
    """Books a start for a customer; one POST per call, never retried behind their back."""

    def __init__(self, client: MeetergoClient, availability: AvailabilityService) -> None:
        self._client = client
        self._availability = availability

    async def book(
        self,
        start: datetime,
        customer: AttendeeDetails,
        *,
        meeting_type_id: str | None = None,
        duration: int | None = None,
    ) -> BookingConfirmation:
        """POST /booking for this start; the cached availability is dropped either way.

        The meeting type defaults to the first configured one, the duration to its own.
        """
        meeting_type = await self._availability.meeting_type(meeting_type_id)
        first, last = split_name(customer.name)
        attendee = Attendee(
            email=customer.email,
            fullname=customer.name,
            firstname=first,
            lastname=last or None,
            receive_reminders=True,
            # Free keys are kept by meetergo as metadata: lets the team find the chat again.
            notes={"source": "telegram", "telegramUserId": str(customer.telegram_user_id)},
            language=customer.language,
            timezone=customer.timezone,
            data_policy_accepted=True,
        )
        request = BookingRequest.for_meeting_type(
            meeting_type, start=start, attendee=attendee, duration=duration
        )
        try:
            return await self._client.book(request)
        finally:
            # Booked or refused, the free times just changed for everyone.
            self._availability.invalidate()
