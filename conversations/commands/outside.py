"""What answers outside any flow: /help, /cancel and /privacy with no booking under way, and
a command that is not one of ours."""

from __future__ import annotations

from html import escape
from typing import Any

from telegram import Update
from telegram.ext import BaseHandler, CommandHandler, MessageHandler, filters

from conversations.commands.help import show_help
from conversations.commands.privacy import show_privacy
from conversations.kit.chat import reply
from conversations.kit.context import BotContext


async def nothing_to_cancel(update: Update, context: BotContext) -> None:
    """Say there is no booking in progress."""
    await reply(
        update, context.ui._("There is no booking in progress. Send /start to book an appointment.")
    )


async def answer_unknown_command(update: Update, context: BotContext) -> None:
    """Say that a command is not one of ours, and where the list is."""
    message = update.effective_message
    command = (message.text or "").split(maxsplit=1)[0] if message and message.text else ""
    await reply(
        update,
        context.ui._("I don't know the command {command}. /help lists what I can do.").format(
            command=escape(command[:40])
        ),
    )


class CatchAll(MessageHandler[BotContext, None]):
    """A handler for what no flow claims: it stays behind every flow (bot.app.add_flow)."""


def build_catch_alls() -> list[BaseHandler[Update, Any, None]]:
    """What answers what no flow claims."""
    return [CatchAll(filters.COMMAND, answer_unknown_command)]


def build_outside_handlers() -> list[BaseHandler[Update, Any, None]]:
    """What answers the commands that make sense when no booking is in progress."""
    return [
        CommandHandler("help", show_help),
        CommandHandler("cancel", nothing_to_cancel),
        CommandHandler("privacy", show_privacy),
    ]
