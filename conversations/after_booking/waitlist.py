"""The waiting list in the chat: a time that freed up on a day customers wait for is offered to
each of them (first asked, first told) in their language and zone, as a button that books it;
once one of them books it, the others hear it went, and their wish stays open.
"""

from __future__ import annotations

import asyncio
import logging
import weakref
from datetime import UTC, datetime
from html import escape
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import TelegramError
from telegram.ext import CallbackContext

from bot.storage.wishes import Wish
from conversations.after_booking.payloads import TakeOffer
from conversations.after_booking.shown import MENU
from conversations.kit.context import App, Prefs, Services, Ui, ui_for

log = logging.getLogger(__name__)

# Of the bot's pace for meetergo, the share the waiting list leaves to customers in any minute.
CUSTOMERS_SHARE = 1 / 3


def wish_ui(services: Services, wish: Wish) -> Ui:
    """Talk about a wish in the language and zone it was made in."""
    return ui_for(services.settings, Prefs(language=wish.language, timezone=wish.timezone))


def offer_label(ui: Ui, start: datetime) -> str:
    """The button that books a freed-up time."""
    return ui._("Book {time}").format(time=ui.fmt.time(start))


# One look at a time per event loop (the schedule, a cancel seen, a customer's cancel may
# overlap); across replicas each offer is claimed before it is sent.
_LOOKING: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Lock] = (
    weakref.WeakKeyDictionary()
)


def _looking() -> asyncio.Lock:
    return _LOOKING.setdefault(asyncio.get_running_loop(), asyncio.Lock())


async def offer_free_times(app: App) -> None:
    """Look at the days customers wait for, and offer each a time that freed up."""
    services = Services.of(app)
    async with _looking():
        pace = services.availability.pace
        budget = max(pace.headroom() - int(pace.per_minute * CUSTOMERS_SHARE), 0)
        today = datetime.now(UTC).date()
        for offer in await services.waitlist.offers(today, budget=budget):
            if await services.waitlist.store.claim_offer(offer.wish.wish_id, offer.start):
                await _offer(app, services, offer.wish, offer.start)


async def _offer(app: App, services: Services, wish: Wish, start: datetime) -> None:
    ui = wish_ui(services, wish)
    text = ui._("🔔 A time has freed up on {date}: {time}. Would you like it?").format(
        date=escape(ui.fmt.full_date(wish.day)), time=escape(ui.fmt.time(start))
    )
    button = InlineKeyboardButton(
        offer_label(ui, start), callback_data=TakeOffer(MENU, wish.wish_id).pack()
    )
    try:
        sent = await app.bot.send_message(
            wish.chat_id, text, reply_markup=InlineKeyboardMarkup([[button]])
        )
    except TelegramError as error:
        log.warning("could not offer a freed-up time: %s", type(error).__name__)
        return
    await services.waitlist.store.offered(wish.wish_id, start, sent.message_id)
    log.info("a freed-up time offered", extra={"chat": wish.chat_id, "event": "wish_offered"})


async def look_at_wishes(context: CallbackContext[Any, Any, Any, Any]) -> None:
    """The job: look at the waiting list (every BOT_WAITLIST_CHECK_SECONDS)."""
    await offer_free_times(context.application)


def schedule_wish_looks(app: App, period: float) -> None:
    """Look at the waiting list every `period` seconds."""
    if app.job_queue is None:
        raise RuntimeError("the bot needs python-telegram-bot's job queue")
    app.job_queue.run_repeating(look_at_wishes, interval=period, first=period, name="waitlist")


async def after_booking(app: App, chat_id: int, meeting_type_id: str, start: datetime) -> None:
    """A booking was made: the chat's wishes for that type end, and the others who were offered
    that very time hear it went (their wish stays open)."""
    services = Services.of(app)
    store = services.waitlist.store
    for wish in await store.open_wishes():
        if wish.meeting_type_id != meeting_type_id:
            continue
        if wish.chat_id == chat_id:
            await store.drop(wish.wish_id)
        elif wish.offered_start == start:
            await store.offered(wish.wish_id, None, None)
            await _tell_it_went(app, services, wish, start)


async def _tell_it_went(app: App, services: Services, wish: Wish, start: datetime) -> None:
    ui = wish_ui(services, wish)
    text = ui._(
        "⌛ {time} on {date} has just been booked by someone else. I'll keep looking for you."
    ).format(time=escape(ui.fmt.time(start)), date=escape(ui.fmt.full_date(wish.day)))
    try:
        if wish.offer_message_id is not None:
            await app.bot.edit_message_text(
                text, chat_id=wish.chat_id, message_id=wish.offer_message_id
            )
        else:
            await app.bot.send_message(wish.chat_id, text)
    except TelegramError as error:
        log.warning("could not tell a waiting customer: %s", type(error).__name__)
