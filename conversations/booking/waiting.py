"""The waiting list from the booking's side: "Tell me if a time frees up" on a day with no free
time (that fits the part of the day typed), and the offered time's button, which books it."""

from __future__ import annotations

from datetime import UTC, date, datetime
from html import escape

from telegram import InlineKeyboardButton, Update

from bot.language.typed_time import AROUND_MINUTES, TimeWish
from bot.storage.wishes import Wish
from conversations.after_booking.payloads import TakeOffer, WaitForDay
from conversations.booking.draft import BookingContext, Draft
from conversations.booking.free_times import load_meeting
from conversations.kit.buttons import one_tap
from conversations.kit.chat import chat_id_of
from conversations.kit.context import Ui
from conversations.kit.keyboards import button
from conversations.kit.outcome import Again, Ask, Outcome

WHOLE_DAY = (0, 24 * 60)


def wait_button(ui: Ui, draft: Draft) -> list[InlineKeyboardButton]:
    """The row offering to wait for the day asked for (none when there is nothing to wait
    for)."""
    if draft.wish_day is None:
        return []
    label = ui._("🔔 Tell me if a time frees up on {date}").format(
        date=ui.fmt.short_day_label(draft.wish_day)
    )
    return [button(label, WaitForDay(draft.menu))]


def wish_for(draft: Draft, day: date, wish: TimeWish | None = None) -> None:
    """Remember the day (and the part of it typed) the customer asked for that had nothing
    free."""
    draft.wish_day = day
    draft.wish_first, draft.wish_last = WHOLE_DAY if wish is None else part_of_day(wish)


def part_of_day(wish: TimeWish) -> tuple[int, int]:
    """The minutes after midnight a typed time of day covers (an exact time: that minute)."""
    if wish.kind == "at":
        return wish.first, wish.first + 1
    if wish.kind == "after":
        return wish.first, 24 * 60
    if wish.kind == "before":
        return 0, wish.first
    if wish.kind == "around":
        return max(wish.first - AROUND_MINUTES, 0), min(wish.first + AROUND_MINUTES + 1, 24 * 60)
    return wish.first, wish.last if wish.last is not None else 24 * 60


@one_tap(WaitForDay)
async def wait_for_day(update: Update, context: BookingContext) -> Outcome:
    """Keep the wish (type, length, day, part of the day, zone, language) and say so; the
    customer may still pick another day."""
    draft, ui = context.draft, context.ui
    if draft.wish_day is None:
        return Again()
    meeting_type = await load_meeting(context)
    wish = Wish(
        chat_id=chat_id_of(update),
        meeting_type_id=meeting_type.id,
        duration=draft.duration or meeting_type.duration,
        day=draft.wish_day,
        timezone=ui.prefs.timezone,
        language=ui.prefs.language,
        asked_at=datetime.now(UTC),
        first_minute=draft.wish_first,
        last_minute=draft.wish_last,
        agent_id=draft.agent_id,
    )
    await context.services.waitlist.add(wish)
    draft.notice = ui._(
        "🔔 Done: I'll write to you if a time frees up on {date}. You can still pick another day."
    ).format(date=escape(ui.fmt.full_date(draft.wish_day)))
    draft.wish_day = None
    return Again()


async def take_offer(update: Update, context: BookingContext) -> Outcome:
    """The offered time's button: a booking of that time, its other questions asked, then the
    card; an offer that is no longer open says so."""
    query = update.callback_query
    try:
        wish_id = TakeOffer.unpack(query.data or "").wish_id if query is not None else -1
    except ValueError:
        wish_id = -1
    wishes = await context.services.waitlist.store.of_chat(chat_id_of(update))
    wish = next((w for w in wishes if w.wish_id == wish_id and w.offered_start), None)
    if wish is None or wish.offered_start is None:
        if query is not None:
            await query.answer(context.ui._("This time is no longer on offer."))
        return Again()
    if query is not None:
        await query.answer()
    draft = context.reset_draft()
    draft.meeting_type_id, draft.duration = wish.meeting_type_id, wish.duration
    draft.day, draft.start, draft.agent_id = wish.day, wish.offered_start, wish.agent_id
    return Ask(fresh=True)
