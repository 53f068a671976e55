"""Bookings happen in private chats only, and each chat's buttons belong to its customer.

Runs before every flow. In a group, supergroup or channel the bot never asks for or shows a
name, an e-mail address or a confirm card: /start and a mention get one short message with a
button that opens a private chat (carrying any start payload), and nothing else is answered.
In a private chat, a press by anyone but the chat's own user gets a pop-up and changes
nothing.
"""

from __future__ import annotations

import re

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ChatType
from telegram.ext import ApplicationHandlerStop

from bot.storage.business import is_business_key
from conversations.kit.context import BotContext, Ui

# Telegram's start parameter: at most 64 of A-Z a-z 0-9 _ -.
START_PAYLOAD = re.compile(r"[A-Za-z0-9_-]{1,64}")


def private_chat_link(username: str, payload: str | None) -> str:
    """The t.me link that opens a private chat with the bot (and sends /start payload)."""
    link = f"https://t.me/{username}"
    if payload and START_PAYLOAD.fullmatch(payload):
        return f"{link}?start={payload}"
    return link


def _open_private_chat(ui: Ui, link: str) -> InlineKeyboardMarkup:
    """A button that opens a private chat with the bot."""
    return InlineKeyboardMarkup([[InlineKeyboardButton(ui._("Book in a private chat"), url=link)]])


def _asks_for_the_bot(update: Update, context: BotContext) -> bool:
    message = update.effective_message
    text = (message.text or "") if message else ""
    username = (context.bot.username or "").casefold()
    command = text.split(maxsplit=1)[0].casefold() if text.strip() else ""
    if command in ("/start", f"/start@{username}"):
        return True
    return bool(username) and f"@{username}" in text.casefold()


async def keep_bookings_private(update: Update, context: BotContext) -> None:
    """Point groups to a private chat, and refuse presses on someone else's buttons."""
    chat = update.effective_chat
    if chat is None:
        return
    query = update.callback_query
    if chat.type == ChatType.PRIVATE:
        # An agent's chat (its own key) lets only its customer through (the business gate).
        if query is not None and query.from_user.id != chat.id and not is_business_key(chat.id):
            await query.answer(context.ui._("These buttons belong to someone else's booking."))
            raise ApplicationHandlerStop
        return
    if query is not None:
        await query.answer(context.ui._("Please book in a private chat with me."))
    elif _asks_for_the_bot(update, context) and update.effective_message:
        parts = (update.effective_message.text or "").split(maxsplit=1)
        payload = parts[1].strip() if len(parts) > 1 and parts[0].startswith("/") else None
        link = private_chat_link(context.bot.username or "", payload)
        await update.effective_message.reply_text(
            context.ui._(
                "I take bookings in a private chat, so your details stay between us. "
                "Tap below to start."
            ),
            reply_markup=_open_private_chat(context.ui, link),
        )
    # Nothing from a group reaches a flow: no draft, no e-mail, no card is ever made here.
    raise ApplicationHandlerStop
