"""A step of a conversation, declared once: its state, when it is answered, what it loads, its
screen, the presses and text it takes, and what it puts into the booking.

A flow (conversations/kit/flow.py) is an ordered list of steps; the ConversationHandler
graph, "what to ask next", the final card's change buttons and the flow's picture are all
derived from it. Learned from aiogram_dialog's Window (screen, data getter and state in one
object), with python-telegram-bot's ConversationHandler underneath.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from telegram import Update
from telegram.ext import filters

from conversations.kit.buttons import ButtonHandler
from conversations.kit.chat import Screen
from conversations.kit.context import BotContext, Ui
from conversations.kit.outcome import Outcome

# A flow's handlers and step functions take its own context (a subclass of BotContext).
Handler = Callable[[Update, Any], Awaitable[Outcome]]
Load = Callable[[Any], Awaitable[Outcome | None]]
# Typed text that is not a command: an answer where one is typed, a hint where a tap is expected.
TYPED_TEXT = filters.TEXT & ~filters.COMMAND


def _never(_: Any) -> bool:
    return False


@dataclass(frozen=True, slots=True)
class Change:
    """A button on the final card that forgets a step's answer, so the flow asks it again."""

    label: Callable[[Ui], str]  # in the customer's language
    forget: Callable[[Any], None]


@dataclass(frozen=True, slots=True)
class On:
    """A route into a handler: a command, a button payload kind, or a kind of message.

    `opens` names the step the handler always leads to (drawn; e.g. /timezone's picker).
    """

    handler: Handler
    command: str | tuple[str, ...] | None = None
    pattern: Callable[[object], bool] | None = None
    message: filters.BaseFilter | None = None
    opens: str | None = None

    @classmethod
    def press(cls, handler: ButtonHandler[Any]) -> On:
        """Presses of the handler's payload kind."""
        return cls(handler, pattern=handler.kind.matches)


@dataclass(frozen=True, kw_only=True)
class Step:
    """One question of a flow.

    - `answered(view)`: whether the view holds this step's answer;
    - `asked(context)`: whether this booking asks it at all (default: always), looked at only
      while it is unanswered;
    - `before(context)`: where to go instead, before a new menu (e.g. no day chosen yet);
    - `load(context)`: fetch what the screen needs into the view (meetergo's failures are the
      flow's to show), or say where to go instead;
    - `screen(view, ui)`: pure: the text and buttons;
    - `presses`, `text`, `location`, `contact`: the answers it takes;
    - `change`: the final card's button that asks it again;
    - `notes(view)`: what it adds to the booking's `attendee.notes`;
    - `leads_to`: states its handlers reach besides the flow's order (for the picture);
    """

    name: str
    screen: Callable[[Any, Ui], Screen]
    answered: Callable[[Any], bool] = _never
    asked: Callable[[Any], Awaitable[bool]] | None = None
    before: Load | None = None
    load: Load | None = None
    presses: tuple[ButtonHandler[Any], ...] = ()
    text: Handler | None = None
    location: Handler | None = None
    contact: Handler | None = None
    change: Change | None = None
    notes: Callable[[Any], Mapping[str, Any]] | None = None
    leads_to: tuple[str, ...] = ()
    routes: tuple[On, ...] = field(init=False)

    def __post_init__(self) -> None:
        routes = [On.press(handler) for handler in self.presses]
        if self.text is not None:
            routes.append(On(self.text, message=TYPED_TEXT))
        if self.location is not None:
            routes.append(On(self.location, message=filters.LOCATION))
        if self.contact is not None:
            routes.append(On(self.contact, message=filters.CONTACT))
        object.__setattr__(self, "routes", tuple(routes))

    async def is_asked(self, context: BotContext) -> bool:
        """Whether this booking asks the step (only looked at while it is unanswered)."""
        return self.asked is None or await self.asked(context)
