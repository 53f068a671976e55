""" "Talk to a person": under every step of a booking in the bot's own chat, when the bot has
support agents. A tap tells the agent whose link brought the customer (else, or where that
fails, every agent of BOT_AGENT_IDS) who is asking, in which language and at which step,
with a button that opens the chat with them; the customer is told someone will write (or
that nobody could be reached), and stays at their step."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from html import escape
from typing import Final

from babel import Locale
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, ReplyKeyboardMarkup, Update
from telegram.error import BadRequest, TelegramError

from bot.language.i18n import N_, locale_for
from bot.storage.business import is_business_key
from conversations.booking.draft import BookingContext
from conversations.booking.payloads import TalkToPerson
from conversations.kit.agent_messages import prefs_of
from conversations.kit.buttons import one_tap
from conversations.kit.chat import Screen, chat_id_of
from conversations.kit.context import BotContext, ui_for
from conversations.kit.outcome import Again, Outcome

log = logging.getLogger(__name__)

ASKED_KEY: Final = "person_asked_at"  # chat_data: when the team was last told
# The team is told once in this long, however often the button is tapped.
TELL_AGAIN_AFTER: Final = timedelta(minutes=10)
# Where in the booking the customer asked, as the agent reads it.
STEP_WORDS: Final = {
    "MEETING_TYPE": N_("meeting type"),
    "DURATION": N_("length"),
    "CHANNEL": N_("how to meet"),
    "PLACE": N_("place"),
    "HOST": N_("person to meet"),
    "DAY": N_("day"),
    "SLOT": N_("time"),
    "NAME": N_("name"),
    "EMAIL": N_("e-mail address"),
    "PHONE": N_("phone number"),
    "ADDRESS": N_("address"),
    "GUESTS": N_("guests"),
    "CONSENT": N_("privacy consent"),
    "CONFIRM": N_("final check"),
    "TIMEZONE": N_("time zone"),
}
QUESTION_WORDS: Final = N_("a question of the meeting type")


def with_person_button(update: Update, context: BotContext, screen: Screen) -> Screen:
    """The step's screen with "Talk to a person" under its buttons, where there is someone
    to talk to (agents configured) and the chat is the bot's own."""
    text, markup = screen
    agents = context.services.settings.bot_agent_ids
    chat = context.view  # the chat's booking: its live menu names the button
    in_agent_chat = is_business_key(chat_id_of(update))
    if not agents or isinstance(markup, ReplyKeyboardMarkup) or in_agent_chat:
        return screen
    row = [
        InlineKeyboardButton(
            context.ui._("💬 Talk to a person"), callback_data=TalkToPerson(chat.menu).pack()
        )
    ]
    rows = [list(r) for r in markup.inline_keyboard] if markup is not None else []
    return text, InlineKeyboardMarkup([*rows, row])


@one_tap(TalkToPerson)
async def talk_to_person(update: Update, context: BookingContext) -> Outcome:
    """Tell the team the customer would like to talk to someone, and say whether they were
    told: the agent whose link brought the customer, else (or where that fails) every
    agent; once in TELL_AGAIN_AFTER however often it is tapped."""
    ui = context.ui
    draft = context.draft
    chat_data = context.chat_data if context.chat_data is not None else {}
    now = datetime.now(UTC)
    asked = chat_data.get(ASKED_KEY)
    if asked and now - datetime.fromisoformat(asked) < TELL_AGAIN_AFTER:
        told = True  # told a moment ago: nothing new to tell them
    else:
        agents = context.services.settings.bot_agent_ids
        first = [draft.agent_id] if draft.agent_id in agents else []
        told = any([await _tell(update, context, agent, context.state or "") for agent in first])
        if not told:
            others = [agent for agent in agents if agent not in first]
            told = any([await _tell(update, context, a, context.state or "") for a in others])
        if told:
            chat_data[ASKED_KEY] = now.isoformat()
    draft.notice = (
        ui._("Thank you! Someone from our team will write to you on Telegram soon.")
        if told
        else ui._("Sorry, I could not reach our team just now. Please try again in a while.")
    )
    return Again()


async def _tell(update: Update, context: BookingContext, agent_id: int, step: str) -> bool:
    """Tell one agent; whether the message reached them."""
    user = update.effective_user
    if user is None:
        return False
    app, services = context.application, context.services
    agent_ui = ui_for(services.settings, await prefs_of(app, services, agent_id))
    language = Locale.parse(locale_for(context.ui.prefs.language).language)
    text = agent_ui._(
        "🙋 {name} would like to talk to a person. Language: {language}. Booking step: {step}."
    ).format(
        name=escape(user.full_name),
        language=escape(language.get_display_name(locale_for(agent_ui.prefs.language)) or ""),
        step=agent_ui._(STEP_WORDS.get(step, QUESTION_WORDS)),
    )
    link = f"https://t.me/{user.username}" if user.username else f"tg://user?id={user.id}"
    markup = InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    agent_ui._("Open the chat with {name}").format(name=user.first_name), url=link
                )
            ]
        ]
    )
    try:
        try:
            await app.bot.send_message(agent_id, text, reply_markup=markup)
        except BadRequest:
            # The customer's privacy settings forbid a button to their profile: a mention.
            mention = f'<a href="tg://user?id={user.id}">{escape(user.first_name)}</a>'
            await app.bot.send_message(agent_id, f"{text}\n{mention}")
    except TelegramError as error:
        log.warning("could not tell an agent: %s", type(error).__name__)
        return False
    log.info("customer asked for a person", extra={"chat": chat_id_of(update), "event": "person"})
    return True
