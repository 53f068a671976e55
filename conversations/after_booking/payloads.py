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
