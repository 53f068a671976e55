"""Moving an appointment: the day and time steps count the appointment's own slot as free."""

from __future__ import annotations

from bot.sandbox.scheduling_defaults import INTRO_CALL_ID
from tests.unit.conftest import (
    SCREEN,
    Chat,
    day_label,
    free_starts,
    time_label,
    tomorrow,
    walk,
)


async def test_a_day_free_only_in_the_appointments_own_slot_is_offered_for_the_move(
    chat: Chat,
) -> None:
    ada, sandbox = chat.ada, chat.sandbox
    await walk(ada, "confirm")
    await ada.tap("Confirm")
    assert "You're booked" in ada.last().text
    booking = sandbox.bookings[-1]
    # Tomorrow fills up: every other start for everyone, and Ada's start for the other hosts.
    for start in free_starts(sandbox, tomorrow()):
        for host in sandbox.meeting_types[INTRO_CALL_ID].team():
            if (start, host) != (booking.start, booking.host_id):
                sandbox.add_booking(INTRO_CALL_ID, host, start)
    assert free_starts(sandbox, tomorrow()) == [], "tomorrow has no free time but Ada's own"

    listing = await ada.send("/mybookings")
    await ada.tap("Reschedule", message_id=listing.message_id)
    assert SCREEN["day"] in ada.last().text
    assert day_label(tomorrow()) in ada.labels(), "the day of the appointment's own slot"
    await ada.tap(day_label(tomorrow()))
    assert ada.labels()[0] == time_label(booking.start)
    assert chat.emulator.violations == []
