"""/help: what the bot does and its commands, answered at any step without leaving it."""

from __future__ import annotations

from telegram import Update

from conversations.kit.chat import reply
from conversations.kit.context import BotContext


async def show_help(update: Update, context: BotContext) -> None:
    """Explain the commands without leaving the current step."""
    text = context.ui._(
        "I book appointments for you.\n\n"
        "/start – begin (or begin again)\n"
        "/cancel – stop the current booking\n"
        "/language – choose my language\n"
        "/timezone – choose the time zone times are shown in\n"
        "/mybookings – your upcoming bookings\n"
        "/privacy – what I keep about you\n"
        "/forget – erase it\n"
        "/help – this message\n\n"
        "Tap the buttons, or type a day or your details when I ask for them."
    )
    await reply(update, text)
