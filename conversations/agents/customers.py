"""/mycustomers: the upcoming appointments an agent brought in, through their links or in
their own chats, in the agent's language and zone. Names come from meetergo (the bot keeps
none); never an e-mail address, a phone number or an answer."""

from __future__ import annotations

from datetime import UTC, datetime
from html import escape
from typing import Final

from telegram import Update

from bot.meetergo import MeetergoError
from bot.storage.business import is_business_key
from bot.storage.ledger import BookingRecord
from conversations.commands.help import show_help
from conversations.kit.chat import reply
from conversations.kit.context import BotContext, Ui
from conversations.kit.phrases import booking_when, meeting_line

# A chat message has room for this many lines; the soonest are shown.
LISTED: Final = 25


async def show_my_customers(update: Update, context: BotContext) -> None:
    """List the agent's customers' upcoming appointments, cancelled ones marked."""
    user, chat = update.effective_user, update.effective_chat
    agents = context.services.settings.bot_agent_ids
    if user is None or chat is None or user.id not in agents or chat.id != user.id:
        await show_help(update, context)
        return
    ui = context.ui
    records = await context.services.bookings.ledger.records_of_agent(user.id, datetime.now(UTC))
    if not records:
        await reply(update, ui._("No upcoming appointments came through your links or chats."))
        return
    lines = [ui._("Upcoming appointments you brought in:")]
    for record in records[:LISTED]:
        lines.append(await _line(context, ui, record))
    if len(records) > LISTED:
        lines.append(ui._("… and {count} more.").format(count=len(records) - LISTED))
    await reply(update, "\n".join(lines))


async def _line(context: BotContext, ui: Ui, record: BookingRecord) -> str:
    services = context.services
    try:
        meeting_type = await services.availability.meeting_type(record.meeting_type_id)
        name = meeting_type.name_in(ui.prefs.language)
    except (MeetergoError, LookupError):
        name = ""
    customer = await services.appointments.attendee_name(record) or ui._("name unknown")
    where = "💬" if is_business_key(record.chat_id) else "🔗"
    line = ui._("{where} {when}: {meeting}, {name}").format(
        where=where,
        when=booking_when(ui, record.start),
        meeting=meeting_line(ui, name, record.duration or None),
        name=escape(customer),
    )
    if record.cancelled:
        return ui._("❌ Cancelled: {line}").format(line=f"<s>{line}</s>")
    if record.pending:
        return ui._("⏳ Waiting for confirmation: {line}").format(line=line)
    return line
