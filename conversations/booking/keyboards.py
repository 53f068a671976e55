"""Buttons every step of the booking shows the same way: Try again, Cancel, and the pickers
of the commands that work at any step (/language, /timezone, /forget)."""

from __future__ import annotations

from collections.abc import Sequence

from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    ReplyKeyboardMarkup,
)

from conversations.booking.payloads import (
    CancelBooking,
    ForgetMe,
    KeepMyData,
    LanguageChosen,
    Retry,
    ZoneChosen,
)
from conversations.kit.context import Ui
from conversations.kit.keyboards import button, rows


def cancel_row(ui: Ui, menu: str) -> list[InlineKeyboardButton]:
    """The row that stops the booking."""
    return [button(ui._("Cancel"), CancelBooking(menu))]


def try_again(ui: Ui, menu: str) -> InlineKeyboardMarkup:
    """After a failure: try the same step again, or give up."""
    return InlineKeyboardMarkup(
        [[button(ui._("Try again"), Retry(menu)), button(ui._("Cancel"), CancelBooking(menu))]]
    )


def forget_or_keep(ui: Ui, menu: str) -> InlineKeyboardMarkup:
    """/forget's question: erase everything, or keep it."""
    return InlineKeyboardMarkup(
        [
            [button(ui._("Yes, erase my data"), ForgetMe(menu))],
            [button(ui._("No, keep it"), KeepMyData(menu))],
        ]
    )


def language_picker(menu: str, languages: Sequence[tuple[str, str]]) -> InlineKeyboardMarkup:
    """Every supported language, each in its own name."""
    buttons = [button(name, LanguageChosen(menu, code)) for code, name in languages]
    return InlineKeyboardMarkup(rows(buttons, 3))


def zone_picker(menu: str, labels: Sequence[str]) -> InlineKeyboardMarkup:
    """The zones on offer, one per row (their labels are long)."""
    return InlineKeyboardMarkup(
        [[button(label, ZoneChosen(menu, index))] for index, label in enumerate(labels)]
    )


def share_location(ui: Ui) -> ReplyKeyboardMarkup:
    """A reply keyboard whose one button shares the customer's location."""
    location = KeyboardButton(ui._("📍 Share my location"), request_location=True)
    return ReplyKeyboardMarkup([[location]], resize_keyboard=True, one_time_keyboard=True)
