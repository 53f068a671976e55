"""Button plumbing shared by every step: typed payloads, live-menu checks, stale presses.

A button step is declared with the kind of payload it takes (`@button(DayChosen)` for a
choice whose payload it reads, `@tap(Confirm)` for a one-tap answer) and registered in the
graph with `press(state, step)`: the graph routes on that kind, and the step knows which
state it was pressed in, so a stale press redraws exactly that state.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Coroutine
from typing import Any, Generic, TypeVar

from telegram import Update
from telegram.ext import BaseHandler, CallbackQueryHandler

from conversations.callbacks import Callback, CallbackDataError, unpack
from conversations.context import BotContext
from conversations.draft import Draft
from conversations.states import State
from conversations.steps import ASK

BOOKED_KEY = "booked"  # the last confirmation message, so a late second "Confirm" is recognised

Next = State | int | None
C = TypeVar("C", bound=Callback)
Step = Callable[[Update, BotContext], Coroutine[Any, Any, Next]]
# What the graph literal holds: python-telegram-bot types a conversation's handlers this way.
Route = BaseHandler[Update, BotContext, object]
Choice = Callable[[Update, BotContext, C], Awaitable[Next]]
Offered = Callable[[Draft, C], bool]


class ButtonStep(Generic[C]):
    """A handler for presses of one payload kind, checked against the live menu first."""

    def __init__(
        self,
        kind: type[C],
        run: Callable[[Update, BotContext, C], Awaitable[Next]],
        name: str,
        doc: str | None,
        offered: Offered[C] | None = None,
    ) -> None:
        self.kind = kind
        self._run = run
        self._offered = offered
        self.__name__ = name
        self.__doc__ = doc

    async def __call__(self, update: Update, context: BotContext, state: State) -> Next:
        """Run the step for a live press; refuse a stale or forged one, redrawing `state`."""
        payload = await live_payload(update, context, self.kind, self._offered)
        if payload is None:
            return await refuse_stale_button(update, context, state)
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
    draft = context.draft
    if payload.menu != draft.menu or (offered and not offered(draft, payload)):
        return None
    await query.answer()
    return payload


def button(
    kind: type[C], *, offered: Offered[C] | None = None
) -> Callable[[Choice[C]], ButtonStep[C]]:
    """Declare a choice step that reads its payload (a day, an index into what was offered).

    `offered` checks the payload against what this menu really offered; a payload that fails
    it is refused like a stale one, before the press is answered.
    """

    def wrap(step: Choice[C]) -> ButtonStep[C]:
        return ButtonStep(kind, step, step.__name__, step.__doc__, offered)

    return wrap


def tap(kind: type[C]) -> Callable[[Step], ButtonStep[C]]:
    """Declare a one-tap step (Confirm, I agree): its payload carries nothing to read."""

    def wrap(step: Step) -> ButtonStep[C]:
        async def run(update: Update, context: BotContext, _: C) -> Next:
            return await step(update, context)

        return ButtonStep(kind, run, step.__name__, step.__doc__)

    return wrap


def at(state: State, step: Callable[[Update, BotContext, State], Awaitable[Next]]) -> Step:
    """`step` bound to the state it is registered in, so it knows where the customer is."""

    async def handle(update: Update, context: BotContext) -> Next:
        return await step(update, context, state)

    handle.__name__, handle.__doc__ = getattr(step, "__name__", "step"), step.__doc__
    handle.__wrapped__ = step  # type: ignore[attr-defined]
    return handle


def press(state: State, step: ButtonStep[Any]) -> Route:
    """Route presses of `step`'s payload kind, in `state`, to `step`."""
    return CallbackQueryHandler[BotContext, object](at(state, step), pattern=step.kind.matches)


def _menu_of(data: str | None) -> str | None:
    try:
        return unpack(data or "").menu
    except CallbackDataError:
        return None


async def refuse_stale_button(update: Update, context: BotContext, state: State) -> Next:
    """Answer a press on an old, foreign or forged button and show `state` afresh."""
    query = update.callback_query
    if query is None:
        return None
    ui = context.ui
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
    return await ASK[state](update, context, fresh=True)
