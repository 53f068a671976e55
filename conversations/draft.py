"""What a customer has chosen so far, kept JSON-friendly in chat_data so it survives restarts."""

from __future__ import annotations

import secrets
from collections.abc import MutableMapping
from datetime import date, datetime
from typing import Any

from pydantic import AwareDatetime, BaseModel, Field

from conversations.states import State

DRAFT_KEY = "draft"
PREFS_KEY = "prefs"


class Draft(BaseModel):
    """The booking being put together, plus which menu is live (to spot stale buttons)."""

    step: State = State.DAY
    menu: str = ""
    previous_menu: str = ""
    menu_message_id: int | None = None
    menu_digest: str | None = None
    page: int = 0
    days: list[date] = Field(default_factory=list)
    day: date | None = None
    slot_page: int = 0
    offered: list[AwareDatetime] = Field(default_factory=list)
    start: AwareDatetime | None = None
    name: str | None = None
    email: str | None = None
    email_suggestion: str | None = None
    consent: bool = False
    # Where to go back to after /timezone, and the zones its picker offered.
    resume_step: State | None = None
    zone_options: list[str] = Field(default_factory=list)
    # A one-line remark shown above the next screen ("that time was just taken"), then dropped.
    notice: str | None = None

    def new_menu(self) -> str:
        """Start a new menu: buttons of every earlier one become stale."""
        self.previous_menu, self.menu = self.menu, secrets.token_hex(3)
        return self.menu

    def next_step(self) -> State:
        """The first step whose answer is still missing; the card once everything is known."""
        if self.start is None:
            return State.SLOT if self.day is not None else State.DAY
        if self.name is None:
            return State.NAME
        if self.email is None:
            return State.EMAIL
        if not self.consent:
            return State.CONSENT
        return State.CONFIRM

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


def load_draft(chat_data: MutableMapping[str, Any]) -> Draft:
    """The chat's draft, or a fresh one."""
    return Draft.model_validate(chat_data.get(DRAFT_KEY) or {})


def save_draft(chat_data: MutableMapping[str, Any], draft: Draft) -> None:
    """Store the draft as plain JSON data."""
    chat_data[DRAFT_KEY] = draft.model_dump(mode="json")


def forget_draft(chat_data: MutableMapping[str, Any]) -> None:
    """Drop the draft, and with it the customer's name and e-mail."""
    chat_data.pop(DRAFT_KEY, None)
