"""Button plumbing shared by every step: typed payloads, live-menu checks, stale presses.

A step's button handler is declared with the kind of payload it takes (`@choice(DayChosen)`
for a choice whose payload it reads, `@one_tap(Confirm)` for an answer that carries
nothing) and listed in its step's `presses`: the graph routes on that kind, and a press of
an old, foreign or forged menu is refused before the handler runs, redrawing the step the
customer is at.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, Generic, TypeVar

from telegram import Update

from conversations.kit.context import BotContext
from conversations.kit.outcome import Again, Outcome
from conversations.kit.payloads import Callback, CallbackDataError, unpack
from conversations.kit.view import View

BOOKED_KEY = "booked"  # the last confirmation message, so a late second "Confirm" is recognised

C = TypeVar("C", bound=Callback)
Handler = Callable[[Update, Any], Awaitable[Outcome]]
Choice = Callable[[Update, Any, C], Awaitable[Outcome]]
Offered = Callable[[Any, C], bool]


class ButtonHandler(Generic[C]):
    """A handler for presses of one payload kind, checked against the live menu first."""

    def __init__(
        self,
        kind: type[C],
        run: Choice[C],
        name: str,
        doc: str | None,
        offered: Offered[C] | None = None,
    ) -> None:
        self.kind = kind
        self._run = run
        self._offered = offered
        self.__name__ = name
        self.__doc__ = doc

    async def __call__(self, update: Update, context: BotContext) -> Outcome:
        """Run the handler for a live press; refuse a stale or forged one."""
        payload = await live_payload(update, context, self.kind, self._offered)
        if payload is None:
            return await refuse_stale_button(update, context)
        return await self._run(update, context, payload)


async def live_payload(
    update: Update, context: BotContext, kind: type[C], offered: Offered[C] | None = None
) -> C | None:
    """The press's payload, answered, if it is of `kind` and on the live menu; else None."""
    query = update.callback_query
    if query is None:
        return None
    try:
        payload = kind.unpack(query.data or "")
    except CallbackDataError:
        return None
    view = context.view
    if payload.menu != view.menu or (offered and not offered(view, payload)):
        return None
    await query.answer()
    return payload


def choice(
    kind: type[C], *, offered: Offered[C] | None = None
) -> Callable[[Choice[C]], ButtonHandler[C]]:
    """Declare a handler that reads its payload (a day, an index into what was offered).

    `offered` checks the payload against what this menu really offered; a payload that fails
    it is refused like a stale one, before the press is answered.
    """

    def wrap(handler: Choice[C]) -> ButtonHandler[C]:
        return ButtonHandler(kind, handler, handler.__name__, handler.__doc__, offered)

    return wrap


def one_tap(kind: type[C]) -> Callable[[Handler], ButtonHandler[C]]:
    """Declare a handler for a button whose payload carries nothing (Confirm, I agree)."""

    def wrap(handler: Handler) -> ButtonHandler[C]:
        async def run(update: Update, context: BotContext, _: C) -> Outcome:
            return await handler(update, context)

        return ButtonHandler(kind, run, handler.__name__, handler.__doc__)

    return wrap


def _menu_of(data: str | None) -> str | None:
    try:
        return unpack(data or "").menu
    except CallbackDataError:
        return None


async def refuse_stale_button(update: Update, context: BotContext) -> Outcome:
    """Answer a press on an old, foreign or forged button and show the current step afresh."""
    query = update.callback_query
    if query is None:
        return None
    ui = context.ui
    message_id = query.message.message_id if query.message else None
    booked = (context.chat_data or {}).get(BOOKED_KEY)
    if booked and booked == message_id:
        await query.answer(ui._("This appointment is already booked."))
        return None
    view: View = context.view
    if message_id == view.menu_message_id and _menu_of(query.data) == view.previous_menu:
        # A second tap on the menu we just redrew: the screen is already current.
        await query.answer()
        return None
    await query.answer(ui._("This menu has expired. Here is a fresh one."))
    return Again(fresh=True)
