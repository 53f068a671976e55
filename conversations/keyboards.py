"""Inline keyboards: day picker, slot grid, the confirm card and the one-tap answers."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from conversations.callbacks import Action, Callback, DayChosen, DayPage, SlotChosen, SlotPage
from conversations.context import Ui

DAYS_PER_ROW = 3
SLOTS_PER_ROW = 4  # Telegram allows 8; 4 keeps "10:30 AM" readable on a phone
SLOTS_PER_PAGE = 48  # with one row of navigation, well under Telegram's 100 buttons


def _button(label: str, payload: Callback) -> InlineKeyboardButton:
    return InlineKeyboardButton(label, callback_data=payload.pack())


def _rows(buttons: Sequence[InlineKeyboardButton], width: int) -> list[list[InlineKeyboardButton]]:
    return [list(buttons[i : i + width]) for i in range(0, len(buttons), width)]


def _action(menu: str, label: str, name: str) -> InlineKeyboardButton:
    return _button(label, Action(menu, name))


def day_picker(ui: Ui, menu: str, days: Sequence[date], page: int) -> InlineKeyboardMarkup:
    """Free days as buttons, then "‹ earlier" / "later ›"."""
    buttons = [_button(ui.fmt.day_label(day), DayChosen(menu, day)) for day in days]
    nav = []
    if page > 0:
        nav.append(_button(ui._("‹ earlier"), DayPage(menu, page - 1)))
    nav.append(_button(ui._("later ›"), DayPage(menu, page + 1)))
    return InlineKeyboardMarkup([*_rows(buttons, DAYS_PER_ROW), nav])


def look_further(ui: Ui, menu: str, page: int) -> InlineKeyboardMarkup:
    """Offer the next weeks when these had nothing free."""
    nav = [_button(ui._("Look further ›"), DayPage(menu, page + 1))]
    if page > 0:
        nav.insert(0, _button(ui._("‹ earlier"), DayPage(menu, page - 1)))
    return InlineKeyboardMarkup([nav])


def slot_grid(ui: Ui, menu: str, starts: Sequence[datetime], page: int) -> InlineKeyboardMarkup:
    """One page of a day's free times in the customer's zone, then paging and "◀ other day"."""
    first = page * SLOTS_PER_PAGE
    shown = starts[first : first + SLOTS_PER_PAGE]
    buttons = [
        _button(ui.fmt.time(start), SlotChosen(menu, first + offset))
        for offset, start in enumerate(shown)
    ]
    nav = [_action(menu, ui._("◀ other day"), "otherday")]
    if page > 0:
        nav.append(_button(ui._("‹ earlier times"), SlotPage(menu, page - 1)))
    if first + SLOTS_PER_PAGE < len(starts):
        nav.append(_button(ui._("later times ›"), SlotPage(menu, page + 1)))
    return InlineKeyboardMarkup([*_rows(buttons, SLOTS_PER_ROW), nav])


def name_choice(ui: Ui, menu: str, telegram_name: str | None) -> InlineKeyboardMarkup | None:
    """The Telegram name as a one-tap answer, when there is one."""
    if not telegram_name:
        return None
    return InlineKeyboardMarkup([[_action(menu, telegram_name, "tgname")]])


def email_fix(ui: Ui, menu: str, suggestion: str, typed: str) -> InlineKeyboardMarkup:
    """ "Did you mean …": take the suggestion or keep the address as typed."""
    return InlineKeyboardMarkup(
        [
            [_action(menu, suggestion, "fixmail")],
            [_action(menu, ui._("Keep {address}").format(address=typed), "keepmail")],
        ]
    )


def consent(ui: Ui, menu: str) -> InlineKeyboardMarkup:
    """The single "I agree" button."""
    return InlineKeyboardMarkup([[_action(menu, ui._("I agree"), "agree")]])


def confirm_card(ui: Ui, menu: str) -> InlineKeyboardMarkup:
    """Confirm, change any one answer, or cancel."""
    return InlineKeyboardMarkup(
        [
            [_action(menu, ui._("✅ Confirm"), "confirm")],
            [
                _action(menu, ui._("Change time"), "edittime"),
                _action(menu, ui._("Change name"), "editname"),
                _action(menu, ui._("Change email"), "editmail"),
            ],
            [_action(menu, ui._("Cancel"), "cancel")],
        ]
    )


def try_again(ui: Ui, menu: str) -> InlineKeyboardMarkup:
    """After a failure: try the same step again, or give up."""
    return InlineKeyboardMarkup(
        [[_action(menu, ui._("Try again"), "retry"), _action(menu, ui._("Cancel"), "cancel")]]
    )
