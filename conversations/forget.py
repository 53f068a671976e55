"""/forget (also /delete and /stop) and /privacy: what the bot keeps, and erasing all of it.

/forget asks first. Yes erases the conversation, the draft (name and e-mail), the
preferences and any booking attempt of this customer, in memory and on disk, and ends the
conversation. The handlers are registered in every state of the booking graph, which is what
lets "yes" end a booking in progress.
"""

from __future__ import annotations

import logging
import math
from html import escape

from telegram import Update
from telegram.ext import ConversationHandler

from conversations import keyboards
from conversations.buttons import Next, live_payload, refuse_stale_button
from conversations.callbacks import ForgetMe, KeepMyData
from conversations.chat import chat_id_of, present, reply
from conversations.context import BotContext
from conversations.states import State
from conversations.steps import ASK

log = logging.getLogger(__name__)


async def ask_to_forget(update: Update, context: BotContext, state: State) -> Next:
    """Ask whether to erase everything the bot stores about the customer."""
    ui = context.ui
    draft = context.draft
    draft.new_menu()
    text = ui._(
        "Shall I erase everything I store about you: your booking in progress, your name and "
        "e-mail address, your language and time zone? Bookings already made stay with our "
        "team; to change those, reply to their confirmation e-mail."
    )
    await present(update, context, (text, keyboards.forget_or_keep(ui, draft.menu)), fresh=True)
    return None


async def forget_customer(update: Update, context: BotContext, state: State) -> Next:
    """Erase everything stored about the customer and say so."""
    if await live_payload(update, context, ForgetMe) is None:
        return await refuse_stale_button(update, context, state)
    chat_id = chat_id_of(update)
    user_id = update.effective_user.id if update.effective_user else chat_id
    # Said in the customer's language, which is about to be erased with the rest.
    text = context.ui._("Done: I erased everything I stored about you. Send /start to book again.")
    await context.services.bookings.ledger.forget(chat_id)
    context.forget_draft()
    if context.chat_data is not None:
        context.chat_data.clear()
    if context.user_data is not None:
        context.user_data.clear()
    context.application.drop_chat_data(chat_id)
    context.application.drop_user_data(user_id)
    log.info("customer data erased", extra={"chat": chat_id, "event": "forgotten"})
    await present(update, context, (text, None))
    return ConversationHandler.END


async def keep_data(update: Update, context: BotContext, state: State) -> Next:
    """Keep everything, and show the step the customer was at (if a booking is under way)."""
    if await live_payload(update, context, KeepMyData) is None:
        return await refuse_stale_button(update, context, state)
    if context.draft.start is None and context.draft.day is None and state is State.DAY:
        text = context.ui._("Nothing was erased.")
        await present(update, context, (text, None))
        return None
    context.draft.notice = context.ui._("Nothing was erased.")
    return await ASK[state](update, context)


async def show_privacy(update: Update, context: BotContext) -> Next:
    """Say what the bot keeps and for how long, with the privacy policy and /forget."""
    ui = context.ui
    minutes = max(1, math.ceil(context.services.settings.bot_idle_timeout_minutes))
    text = ui.n_(
        "While you book, I keep your answers (name, e-mail address, chosen time), and your "
        "language and time zone for next time. An unfinished booking is erased after {minutes} "
        "minute without a reply; a finished one leaves only what our scheduling service needs. "
        'Our <a href="{url}">privacy policy</a> has the details. Send /forget to erase '
        "everything now.",
        "While you book, I keep your answers (name, e-mail address, chosen time), and your "
        "language and time zone for next time. An unfinished booking is erased after {minutes} "
        "minutes without a reply; a finished one leaves only what our scheduling service needs. "
        'Our <a href="{url}">privacy policy</a> has the details. Send /forget to erase '
        "everything now.",
        minutes,
    ).format(minutes=minutes, url=escape(ui.privacy_url, quote=True))
    await reply(update, text)
    return None
