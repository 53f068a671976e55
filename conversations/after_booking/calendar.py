"""The appointment's calendar file, sent with the confirmation (and again after a move): an
.ics document with "add to" buttons for web calendars."""

from __future__ import annotations

import asyncio
import contextlib
import io
import logging

from telegram import InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import TelegramError

from bot.booking.calendar_file import CalendarEntry, google_link, ics, outlook_link
from bot.storage.ledger import BookingRecord
from conversations.after_booking.shown import meeting_title, ui_of
from conversations.kit.context import App, Services
from conversations.kit.phrases import booking_when
from conversations.kit.places import where

log = logging.getLogger(__name__)


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
    # Made in a worker thread: the first file loads icalendar (0.1 s), which no chat's turn
    # should wait for.
    file = await asyncio.to_thread(ics, entry)
    try:
        await app.bot.send_document(
            record.chat_id,
            io.BytesIO(file),
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
