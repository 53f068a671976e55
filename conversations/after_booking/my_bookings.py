"""After the booking: the calendar file, reminders, /mybookings and cancelling (my_bookings.mmd).

Moving an appointment goes through the booking flow's day and time steps (its "Reschedule"
buttons enter that flow); everything else here keeps no conversation state: each message's
buttons carry a short key of the appointment, checked against this chat's records on use.
"""

from __future__ import annotations

import contextlib
import dataclasses
import io
import logging
from datetime import UTC, datetime
from html import escape
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import TelegramError
from telegram.ext import (
    BaseHandler,
    CallbackContext,
    CallbackQueryHandler,
    CommandHandler,
)

from bot.booking.appointments import NotThisAttendeeError, appointment_key
from bot.booking.calendar_file import CalendarEntry, google_link, ics, outlook_link
from bot.config import reminder_label
from bot.meetergo import MeetergoError
from bot.storage.ledger import BookingRecord
from conversations.after_booking.payloads import (
    CancelAppointment,
    CancelConfirmed,
    MoveAppointment,
)
from conversations.kit.chat import chat_id_of, reply
from conversations.kit.context import App, BotContext, Prefs, Services, Ui, ui_for
from conversations.kit.phrases import booking_when, failure_text, meeting_name
from conversations.kit.places import channel_icon, where

log = logging.getLogger(__name__)

MENU = "mb"


def key_of(record: BookingRecord) -> str:
    """The short key buttons carry for an appointment (checked against the chat's records)."""
    return appointment_key(record.appointment_id)


def ui_of(services: Services, record: BookingRecord) -> Ui:
    """Talk about a booking in the language and zone it was made in."""
    return ui_for(services.settings, Prefs(language=record.language, timezone=record.timezone))


async def meeting_title(services: Services, record: BookingRecord, ui: Ui) -> str:
    """The meeting type's name, or a plain word for it."""
    try:
        meeting_type = await services.availability.meeting_type(record.meeting_type_id)
    except (MeetergoError, LookupError):
        return meeting_name("", ui)
    return meeting_name(meeting_type.name_in(ui.prefs.language), ui)


def where_line(ui: Ui, record: BookingRecord) -> str:
    """A line saying how and where they meet (HTML), or nothing for a record from before the
    bot kept it."""
    if not record.channel:
        return ""
    return f"\n{channel_icon(record.channel)} {escape(where(ui, record.channel, record.location))}"


def actions(ui: Ui, record: BookingRecord) -> list[InlineKeyboardButton]:
    """Reschedule and Cancel for one appointment."""
    key = key_of(record)
    return [
        InlineKeyboardButton(ui._("Reschedule"), callback_data=MoveAppointment(MENU, key).pack()),
        InlineKeyboardButton(
            ui._("Cancel appointment"), callback_data=CancelAppointment(MENU, key).pack()
        ),
    ]


# --- the calendar file --------------------------------------------------------------------


async def send_calendar(
    app: App,
    services: Services,
    record: BookingRecord,
    caption: str,
    *,
    replacing: int | None,
    location: str | None = None,
) -> bool:
    """Send the confirmation as the caption of the appointment's .ics file, with "add to"
    buttons for web calendars, in place of the message `replacing` (the booking card). The
    file's LOCATION is `location`, else where the record says they meet.

    False when Telegram refused the file: the caller then confirms on the card itself.
    """
    ui = ui_of(services, record)
    title = await meeting_title(services, record, ui)
    # Where the record says they meet: never the customer's own address, which it does not keep.
    kept = where(ui, record.channel, record.location) if record.channel else ""
    entry = CalendarEntry(
        appointment_id=record.appointment_id,
        title=title,
        start=record.start,
        minutes=record.duration or 30,
        description=ui._("{meeting}, booked for {when}.").format(
            meeting=title, when=booking_when(ui, record.start, html=False)
        ),
        sequence=record.sequence,
        location=location or kept,
        shared_location=kept if location else None,
    )
    markup = InlineKeyboardMarkup(
        [
            [InlineKeyboardButton(ui._("Add to Google Calendar"), url=google_link(entry))],
            [InlineKeyboardButton(ui._("Add to Outlook"), url=outlook_link(entry))],
        ]
    )
    try:
        await app.bot.send_document(
            record.chat_id,
            io.BytesIO(ics(entry)),
            filename="appointment.ics",
            caption=caption,
            reply_markup=markup,
        )
    except TelegramError as error:
        log.warning("could not send the calendar file: %s", type(error).__name__)
        return False
    if replacing is not None:
        # One message says it all: the card made way for the confirmation with its file.
        with contextlib.suppress(TelegramError):
            await app.bot.delete_message(record.chat_id, replacing)
    return True


# --- reminders ----------------------------------------------------------------------------


def _job_name(record: BookingRecord, label: str) -> str:
    return f"remind:{record.appointment_id}:{label}"


def drop_reminders(app: App, record: BookingRecord) -> None:
    """Remove the appointment's pending reminders (cancelled or moved)."""
    if app.job_queue is None:
        return
    for before in Services.of(app).settings.bot_reminders:
        for job in app.job_queue.get_jobs_by_name(_job_name(record, reminder_label(before))):
            job.schedule_removal()


async def arm_reminders(
    app: App, record: BookingRecord, *, catch_up: bool = False, send_due_now: bool = False
) -> None:
    """Schedule the appointment's reminders not sent yet.

    One already due is sent when catching up after a restart (it fell due while the bot was
    down): before returning with `send_due_now`, else as a job due at once. For a booking just
    made or moved it is not needed (a booking three hours ahead gets no "24 hours before") and
    is noted as done, so no restart sends it either.
    """
    if app.job_queue is None:
        raise RuntimeError("the bot needs python-telegram-bot's job queue")
    drop_reminders(app, record)
    services = Services.of(app)
    now = datetime.now(UTC)
    for before in services.settings.bot_reminders:
        label = reminder_label(before)
        if label in record.reminded or record.start <= now:
            continue
        if record.start - before <= now and not catch_up:
            record = await services.appointments.mark_reminded(record, label)
            continue
        due = max(record.start - before, now)
        if due == now and send_due_now:
            await send_reminder(app, record.appointment_id, label, record.start)
            continue
        # No chat_id on the job: PTB would then save the chat's data after it, and this job
        # runs outside the chat's turn (its data may not be in memory).
        app.job_queue.run_once(
            _remind,
            when=due,
            name=_job_name(record, label),
            data=(record.appointment_id, label, record.start),
        )


async def rearm_all_reminders(app: App, *, send_due_now: bool) -> None:
    """At start: reminders for every appointment ahead, from the booking records; those that
    fell due while the bot was down sent before returning (`send_due_now`) or right after."""
    ledger = Services.of(app).bookings.ledger
    for record in await ledger.active_records(datetime.now(UTC)):
        await arm_reminders(app, record, catch_up=True, send_due_now=send_due_now)


async def _remind(context: CallbackContext[Any, Any, Any, Any]) -> None:
    job = context.job
    if job is None or not isinstance(job.data, tuple):
        return
    appointment_id, label, start = job.data
    await send_reminder(context.application, appointment_id, label, start)


async def send_reminder(app: App, appointment_id: str, label: str, start: datetime) -> None:
    """Remind the customer of the appointment, unless it was cancelled, moved or reminded."""
    services = Services.of(app)
    record = await services.bookings.ledger.record_of(appointment_id)
    if record is None or record.cancelled or record.start != start or label in record.reminded:
        return  # cancelled, moved (its new reminders are armed) or sent already
    waiting = record if record.pending else None
    if waiting is not None:
        record = await _confirmed_since(services, waiting)
        if record is None:
            return  # still waiting for the customer's e-mail link or the host: no reminder
    ui = ui_of(services, record)
    title = await meeting_title(services, record, ui)
    text = ui._("⏰ Reminder: your {meeting} is on {when}.").format(
        meeting=escape(title), when=booking_when(ui, record.start)
    ) + where_line(ui, record)
    claimed = await services.bookings.ledger.claim_reminder(record.appointment_id, label)
    if waiting is not None:
        # Confirmed since: the reminders still to come follow the appointment's own id.
        await _follow_the_appointment(app, waiting, record.appointment_id)
    if not claimed:
        return  # another replica sent it
    try:
        await app.bot.send_message(
            record.chat_id, text, reply_markup=InlineKeyboardMarkup([actions(ui, record)])
        )
    except TelegramError as error:
        log.warning("could not send a reminder: %s", type(error).__name__)


async def _follow_the_appointment(app: App, waiting: BookingRecord, appointment_id: str) -> None:
    """Move a confirmed booking's reminders from its provisional id to the appointment's."""
    drop_reminders(app, waiting)
    confirmed = await Services.of(app).bookings.ledger.record_of(appointment_id)
    if confirmed is not None:
        await arm_reminders(app, confirmed)


async def _confirmed_since(services: Services, record: BookingRecord) -> BookingRecord | None:
    """A pending booking's record if meetergo has made its appointment since; None while it
    waits (or when meetergo cannot be asked: a reminder is no reason to say anything wrong)."""
    try:
        return await services.appointments.settle_pending(record)
    except MeetergoError as error:
        log.warning("could not check a pending booking: %s", type(error).__name__)
        return None


# --- /mybookings and cancelling -------------------------------------------------------------


async def list_bookings(update: Update, context: BotContext) -> None:
    """Show the appointments still ahead, each with Reschedule and Cancel."""
    ui = context.ui
    try:
        upcoming = await context.services.appointments.upcoming(chat_id_of(update))
    except MeetergoError as error:
        await reply(update, failure_text(ui, error))
        return
    if not upcoming:
        await reply(update, ui._("You have no upcoming bookings. Send /start to book one."))
        return
    for item in upcoming:
        if item.was is not None:
            # Confirmed since it was booked: its reminders follow the appointment's own id.
            drop_reminders(
                context.application, dataclasses.replace(item.record, appointment_id=item.was)
            )
            await arm_reminders(context.application, item.record)
        shown = ui_of(context.services, item.record)
        title = await meeting_title(context.services, item.record, shown)
        when = booking_when(shown, item.record.start)
        place = where_line(ui, item.record)
        if item.cancelled:
            text = ui._("❌ Cancelled: {meeting}, {when}.").format(meeting=escape(title), when=when)
            await reply(update, text)
        elif item.pending:
            text = ui._(
                "⏳ Waiting for confirmation: {meeting}, {when}. It is booked once it is "
                "confirmed (with the link in the e-mail, or by the team)."
            ).format(meeting=escape(title), when=when)
            await reply(update, text + place)
        else:
            text = ui._("📅 {meeting}, {when}.").format(meeting=escape(title), when=when)
            await reply(update, text + place, InlineKeyboardMarkup([actions(ui, item.record)]))


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
    markup = InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    ui._("Yes, cancel it"),
                    callback_data=CancelConfirmed(MENU, key_of(found)).pack(),
                )
            ]
        ]
    )
    await _edit(update, context, text, markup)


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
        await _edit(update, context, failure_text(ui, error), None)
        return
    except NotThisAttendeeError:
        await _edit(update, context, ui._("This appointment can no longer be changed here."), None)
        return
    drop_reminders(context.application, cancelled)
    when = booking_when(ui_of(context.services, found), found.start)
    text = ui._("❌ Cancelled: {meeting}, {when}.").format(meeting=escape(title), when=when)
    await _edit(update, context, text, None)


async def pressed_appointment(
    update: Update,
    context: BotContext,
    kind: type[CancelAppointment] | type[CancelConfirmed] | type[MoveAppointment],
) -> BookingRecord | None:
    """The chat's appointment a press names, answered; None (answered too) if there is none."""
    query = update.callback_query
    if query is None:
        return None
    try:
        key = kind.unpack(query.data or "").key
        found = await context.services.appointments.find(chat_id_of(update), key)
    except ValueError:
        found = None
    if found is None or found.cancelled or found.start <= datetime.now(UTC):
        await query.answer(context.ui._("This appointment can no longer be changed here."))
        return None
    await query.answer()
    return found


async def _edit(
    update: Update, context: BotContext, text: str, markup: InlineKeyboardMarkup | None
) -> None:
    query = update.callback_query
    if query is not None and query.message is not None:
        await context.bot.edit_message_text(
            text,
            chat_id=chat_id_of(update),
            message_id=query.message.message_id,
            reply_markup=markup,
        )


def build_my_bookings_handlers() -> list[BaseHandler[Update, BotContext, None]]:
    """/mybookings and cancelling (see my_bookings.mmd)."""
    return [
        CommandHandler("mybookings", list_bookings),
        CallbackQueryHandler(ask_to_cancel, pattern=CancelAppointment.matches),
        CallbackQueryHandler(cancel_appointment, pattern=CancelConfirmed.matches),
    ]
