"""A day or time the customer types instead of tapping ("friday afternoon", "24.12.", "next
week"), at the days, at the times, or as the first message of a booking."""

from __future__ import annotations

from html import escape

from telegram import Update

from bot.language.typed_day import AmbiguousDayError, PastDayError, TypedWhen, parse_when
from bot.meetergo import MeetergoError
from conversations.booking.draft import BookingContext
from conversations.booking.free_times import MAX_PAGES, free_days, page_of, today_for
from conversations.booking.waiting import wish_for
from conversations.kit.outcome import Again, Ask, Outcome


def typed_text(update: Update) -> str:
    """The text of the message being handled."""
    message = update.effective_message
    return (message.text if message else None) or ""


async def type_day(update: Update, context: BookingContext) -> Outcome:
    """Understand a typed day (and time of day, or week) and show its free times."""
    ui = context.ui
    draft = context.draft
    try:
        when = parse_when(typed_text(update), today_for(context), ui.prefs.language)
    except PastDayError:
        draft.notice = ui._("That day is already over. Please pick a day from today on.")
        return Ask("DAY", fresh=True)
    except AmbiguousDayError as ambiguous:
        draft.time_wish = ambiguous.time  # "Thu 15th at 3pm": the 3 pm waits for the answer
        draft.notice = ui._(
            "Did you mean {first} or {second}? Please type the date with the month name."
        ).format(
            first=escape(ui.fmt.full_date(ambiguous.candidates[0])),
            second=escape(ui.fmt.full_date(ambiguous.candidates[-1])),
        )
        return Ask("DAY", fresh=True)
    if when is None:
        draft.notice = ui._(
            "I didn't understand that day. "
            "Tap one below or type e.g. <i>24.12.</i> or <i>friday afternoon</i>."
        )
        return Ask("DAY", fresh=True)
    return await show_typed(context, when)


async def type_at_times(update: Update, context: BookingContext) -> Outcome:
    """A day or time typed at the times ("after 3 pm", "Friday 10:30") is taken as at the days;
    other text keeps the day's times on screen with the usual hint."""
    try:
        when = parse_when(typed_text(update), today_for(context), context.ui.prefs.language)
    except (PastDayError, AmbiguousDayError):
        return await type_day(update, context)  # it names a day: say what is wrong with it
    if when is None:
        context.draft.notice = context.ui._("Please use the buttons below.")
        return Again(fresh=True)
    return await show_typed(context, when)


async def show_typed(context: BookingContext, when: TypedWhen) -> Outcome:
    """Open the typed day's times (those that fit a typed time first), or the typed week."""
    ui = context.ui
    draft = context.draft
    draft.time_wish, draft.times_shown = when.time, ""  # what was typed before no longer counts
    if when.day is None and when.week is None:
        draft.notice = ui._("Which day? I will show the times that fit first.")
        return Ask("DAY", fresh=True)
    day = when.day or when.week
    if day is None or page_of(context, day) >= MAX_PAGES:
        draft.notice = ui._("That is too far ahead to book yet.")
        return Ask("DAY", fresh=True)
    if when.week is not None:
        draft.week = when.week
        return Ask("DAY", fresh=True)
    draft.page, draft.week = page_of(context, day), None
    try:
        free = await free_days(context, draft.page)
    except MeetergoError:
        # Say nothing about the day: the day step asks again and shows the failure with
        # "Try again".
        return Ask("DAY", fresh=True)
    if day in free:
        draft.day, draft.slot_page = day, 0
        return Ask("SLOT", fresh=True)
    draft.notice = ui._("There are no free times on {date}. Here are the nearest days:").format(
        date=escape(ui.fmt.full_date(day))
    )
    wish_for(draft, day, draft.time_wish)
    return Ask("DAY", fresh=True)
