"""Support agents' own chats (Telegram Business): the bot books on the agent's behalf.

An agent of BOT_AGENT_IDS connects the bot to their Telegram Business account; its messages
in the agent's chats reach the bot under each chat's own key (bot/ptb/business_chats.py).
Before any flow sees one, `business_gate` decides whether the bot answers there:

* the agent's `/book [meeting type]` starts a booking for the customer of that chat, and any
  other message of the agent while the bot answers (or `/stop`) hands the chat back to them;
* a customer's message starts a booking when it asks for one (bot/language/booking_requests.py,
  in eleven languages), goes to the booking under way while the bot answers, and is left to
  the agent otherwise;
* a press on the bot's buttons counts only while the bot answers.

A booking started here is the agent's, and the customer's own chat with the bot never sees
it (the chat's key keeps them apart). Telegram's rules decide what can be sent at all: the
agent hears, in their own chat with the bot, why the bot stays silent when it must.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from html import escape
from typing import Any

from telegram import Update
from telegram.ext import ApplicationHandlerStop

from bot.language.booking_requests import asked_language
from bot.language.languages import LANGUAGES
from bot.language.words import fold
from bot.meetergo import MeetergoError
from bot.ptb import ptb_internals
from bot.ptb.business_chats import NO_REPLY_RIGHT, OFF, WINDOW, connection_of
from bot.ptb.chat_turns import ChatStates
from bot.storage.business import BusinessChat, is_business_key
from conversations.kit.agent_chat import AgentChat, agent_chat_of, keep_agent_chat
from conversations.kit.agent_messages import tell_agent
from conversations.kit.context import BotContext, Ui

log = logging.getLogger(__name__)

BOOKING_FLOW = "booking"  # the conversation a customer's message may belong to


async def on_connection(update: Update, context: BotContext) -> None:
    """Keep a connection as Telegram describes it; tell an agent what it now lets the bot do.
    Anyone else's connection is kept (so that its messages are known and left alone) and
    never answered."""
    described = update.business_connection
    if described is None:
        return
    business = context.services.business
    connection = connection_of(described)
    before = await business.store.connection(connection.connection_id)
    await business.store.keep_connection(connection)
    if connection.owner_id not in context.services.settings.bot_agent_ids:
        log.info("a business connection of someone who is not an agent: left unused")
        return
    answering = business.usable(connection) and connection.can_reply
    if before is not None and answering == (business.usable(before) and before.can_reply):
        return

    def compose(ui: Ui) -> str:
        if answering:
            return connected_text(ui)
        if connection.enabled:
            return ui._(
                "You connected me to your Telegram Business account without the right to "
                "reply to messages, so I cannot answer in your chats. Allow “Reply to "
                "messages” for me under Settings → Telegram Business → Chatbots."
            )
        return ui._(
            "I no longer answer in your chats: my connection to your Telegram Business "
            "account is off."
        )

    await tell_agent(context.application, context.services, connection.owner_id, compose)


def connected_text(ui: Ui) -> str:
    """What the bot does in an agent's chats, and how to turn it off."""
    return ui._(
        "You connected me to your Telegram Business account. In your chats with customers I "
        "book appointments on your behalf: send /book in a chat (or /book and a meeting "
        "type), or I start when a customer asks for an appointment. Type anything in that "
        "chat, or send /stop there, and I stop answering until you send /book again. "
        "Bookings made there are yours: /mycustomers lists them. To turn me off, remove me "
        "under Settings → Telegram Business → Chatbots."
    )


async def business_gate(update: Update, context: BotContext) -> None:
    """Let an update of an agent's chat through to the flows only where the bot answers
    there; start a booking where asked. ApplicationHandlerStop ends every other update."""
    chat = update.effective_chat
    if chat is None or not is_business_key(chat.id):
        return
    found = await context.services.business.store.chat(chat.id)
    if found is None:
        raise ApplicationHandlerStop
    state = agent_chat_of(chat.id, context.chat_data) or AgentChat(
        agent_id=found.agent_id, customer_id=found.customer_id
    )
    author = update.effective_user
    if author is not None and author.id == found.agent_id:
        if update.callback_query is not None:  # the agent tried the customer's buttons
            await update.callback_query.answer(context.ui._("These buttons are your customer's."))
        else:
            await _agent_wrote(update, context, state, found)
        raise ApplicationHandlerStop
    if update.callback_query is not None:
        await _customer_pressed(update, context, state, found)
        return
    text = (update.message.text or "") if update.message else ""
    if _command(text) == "/stop":
        raise ApplicationHandlerStop  # the agent's command, tapped in the chat by the customer
    if state.answering and (text.startswith("/") or _booking_under_way(context, chat.id)):
        return
    preferred = [code.split("-")[0] for code in (found.customer_language or "",) if code]
    language = asked_language(text, preferred)
    may = not state.taken_over and await context.services.business.refusal(found) is None
    if language is not None and may:
        state = state.model_copy(
            update={"answering": True, "language": language, "meeting_type_id": None}
        )
        await _start_booking(update, context, state, found)
    raise ApplicationHandlerStop


async def _customer_pressed(
    update: Update, context: BotContext, state: AgentChat, found: BusinessChat
) -> None:
    """A press on the bot's buttons counts while the bot answers and Telegram lets it reply
    (only a pop-up otherwise: answering a press is always allowed)."""
    query = update.callback_query
    if query is None:
        return
    ui = context.ui
    if not state.answering:
        await query.answer(ui._("This chat is with a person now."))
        raise ApplicationHandlerStop
    if await context.services.business.refusal(found) is not None:
        await query.answer(
            ui._("Please send a message in this chat first, then tap again."), show_alert=True
        )
        raise ApplicationHandlerStop


def _command(text: str) -> str:
    return text.strip().split(" ", 1)[0].split("@")[0].lower()


async def _agent_wrote(
    update: Update, context: BotContext, state: AgentChat, found: BusinessChat
) -> None:
    """`/book [type]` starts a booking; `/stop`, or anything else the agent types while the
    bot answers, hands the chat back to the agent (the booking under way is closed without
    a word: the agent goes on with the customer)."""
    text = (update.message.text or "").strip() if update.message else ""
    if _command(text) == "/book":
        sent_at = update.message.date if update.message else None
        refusal = await context.services.business.refusal(found, sent_at)
        if refusal is not None:
            await tell_agent(
                context.application, context.services, found.agent_id, _REFUSALS[refusal]
            )
            return
        wanted = await _meeting_type(context, text.partition(" ")[2].strip(), found.agent_id)
        state = state.model_copy(
            update={
                "answering": True,
                "taken_over": False,
                "meeting_type_id": wanted,
                "language": None,
            }
        )
        await _start_booking(update, context, state, found)
    elif state.answering or _command(text) == "/stop":
        log.info("the agent took over a chat", extra={"event": "agent_took_over"})
        _keep(context, state.model_copy(update={"answering": False, "taken_over": True}))
        chat_id = found.key
        if _booking_under_way(context, chat_id):
            ChatStates.of(context.application).end_conversations(chat_id)
        context.forget_view()


def _keep(context: BotContext, state: AgentChat) -> None:
    if context.chat_data is not None:
        keep_agent_chat(context.chat_data, state)


def _booking_under_way(context: BotContext, chat_id: int) -> bool:
    conversations = ptb_internals.conversations_of(context.application, chat_id)
    return bool(conversations.get(BOOKING_FLOW))


async def _start_booking(
    update: Update, context: BotContext, state: AgentChat, found: BusinessChat
) -> None:
    """Handle the update again as the customer's /start in this chat: the booking flow then
    begins as in the bot's own chat, reading the agent and the wishes from the chat's data."""
    _keep(context, state)
    message = update.message
    if message is None:
        return
    data: dict[str, Any] = update.to_dict()
    sent = data["message"]
    author = message.from_user
    if author is None or author.id != state.customer_id:
        chat = message.chat
        sent["from"] = {"id": state.customer_id, "is_bot": False, "first_name": chat.first_name}
        for field in ("last_name", "username"):
            if getattr(chat, field):
                sent["from"][field] = getattr(chat, field)
        if found.customer_language:  # their app's language, as their own messages said
            sent["from"]["language_code"] = found.customer_language
    sent["text"] = "/start"
    sent["entities"] = [{"type": "bot_command", "offset": 0, "length": len("/start")}]
    await context.application.process_update(Update.de_json(data, context.bot))


async def _meeting_type(context: BotContext, wanted: str, agent_id: int) -> str | None:
    """The meeting type `/book <wanted>` names (its id, or whole words of its name in any
    language), None for the usual choice; the agent hears when none or several match."""
    if not wanted:
        return None
    availability = context.services.availability
    try:
        types = [await availability.meeting_type(i) for i in availability.meeting_type_ids]
    except MeetergoError:
        return None  # the booking's own steps say meetergo is not answering
    words = set(fold(wanted).split())
    matching = [
        meeting_type.id
        for meeting_type in types
        if fold(wanted) == fold(meeting_type.id)
        or any(words <= set(fold(meeting_type.name_in(lang)).split()) for lang in LANGUAGES)
    ]
    if len(matching) == 1:
        return matching[0]

    def compose(ui: Ui) -> str:
        text = ui._("No meeting type matches “{wanted}”: the customer chooses one.")
        if matching:
            text = ui._("Several meeting types match “{wanted}”: the customer chooses one.")
        return text.format(wanted=escape(wanted))

    await tell_agent(context.application, context.services, agent_id, compose)
    return None


_REFUSALS: dict[str, Callable[[Ui], str]] = {
    OFF: lambda ui: ui._(
        "I cannot answer in that chat: my connection to your Telegram Business account is off."
    ),
    NO_REPLY_RIGHT: lambda ui: ui._(
        "I cannot answer in that chat: allow “Reply to messages” for me under Settings → "
        "Telegram Business → Chatbots."
    ),
    WINDOW: lambda ui: ui._(
        "I cannot answer in that chat: Telegram lets me reply only within 24 hours of the "
        "customer's last message. When they write again, send /book once more."
    ),
}
