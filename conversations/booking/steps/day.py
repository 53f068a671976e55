"""DAY: the days that have free times, two weeks a page, or the days of a typed week."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from html import escape

from telegram import InlineKeyboardMarkup, Update

from conversations.booking.draft import BookingContext, Draft
from conversations.booking.free_times import (
    MAX_PAGES,
    free_days,
    free_days_between,
    load_meeting,
    page_of,
    today_for,
)
from conversations.booking.payloads import DayChosen, DayPage
from conversations.booking.typed import type_day
from conversations.booking.waiting import wait_button, wait_for_day
from conversations.kit.buttons import choice
from conversations.kit.chat import Screen
from conversations.kit.context import Ui
from conversations.kit.keyboards import Rows, button
from conversations.kit.outcome import Ask, Outcome
from conversations.kit.phrases import meeting_line
from conversations.kit.step import Step


def _week_rows(ui: Ui, menu: str, days: Sequence[date]) -> Rows:
    """One row per calendar week, weeks starting on the locale's first day (Sunday in the US)."""
    first_weekday = ui.fmt.locale.first_week_day
    rows: Rows = []
    week_of_last: date | None = None
    for day in days:
        week = day - timedelta(days=(day.weekday() - first_weekday) % 7)
        if week != week_of_last:
            rows.append([])
            week_of_last = week
        rows[-1].append(button(ui.fmt.short_day_label(day), DayChosen(menu, day)))
    return rows


def day_picker(
    ui: Ui, menu: str, days: Sequence[date], page: int, last_page: int = MAX_PAGES - 1
) -> InlineKeyboardMarkup:
    """Free days as buttons, a row per week, then "‹ earlier" / "later ›" (none past the last
    page the meeting type may be booked on)."""
    nav = []
    if page > 0:
        nav.append(button(ui._("‹ earlier"), DayPage(menu, page - 1)))
    if page < last_page:
        nav.append(button(ui._("later ›"), DayPage(menu, page + 1)))
    return InlineKeyboardMarkup([*_week_rows(ui, menu, days), nav])


def look_further(
    ui: Ui, menu: str, page: int, *, further: bool = True
) -> InlineKeyboardMarkup | None:
    """Offer the next weeks when these had nothing free (and the earlier ones, if any)."""
    nav = [button(ui._("Look further ›"), DayPage(menu, page + 1))] if further else []
    if page > 0:
        nav.insert(0, button(ui._("‹ earlier"), DayPage(menu, page - 1)))
    return InlineKeyboardMarkup([nav]) if nav else None


def day_screen(draft: Draft, ui: Ui) -> Screen:
    """The free days of the current page."""
    meeting = meeting_line(ui, draft.meeting_name, draft.duration)
    if not draft.days and draft.page >= draft.last_page:
        text = ui._(
            "<b>{meeting}</b>\nThere are no free times in the coming months either. "
            "Please try again later."
        ).format(meeting=meeting)
        return text, look_further(ui, draft.menu, draft.page, further=False)
    if not draft.days:
        text = ui._(
            "<b>{meeting}</b>\nThere are no free times in these two weeks. "
            "Shall I look further ahead?"
        ).format(meeting=meeting)
        return text, _with_waiting(ui, draft, look_further(ui, draft.menu, draft.page))
    text = ui._(
        "<b>{meeting}</b>\nPick a day between {first} and {last}. Times are shown in {zone}.\n"
        "You can also type a day, like <i>tomorrow</i>, <i>friday</i> or <i>24.12.</i>"
    ).format(
        meeting=meeting,
        zone=escape(ui.fmt.zone_name()),
        first=escape(ui.fmt.full_date(draft.days[0])),
        last=escape(ui.fmt.full_date(draft.days[-1])),
    )
    picker = day_picker(ui, draft.menu, draft.days, draft.page, draft.last_page)
    return text, _with_waiting(ui, draft, picker)


def _with_waiting(
    ui: Ui, draft: Draft, markup: InlineKeyboardMarkup | None
) -> InlineKeyboardMarkup | None:
    """The picker with "Tell me if a time frees up" on top, for a day asked for that had no
    free time."""
    waiting = wait_button(ui, draft)
    if not waiting:
        return markup
    return InlineKeyboardMarkup([waiting, *(markup.inline_keyboard if markup else ())])


async def _load(context: BookingContext) -> Outcome:
    """Put the free days of the draft's page, or of the week the customer typed, in the draft."""
    draft = context.draft
    meeting_type = await load_meeting(context)
    last_day = context.services.availability.last_day(meeting_type)
    # The meeting type's booking horizon, where meetergo gives one, ends the paging.
    draft.last_page = MAX_PAGES - 1
    if last_day is not None:
        draft.last_page = min(max(page_of(context, last_day), 0), MAX_PAGES - 1)
    if draft.week is not None:
        await _days_of_week(context, draft.week)
    if draft.week is None:
        draft.days = tuple(await free_days(context, draft.page))
    return None


async def _days_of_week(context: BookingContext, monday: date) -> None:
    """Put the free days of that week (from today on) into the draft; when it has none, say so
    and leave the week for the usual two weeks from its page."""
    draft = context.draft
    first = max(monday, today_for(context))
    days = await free_days_between(context, first, monday + timedelta(days=7))
    draft.page = max(page_of(context, first), 0)
    if days:
        draft.days = tuple(days)
        return
    draft.week = None
    draft.notice = context.ui._(
        "There are no free times in the week of {date}. Here are the nearest days:"
    ).format(date=escape(context.ui.fmt.full_date(monday)))


@choice(DayChosen, offered=lambda draft, payload: payload.day in draft.days)
async def choose_day(update: Update, context: BookingContext, payload: DayChosen) -> Outcome:
    """Take the tapped day and show its free times."""
    draft = context.draft
    draft.day, draft.slot_page, draft.wish_day = payload.day, 0, None
    return Ask("SLOT")


@choice(DayPage)
async def turn_day_page(update: Update, context: BookingContext, payload: DayPage) -> Outcome:
    """Show two weeks earlier or later."""
    context.draft.page, context.draft.week = min(payload.page, context.draft.last_page), None
    return Ask("DAY")


DAY = Step(
    name="DAY",
    answered=lambda draft: draft.day is not None or draft.start is not None,
    load=_load,
    screen=day_screen,
    presses=(choose_day, turn_day_page, wait_for_day),
    text=type_day,
)
