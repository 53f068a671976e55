"""A press on a button that names one of the chat's appointments (by a short key): found
among the chat's records and answered, and the message it was on rewritten."""

from __future__ import annotations

from datetime import UTC, datetime

from telegram import InlineKeyboardMarkup, Update

from bot.storage.ledger import BookingRecord
from conversations.after_booking.payloads import AppointmentPress
from conversations.kit.chat import chat_id_of
from conversations.kit.context import BotContext


async def pressed_appointment(
    update: Update,
    context: BotContext,
    kind: type[AppointmentPress],
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


async def edit_pressed(
    update: Update, context: BotContext, text: str, markup: InlineKeyboardMarkup | None
) -> None:
    """Rewrite the message whose button was pressed."""
    query = update.callback_query
    if query is not None and query.message is not None:
        await context.bot.edit_message_text(
            text,
            chat_id=chat_id_of(update),
            message_id=query.message.message_id,
            reply_markup=markup,
        )
