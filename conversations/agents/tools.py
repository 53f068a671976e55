"""Support agents' tools: /link, /stats, /mycustomers, sharing by inline mode, their Telegram
Business connection, and hearing about bookings.

Pictured in agents.mmd. The flow keeps no state of its own: /link shows the meeting types,
a tap shows the languages, a tap gives the signed t.me link and its QR code. Every press is
checked against BOT_AGENT_IDS again; its payload carries only an index into the configured
meeting types and a language code, both checked. Anyone else's /link and /stats get /help.
"""

from __future__ import annotations

import io
import logging
from datetime import UTC, datetime, timedelta
from html import escape
from typing import TypeVar

import segno
from telegram import (
    BotCommandScopeChat,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InlineQueryResultArticle,
    InputTextMessageContent,
    Update,
)
from telegram.error import TelegramError
from telegram.ext import (
    BaseHandler,
    BusinessConnectionHandler,
    CallbackQueryHandler,
    CommandHandler,
    InlineQueryHandler,
)

from bot.booking.links import NO_AGENT, OWN_LANGUAGE, AgentLink, start_link
from bot.meetergo import MeetergoError, MeetingType
from conversations.agents.business import on_connection
from conversations.agents.customers import show_my_customers
from conversations.agents.payloads import LinkLanguageChosen, LinkTypeChosen
from conversations.commands.help import show_help
from conversations.commands.menus import agent_menu
from conversations.kit.agent_messages import prefs_of
from conversations.kit.chat import reply
from conversations.kit.context import App, BotContext, Services
from conversations.kit.payloads import CallbackDataError
from conversations.kit.phrases import language_names, meeting_name

log = logging.getLogger(__name__)

MENU = "link"  # the agent pickers are stateless: one fixed menu name


def is_agent(context: BotContext, update: Update) -> bool:
    """Whether the update comes from one of BOT_AGENT_IDS."""
    user = update.effective_user
    return user is not None and user.id in context.services.settings.bot_agent_ids


async def _types(context: BotContext) -> list[MeetingType]:
    """The types a link may be for: those switched on (a link to one switched off would start
    the usual booking), or all of them when none is."""
    availability = context.services.availability
    types = [await availability.meeting_type(i) for i in availability.meeting_type_ids]
    return [meeting_type for meeting_type in types if meeting_type.enabled] or types


async def ask_link_type(update: Update, context: BotContext) -> None:
    """Start /link: which meeting type the link is for (straight to languages if one)."""
    if not is_agent(context, update):
        await show_help(update, context)
        return
    ui = context.ui
    try:
        types = await _types(context)
    except MeetergoError:
        await reply(
            update,
            ui._(
                "The scheduling service is not answering right now. Please try again in a moment."
            ),
        )
        return
    if len(types) == 1:
        await _ask_language(update, context, 0, types[0])
        return
    buttons = [
        [
            InlineKeyboardButton(
                meeting_name(meeting_type.name_in(ui.prefs.language), ui),
                callback_data=LinkTypeChosen(MENU, index).pack(),
            )
        ]
        for index, meeting_type in enumerate(types)
    ]
    await reply(update, ui._("Which meeting type is the link for?"), InlineKeyboardMarkup(buttons))


Choice = TypeVar("Choice", LinkTypeChosen, LinkLanguageChosen)


async def _agents_press(
    update: Update, context: BotContext, kind: type[Choice]
) -> tuple[Choice, list[MeetingType]] | None:
    """The press's payload and the meeting types, if an agent pressed a valid choice (the
    press is answered either way)."""
    query = update.callback_query
    if query is None:
        return None
    try:
        payload = kind.unpack(query.data or "")
        types = await _types(context)
    except (CallbackDataError, MeetergoError):
        payload, types = None, []
    codes = {code for code, _ in language_names()} | {OWN_LANGUAGE}
    valid = (
        payload is not None
        and is_agent(context, update)
        and payload.index < len(types)
        and (not isinstance(payload, LinkLanguageChosen) or payload.code in codes)
    )
    if not valid or payload is None:
        await query.answer(context.ui._("This menu has expired. Send /link again."))
        return None
    await query.answer()
    return payload, types


async def choose_link_type(update: Update, context: BotContext) -> None:
    """Take the tapped meeting type and ask for the customer's language."""
    chosen = await _agents_press(update, context, LinkTypeChosen)
    if chosen is not None:
        payload, types = chosen
        await _ask_language(update, context, payload.index, types[payload.index])


async def _ask_language(
    update: Update, context: BotContext, index: int, meeting_type: MeetingType
) -> None:
    ui = context.ui
    own = [(OWN_LANGUAGE, ui._("The customer's own"))]
    buttons = [
        InlineKeyboardButton(name, callback_data=LinkLanguageChosen(MENU, index, code).pack())
        for code, name in [*own, *language_names()]
    ]
    rows = [buttons[:1], *(buttons[i : i + 3] for i in range(1, len(buttons), 3))]
    text = ui._("<b>{meeting}</b>: in which language should the bot greet the customer?").format(
        meeting=escape(meeting_name(meeting_type.name_in(ui.prefs.language), ui))
    )
    await _show(update, context, text, InlineKeyboardMarkup(rows))


async def give_link(update: Update, context: BotContext) -> None:
    """Make the agent's signed link for the chosen type and language, with its QR code."""
    ui = context.ui
    chosen = await _agents_press(update, context, LinkLanguageChosen)
    if chosen is None:
        return
    payload, types = chosen
    meeting_type = types[payload.index]
    agent_id = update.effective_user.id if update.effective_user else NO_AGENT
    language = None if payload.code == OWN_LANGUAGE else payload.code
    signed = context.services.links.payload(AgentLink(agent_id, meeting_type.id, language))
    link = start_link(context.bot.username or "", signed)
    text = ui._(
        "Your link for <b>{meeting}</b>. Share it with customers; bookings through it are "
        "counted for you and you hear about each one:\n<code>{link}</code>"
    ).format(
        meeting=escape(meeting_name(meeting_type.name_in(ui.prefs.language), ui)), link=escape(link)
    )
    await _show(update, context, text, None)
    picture = io.BytesIO()
    segno.make(link, error="m").save(picture, kind="png", scale=8, border=2)
    picture.seek(0)
    if update.effective_chat:
        await context.bot.send_photo(
            update.effective_chat.id, picture, caption=link, filename="booking-link.png"
        )


async def _show(
    update: Update, context: BotContext, text: str, markup: InlineKeyboardMarkup | None
) -> None:
    """Edit the picker that was tapped, or send a new message."""
    query = update.callback_query
    if query is not None and query.message is not None and update.effective_chat:
        await context.bot.edit_message_text(
            text,
            chat_id=update.effective_chat.id,
            message_id=query.message.message_id,
            reply_markup=markup,
        )
    else:
        await reply(update, text, markup)


async def show_stats(update: Update, context: BotContext) -> None:
    """How many bookings the agent's links brought in, in the last 7 and 30 days."""
    if not is_agent(context, update) or update.effective_user is None:
        await show_help(update, context)
        return
    ledger = context.services.bookings.ledger
    agent = update.effective_user.id
    now = datetime.now(UTC)
    counts = {
        f"{where}{days}": await ledger.count_for_agent(
            agent, now - timedelta(days=days), in_agent_chats=where == "chats"
        )
        for where in ("links", "chats")
        for days in (7, 30)
    }
    ui = context.ui
    text = ui._(
        "Bookings through your links: {links7} in the last 7 days, {links30} in the last 30 "
        "days.\nBookings in your own chats: {chats7} in the last 7 days, {chats30} in the "
        "last 30 days."
    )
    await reply(update, text.format(**counts))


async def share_inline(update: Update, context: BotContext) -> None:
    """Answer "@bot" typed in any chat: one card per meeting type with a link to book it."""
    query = update.inline_query
    if query is None:
        return
    ui = context.ui
    try:
        types = await _types(context)
    except MeetergoError:
        await query.answer([], cache_time=5, is_personal=True)
        return
    user = query.from_user
    agent = user.id if user.id in context.services.settings.bot_agent_ids else NO_AGENT
    team = context.bot.first_name
    results = []
    for index, meeting_type in enumerate(types):
        name = meeting_name(meeting_type.name_in(ui.prefs.language), ui)
        link = start_link(
            context.bot.username or "",
            context.services.links.payload(AgentLink(agent, meeting_type.id)),
        )
        text = ui._("Book “{meeting}” with {team}").format(meeting=name, team=team)
        results.append(
            InlineQueryResultArticle(
                id=f"type-{index}",
                title=text,
                description=ui._("{minutes} min").format(minutes=meeting_type.duration),
                input_message_content=InputTextMessageContent(escape(text)),
                reply_markup=InlineKeyboardMarkup(
                    [[InlineKeyboardButton(ui._("Book now"), url=link)]]
                ),
            )
        )
    # Personal: an agent's cards carry their own link, nobody else's.
    await query.answer(results, cache_time=30, is_personal=True)


async def publish_agent_menu(app: App, services: Services, agent_id: int) -> None:
    """Show /link and /stats in one agent's command menu only (a chat scope per agent)."""
    language = (await prefs_of(app, services, agent_id)).language
    try:
        await app.bot.set_my_commands(agent_menu(language), scope=BotCommandScopeChat(agent_id))
    except TelegramError as error:
        # An agent who never wrote to the bot has no chat yet; /link publishes it later.
        log.info("agent menu not published yet: %s", type(error).__name__)


MENUS_SHOWN = "agent_menus_shown"  # bot_data: agents whose menu this process published


async def greet_agent(update: Update, context: BotContext) -> None:
    """On an agent's first message since the start, show /link and /stats in their menu.

    Telegram keeps a chat's menu, but a chat exists only once the agent wrote to the bot, so
    the menu is published then rather than blindly at start.
    """
    user, chat = update.effective_user, update.effective_chat
    if user is None or chat is None or chat.id != user.id:
        return
    if user.id not in context.services.settings.bot_agent_ids:
        return
    shown: set[int] = context.bot_data.setdefault(MENUS_SHOWN, set())
    if user.id not in shown:
        shown.add(user.id)
        await publish_agent_menu(context.application, context.services, user.id)


def build_agent_handlers() -> list[BaseHandler[Update, BotContext, None]]:
    """The agent tools' handlers (see agents.mmd)."""
    return [
        BusinessConnectionHandler(on_connection),
        CommandHandler("link", ask_link_type),
        CommandHandler("stats", show_stats),
        CommandHandler("mycustomers", show_my_customers),
        CallbackQueryHandler(choose_link_type, pattern=LinkTypeChosen.matches),
        CallbackQueryHandler(give_link, pattern=LinkLanguageChosen.matches),
        InlineQueryHandler(share_inline),
    ]
