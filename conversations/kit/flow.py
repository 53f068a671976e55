"""A flow: steps in the order a customer meets them, and everything derived from that order.

From the declaration come python-telegram-bot's ConversationHandler graph (`handler()`),
what to ask next (`ask_next`), whether everything is answered (`complete`), the final card's
change buttons (`View.changes`), what the steps add to the booking (`notes`) and the picture
(conversations/kit/picture.py). Handlers change the view and answer an Outcome; the flow
draws the step that follows.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Callable, Coroutine, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from telegram import Update
from telegram.ext import (
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
)
from telegram.warnings import PTBUserWarning

from bot.meetergo import MeetergoError
from conversations.kit.buttons import ButtonHandler, choice
from conversations.kit.chat import Screen, chat_id_of, present, typing_while_slow, with_notice
from conversations.kit.context import BotContext, Ui
from conversations.kit.outcome import Again, Ask, Next, Outcome
from conversations.kit.payloads import ChangeAnswer
from conversations.kit.step import Handler, On, Step
from conversations.kit.view import View

log = logging.getLogger(__name__)

Failure = Callable[[View, Ui, MeetergoError], Screen]
Footer = Callable[[Update, BotContext, Screen], Screen]
ENTRY = "[*]"  # where an entry point starts: outside the conversation
Callback = Callable[[Update, BotContext], Coroutine[Any, Any, Next]]
Route = BaseHandler[Update, BotContext, object]


class Flow:
    """An ordered declaration of steps, a final step (the card that books), and detours any
    step can open (they return where they were opened from)."""

    def __init__(
        self,
        name: str,
        *,
        steps: Sequence[Step],
        final: Step,
        detours: Sequence[Step] = (),
        home: str,
        entry: Sequence[On],
        anywhere: Sequence[On],
        fallbacks: Sequence[On],
        failure: Failure,
        legacy_states: Mapping[int, str] | None = None,
        footer: Footer | None = None,
    ) -> None:
        self.name = name
        self.order = tuple(steps)
        self.final = final
        self.detours = tuple(detours)
        self.home = home
        self.entry, self.anywhere, self.fallbacks = tuple(entry), tuple(anywhere), tuple(fallbacks)
        self._failure = failure
        self._footer = footer  # what every screen of the flow shows below its own buttons
        # Conversations stored before states were names keep their step's number.
        self.legacy_states = dict(legacy_states or {})
        self.steps = {step.name: step for step in (*self.order, final, *self.detours)}
        if len(self.steps) != len(self.order) + 1 + len(self.detours):
            raise ValueError(f"{name}: two steps share a name")
        self.change_answer = self._change_handler()

    # --- asking ------------------------------------------------------------------------

    async def next_unanswered(self, context: BotContext) -> str:
        """The first step this booking asks and has no answer for; the final one otherwise."""
        view = context.view
        for step in self.order:
            if not step.answered(view) and await step.is_asked(context):
                return step.name
        return self.final.name

    async def complete(self, context: BotContext) -> bool:
        """Whether every step this booking asks is answered."""
        return await self.next_unanswered(context) == self.final.name

    async def ask_next(self, update: Update, context: BotContext, *, fresh: bool = False) -> Next:
        """Ask for the first answer still missing; the final card once everything is known."""
        return await self.ask(await self.next_unanswered(context), update, context, fresh=fresh)

    async def ask(self, name: str, update: Update, context: BotContext, *, fresh: bool) -> Next:
        """Show step `name`: load what it needs, draw it, send it; a failure of meetergo is
        shown with "Try again" (which asks the step again)."""
        step = self.steps[name]
        if step.before is not None and (instead := await step.before(context)) is not None:
            return await self.resolve(instead, name, update, context, fresh=fresh)
        view = context.view
        view.new_menu()
        if step is self.final:
            view.changes = await self._changes(context)
        if step.load is not None:
            try:
                async with typing_while_slow(update, context):
                    instead = await step.load(context)
            except MeetergoError as error:
                return await self._failed(update, context, name, error, fresh=fresh)
            if instead is not None:
                return await self.resolve(instead, name, update, context, fresh=fresh)
        return await self.show(update, context, name, step.screen(view, context.ui), fresh=fresh)

    async def show(
        self, update: Update, context: BotContext, state: str, screen: Screen, *, fresh: bool
    ) -> str:
        """Put a screen of `state` in the chat (with the view's notice), and return `state`."""
        view = context.view
        if self._footer is not None:
            screen = self._footer(update, context, screen)
        await present(update, context, with_notice(view, screen), fresh=fresh)
        view.notice = None
        view.touched_at = datetime.now(UTC)
        return state

    async def _failed(
        self, update: Update, context: BotContext, state: str, error: MeetergoError, *, fresh: bool
    ) -> str:
        log.warning(
            "meetergo failed while showing a step: %s",
            type(error).__name__,
            extra={"chat": chat_id_of(update), "step": state, "event": "meetergo_failed"},
        )
        screen = self.failure_screen(context, error)
        return await self.show(update, context, state, screen, fresh=fresh)

    def failure_screen(self, context: BotContext, error: MeetergoError) -> Screen:
        """What meetergo's failure means for the customer, with "Try again"."""
        return self._failure(context.view, context.ui, error)

    async def resolve(
        self,
        outcome: Outcome,
        state: str | None,
        update: Update,
        context: BotContext,
        *,
        fresh: bool = False,
    ) -> Next:
        """Carry out what a handler answered in `state` (None: outside the conversation)."""
        if isinstance(outcome, Ask):
            fresh = fresh or outcome.fresh
            if outcome.step is None:
                return await self.ask_next(update, context, fresh=fresh)
            return await self.ask(outcome.step, update, context, fresh=fresh)
        if isinstance(outcome, Again):
            where = state if state is not None else self.home
            return await self.ask(where, update, context, fresh=fresh or outcome.fresh)
        return outcome

    # --- what the steps add up to ------------------------------------------------------

    async def _changes(self, context: BotContext) -> tuple[tuple[str, str], ...]:
        changes = []
        for step in self.order:
            if step.change is not None and await step.is_asked(context):
                changes.append((step.name, step.change.label(context.ui)))
        return tuple(changes)

    def _change_handler(self) -> ButtonHandler[ChangeAnswer]:
        @choice(ChangeAnswer, offered=lambda view, payload: payload.index < len(view.changes))
        async def change_answer(
            update: Update, context: BotContext, payload: ChangeAnswer
        ) -> Outcome:
            """Forget the answer the customer wants to change, and ask for it again."""
            step = self.steps[context.view.changes[payload.index][0]]
            if step.change is not None:
                step.change.forget(context.view)
            return Ask()

        return change_answer

    def notes(self, view: View) -> dict[str, Any]:
        """What the steps add to the booking's `attendee.notes`, in the flow's order."""
        notes: dict[str, Any] = {}
        for step in self.order:
            if step.notes is not None:
                notes.update(step.notes(view))
        return notes

    # --- the graph ----------------------------------------------------------------------

    def bound(self, state: str | None, handler: Handler, *, origin: str | None = None) -> Callback:
        """`handler` as python-telegram-bot calls it in `state`: told where the customer is,
        and its outcome carried out. `origin` names where the route starts for the log (an
        entry point starts outside the flow, though it acts as if at `home`)."""
        name = getattr(handler, "__name__", "handler")
        came_from = origin or state or "*"

        async def handle(update: Update, context: BotContext) -> Next:
            context.enter(self, state)
            shown = await self.resolve(await handler(update, context), state, update, context)
            if shown is not None and update.effective_chat is not None:
                # Where the customer is now (a step's name, or END): for operators, and for
                # drivers that answer whatever step is shown (bot/sandbox/follow.py).
                step = shown if isinstance(shown, str) else "END"
                log.debug(
                    "%s: %s -> %s",
                    name,
                    came_from,
                    step,
                    extra={
                        "event": "step",
                        "chat": update.effective_chat.id,
                        "step": step,
                        "handler": name,
                        "origin": came_from,
                    },
                )
            return shown

        handle.__name__ = name
        handle.__doc__ = handler.__doc__
        handle.__wrapped__ = handler  # type: ignore[attr-defined]
        return handle

    def routes(
        self, state: str | None, ons: Sequence[On], *, origin: str | None = None
    ) -> list[Route]:
        """python-telegram-bot handlers for `ons`, in `state`."""
        routes: list[Route] = []
        for on in ons:
            callback = self.bound(state, on.handler, origin=origin)
            if on.command is not None:
                routes.append(CommandHandler(on.command, callback))
            elif on.pattern is not None:
                routes.append(CallbackQueryHandler(callback, pattern=on.pattern))
            elif on.message is not None:
                routes.append(MessageHandler(on.message, callback))
        return routes

    def own_routes(self, step: Step) -> tuple[On, ...]:
        """The routes of a step's own answers (the final card's change buttons included)."""
        if step is self.final:
            return (*step.routes, On.press(self.change_answer))
        return step.routes

    def states(self) -> Mapping[object, list[Route]]:
        """Each step's own routes, then what every step answers; under its name and, for
        conversations stored before states were names, under its old number."""
        states: dict[object, list[Route]] = {}
        for step in self.steps.values():
            states[step.name] = self.routes(step.name, (*self.own_routes(step), *self.anywhere))
        for number, name in self.legacy_states.items():
            states[number] = states[name]
        return states

    def handler(self) -> ConversationHandler[Any]:
        """The flow as one persistent ConversationHandler (pictured by kit/picture.py)."""
        with warnings.catch_warnings():
            # PTB warns that CallbackQueryHandlers are tracked per chat, not per message:
            # that is what we want, one booking per customer, with stale menus detected by nonce.
            warnings.filterwarnings("ignore", category=PTBUserWarning, message=".*per_message.*")
            return ConversationHandler(
                name=self.name,
                persistent=True,
                # Outside a conversation the customer is where a new booking begins.
                entry_points=self.routes(self.home, self.entry, origin=ENTRY),
                states=self.states(),  # type: ignore[arg-type]
                fallbacks=self.routes(None, self.fallbacks),
            )
