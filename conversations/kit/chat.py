"""How a screen reaches the chat: edit the live menu when the customer tapped it, else send."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
from collections.abc import AsyncIterator

from telegram import InlineKeyboardMarkup, ReplyKeyboardMarkup, Update
from telegram.constants import ChatAction
from telegram.error import BadRequest, TelegramError

from bot.ptb.plain import plain_object
from conversations.kit.context import BotContext
from conversations.kit.view import View

# What a step shows: its text (HTML) and its keyboard: inline buttons, or (on a message of its
# own, since Telegram edits only inline ones) a reply keyboard such as "share my phone number".
Screen = tuple[str, InlineKeyboardMarkup | ReplyKeyboardMarkup | None]


def chat_id_of(update: Update) -> int:
    """The chat an update belongs to."""
    chat = update.effective_chat
    if chat is None:
        raise LookupError("update without a chat")
    return chat.id


def with_notice(view: View, screen: Screen) -> Screen:
    """The screen with the view's one-line remark above it, if there is one."""
    text, markup = screen
    return (f"{view.notice}\n\n{text}" if view.notice else text), markup


def _digest(text: str, markup: InlineKeyboardMarkup | ReplyKeyboardMarkup | None) -> str:
    # The keyboard made plain once for this and for the request's own record (shown_screens).
    shown = text + json.dumps(plain_object(markup) if markup else None, sort_keys=True)
    return hashlib.sha256(shown.encode()).hexdigest()[:16]


async def present(
    update: Update, context: BotContext, screen: Screen, *, fresh: bool = False
) -> None:
    """Show a screen: edit the live menu when it was tapped (unless `fresh`), else send it.

    HTML parse mode and no link previews come from the application's Defaults.
    """
    text, markup = screen
    view = context.view
    digest = _digest(text, markup)
    query = update.callback_query
    on_menu = (
        query is not None
        and query.message is not None
        and query.message.message_id == view.menu_message_id
    )
    if on_menu and not fresh and not isinstance(markup, ReplyKeyboardMarkup):
        if digest != view.menu_digest:
            # Telegram refuses an edit that changes nothing ("message is not modified"). The
            # digest can still miss one: a replica that died after editing never saved it.
            try:
                await context.bot.edit_message_text(
                    text,
                    chat_id=chat_id_of(update),
                    message_id=view.menu_message_id,
                    reply_markup=markup,
                )
            except BadRequest as error:
                if "message is not modified" not in error.message.lower():
                    raise
    else:
        message = await context.bot.send_message(chat_id_of(update), text, reply_markup=markup)
        view.menu_message_id = message.message_id
    view.menu_digest = digest


async def reply(update: Update, text: str, markup: InlineKeyboardMarkup | None = None) -> None:
    """Answer with a message that is not the booking's menu (help, a note, an agent's
    picker), leaving the menu live."""
    if update.effective_message:
        await update.effective_message.reply_text(text, reply_markup=markup)


# Telegram shows a chat action for about five seconds: send it again just before it fades.
TYPING_LASTS = 4.5


@contextlib.asynccontextmanager
async def typing_while_slow(update: Update, context: BotContext) -> AsyncIterator[None]:
    """Show "typing…" in the chat while the block takes longer than BOT_TYPING_AFTER_SECONDS."""
    chat = update.effective_chat
    after = context.services.settings.bot_typing_after_seconds

    async def keep_typing() -> None:
        while chat is not None:
            with contextlib.suppress(TelegramError):
                await context.bot.send_chat_action(chat.id, ChatAction.TYPING)
            await asyncio.sleep(TYPING_LASTS)

    # Most blocks end before `after`: a timer costs them far less than a task to cancel.
    typing: list[asyncio.Task[None]] = []
    timer = asyncio.get_running_loop().call_later(
        after, lambda: typing.append(asyncio.create_task(keep_typing()))
    )
    try:
        yield
    finally:
        timer.cancel()
        for task in typing:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
