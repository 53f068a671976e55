"""What a customer has chosen so far, kept JSON-friendly in chat_data so it survives restarts.

A draft is bound to its chat's chat_data: every assignment to a field writes the whole draft
back at once, and python-telegram-bot persists chat_data after every update. No handler has
to remember to save, and none can forget. Collections are tuples so that an in-place change
(which would bypass the write-back) is a type error rather than a silent loss.
"""

from __future__ import annotations

import secrets
from collections.abc import MutableMapping
from datetime import date, datetime
from typing import Any

from pydantic import AwareDatetime, BaseModel, ConfigDict, PrivateAttr

from bot.language.typed_time import TimeWish
from conversations.states import State

DRAFT_KEY = "draft"
PREFS_KEY = "prefs"


class Draft(BaseModel):
    """The booking being put together, plus which menu is live (to spot stale buttons)."""

    model_config = ConfigDict(validate_assignment=True)

    menu: str = ""
    previous_menu: str = ""
    menu_message_id: int | None = None
    menu_digest: str | None = None
    # What is booked: the meeting type's id, its name for the screens, the minutes chosen.
    meeting_type_id: str | None = None
    meeting_name: str = ""
    duration: int | None = None
    # The types and lengths the pickers offered, and their button labels.
    type_options: tuple[str, ...] = ()
    type_labels: tuple[str, ...] = ()
    duration_options: tuple[int, ...] = ()
    # The support agent whose link brought the customer (checked when the link was read).
    agent_id: int | None = None
    # Rescheduling: the appointment being moved, and when it is now.
    moving: str | None = None
    moving_from: AwareDatetime | None = None
    page: int = 0
    days: tuple[date, ...] = ()
    day: date | None = None
    slot_page: int = 0
    # What the customer typed about the time of day ("afternoon", "after 3"), until a time is
    # chosen; and how the time step met it: "fitting" (only those times), "nearest" (the exact
    # time was not free) or "" (all times).
    time_wish: TimeWish | None = None
    times_shown: str = ""
    # The week the customer typed ("next week"): the day picker shows its days.
    week: date | None = None
    offered: tuple[AwareDatetime, ...] = ()
    start: AwareDatetime | None = None
    name: str | None = None
    email: str | None = None
    email_suggestion: str | None = None
    # The domain's ASCII form when it could pass for another domain (asked about, then shown).
    email_ascii: str | None = None
    email_checked: bool = False
    consent: bool = False
    # Where /timezone returns to (the step it was opened from), and the zones its picker offered.
    resume_step: State | None = None
    zone_options: tuple[str, ...] = ()
    # A one-line remark shown above the next screen ("that time was just taken"), then dropped.
    notice: str | None = None
    # When the customer last saw a step: an idle booking is closed from here, restarts or not.
    touched_at: AwareDatetime | None = None

    _home: MutableMapping[str, Any] | None = PrivateAttr(default=None)

    @classmethod
    def bound_to(cls, chat_data: MutableMapping[str, Any], *, fresh: bool = False) -> Draft:
        """The chat's draft (a new one when `fresh` or none is stored), written back on change."""
        stored = None if fresh else chat_data.get(DRAFT_KEY)
        draft = cls.model_validate(stored or {})
        draft._home = chat_data
        if fresh:
            draft._write_back()
        return draft

    def __setattr__(self, name: str, value: Any) -> None:
        super().__setattr__(name, value)
        if name in type(self).model_fields:
            self._write_back()

    def _write_back(self) -> None:
        if self._home is not None:
            self._home[DRAFT_KEY] = self.model_dump(mode="json")

    def unbind(self) -> None:
        """Drop the draft from chat_data, and with it the customer's name and e-mail."""
        if self._home is not None:
            self._home.pop(DRAFT_KEY, None)
        self._home = None

    def new_menu(self) -> str:
        """Start a new menu: buttons of every earlier one become stale."""
        self.previous_menu, self.menu = self.menu, secrets.token_hex(3)
        return self.menu

    @property
    def active(self) -> bool:
        """True while a booking conversation is under way (a menu has been shown)."""
        return self.menu != ""

    def chosen_start(self) -> datetime:
        """The start the customer picked; only called once one was picked."""
        if self.start is None:
            raise LookupError("no start chosen yet")
        return self.start


class Prefs(BaseModel):
    """A customer's language and time zone; kept across bookings."""

    language: str
    timezone: str


def forget_draft(chat_data: MutableMapping[str, Any]) -> None:
    """Drop a chat's stored draft (name and e-mail included)."""
    chat_data.pop(DRAFT_KEY, None)
