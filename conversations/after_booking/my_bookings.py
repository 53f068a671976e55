"""After the booking: /mybookings and cancelling (my_bookings.mmd); the calendar file and the
reminders have modules of their own.

Moving an appointment goes through the booking flow's day and time steps (its "Reschedule"
buttons enter that flow); everything else here keeps no conversation state: each message's
buttons carry a short key of the appointment, checked against this chat's records on use.
"""

from __future__ import annotations

import dataclasses
import logging
from datetime import UTC, datetime
from html import escape

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler

from bot.booking.appointments import NotThisAttendeeError
from bot.meetergo import MeetergoError
from bot.storage.ledger import BookingRecord
from conversations.after_booking.host_changes import apply_host_change
from conversations.after_booking.payloads import (
    Attending,
    CancelAppointment,
    CancelConfirmed,
    DropWish,
    KeepAppointment,
)
from conversations.after_booking.pressed import edit_pressed, pressed_appointment
from conversations.after_booking.reminders import (
    confirm_attendance,
    drop_reminders,
    follow_the_appointment,
    tell_agent_cancelled,
)
from conversations.after_booking.shown import (
    MENU,
    actions,
    answer_line,
    key_of,
    meeting_title,
    ui_of,
    where_line,
)
from conversations.after_booking.waitlist import offer_free_times, wish_ui
from conversations.kit.chat import chat_id_of, reply
from conversations.kit.context import BotContext, Services, Ui
from conversations.kit.phrases import booking_when, failure_text

log = logging.getLogger(__name__)


# --- /mybookings and cancelling -------------------------------------------------------------


async def list_bookings(update: Update, context: BotContext) -> None:
    """Show the appointments still ahead, each with Reschedule and Cancel."""
    ui = context.ui
    try:
        upcoming = await context.services.appointments.upcoming(chat_id_of(update))
    except MeetergoError as error:
        await reply(update, failure_text(ui, error))
        return
    wishes = await context.services.waitlist.store.of_chat(chat_id_of(update))
    if not upcoming and not wishes:
        await reply(update, ui._("You have no upcoming bookings. Send /start to book one."))
        return
    for wish in wishes:
        shown = wish_ui(context.services, wish)
        text = ui._("🔔 Waiting for a free time on {date}.").format(
            date=escape(shown.fmt.full_date(wish.day))
        )
        drop = InlineKeyboardButton(
            ui._("Stop waiting"), callback_data=DropWish(MENU, wish.wish_id).pack()
        )
        await reply(update, text, InlineKeyboardMarkup([[drop]]))
    for item in upcoming:
        if item.was is not None:
            # Confirmed since it was booked: its reminders follow the appointment's own id.
            await follow_the_appointment(context.application, item.was, item.record)
        if item.changed:
            # The team cancelled or moved it: told as such (once), then listed as it is now.
            await apply_host_change(context.application, item.record.appointment_id)
            now = await context.services.bookings.ledger.record_of(item.record.appointment_id)
            if now is None or now.cancelled or now.start <= datetime.now(UTC):
                continue
            item = dataclasses.replace(item, record=now)
        if item.pending:
            shown = ui_of(context.services, item.record)
            title = await meeting_title(context.services, item.record, shown)
            text = ui._(
                "⏳ Waiting for confirmation: {meeting}, {when}. It is booked once it is "
                "confirmed (with the link in the e-mail, or by the team)."
            ).format(meeting=escape(title), when=booking_when(shown, item.record.start))
            await reply(update, text + where_line(ui, item.record))
        else:
            await reply(update, *await _listed(context.services, ui, item.record))


async def _listed(
    services: Services, ui: Ui, record: BookingRecord
) -> tuple[str, InlineKeyboardMarkup]:
    """An appointment as /mybookings lists it: its line, with Reschedule and Cancel."""
    shown = ui_of(services, record)
    title = await meeting_title(services, record, shown)
    text = ui._("📅 {meeting}, {when}.").format(
        meeting=escape(title), when=booking_when(shown, record.start)
    )
    text += where_line(ui, record) + answer_line(ui, record)
    return text, InlineKeyboardMarkup([actions(ui, record)])


async def ask_to_cancel(update: Update, context: BotContext) -> None:
    """Ask whether to cancel the appointment whose Cancel was tapped."""
    found = await pressed_appointment(update, context, CancelAppointment)
    if found is None:
        return
    ui = context.ui
    title = await meeting_title(context.services, found, ui)
    text = ui._("Cancel your {meeting} on {when}?").format(
        meeting=escape(title), when=booking_when(ui_of(context.services, found), found.start)
    )
    key = key_of(found)
    markup = InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    ui._("Yes, cancel it"), callback_data=CancelConfirmed(MENU, key).pack()
                )
            ],
            [
                InlineKeyboardButton(
                    ui._("No, keep my appointment"), callback_data=KeepAppointment(MENU, key).pack()
                )
            ],
        ]
    )
    await edit_pressed(update, context, text, markup)


async def keep_appointment(update: Update, context: BotContext) -> None:
    """No, keep it: the message shows the appointment as /mybookings lists it again."""
    found = await pressed_appointment(update, context, KeepAppointment)
    if found is None:
        return
    await edit_pressed(update, context, *await _listed(context.services, context.ui, found))


async def cancel_appointment(update: Update, context: BotContext) -> None:
    """Cancel the appointment on meetergo, drop its reminders, and say so on the message."""
    found = await pressed_appointment(update, context, CancelConfirmed)
    if found is None:
        return
    ui = context.ui
    title = await meeting_title(context.services, found, ui)
    try:
        cancelled = await context.services.appointments.cancel(found)
    except MeetergoError as error:
        await edit_pressed(update, context, failure_text(ui, error), None)
        return
    except NotThisAttendeeError:
        await edit_pressed(
            update, context, ui._("This appointment can no longer be changed here."), None
        )
        return
    drop_reminders(context.application, cancelled)
    when = booking_when(ui_of(context.services, found), found.start)
    text = ui._("❌ Cancelled: {meeting}, {when}.").format(meeting=escape(title), when=when)
    await edit_pressed(update, context, text, None)
    await tell_agent_cancelled(context.application, cancelled)
    # Its time is free again: whoever waits for that day hears of it (after this answer).
    context.services.availability.invalidate()
    context.application.create_task(offer_free_times(context.application))


async def drop_wish(update: Update, context: BotContext) -> None:
    """Stop waiting for a day (the chat's own wish only)."""
    query = update.callback_query
    if query is None:
        return
    try:
        wish_id = DropWish.unpack(query.data or "").wish_id
    except ValueError:
        wish_id = -1
    store = context.services.waitlist.store
    mine = [w for w in await store.of_chat(chat_id_of(update)) if w.wish_id == wish_id]
    await query.answer()
    if mine:
        await store.drop(wish_id)
    text = context.ui._("🔕 Stopped waiting. Send /start to book another day.")
    await edit_pressed(update, context, text, None)


def build_my_bookings_handlers() -> list[BaseHandler[Update, BotContext, None]]:
    """/mybookings and cancelling (see my_bookings.mmd)."""
    return [
        CommandHandler("mybookings", list_bookings),
        CallbackQueryHandler(ask_to_cancel, pattern=CancelAppointment.matches),
        CallbackQueryHandler(confirm_attendance, pattern=Attending.matches),
        CallbackQueryHandler(drop_wish, pattern=DropWish.matches),
        CallbackQueryHandler(cancel_appointment, pattern=CancelConfirmed.matches),
        CallbackQueryHandler(keep_appointment, pattern=KeepAppointment.matches),
    ]
