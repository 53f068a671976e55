"""Button plumbing shared by every step: typed payloads, live-menu checks, stale presses."""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any, TypeVar

from telegram import Update

from conversations.callbacks import Callback, CallbackDataError, unpack
from conversations.context import BotContext
from conversations.draft import Draft
from conversations.screens import goto, ui_for
from conversations.states import State

BOOKED_KEY = "booked"  # the last confirmation message, so a late second "Confirm" is recognised

Next = State | int | None
C = TypeVar("C", bound=Callback)
ButtonHandler = Callable[[Update, BotContext, C], Awaitable[Next]]
Handler = Callable[[Update, BotContext], Coroutine[Any, Any, Next]]


def button(
    kind: type[C], *, offered: Callable[[Draft, C], bool] | None = None
) -> Callable[[ButtonHandler[C]], Handler]:
    """Decode the payload as `kind`, check it belongs to the live menu, answer the press.

    `offered` checks the payload against what this menu really offered (a day, an index);
    a payload that fails it is refused like a stale one, before the press is answered.
    """

    def wrap(step: ButtonHandler[C]) -> Handler:
        @functools.wraps(step)
        async def handle(update: Update, context: BotContext) -> Next:
            query = update.callback_query
            if query is None:
                return None
            try:
                payload = kind.unpack(query.data or "")
            except CallbackDataError:
                return await refuse_stale_button(update, context)
            draft = context.draft
            if payload.menu != draft.menu or (offered and not offered(draft, payload)):
                return await refuse_stale_button(update, context)
            await query.answer()
            return await step(update, context, payload)

        return handle

    return wrap


def _menu_of(data: str | None) -> str | None:
    try:
        return unpack(data or "").menu
    except CallbackDataError:
        return None


async def refuse_stale_button(update: Update, context: BotContext) -> Next:
    """Answer a press on an old, foreign or forged button and show a fresh menu."""
    query = update.callback_query
    if query is None:
        return None
    ui = ui_for(update, context)
    message_id = query.message.message_id if query.message else None
    booked = (context.chat_data or {}).get(BOOKED_KEY)
    if booked and booked == message_id:
        await query.answer(ui._("This appointment is already booked."))
        return None
    draft = context.draft
    if message_id == draft.menu_message_id and _menu_of(query.data) == draft.previous_menu:
        # A second tap on the menu we just redrew: the screen is already current.
        await query.answer()
        return None
    await query.answer(ui._("This menu has expired. Here is a fresh one."))
    in_conversation = draft.menu != ""
    return await goto(update, context, draft.step if in_conversation else State.DAY, fresh=True)
