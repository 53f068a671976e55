"""Rescheduling: "Reschedule" on /mybookings or a reminder enters the booking flow with the
appointment's type and length; the day and time steps offer its own slot as free, and the
final card asks to move it."""

from __future__ import annotations

from telegram import Update

from bot.meetergo import MeetergoError, SlotTakenError
from conversations.after_booking import waitlist
from conversations.after_booking.payloads import MoveAppointment
from conversations.after_booking.pressed import pressed_appointment
from conversations.booking.booked import confirm_in_chat, done, slot_taken
from conversations.booking.draft import BookingContext
from conversations.kit.chat import chat_id_of, present, typing_while_slow
from conversations.kit.outcome import END, Ask, Outcome
from conversations.kit.phrases import booking_when


async def start_moving(update: Update, context: BookingContext) -> Outcome:
    """Begin rescheduling an appointment of this chat: its free days, its own slot free."""
    record = await pressed_appointment(update, context, MoveAppointment)
    if record is None:
        return None
    draft = context.reset_draft()
    draft.meeting_type_id, draft.duration = record.meeting_type_id, record.duration or None
    draft.moving_id, draft.moving_from = record.appointment_id, record.start
    draft.notice = context.ui._("Pick a new time. Your appointment is now on {when}.").format(
        when=booking_when(context.ui, record.start)
    )
    return Ask(fresh=True)


async def move_appointment(update: Update, context: BookingContext) -> Outcome:
    """Move the appointment to the chosen time on meetergo and say so (new calendar file)."""
    draft = context.draft
    ui = context.ui
    start = draft.chosen_start()
    record = await context.services.bookings.ledger.record_of(draft.moving_id or "")
    if record is None:
        context.forget_view()
        await present(
            update, context, (ui._("This appointment can no longer be changed here."), None)
        )
        return END
    await present(update, context, (ui._("⏳ Moving your appointment…"), None))
    try:
        async with typing_while_slow(update, context):
            moved = await context.services.appointments.reschedule(record, start)
    except SlotTakenError:
        return slot_taken(context, start)
    except MeetergoError as error:
        draft.new_menu()
        await present(update, context, context.flow.failure_screen(context, error))
        return "CONFIRM"
    text = ui._("✅ Moved: your appointment is now on {when}.").format(
        when=booking_when(ui, moved.start)
    )
    await confirm_in_chat(update, context, moved, text)
    # Others offered that very time by the waiting list hear it went.
    await waitlist.after_booking(
        context.application, chat_id_of(update), moved.meeting_type_id, moved.start
    )
    return done(context)
