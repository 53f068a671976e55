"""Telegram Business: an agent's chats with customers, each under a key of its own.

A connected agent's customer writes to the agent's account; Telegram hands the bot the message
as a `business_message` in a chat whose id is the customer's, the same id as the customer's
own chat with the bot. So that the two never share a booking, an update from a business chat
is handled as a `message` (or a press) in a chat whose id is the business chat's key
(bot/storage/business.py), and every request the bot makes to such a key is sent to the real
chat with the connection's id (`business_connection_id`). Everything above this module deals
in chat ids as usual; a key only ever leaves the process as the real chat.

Telegram's rules are kept here too, before a request is made: nothing is sent through a
connection that is off, lacks `can_reply`, or to a customer who last wrote more than 24 hours
ago; no Mini App or login button; a deletion uses the business method, with its right.
"""

from __future__ import annotations

import logging
from collections.abc import Collection, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any, Final

from telegram import BusinessConnection, Message, TelegramObject, Update
from telegram.error import BadRequest, Forbidden
from telegram.ext import ExtBot

from bot.storage.business import BusinessChat, BusinessStore, Connection, is_business_key

__all__ = [
    "NO_REPLY_RIGHT",
    "OFF",
    "WINDOW",
    "BusinessChatClosed",
    "BusinessChats",
    "connection_of",
]

log = logging.getLogger(__name__)

# Telegram lets a business bot answer only within 24 hours of the customer's last message.
REPLY_WINDOW: Final = timedelta(hours=24)
# Requests that put or change something in a chat; they carry the connection's id.
_SENDING: Final = frozenset(
    {
        "sendMessage",
        "sendDocument",
        "sendPhoto",
        "sendChatAction",
        "editMessageText",
        "editMessageReplyMarkup",
    }
)
# Why a business chat cannot be written to now.
OFF: Final = "off"  # the connection is off, or not an agent's
NO_REPLY_RIGHT: Final = "no_reply_right"  # the agent did not allow "Reply to messages"
WINDOW: Final = "window"  # the customer last wrote more than 24 hours ago
REFUSALS: Final = {
    OFF: "the agent's business connection is off",
    NO_REPLY_RIGHT: "the bot may not reply on the agent's behalf",
    WINDOW: "the customer last wrote more than 24 hours ago",
}
# Buttons Telegram refuses in messages sent on a business account's behalf.
_REFUSED_BUTTONS: Final = (
    "web_app",
    "login_url",
    "callback_game",
    "pay",
    "switch_inline_query",
    "switch_inline_query_current_chat",
    "switch_inline_query_chosen_chat",
)


class BusinessChatClosed(Forbidden):
    """Telegram would refuse this request to an agent's chat (the connection is off or may
    not reply, or the customer last wrote more than 24 hours ago); it was not sent. Expected
    in the normal course of things, never a failure to apologise for."""


def connection_of(connection: BusinessConnection) -> Connection:
    """Telegram's description of a connection, as kept (`can_reply` read from `rights`, or
    where Bot API before 9.0 put it, on the connection itself)."""
    rights = connection.rights
    can_reply = rights.can_reply if rights else connection.api_kwargs.get("can_reply")
    return Connection(
        connection_id=connection.id,
        owner_id=connection.user.id,
        can_reply=bool(can_reply),
        can_delete=bool(rights and rights.can_delete_sent_messages),
        enabled=connection.is_enabled,
    )


class BusinessChats:
    """Business updates in, requests to business chats out; only the agents' connections."""

    def __init__(self, store: BusinessStore, agent_ids: Collection[int]) -> None:
        self.store = store
        self._agents = frozenset(agent_ids)
        # A key stands for one customer for good (keys are never reused): every turn of a
        # business chat asks, so what translating an update learnt is kept.
        self._customers: dict[int, int] = {}

    async def customer_of(self, key: int) -> int | None:
        """The customer of the agent's chat with this key, None for an unknown key."""
        if key not in self._customers:
            chat = await self.store.chat(key)
            if chat is None:
                return None
            self._customers[key] = chat.customer_id
        return self._customers[key]

    def usable(self, connection: Connection | None) -> bool:
        """Whether the bot works through a connection: an agent's, switched on."""
        return connection is not None and connection.enabled and connection.owner_id in self._agents

    async def connection(self, connection_id: str, bot: ExtBot[Any]) -> Connection | None:
        """A connection as last described; asked of Telegram when never seen (its update may
        have come before a restart, or gone to another bot process)."""
        known = await self.store.connection(connection_id)
        if known is not None:
            return known
        try:
            fresh = connection_of(await bot.get_business_connection(connection_id))
        except BadRequest:
            return None
        await self.store.keep_connection(fresh)
        return fresh

    async def refusal(self, chat: BusinessChat, now: datetime | None = None) -> str | None:
        """Why nothing can be sent in a business chat at `now` (OFF, NO_REPLY_RIGHT, WINDOW),
        None when something can. `now` by default is the bot's clock; an update's date is
        Telegram's, which is what Telegram's rule is measured by."""
        return self._refusal(await self.store.connection(chat.connection_id), chat, now)

    def _refusal(
        self, connection: Connection | None, chat: BusinessChat, now: datetime | None = None
    ) -> str | None:
        if connection is None or not self.usable(connection):
            return OFF
        if not connection.can_reply:
            return NO_REPLY_RIGHT
        wrote = chat.customer_wrote_at
        if wrote is None or (now or datetime.now(UTC)) - wrote > REPLY_WINDOW:
            return WINDOW
        return None

    # --- in ---------------------------------------------------------------------------------

    async def translate(self, update: Update, bot: ExtBot[Any]) -> Update | None:
        """The update as the bot handles it: a business chat's message or press under the
        chat's key; None for one to drop (another account's, a connection that is off, an
        edit or deletion in a business chat); any other update as it came."""
        message = update.business_message
        if message is None and (update.edited_business_message or update.deleted_business_messages):
            return None
        query = update.callback_query
        if message is None and query is not None and isinstance(query.message, Message):
            message = query.message  # a press on a business chat's message, or on any other
        if message is None or not message.business_connection_id:
            return update
        if update.business_message is not None and message.sender_business_bot is not None:
            return None  # a bot's own message on the account's behalf (this bot's, most likely)
        connection = await self.connection(message.business_connection_id, bot)
        if connection is None or not self.usable(connection):
            return None
        customer_id = message.chat.id
        key = await self.store.chat_key(connection.connection_id, connection.owner_id, customer_id)
        self._customers[key] = customer_id
        data = update.to_dict()
        if update.business_message is not None:
            author = message.from_user
            if author is not None and author.id == customer_id:
                sent_at = message.date.astimezone(UTC)
                await self.store.customer_wrote(key, sent_at, author.language_code)
            data["message"] = data.pop("business_message")
            data["message"]["chat"]["id"] = key
        else:
            data["callback_query"]["message"]["chat"]["id"] = key
        return Update.de_json(data, bot)

    # --- out --------------------------------------------------------------------------------

    async def route(self, endpoint: str, data: dict[str, Any]) -> str:
        """Address a request to a business chat's key to the real chat (changing `data` in
        place) and return the method to call; Forbidden or BadRequest, without asking
        Telegram, for what Telegram would refuse. Requests to other chats pass unchanged."""
        key = data.get("chat_id")
        if not isinstance(key, int) or not is_business_key(key):
            return endpoint
        chat = await self.store.chat(key)
        if chat is None:
            raise BadRequest("Chat not found")
        connection = await self.store.connection(chat.connection_id)
        if connection is None or not self.usable(connection):
            raise BusinessChatClosed(REFUSALS[OFF])
        if endpoint == "deleteMessage":
            return self._deletion(connection, data)
        if endpoint not in _SENDING:
            raise BadRequest(f"{endpoint} is not used in business chats")
        refusal = self._refusal(connection, chat)
        if refusal is not None:
            raise BusinessChatClosed(REFUSALS[refusal])
        if _refused_button(data.get("reply_markup")):
            raise BadRequest("this button cannot be sent on an account's behalf")
        data["chat_id"] = chat.customer_id
        data["business_connection_id"] = connection.connection_id
        return endpoint

    @staticmethod
    def _deletion(connection: Connection, data: dict[str, Any]) -> str:
        if not connection.can_delete:
            raise BadRequest("Message can't be deleted")
        message_id = data.pop("message_id")
        data.clear()
        data["business_connection_id"] = connection.connection_id
        data["message_ids"] = [message_id]
        return "deleteBusinessMessages"


def _refused_button(markup: object) -> bool:
    if isinstance(markup, TelegramObject):
        markup = markup.to_dict()
    if not isinstance(markup, Mapping):
        return False
    rows = markup.get("inline_keyboard") or markup.get("keyboard") or []
    return any(
        isinstance(button, Mapping) and any(kind in button for kind in _REFUSED_BUTTONS)
        for row in rows
        for button in row
    )
