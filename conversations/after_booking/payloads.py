"""The buttons on confirmations, reminders and /mybookings: a short key of the appointment."""

from __future__ import annotations

import dataclasses
from typing import ClassVar

from conversations.kit.payloads import Callback


@dataclasses.dataclass(frozen=True)
class MoveAppointment(Callback):
    """Reschedule an appointment: enters the booking flow's day and time steps."""

    prefix: ClassVar[str] = "mv"
    key: str


@dataclasses.dataclass(frozen=True)
class CancelAppointment(Callback):
    """Cancel an appointment (asks first)."""

    prefix: ClassVar[str] = "ca"
    flow: ClassVar[str] = "my_bookings"
    key: str


@dataclasses.dataclass(frozen=True)
class CancelConfirmed(Callback):
    """Yes, cancel the appointment."""

    prefix: ClassVar[str] = "cy"
    flow: ClassVar[str] = "my_bookings"
    key: str


@dataclasses.dataclass(frozen=True)
class KeepAppointment(Callback):
    """No, keep the appointment: the message shows it as /mybookings lists it again."""

    prefix: ClassVar[str] = "kp"
    flow: ClassVar[str] = "my_bookings"
    key: str


@dataclasses.dataclass(frozen=True)
class Attending(Callback):
    """ "I'll be there": the customer's answer to a reminder."""

    prefix: ClassVar[str] = "ya"
    flow: ClassVar[str] = "my_bookings"
    key: str


# The presses that name an appointment by its key.
AppointmentPress = (
    MoveAppointment | CancelAppointment | CancelConfirmed | KeepAppointment | Attending
)


@dataclasses.dataclass(frozen=True)
class BookAgain(Callback):
    """ "Book another time" after the team cancelled: starts the booking flow afresh."""

    prefix: ClassVar[str] = "bk"
    flow: ClassVar[str] = "booking"


@dataclasses.dataclass(frozen=True)
class WaitForDay(Callback):
    """ "Tell me if a time frees up" on a day with no free time (that fits)."""

    prefix: ClassVar[str] = "wd"


@dataclasses.dataclass(frozen=True)
class TakeOffer(Callback):
    """Book the time the waiting list offered: into the booking flow with it chosen."""

    prefix: ClassVar[str] = "to"
    wish_id: int


@dataclasses.dataclass(frozen=True)
class DropWish(Callback):
    """Stop waiting for a day (from /mybookings)."""

    prefix: ClassVar[str] = "dw"
    flow: ClassVar[str] = "my_bookings"
    wish_id: int
