"""Into the booking and out of it: /start (with an agent's link), a first typed message,
/cancel, and what every step answers besides its own question (Try again, a tap hint)."""

from __future__ import annotations

import logging
from html import escape

from telegram import Update

from bot.language.typed_day import AmbiguousDayError, PastDayError, parse_when
from bot.meetergo import MeetergoError
from conversations.booking.draft import BookingContext
from conversations.booking.free_times import today_for
from conversations.booking.payloads import CancelBooking, Retry
from conversations.booking.typed import show_typed, typed_text
from conversations.kit.agent_chat import agent_chat_of
from conversations.kit.buttons import live_payload, one_tap, refuse_stale_button
from conversations.kit.chat import chat_id_of, present
from conversations.kit.outcome import END, Again, Ask, Outcome

log = logging.getLogger(__name__)


async def start(update: Update, context: BookingContext) -> Outcome:
    """Greet the customer and ask the first question (type, length or day)."""
    draft = context.reset_draft()
    services = context.services
    link = services.links.read(
        context.args[0] if context.args else "", services.availability.meeting_type_ids
    )
    if link is not None:  # a support agent's link: its type and language are chosen already
        draft.agent_id = link.agent_id or None
        if await _switched_on(context, link.meeting_type_id):
            draft.meeting_type_id = link.meeting_type_id
        if link.language:
            context.remember(context.ui.prefs.model_copy(update={"language": link.language}))
    # A forged, altered or outdated link is ignored without a word: the usual booking follows.
    agent_chat = agent_chat_of(chat_id_of(update), context.chat_data)
    if agent_chat is not None:  # an agent's own chat: the booking is the agent's
        draft.agent_id = agent_chat.agent_id
        draft.in_agent_chat = True
        if await _switched_on(context, agent_chat.meeting_type_id):
            draft.meeting_type_id = agent_chat.meeting_type_id
        if agent_chat.language:
            context.remember(context.ui.prefs.model_copy(update={"language": agent_chat.language}))
    name = escape(update.effective_user.first_name) if update.effective_user else ""
    draft.notice = context.ui._("Hello {name}! Let's find a time for your appointment.").format(
        name=name
    )
    return Ask(fresh=True)


async def start_again(update: Update, context: BookingContext) -> Outcome:
    """ "Book another time" (after the team cancelled): a new booking, as /start begins one."""
    if update.callback_query is not None:
        await update.callback_query.answer()
    return await start(update, context)


async def _switched_on(context: BookingContext, meeting_type_id: str | None) -> bool:
    """Whether a link's meeting type may be booked: one the business switched off starts the
    usual booking instead (meetergo not answering now: the steps will say so)."""
    if meeting_type_id is None:
        return False
    try:
        return (await context.services.availability.meeting_type(meeting_type_id)).enabled
    except (MeetergoError, LookupError):
        return True


async def start_with_text(update: Update, context: BookingContext) -> Outcome:
    """Start a booking from a first typed message; a day or time in it is taken at once."""
    shown = await context.flow.resolve(await start(update, context), None, update, context)
    text = typed_text(update)
    if shown != "DAY" or not text:
        return shown
    try:
        when = parse_when(text, today_for(context), context.ui.prefs.language)
    except (PastDayError, AmbiguousDayError):
        return shown  # "hello" or a day that needs a question: the day picker is answer enough
    return shown if when is None else await show_typed(context, when)


async def cancel(update: Update, context: BookingContext) -> Outcome:
    """End the booking (or the move) at any step and say so."""
    text = context.ui._("Booking cancelled. Send /start whenever you want to book.")
    if context.draft.moving:
        text = context.ui._("Nothing was changed: your appointment stays as it was.")
    await present(update, context, (text, None))
    context.forget_view()
    log.info("conversation cancelled", extra={"chat": chat_id_of(update), "event": "cancelled"})
    return END


@one_tap(CancelBooking)
async def cancel_by_button(update: Update, context: BookingContext) -> Outcome:
    """End the booking from its "Cancel" button and say so on that message."""
    return await cancel(update, context)


async def hint_tap(update: Update, context: BookingContext) -> Outcome:
    """Remind the customer that this step is answered with a button."""
    context.draft.notice = context.ui._("Please use the buttons below.")
    return Again(fresh=True)


async def retry_step(update: Update, context: BookingContext) -> Outcome:
    """Try the current step again after meetergo failed."""
    if await live_payload(update, context, Retry) is None:
        return await refuse_stale_button(update, context)
    return Again()
