"""What a chat's screen shows and the flow keeps, saved by one mechanism: assignment.

A view is bound to its chat's chat_data: every assignment to a field writes the model back at
once (the field into a copy of what it wrote last), and the chat's turn persists chat_data
after every update. No handler has
to remember to save, and none can forget. Collections are tuples so that an in-place change
(which would bypass the write-back) is a type error rather than a silent loss.

`View` holds the screen's own state (the live menu, its message, a remark to show); a flow
extends it with the answers it collects (conversations/booking/draft.py).
"""

from __future__ import annotations

import secrets
from collections.abc import MutableMapping
from typing import Any, Self

from pydantic import AwareDatetime, BaseModel, ConfigDict, PrivateAttr

from bot.storage.chat_store import DRAFT_KEY

VIEW_KEY = DRAFT_KEY  # the chat_data key a flow's view is kept under (its answers are personal)
# Values JSON holds as they are (exactly these types: an enum or a subclass goes to pydantic).
_AS_THEY_ARE = frozenset({str, int, bool, float})
# ... and of those, the ones two of which are equal only when written the same (not floats:
# -0.0 == 0.0).
_SAME_WHEN_EQUAL = frozenset({str, int, bool})


class View(BaseModel):
    """The live menu of a chat (to spot stale buttons), and a remark for the next screen."""

    model_config = ConfigDict(validate_assignment=True)

    menu: str = ""
    previous_menu: str = ""
    menu_message_id: int | None = None
    menu_digest: str | None = None
    # A one-line remark shown above the next screen ("that time was just taken"), then dropped.
    notice: str | None = None
    # When the customer last saw a step: an idle booking is closed from here, restarts or not.
    touched_at: AwareDatetime | None = None
    # The answers the final card offers to change: (step, the button's label), worked out
    # from the flow when the card is drawn.
    changes: tuple[tuple[str, str], ...] = ()

    _home: MutableMapping[str, Any] | None = PrivateAttr(default=None)
    # The dict this view last wrote into its home: while it is still there, a change of one
    # field is written into it alone (the same JSON as the whole model dumped again, which a
    # turn of a dozen assignments would otherwise do a dozen times).
    _written: dict[str, Any] | None = PrivateAttr(default=None)

    @classmethod
    def bound_to(cls, chat_data: MutableMapping[str, Any], *, fresh: bool = False) -> Self:
        """The chat's view (a new one when `fresh` or none is stored), written back on change."""
        stored = None if fresh else chat_data.get(VIEW_KEY)
        view = cls.model_validate(stored or {})
        view._home = chat_data
        if fresh:
            view._write_back()
        return view

    def __setattr__(self, name: str, value: Any) -> None:
        if name in type(self).model_fields and self._holds(name, value):
            return  # as it is, and written so: nothing to check or write (a turn's many)
        super().__setattr__(name, value)
        if name in type(self).model_fields:
            self._write_back(name)

    def _holds(self, name: str, value: Any) -> bool:
        """Whether the field already holds exactly this text, whole number, flag or nothing,
        and what the view wrote last is still in chat_data."""
        current = self.__dict__.get(name)
        if value is None:
            unchanged = current is None
        else:
            unchanged = type(value) in _SAME_WHEN_EQUAL and type(current) is type(value)
            unchanged = unchanged and current == value
        return unchanged and (self._home is None or self._home.get(VIEW_KEY) is self._written)

    def _write_back(self, field: str | None = None) -> None:
        home = self._home
        if home is None:
            return
        current = home.get(VIEW_KEY)
        if field is not None and isinstance(current, dict) and current is self._written:
            # A new dict, not the old one changed: whoever read the old one keeps what it read.
            written = {**current, field: self._json_of(field)}
        else:
            written = self.model_dump(mode="json")
        self._written = home[VIEW_KEY] = written

    def _json_of(self, field: str) -> Any:
        """A field's value as model_dump(mode="json") writes it: text, numbers, flags and
        nothing are written as they are (most assignments), the rest through pydantic."""
        value = getattr(self, field)
        if value is None or type(value) in _AS_THEY_ARE:
            return value
        return self.model_dump(mode="json", include={field})[field]

    def unbind(self) -> None:
        """Drop the view from chat_data, and with it every answer the flow collected."""
        if self._home is not None:
            self._home.pop(VIEW_KEY, None)
        self._home = self._written = None

    def new_menu(self) -> str:
        """Start a new menu: buttons of every earlier one become stale."""
        self.previous_menu, self.menu = self.menu, secrets.token_hex(3)
        return self.menu

    @property
    def active(self) -> bool:
        """True while a conversation is under way (a menu has been shown)."""
        return self.menu != ""
