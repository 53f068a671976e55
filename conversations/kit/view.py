"""What a chat's screen shows and the flow keeps, saved by one mechanism: assignment.

A view is bound to its chat's chat_data: every assignment to a field writes the whole model
back at once, and python-telegram-bot persists chat_data after every update. No handler has
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
        super().__setattr__(name, value)
        if name in type(self).model_fields:
            self._write_back()

    def _write_back(self) -> None:
        if self._home is not None:
            self._home[VIEW_KEY] = self.model_dump(mode="json")

    def unbind(self) -> None:
        """Drop the view from chat_data, and with it every answer the flow collected."""
        if self._home is not None:
            self._home.pop(VIEW_KEY, None)
        self._home = None

    def new_menu(self) -> str:
        """Start a new menu: buttons of every earlier one become stale."""
        self.previous_menu, self.menu = self.menu, secrets.token_hex(3)
        return self.menu

    @property
    def active(self) -> bool:
        """True while a conversation is under way (a menu has been shown)."""
        return self.menu != ""
