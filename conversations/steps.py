"""Asking for each step of the booking: fetch what the step needs, draw it, send it.

Every `ask_*` returns the state the conversation is in once the customer sees its question,
which is what a handler returns to python-telegram-bot. Only `ask_time` can land elsewhere:
a day whose last time has gone meanwhile shows the days again (and returns DAY).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping
from datetime import UTC, date, datetime, time, timedelta
from html import escape

from telegram import Update

from bot.booking.slots import group_by_local_day
from bot.language.timezones import zones_for_language
from bot.meetergo import MeetergoError, MeetingType
from conversations import keyboards, screens
from conversations.chat import chat_id_of, present, typing_while_slow
from conversations.context import BotContext, Ui
from conversations.draft import Draft
from conversations.screens import Screen
from conversations.states import State

log = logging.getLogger(__name__)

DAYS_PER_PAGE = 14
NEAREST_TIMES = 4  # offered instead of a typed time that is not free

Ask = Callable[..., Awaitable[State]]


def today_for(context: BotContext) -> date:
    """Today's date on the customer's wall clock."""
    return context.ui.fmt.local(context.services.availability.now()).date()


def page_of(context: BotContext, day: date) -> int:
    """Which 14-day page holds `day`."""
    return (day - today_for(context)).days // DAYS_PER_PAGE


async def free_days(context: BotContext, page: int) -> dict[date, list[datetime]]:
    """Free starts on one page of days, grouped by the customer's local date."""
    first = today_for(context) + timedelta(days=page * DAYS_PER_PAGE)
    return await free_days_between(context, first, first + timedelta(days=DAYS_PER_PAGE))


async def free_days_between(
    context: BotContext, first: date, end_day: date
) -> dict[date, list[datetime]]:
    """Free starts from `first` up to (not including) `end_day`, by the customer's local date."""
    draft = context.draft
    zone = context.ui.fmt.zone
    start = datetime.combine(first, time(), zone)
    end = datetime.combine(end_day, time(), zone)
    starts = await context.services.availability.starts(
        start, end, meeting_type_id=draft.meeting_type_id, duration=draft.duration
    )
    return group_by_local_day(starts, zone)


async def times_of_day(context: BotContext, day: date) -> list[datetime]:
    """The exact starts meetergo lists on one day of the customer's calendar."""
    draft = context.draft
    zone = context.ui.fmt.zone
    start = datetime.combine(day, time(), zone)
    end = datetime.combine(day + timedelta(days=1), time(), zone)
    return await context.services.availability.exact_starts(
        start,
        end,
        meeting_type_id=draft.meeting_type_id,
        duration=draft.duration,
        moving=draft.moving,
    )


async def _load_meeting(context: BotContext) -> MeetingType:
    """Put the meeting type's name (and its only length) into the draft; read once per process."""
    draft = context.draft
    meeting_type = await context.services.availability.meeting_type(draft.meeting_type_id)
    if draft.meeting_type_id is None:
        draft.meeting_type_id = meeting_type.id
    draft.meeting_name = meeting_type.meeting_info.name
    if draft.duration is None and len(meeting_type.durations()) == 1:
        draft.duration = meeting_type.duration
    return meeting_type


async def _show(
    update: Update, context: BotContext, state: State, screen: Screen, *, fresh: bool
) -> State:
    await present(update, context, screens.with_notice(context.draft, screen), fresh=fresh)
    context.draft.notice = None
    context.draft.touched_at = datetime.now(UTC)
    return state


async def _failed(
    update: Update, context: BotContext, state: State, error: MeetergoError, *, fresh: bool
) -> State:
    """Say meetergo failed and offer "Try again", which asks `state` again."""
    log.warning(
        "meetergo failed while showing a step: %s",
        type(error).__name__,
        extra={"chat": chat_id_of(update), "step": state.name, "event": "meetergo_failed"},
    )
    screen = screens.failure_screen(context.draft, context.ui, error)
    return await _show(update, context, state, screen, fresh=fresh)


async def ask_meeting_type(update: Update, context: BotContext, *, fresh: bool = False) -> State:
    """Show the meeting types to choose from (names and lengths from meetergo)."""
    draft = context.draft
    draft.new_menu()
    availability = context.services.availability
    try:
        async with typing_while_slow(update, context):
            types = [await availability.meeting_type(i) for i in availability.meeting_type_ids]
    except MeetergoError as error:
        return await _failed(update, context, State.MEETING_TYPE, error, fresh=fresh)
    ui = context.ui
    draft.type_options = tuple(meeting_type.id for meeting_type in types)
    draft.type_labels = tuple(
        ui._("{meeting} · {minutes} min").format(
            meeting=screens.display_name(meeting_type, ui),
            minutes="/".join(str(minutes) for minutes in sorted(meeting_type.durations())),
        )
        for meeting_type in types
    )
    screen = screens.type_screen(draft, ui)
    return await _show(update, context, State.MEETING_TYPE, screen, fresh=fresh)


async def ask_duration(update: Update, context: BotContext, *, fresh: bool = False) -> State:
    """Show the lengths the chosen meeting type allows."""
    draft = context.draft
    draft.new_menu()
    try:
        async with typing_while_slow(update, context):
            meeting_type = await _load_meeting(context)
    except MeetergoError as error:
        return await _failed(update, context, State.DURATION, error, fresh=fresh)
    draft.duration_options = tuple(sorted(meeting_type.durations()))
    screen = screens.duration_screen(draft, context.ui)
    return await _show(update, context, State.DURATION, screen, fresh=fresh)


async def ask_day(update: Update, context: BotContext, *, fresh: bool = False) -> State:
    """Show the free days of the draft's page, or of the week the customer typed."""
    draft = context.draft
    draft.new_menu()
    try:
        async with typing_while_slow(update, context):
            await _load_meeting(context)
            if draft.week is not None:
                await _days_of_week(context, draft.week)
            if draft.week is None:
                draft.days = tuple(await free_days(context, draft.page))
    except MeetergoError as error:
        return await _failed(update, context, State.DAY, error, fresh=fresh)
    return await _show(
        update, context, State.DAY, screens.day_screen(draft, context.ui), fresh=fresh
    )


async def _days_of_week(context: BotContext, monday: date) -> None:
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


def _meet_wish(draft: Draft, ui: Ui, starts: list[datetime]) -> list[datetime]:
    """The starts to show for what the customer typed about the time: those that fit it, or
    the nearest ones to a time that is not free; all of them when nothing fits."""
    wish = draft.time_wish
    draft.times_shown = ""
    if wish is None:
        return starts
    minutes = {start: _minutes(ui.fmt.local(start)) for start in starts}
    if wish.kind == "at":
        nearest = sorted(starts, key=lambda start: abs(minutes[start] - wish.first))
        draft.times_shown = "nearest"
        return sorted(nearest[:NEAREST_TIMES])
    fitting = [start for start in starts if wish.admits(minutes[start])]
    if fitting:
        draft.times_shown = "fitting"
        return fitting
    draft.notice = ui._("None of the free times on {date} fit that. Here are all of them:").format(
        date=escape(ui.fmt.full_date(ui.fmt.local(starts[0]).date()))
    )
    return starts


def _minutes(local: datetime) -> int:
    return local.hour * 60 + local.minute


async def ask_time(update: Update, context: BotContext, *, fresh: bool = False) -> State:
    """Show the free times of the chosen day, or the days again when none is left. A typed time
    that is free is taken at once, and the next question asked."""
    draft = context.draft
    day = draft.day
    if day is None:
        return await ask_day(update, context, fresh=fresh)
    draft.new_menu()
    try:
        async with typing_while_slow(update, context):
            await _load_meeting(context)
            draft.page = max(page_of(context, day), 0)
            starts = await times_of_day(context, day)
    except MeetergoError as error:
        return await _failed(update, context, State.SLOT, error, fresh=fresh)
    if not starts:
        draft.day = None
        none_left = context.ui._("There are no free times left on {date}.").format(
            date=escape(context.ui.fmt.full_date(day))
        )
        # Keep what was already to be said (e.g. "that time was just taken").
        draft.notice = f"{draft.notice}\n{none_left}" if draft.notice else none_left
        return await ask_day(update, context, fresh=fresh)
    wish = draft.time_wish
    if wish is not None and wish.kind == "at":
        exact = [start for start in starts if _minutes(context.ui.fmt.local(start)) == wish.first]
        if exact:
            draft.start, draft.time_wish = exact[0], None
            return await ask_next(update, context, fresh=fresh)
    starts = _meet_wish(draft, context.ui, starts)
    draft.offered = tuple(starts)
    draft.slot_page = min(draft.slot_page, (len(starts) - 1) // keyboards.SLOTS_PER_PAGE)
    screen = screens.time_screen(draft, context.ui)
    return await _show(update, context, State.SLOT, screen, fresh=fresh)


async def _ask_without_loading(
    update: Update,
    context: BotContext,
    state: State,
    render: Callable[[Draft, Ui], Screen],
    *,
    fresh: bool,
) -> State:
    context.draft.new_menu()
    return await _show(update, context, state, render(context.draft, context.ui), fresh=fresh)


async def ask_name(update: Update, context: BotContext, *, fresh: bool = False) -> State:
    """Ask for the name."""
    return await _ask_without_loading(update, context, State.NAME, screens.name_screen, fresh=fresh)


async def ask_email(update: Update, context: BotContext, *, fresh: bool = False) -> State:
    """Ask for the e-mail address (or about its likely typo)."""
    return await _ask_without_loading(
        update, context, State.EMAIL, screens.email_screen, fresh=fresh
    )


async def ask_consent(update: Update, context: BotContext, *, fresh: bool = False) -> State:
    """Ask for agreement to the privacy policy."""
    return await _ask_without_loading(
        update, context, State.CONSENT, screens.consent_screen, fresh=fresh
    )


async def ask_confirmation(update: Update, context: BotContext, *, fresh: bool = False) -> State:
    """Show the confirm card."""
    draft = context.draft
    if not complete(draft):
        # An answer went missing (the booking ended meanwhile): ask for what is missing.
        return await ask_next(update, context, fresh=fresh)
    draft.new_menu()
    try:
        async with typing_while_slow(update, context):
            await _load_meeting(context)
    except MeetergoError as error:
        return await _failed(update, context, State.CONFIRM, error, fresh=fresh)
    screen = screens.confirm_screen(draft, context.ui)
    return await _show(update, context, State.CONFIRM, screen, fresh=fresh)


async def ask_zone(update: Update, context: BotContext, *, fresh: bool = False) -> State:
    """Show the zone picker (zones where the customer's language is spoken, or the matches)."""
    draft = context.draft
    draft.new_menu()
    if not draft.zone_options:
        language = context.ui.prefs.language
        draft.zone_options = tuple(choice.zone for choice in zones_for_language(language))
    screen = screens.zone_screen(draft, context.ui)
    return await _show(update, context, State.TIMEZONE, screen, fresh=fresh)


def complete(draft: Draft) -> bool:
    """Whether the draft has every answer a booking needs (a look-alike address checked); a
    move needs only the new time."""
    if draft.moving is not None:
        return draft.start is not None
    if draft.email_ascii and not draft.email_checked:
        return False
    return None not in (draft.start, draft.name, draft.email) and draft.consent


async def ask_next(update: Update, context: BotContext, *, fresh: bool = False) -> State:
    """Ask for the first answer still missing; the confirm card once everything is known."""
    draft = context.draft
    if draft.meeting_type_id is None and len(context.services.availability.meeting_type_ids) > 1:
        return await ask_meeting_type(update, context, fresh=fresh)
    if draft.duration is None:
        try:
            several = len((await _load_meeting(context)).durations()) > 1
        except MeetergoError:
            several = False  # the day step says meetergo is not answering, with "Try again"
        if several:
            return await ask_duration(update, context, fresh=fresh)
    if draft.start is None:
        return await (ask_time if draft.day is not None else ask_day)(update, context, fresh=fresh)
    if draft.moving is not None:
        return await ask_confirmation(update, context, fresh=fresh)
    if draft.name is None:
        return await ask_name(update, context, fresh=fresh)
    if draft.email is None or (draft.email_ascii and not draft.email_checked):
        return await ask_email(update, context, fresh=fresh)
    if not draft.consent:
        return await ask_consent(update, context, fresh=fresh)
    return await ask_confirmation(update, context, fresh=fresh)


# How to ask each state again: for "Try again", a stale button, /language, text in a tap step.
ASK: Mapping[State, Ask] = {
    State.DAY: ask_day,
    State.SLOT: ask_time,
    State.NAME: ask_name,
    State.EMAIL: ask_email,
    State.CONSENT: ask_consent,
    State.CONFIRM: ask_confirmation,
    State.TIMEZONE: ask_zone,
    State.MEETING_TYPE: ask_meeting_type,
    State.DURATION: ask_duration,
}
