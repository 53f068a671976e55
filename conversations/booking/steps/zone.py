"""TIMEZONE: a detour any step opens with /timezone: pick a zone, type a place, or share a
location; then back to the step it was opened from, its times in the new zone."""

from __future__ import annotations

import asyncio
from html import escape

from telegram import ReplyKeyboardRemove, Update

from bot.language.places import find_zones
from bot.language.timezones import canonical_zone, zone_at, zone_label, zones_for_language
from conversations.booking.draft import BookingContext, Draft
from conversations.booking.keyboards import share_location, zone_picker
from conversations.booking.payloads import ZoneChosen
from conversations.booking.typed import typed_text
from conversations.kit.buttons import choice
from conversations.kit.chat import Screen, typing_while_slow
from conversations.kit.context import Ui
from conversations.kit.outcome import Ask, Next, Outcome
from conversations.kit.step import Step

ECHO_LIMIT = 60  # characters of a customer's text quoted back (a message holds 4096)


def shortened(text: str) -> str:
    """The customer's text as quoted back: one line, and no longer than ECHO_LIMIT."""
    line = " ".join(text.split())
    return line if len(line) <= ECHO_LIMIT else f"{line[: ECHO_LIMIT - 1]}…"


def zone_screen(draft: Draft, ui: Ui) -> Screen:
    """The zone picker with the zones the draft offers."""
    labels = [zone_label(zone, ui.prefs.language) for zone in draft.zone_options]
    text = ui._(
        "Times are shown in <b>{zone}</b>.\n"
        "Pick your time zone below, type a city or country, or share your location."
    ).format(zone=escape(ui.fmt.zone_name()))
    return text, zone_picker(draft.menu, labels)


async def _load(context: BookingContext) -> Outcome:
    """Offer the zones where the customer's language is spoken (unless a search found some)."""
    draft = context.draft
    if not draft.zone_options:
        language = context.ui.prefs.language
        draft.zone_options = tuple(choice.zone for choice in zones_for_language(language))
    return None


def _argument(context: BookingContext) -> str:
    return " ".join(context.args or []).strip()


async def choose_timezone(update: Update, context: BookingContext) -> Next:
    """Open the zone picker, or set the zone at once for `/timezone America/New_York`."""
    draft = context.draft
    if context.state != "TIMEZONE":
        draft.resume_step = context.state
    draft.zone_options = ()
    wanted = _argument(context)
    if wanted:
        return await context.flow.resolve(
            await _answer_zone_query(update, context, wanted), context.state, update, context
        )
    shown = await context.flow.ask("TIMEZONE", update, context, fresh=True)
    if update.effective_chat:
        await context.bot.send_message(
            update.effective_chat.id,
            context.ui._("Or share your location with the button below."),
            reply_markup=share_location(context.ui),
        )
    return shown


async def _answer_zone_query(update: Update, context: BookingContext, query: str) -> Outcome:
    ui = context.ui
    draft = context.draft
    # A zone's own name ("America/New_York", "UTC") is set at once; an abbreviation such as
    # EST is not, since the tz database's EST is Panama's clock, without summer time.
    exact = (
        canonical_zone(query) if "/" in query or query.strip().upper() in ("UTC", "GMT") else None
    )
    if exact:
        return await _set_zone(update, context, exact)
    # The gazetteer is read on first use (a few seconds): not on the loop other chats share.
    async with typing_while_slow(update, context):
        matches = await asyncio.to_thread(find_zones, query, ui.prefs.language)
    if matches.settled:
        return await _set_zone(update, context, matches.settled)
    if matches.choices:
        draft.zone_options = tuple(choice.zone for choice in matches.choices)
        draft.notice = (
            ui._("Several time zones match. Which one is yours?")
            if matches.exact
            else ui._("Did you mean one of these places? Pick your time zone:")
        )
    else:
        draft.notice = ui._("I don't know a place called “{query}”.").format(
            query=escape(shortened(query))
        )
    return Ask("TIMEZONE", fresh=True)


async def give_zone_text(update: Update, context: BookingContext) -> Outcome:
    """Find the zone of a typed city, country or zone name."""
    return await _answer_zone_query(update, context, typed_text(update).strip())


async def give_location(update: Update, context: BookingContext) -> Outcome:
    """Set the zone from a shared location."""
    location = update.effective_message.location if update.effective_message else None
    zone = zone_at(location.latitude, location.longitude) if location else None
    if zone is None:
        context.draft.notice = context.ui._("I could not find a time zone for that place.")
        return Ask("TIMEZONE", fresh=True)
    return await _set_zone(update, context, zone)


@choice(ZoneChosen, offered=lambda draft, payload: payload.index < len(draft.zone_options))
async def set_zone(update: Update, context: BookingContext, payload: ZoneChosen) -> Outcome:
    """Take the tapped zone."""
    return await _set_zone(update, context, context.draft.zone_options[payload.index])


async def _set_zone(update: Update, context: BookingContext, zone: str) -> Outcome:
    context.remember(context.ui.prefs.model_copy(update={"timezone": zone}))
    draft = context.draft
    resume = draft.resume_step or context.flow.home
    draft.resume_step, draft.zone_options = None, ()
    if update.effective_chat:
        # A plain message: the only way to take the location keyboard away again.
        await context.bot.send_message(
            update.effective_chat.id,
            context.ui._("✓ Times are now shown in {zone}.").format(
                zone=escape(context.ui.fmt.zone_name())
            ),
            reply_markup=ReplyKeyboardRemove(),
        )
    return Ask(resume, fresh=True)


TIMEZONE = Step(
    name="TIMEZONE",
    load=_load,
    screen=zone_screen,
    presses=(set_zone,),
    location=give_location,
    text=give_zone_text,
)
