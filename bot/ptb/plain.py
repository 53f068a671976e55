"""python-telegram-bot's objects written out as JSON-ready dicts, for digests of what a screen or
a request shows (conversations/kit/chat.py, bot/ptb/shown_screens.py).

`TelegramObject.to_dict()` finds each object's fields by reflection, object by object: for a
keyboard of a day's times that costs about as much as drawing the rest of the screen. An
inline keyboard of plain buttons (text, and a payload or a link) is written out from the
buttons' fields directly, to the same dict; anything else goes through `to_dict()`. And an
object asked for again soon (a screen's keyboard, digested by the flow and then with its
request) is written out once: PTB's objects are frozen.
"""

from __future__ import annotations

from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, TelegramObject

__all__ = ["plain_object"]

JsonDict = dict[str, Any]

# An inline button's fields, as to_dict() names them (its public slots, PTB's own bookkeeping
# and extra API fields, `api_kwargs`, aside).
_BUTTON_FIELDS = tuple(
    name
    for cls in InlineKeyboardButton.__mro__[:-1]
    for name in getattr(cls, "__slots__", ())
    if not name.startswith("_") and name != "api_kwargs"
)
# The objects made plain last, by identity (each kept with its object, so that the identity
# stays its own). A screen's keyboard is made plain twice within one step of its turn (whether
# the screen changed, then what the request shows), with no other turn in between.
_KEPT = 16
_kept: dict[int, tuple[TelegramObject, JsonDict]] = {}


def plain_object(value: TelegramObject) -> JsonDict:
    """`value.to_dict()`, worked out once for an object asked for again soon. The dict is
    shared: read it, never change it."""
    kept = _kept.get(id(value))
    if kept is not None and kept[0] is value:
        return kept[1]
    plain = _keyboard(value) if type(value) is InlineKeyboardMarkup else None
    if plain is None:
        plain = value.to_dict()
    if len(_kept) >= _KEPT:
        del _kept[next(iter(_kept))]
    _kept[id(value)] = (value, plain)
    return plain


def _keyboard(markup: InlineKeyboardMarkup) -> JsonDict | None:
    """The keyboard's to_dict(), when all its buttons are plain; None otherwise."""
    if markup.api_kwargs:
        return None
    rows = []
    for row in markup.inline_keyboard:
        buttons = []
        for button in row:
            plain = _button(button)
            if plain is None:
                return None
            buttons.append(plain)
        rows.append(buttons)
    return {"inline_keyboard": rows}


def _button(button: InlineKeyboardButton) -> JsonDict | None:
    """A button's to_dict(), when each field it has is text or a number; None otherwise (a
    web app, a login URL, data that is not a string: PTB writes those out)."""
    if type(button) is not InlineKeyboardButton or button.api_kwargs:
        return None
    plain: JsonDict = {}
    for name in _BUTTON_FIELDS:
        value = getattr(button, name)
        if value is None:
            continue
        if not isinstance(value, str | int):
            return None
        plain[name] = value
    return plain
