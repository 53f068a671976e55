"""/privacy: what the bot keeps and for how long, with the privacy policy and /forget."""

from __future__ import annotations

import math
from html import escape

from telegram import Update

from conversations.kit.chat import reply
from conversations.kit.context import BotContext


async def show_privacy(update: Update, context: BotContext) -> None:
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
