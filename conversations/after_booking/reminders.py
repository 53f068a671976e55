"""Reminders before an appointment, and the customer's answer to them: each reminder asks
"Will you be there?" until the customer says so; the answer is kept with the booking record,
and the agent whose link brought the booking hears it."""

from __future__ import annotations

import dataclasses
import logging
from datetime import UTC, datetime
from html import escape
from typing import Any

from telegram import Update
from telegram.error import TelegramError
from telegram.ext import CallbackContext

from bot.config import reminder_label
from bot.meetergo import MeetergoError
from bot.storage.ledger import ATTENDING, BookingRecord
from conversations.after_booking.payloads import Attending
from conversations.after_booking.pressed import edit_pressed, pressed_appointment
from conversations.after_booking.shown import (
    meeting_title,
    reminder_buttons,
    ui_of,
    where_line,
)
from conversations.kit.agent_messages import pass_on_to_agent, tell_agent
from conversations.kit.context import App, BotContext, Services, Ui
from conversations.kit.phrases import booking_when

log = logging.getLogger(__name__)


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
    text = _reminder_text(ui, record, datetime.now(UTC)).format(
        meeting=escape(title),
        when=booking_when(ui, record.start),
        time=escape(ui.fmt.time(record.start)),
        zone=escape(ui.fmt.zone_name()),
    )
    text += where_line(ui, record)
    claimed = await services.bookings.ledger.claim_reminder(record.appointment_id, label)
    if waiting is not None:
        # Confirmed since: the reminders still to come follow the appointment's own id.
        await follow_the_appointment(app, waiting.appointment_id, record)
    if not claimed:
        return  # another replica sent it
    try:
        await app.bot.send_message(record.chat_id, text, reply_markup=reminder_buttons(ui, record))
    except TelegramError as error:
        log.warning("could not send a reminder: %s", type(error).__name__)
        await pass_on_to_agent(app, services, record.agent_id, error, text)
        return
    services.metrics.reminder_sent(label)


def _reminder_text(ui: Ui, record: BookingRecord, now: datetime) -> str:
    """The reminder's sentence: today's appointment by its time, tomorrow's and later ones by
    their day (in the zone it was booked in); "Will you be there?" until the customer said so.
    Placeholders: {meeting}, {when}, {time}, {zone}."""
    days_ahead = (ui.fmt.local(record.start).date() - ui.fmt.local(now).date()).days
    asking = record.answer != ATTENDING  # asked again at every reminder until answered
    if days_ahead <= 0:
        if asking:
            return ui._(
                "⏰ Reminder: your {meeting} is on today at {time}, {zone}. Will you be there?"
            )
        return ui._("⏰ Reminder: your {meeting} is on today at {time}, {zone}.")
    if days_ahead == 1:
        if asking:
            return ui._("⏰ Reminder: your {meeting} is on tomorrow, {when}. Will you be there?")
        return ui._("⏰ Reminder: your {meeting} is on tomorrow, {when}.")
    if asking:
        return ui._("⏰ Reminder: your {meeting} is on {when}. Will you be there?")
    return ui._("⏰ Reminder: your {meeting} is on {when}.")


async def follow_the_appointment(app: App, provisional_id: str, record: BookingRecord) -> None:
    """Move a confirmed booking's reminders from its provisional id to the appointment's."""
    drop_reminders(app, dataclasses.replace(record, appointment_id=provisional_id))
    confirmed = await Services.of(app).bookings.ledger.record_of(record.appointment_id)
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


async def confirm_attendance(update: Update, context: BotContext) -> None:
    """ "I'll be there": keep the answer, thank the customer on the reminder (Reschedule and
    Cancel stay), and tell the agent whose link brought the booking."""
    found = await pressed_appointment(update, context, Attending)
    if found is None:
        return
    services = context.services
    answered = await services.appointments.note_answer(found, ATTENDING)
    ui = context.ui
    title = await meeting_title(services, answered, ui)
    when = booking_when(ui_of(services, answered), answered.start)
    text = ui._("✅ Thank you! See you at your {meeting} on {when}.").format(
        meeting=escape(title), when=when
    )
    await edit_pressed(
        update, context, text + where_line(ui, answered), reminder_buttons(ui, answered)
    )
    if answered.agent_id:
        await _tell_agent(context.application, answered, attending=True)


async def _tell_agent(app: App, record: BookingRecord, *, attending: bool) -> None:
    """The agent whose link brought the booking hears the customer's answer (no name: the
    record keeps none), in the agent's language and zone."""
    services = Services.of(app)
    if record.agent_id is None:
        return
    title_ui = ui_of(services, record)
    title = await meeting_title(services, record, title_ui)

    def compose(ui: Ui) -> str:
        if attending:
            text = ui._(
                "✅ Confirmed: the customer will be at the {meeting} on {when} (your link)."
            )
        else:
            text = ui._("❌ Cancelled by the customer: the {meeting} on {when} (your link).")
        return text.format(meeting=escape(title), when=booking_when(ui, record.start))

    await tell_agent(app, services, record.agent_id, compose)


async def tell_agent_cancelled(app: App, record: BookingRecord) -> None:
    """The agent whose link brought the booking hears that the customer cancelled it."""
    await _tell_agent(app, record, attending=False)
