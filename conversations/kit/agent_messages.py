"""Telling a support agent something in their own language and zone (their chat with the bot
keeps them): a booking their link brought, what became of it, and what could not reach their
customer in their own chat."""

from __future__ import annotations

import logging
from collections.abc import Callable

from telegram.error import TelegramError

from bot.ptb.business_chats import BusinessChatClosed
from bot.ptb.chat_turns import ChatStates
from conversations.kit.context import App, Prefs, Services, Ui, stored_prefs, ui_for

log = logging.getLogger(__name__)


async def prefs_of(app: App, services: Services, user_id: int) -> Prefs:
    """An agent's language and zone (their chat with the bot keeps them)."""
    # Read without the agent's chat's turn: this runs in the customer's turn, and only reads.
    return stored_prefs(services.settings, await ChatStates.of(app).peek_user(user_id))


async def tell_agent(
    app: App, services: Services, agent_id: int, compose: Callable[[Ui], str]
) -> None:
    """Send the agent the message `compose` writes in the agent's language and zone; a chat
    Telegram refuses (the agent blocked the bot) is logged, never the customer's problem."""
    ui = ui_for(services.settings, await prefs_of(app, services, agent_id))
    try:
        await app.bot.send_message(agent_id, compose(ui))
    except TelegramError as error:
        log.warning("could not tell an agent: %s", type(error).__name__)


async def pass_on_to_agent(
    app: App, services: Services, agent_id: int | None, error: Exception, said: str
) -> bool:
    """Where a message to a customer in an agent's own chat could not be sent (Telegram lets
    the bot write there only within 24 hours of the customer's last message, and only while
    the agent's connection lets it), ask the agent to pass it on: they can still write to
    their customer. Whether the agent was asked."""
    if agent_id is None or not isinstance(error, BusinessChatClosed):
        return False

    def compose(ui: Ui) -> str:
        return (
            ui._(
                "I could not write to your customer in your chat: Telegram lets me answer there "
                "only within 24 hours of their last message. Please pass this on:"
            )
            + f"\n\n{said}"
        )

    await tell_agent(app, services, agent_id, compose)
    return True
