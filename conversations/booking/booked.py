"""How a booking or a move ends in the chat: the confirmation with its calendar file and
reminders, or the day's free times again when the chosen one was just taken."""

from __future__ import annotations

from datetime import datetime
from html import escape

from telegram import Update

from bot.storage.ledger import BookingRecord
from conversations.after_booking.calendar import send_calendar
from conversations.after_booking.reminders import arm_reminders
from conversations.booking.draft import BookingContext
from conversations.kit.chat import present
from conversations.kit.outcome import END, Ask, Outcome


def slot_taken(context: BookingContext, start: datetime) -> Outcome:
    """Say the chosen time was just taken and show the day's free times now."""
    ui = context.ui
    context.draft.start = None
    context.draft.notice = ui._(
        "Sorry, {time} was just taken. Here are the free times now:"
    ).format(time=escape(ui.fmt.time(start)))
    return Ask("SLOT")


async def confirm_in_chat(
    update: Update,
    context: BookingContext,
    record: BookingRecord | None,
    text: str,
    *,
    location: str | None = None,
) -> None:
    """Put the confirmation in place of the card: with the calendar file (its LOCATION
    `location` when given) and reminders when there is a record, the text alone otherwise (or
    when Telegram refused the file). A booking waiting for a confirmation gets no calendar
    file yet, and reminders that wait for the confirmation."""
    if record is None or record.pending:
        await present(update, context, (text, None))
    else:
        card = context.draft.menu_message_id
        sent = await send_calendar(
            context.application, context.services, record, text, replacing=card, location=location
        )
        if not sent:
            await present(update, context, (text, None))
    if record is not None:
        await arm_reminders(context.application, record)


def done(context: BookingContext) -> Outcome:
    """The conversation is over: the customer's name and e-mail leave our storage."""
    context.forget_view()
    return END
