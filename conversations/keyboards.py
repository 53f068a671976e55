"""Inline keyboards: day picker, slot grid, the confirm card and the one-tap answers."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta

from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    ReplyKeyboardMarkup,
)

from conversations.callbacks import (
    Agree,
    AllTimes,
    Callback,
    CancelBooking,
    ChangeEmail,
    ChangeName,
    ChangeTime,
    Confirm,
    DayChosen,
    DayPage,
    DurationChosen,
    ForgetMe,
    KeepMyData,
    KeepTypedEmail,
    LanguageChosen,
    MeetingTypeChosen,
    OtherDay,
    Retry,
    SlotChosen,
    SlotPage,
    TakeSuggestedEmail,
    UseTelegramName,
    ZoneChosen,
)
from conversations.context import Ui

SLOTS_PER_ROW = 4  # Telegram allows 8; 4 keeps "10:30 AM" readable on a phone
SLOTS_PER_PAGE = 48  # with one row of navigation, well under Telegram's 100 buttons


def _button(label: str, payload: Callback) -> InlineKeyboardButton:
    return InlineKeyboardButton(label, callback_data=payload.pack())


def _rows(buttons: Sequence[InlineKeyboardButton], width: int) -> list[list[InlineKeyboardButton]]:
    return [list(buttons[i : i + width]) for i in range(0, len(buttons), width)]


def _week_rows(ui: Ui, menu: str, days: Sequence[date]) -> list[list[InlineKeyboardButton]]:
    """One row per calendar week, weeks starting on the locale's first day (Sunday in the US)."""
    first_weekday = ui.fmt.locale.first_week_day
    rows: list[list[InlineKeyboardButton]] = []
    week_of_last: date | None = None
    for day in days:
        week = day - timedelta(days=(day.weekday() - first_weekday) % 7)
        if week != week_of_last:
            rows.append([])
            week_of_last = week
        rows[-1].append(_button(ui.fmt.short_day_label(day), DayChosen(menu, day)))
    return rows


def meeting_type_picker(menu: str, labels: Sequence[str]) -> InlineKeyboardMarkup:
    """The meeting types on offer, one per row."""
    return InlineKeyboardMarkup(
        [[_button(label, MeetingTypeChosen(menu, index))] for index, label in enumerate(labels)]
    )


def duration_picker(ui: Ui, menu: str, minutes: Sequence[int]) -> InlineKeyboardMarkup:
    """The lengths a meeting type allows, in one row."""
    return InlineKeyboardMarkup(
        [
            [
                _button(ui._("{minutes} min").format(minutes=length), DurationChosen(menu, length))
                for length in minutes
            ]
        ]
    )


def day_picker(ui: Ui, menu: str, days: Sequence[date], page: int) -> InlineKeyboardMarkup:
    """Free days as buttons, a row per week, then "‹ earlier" / "later ›"."""
    nav = []
    if page > 0:
        nav.append(_button(ui._("‹ earlier"), DayPage(menu, page - 1)))
    nav.append(_button(ui._("later ›"), DayPage(menu, page + 1)))
    return InlineKeyboardMarkup([*_week_rows(ui, menu, days), nav])


def look_further(
    ui: Ui, menu: str, page: int, *, further: bool = True
) -> InlineKeyboardMarkup | None:
    """Offer the next weeks when these had nothing free (and the earlier ones, if any)."""
    nav = [_button(ui._("Look further ›"), DayPage(menu, page + 1))] if further else []
    if page > 0:
        nav.insert(0, _button(ui._("‹ earlier"), DayPage(menu, page - 1)))
    return InlineKeyboardMarkup([nav]) if nav else None


def slot_grid(
    ui: Ui, menu: str, starts: Sequence[datetime], page: int, *, all_times: bool = False
) -> InlineKeyboardMarkup:
    """One page of a day's free times in the customer's zone, then paging and "◀ other day";
    with `all_times`, a button for the day's other free times too."""
    first = page * SLOTS_PER_PAGE
    shown = starts[first : first + SLOTS_PER_PAGE]
    buttons = [
        _button(ui.fmt.time(start), SlotChosen(menu, first + offset))
        for offset, start in enumerate(shown)
    ]
    nav = [_button(ui._("◀ other day"), OtherDay(menu))]
    if page > 0:
        nav.append(_button(ui._("‹ earlier times"), SlotPage(menu, page - 1)))
    if first + SLOTS_PER_PAGE < len(starts):
        nav.append(_button(ui._("later times ›"), SlotPage(menu, page + 1)))
    extra = [[_button(ui._("All free times of this day"), AllTimes(menu))]] if all_times else []
    return InlineKeyboardMarkup([*_rows(buttons, SLOTS_PER_ROW), *extra, nav])


def name_choice(ui: Ui, menu: str, telegram_name: str | None) -> InlineKeyboardMarkup | None:
    """The Telegram name as a one-tap answer, when there is one."""
    if not telegram_name:
        return None
    return InlineKeyboardMarkup([[_button(telegram_name, UseTelegramName(menu))]])


def email_fix(ui: Ui, menu: str, suggestion: str, typed: str) -> InlineKeyboardMarkup:
    """ "Did you mean …": take the suggestion or keep the address as typed."""
    return InlineKeyboardMarkup(
        [
            [_button(suggestion, TakeSuggestedEmail(menu))],
            [_button(ui._("Keep {address}").format(address=typed), KeepTypedEmail(menu))],
        ]
    )


def email_lookalike(ui: Ui, menu: str, typed: str) -> InlineKeyboardMarkup:
    """An address whose domain could pass for another: keep it, or type it again."""
    return InlineKeyboardMarkup(
        [
            [_button(ui._("Keep {address}").format(address=typed), KeepTypedEmail(menu))],
            [_button(ui._("Change email"), ChangeEmail(menu))],
        ]
    )


def consent(ui: Ui, menu: str) -> InlineKeyboardMarkup:
    """The single "I agree" button."""
    return InlineKeyboardMarkup([[_button(ui._("I agree"), Agree(menu))]])


def confirm_card(ui: Ui, menu: str) -> InlineKeyboardMarkup:
    """Confirm, change any one answer, or cancel."""
    return InlineKeyboardMarkup(
        [
            [_button(ui._("✅ Confirm"), Confirm(menu))],
            [
                _button(ui._("Change time"), ChangeTime(menu)),
                _button(ui._("Change name"), ChangeName(menu)),
                _button(ui._("Change email"), ChangeEmail(menu)),
            ],
            [_button(ui._("Cancel"), CancelBooking(menu))],
        ]
    )


def move_card(ui: Ui, menu: str) -> InlineKeyboardMarkup:
    """Move the appointment, pick another time, or leave it where it is."""
    return InlineKeyboardMarkup(
        [
            [_button(ui._("✅ Confirm"), Confirm(menu))],
            [_button(ui._("Change time"), ChangeTime(menu))],
            [_button(ui._("Cancel"), CancelBooking(menu))],
        ]
    )


def try_again(ui: Ui, menu: str) -> InlineKeyboardMarkup:
    """After a failure: try the same step again, or give up."""
    return InlineKeyboardMarkup(
        [[_button(ui._("Try again"), Retry(menu)), _button(ui._("Cancel"), CancelBooking(menu))]]
    )


def forget_or_keep(ui: Ui, menu: str) -> InlineKeyboardMarkup:
    """/forget's question: erase everything, or keep it."""
    return InlineKeyboardMarkup(
        [
            [_button(ui._("Yes, erase my data"), ForgetMe(menu))],
            [_button(ui._("No, keep it"), KeepMyData(menu))],
        ]
    )


def open_private_chat(ui: Ui, link: str) -> InlineKeyboardMarkup:
    """A button that opens a private chat with the bot."""
    return InlineKeyboardMarkup([[InlineKeyboardButton(ui._("Book in a private chat"), url=link)]])


def language_picker(menu: str, languages: Sequence[tuple[str, str]]) -> InlineKeyboardMarkup:
    """Every supported language, each in its own name."""
    buttons = [_button(name, LanguageChosen(menu, code)) for code, name in languages]
    return InlineKeyboardMarkup(_rows(buttons, 3))


def zone_picker(menu: str, labels: Sequence[str]) -> InlineKeyboardMarkup:
    """The zones on offer, one per row (their labels are long)."""
    return InlineKeyboardMarkup(
        [[_button(label, ZoneChosen(menu, index))] for index, label in enumerate(labels)]
    )


def share_location(ui: Ui) -> ReplyKeyboardMarkup:
    """A reply keyboard whose one button shares the customer's location."""
    button = KeyboardButton(ui._("📍 Share my location"), request_location=True)
    return ReplyKeyboardMarkup([[button]], resize_keyboard=True, one_time_keyboard=True)
