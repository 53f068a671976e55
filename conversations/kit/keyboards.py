"""Building inline keyboards from typed payloads."""

from __future__ import annotations

from collections.abc import Sequence

from telegram import InlineKeyboardButton

from conversations.kit.payloads import Callback

Rows = list[list[InlineKeyboardButton]]


def button(label: str, payload: Callback) -> InlineKeyboardButton:
    """A button whose payload is packed (and checked against Telegram's 64 bytes)."""
    return InlineKeyboardButton(label, callback_data=payload.pack())


def rows(buttons: Sequence[InlineKeyboardButton], width: int) -> Rows:
    """Buttons in rows of `width`."""
    return [list(buttons[i : i + width]) for i in range(0, len(buttons), width)]
