"""/language and /timezone: the customer's preferences, changeable at any step.

Changing either keeps the booking's progress and redraws the step the customer was at (the
state the handler was registered in) in the new language or zone.
"""

from __future__ import annotations

import asyncio
from html import escape

from babel import Locale
from telegram import ReplyKeyboardRemove, Update

from bot.language.i18n import locale_for, negotiate_language
from bot.language.languages import LANGUAGES
from bot.language.places import find_zones
from bot.language.timezones import canonical_zone, zone_at
from conversations import keyboards
from conversations.buttons import Next, button, live_payload, refuse_stale_button
from conversations.callbacks import LanguageChosen, ZoneChosen
from conversations.chat import present, reply, typing_while_slow
from conversations.context import BotContext
from conversations.states import State
from conversations.steps import ASK, ask_zone

ECHO_LIMIT = 60  # characters of a customer's text quoted back (a message holds 4096)


def _shortened(text: str) -> str:
    """The customer's text as quoted back: one line, and no longer than ECHO_LIMIT."""
    line = " ".join(text.split())
    return line if len(line) <= ECHO_LIMIT else f"{line[: ECHO_LIMIT - 1]}…"


def _argument(context: BotContext) -> str:
    return " ".join(context.args or []).strip()


def _resume(context: BotContext, state: State) -> State:
    """The booking step to show again: the zone picker returns where it was opened from."""
    if state is State.TIMEZONE:
        return context.draft.resume_step or State.DAY
    return state


def language_names() -> list[tuple[str, str]]:
    """meetergo's languages, each named in itself (Deutsch, Français, Norsk bokmål …)."""
    names = []
    for code in LANGUAGES:
        # The language alone ("English"), not the formatting locale ("English (United States)").
        locale = Locale.parse(locale_for(code).language)
        name = locale.get_display_name(locale) or code
        names.append((code, name[:1].upper() + name[1:]))
    return names


async def choose_language(update: Update, context: BotContext, state: State) -> Next:
    """Show the language picker, or switch at once for `/language de`."""
    wanted = _argument(context).lower()
    if wanted:
        return await _switch_language(update, context, state, wanted)
    draft = context.draft
    draft.new_menu()
    picker = keyboards.language_picker(draft.menu, language_names())
    await present(
        update, context, (context.ui._("Which language would you like?"), picker), fresh=True
    )
    # The state stays: a tap on the picker redraws whatever step the customer was at.
    return None


async def set_language(update: Update, context: BotContext, state: State) -> Next:
    """Switch to the tapped language and redraw the current step in it."""
    payload = await live_payload(update, context, LanguageChosen)
    if payload is None:
        return await refuse_stale_button(update, context, state)
    return await _switch_language(update, context, state, payload.code)


async def _switch_language(update: Update, context: BotContext, state: State, code: str) -> Next:
    code = negotiate_language(code, default="")
    if not code:
        text = context.ui._("I can speak: {languages}.").format(
            languages=", ".join(name for _, name in language_names())
        )
        await reply(update, escape(text))
        return None
    context.remember(context.ui.prefs.model_copy(update={"language": code}))
    context.draft.notice = context.ui._("✓ I will write in English from now on.")
    return await ASK[_resume(context, state)](update, context, fresh=True)


async def choose_timezone(update: Update, context: BotContext, state: State) -> Next:
    """Open the zone picker, or set the zone at once for `/timezone America/New_York`."""
    draft = context.draft
    if state is not State.TIMEZONE:
        draft.resume_step = state
    draft.zone_options = ()
    wanted = _argument(context)
    if wanted:
        return await _answer_zone_query(update, context, wanted)
    shown = await ask_zone(update, context, fresh=True)
    if update.effective_chat:
        await context.bot.send_message(
            update.effective_chat.id,
            context.ui._("Or share your location with the button below."),
            reply_markup=keyboards.share_location(context.ui),
        )
    return shown


async def _answer_zone_query(update: Update, context: BotContext, query: str) -> Next:
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
            query=escape(_shortened(query))
        )
    return await ask_zone(update, context, fresh=True)


async def give_zone_text(update: Update, context: BotContext) -> Next:
    """Find the zone of a typed city, country or zone name."""
    text = update.effective_message.text if update.effective_message else ""
    return await _answer_zone_query(update, context, (text or "").strip())


async def give_location(update: Update, context: BotContext) -> Next:
    """Set the zone from a shared location."""
    location = update.effective_message.location if update.effective_message else None
    zone = zone_at(location.latitude, location.longitude) if location else None
    if zone is None:
        context.draft.notice = context.ui._("I could not find a time zone for that place.")
        return await ask_zone(update, context, fresh=True)
    return await _set_zone(update, context, zone)


@button(ZoneChosen, offered=lambda draft, payload: payload.index < len(draft.zone_options))
async def set_zone(update: Update, context: BotContext, payload: ZoneChosen) -> Next:
    """Take the tapped zone."""
    return await _set_zone(update, context, context.draft.zone_options[payload.index])


async def _set_zone(update: Update, context: BotContext, zone: str) -> Next:
    context.remember(context.ui.prefs.model_copy(update={"timezone": zone}))
    draft = context.draft
    resume = draft.resume_step or State.DAY
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
    return await ASK[resume](update, context, fresh=True)
