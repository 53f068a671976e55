"""SLOT: the free times of the chosen day in the customer's zone; those that fit what they
typed about the time first, or the nearest ones to a typed time that is not free."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from html import escape

from telegram import InlineKeyboardMarkup, Update

from bot.language.typed_time import TimeWish
from conversations.booking.draft import BookingContext, Draft
from conversations.booking.free_times import load_meeting, page_of, times_of_day
from conversations.booking.payloads import AllTimes, OtherDay, SlotChosen, SlotPage
from conversations.booking.typed import type_at_times
from conversations.booking.waiting import wait_button, wait_for_day, wish_for
from conversations.kit.buttons import choice, one_tap
from conversations.kit.chat import Screen
from conversations.kit.context import Ui
from conversations.kit.keyboards import button, rows
from conversations.kit.outcome import Ask, Outcome
from conversations.kit.step import Change, Step

SLOTS_PER_ROW = 4  # Telegram allows 8; 4 keeps "10:30 AM" readable on a phone
SLOTS_PER_PAGE = 48  # with one row of navigation, well under Telegram's 100 buttons
NEAREST_TIMES = 4  # offered instead of a typed time that is not free


def slot_grid(
    ui: Ui, menu: str, starts: Sequence[datetime], page: int, *, all_times: bool = False
) -> InlineKeyboardMarkup:
    """One page of a day's free times in the customer's zone, then paging and "◀ other day";
    with `all_times`, a button for the day's other free times too."""
    first = page * SLOTS_PER_PAGE
    shown = starts[first : first + SLOTS_PER_PAGE]
    buttons = [
        button(ui.fmt.time(start), SlotChosen(menu, first + offset))
        for offset, start in enumerate(shown)
    ]
    nav = [button(ui._("◀ other day"), OtherDay(menu))]
    if page > 0:
        nav.append(button(ui._("‹ earlier times"), SlotPage(menu, page - 1)))
    if first + SLOTS_PER_PAGE < len(starts):
        nav.append(button(ui._("later times ›"), SlotPage(menu, page + 1)))
    extra = [[button(ui._("All free times of this day"), AllTimes(menu))]] if all_times else []
    return InlineKeyboardMarkup([*rows(buttons, SLOTS_PER_ROW), *extra, nav])


def fitting_line(ui: Ui, wish: TimeWish) -> str:
    """What the shown times fit: "Times in the afternoon", "Times after 3:00 PM"."""
    by_part = {
        "morning": ui._("Times in the morning, as you asked:"),
        "noon": ui._("Times around noon, as you asked:"),
        "afternoon": ui._("Times in the afternoon, as you asked:"),
        "evening": ui._("Times in the evening, as you asked:"),
    }
    if wish.kind == "part" and wish.part is not None:
        return by_part[wish.part]
    clock = escape(ui.fmt.clock(wish.first))
    if wish.kind == "after":
        return ui._("Times from {time} on, as you asked:").format(time=clock)
    if wish.kind == "before":
        return ui._("Times before {time}, as you asked:").format(time=clock)
    if wish.kind == "between" and wish.last is not None:
        return ui._("Times between {start} and {end}, as you asked:").format(
            start=clock, end=escape(ui.fmt.clock(wish.last))
        )
    return ui._("Times around {time}, as you asked:").format(time=clock)


def time_screen(draft: Draft, ui: Ui) -> Screen:
    """The free times of the chosen day (the draft holds at least one); when the customer typed
    a time of day, those that fit it, or the nearest to a time that was not free."""
    if draft.day is None:
        raise LookupError("time screen without a day")
    starts = draft.offered
    page = min(draft.slot_page, (len(starts) - 1) // SLOTS_PER_PAGE)
    free = ui.n_(
        "{count} free time in {zone}. Tap it to choose it:",
        "{count} free times in {zone}. Tap one:",
        len(starts),
    ).format(count=len(starts), zone=escape(ui.fmt.zone_name()))
    lines = [f"<b>{escape(ui.fmt.full_date(draft.day))}</b>"]
    wish = draft.time_wish
    if wish is not None and draft.times_shown == "fitting":
        lines.append(fitting_line(ui, wish))
    elif wish is not None and draft.times_shown == "nearest":
        lines.append(
            ui._("{time} is not free. These are the nearest free times:").format(
                time=escape(ui.fmt.clock(wish.first))
            )
        )
    lines.append(free)
    filtered = wish is not None and draft.times_shown != ""
    grid = slot_grid(ui, draft.menu, starts, page, all_times=filtered)
    waiting = wait_button(ui, draft) if draft.wish_day == draft.day else []
    if waiting:
        grid = InlineKeyboardMarkup([waiting, *grid.inline_keyboard])
    return "\n".join(lines), grid


def _minutes(local: datetime) -> int:
    return local.hour * 60 + local.minute


def _meet_wish(draft: Draft, ui: Ui, starts: list[datetime]) -> list[datetime]:
    """The starts to show for what the customer typed about the time: those that fit it, or
    the nearest ones to a time that is not free; all of them when nothing fits."""
    wish = draft.time_wish
    draft.times_shown = ""
    if wish is None:
        return starts
    minutes = {start: _minutes(ui.fmt.local(start)) for start in starts}
    day = ui.fmt.local(starts[0]).date()
    if wish.kind == "at":
        nearest = sorted(starts, key=lambda start: abs(minutes[start] - wish.first))
        draft.times_shown = "nearest"
        wish_for(draft, day, wish)
        return sorted(nearest[:NEAREST_TIMES])
    fitting = [start for start in starts if wish.admits(minutes[start])]
    if fitting:
        draft.times_shown = "fitting"
        return fitting
    draft.notice = ui._("None of the free times on {date} fit that. Here are all of them:").format(
        date=escape(ui.fmt.full_date(day))
    )
    wish_for(draft, day, wish)
    return starts


async def _without_day(context: BookingContext) -> Outcome:
    return Ask("DAY") if context.draft.day is None else None


async def _load(context: BookingContext) -> Outcome:
    """Put the day's free times in the draft; the days again when none is left, and a typed
    time that is free taken at once (the next question asked)."""
    draft, ui = context.draft, context.ui
    day = draft.day
    if day is None:
        return Ask("DAY")
    await load_meeting(context)
    draft.page = max(page_of(context, day), 0)
    starts = await times_of_day(context, day)
    if not starts:
        wish_for(draft, day, draft.time_wish)
        draft.day = None
        none_left = ui._("There are no free times left on {date}.").format(
            date=escape(ui.fmt.full_date(day))
        )
        # Keep what was already to be said (e.g. "that time was just taken").
        draft.notice = f"{draft.notice}\n{none_left}" if draft.notice else none_left
        return Ask("DAY")
    wish = draft.time_wish
    if wish is not None and wish.kind == "at":
        exact = [start for start in starts if _minutes(ui.fmt.local(start)) == wish.first]
        if exact:
            draft.start, draft.time_wish = exact[0], None
            return Ask()
    starts = _meet_wish(draft, ui, starts)
    draft.offered = tuple(starts)
    draft.slot_page = min(draft.slot_page, (len(starts) - 1) // SLOTS_PER_PAGE)
    return None


@choice(SlotChosen, offered=lambda draft, payload: payload.index < len(draft.offered))
async def choose_slot(update: Update, context: BookingContext, payload: SlotChosen) -> Outcome:
    """Take the tapped time and ask for what is still missing."""
    draft = context.draft
    draft.start, draft.time_wish, draft.times_shown = draft.offered[payload.index], None, ""
    draft.wish_day = None
    return Ask()


@choice(SlotPage)
async def turn_slot_page(update: Update, context: BookingContext, payload: SlotPage) -> Outcome:
    """Show earlier or later times of the day."""
    context.draft.slot_page = payload.page
    return Ask("SLOT")


@one_tap(AllTimes)
async def show_all_times(update: Update, context: BookingContext) -> Outcome:
    """Show every free time of the day, not only those that fit what was typed."""
    draft = context.draft
    draft.time_wish, draft.times_shown, draft.slot_page = None, "", 0
    return Ask("SLOT")


@one_tap(OtherDay)
async def back_to_days(update: Update, context: BookingContext) -> Outcome:
    """Go back from the times to the day picker."""
    draft = context.draft
    draft.day, draft.time_wish, draft.times_shown = None, None, ""
    return Ask("DAY")


def _forget_time(draft: Draft) -> None:
    draft.start = None


SLOT = Step(
    name="SLOT",
    answered=lambda draft: draft.start is not None,
    before=_without_day,
    load=_load,
    screen=time_screen,
    presses=(choose_slot, turn_slot_page, show_all_times, back_to_days, wait_for_day),
    # "after 3 pm", "Friday 10:30" typed at the times: the same as at the days.
    text=type_at_times,
    change=Change(lambda ui: ui._("Change time"), _forget_time),
    # The chosen day's last time has gone meanwhile: the days again.
    leads_to=("DAY",),
)
