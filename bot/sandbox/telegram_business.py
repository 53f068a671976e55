"""Telegram Business: user accounts connected to the bot, their chats, the bot acting for them.

A business account's owner (an agent) connects the bot with some rights. Every chat between the
owner and another user (a customer) then reaches the bot as business_message updates, and the
bot may write and edit there as the owner, with business_connection_id, while the customer has
written within the last 24 hours. Such a chat shares its id with the bot's own chat with that
customer, yet is another chat: its own messages, numbered in the account's own sequence.
"""

from __future__ import annotations

import base64
import hashlib
from typing import Any

from bot.sandbox.telegram_html import command_entities
from bot.sandbox.telegram_schema import bad_request, forbidden
from bot.sandbox.telegram_state import (
    BusinessConnectionRecord,
    CallbackQueryRecord,
    ChatMessage,
    ChatRecord,
    EmulatorState,
)
from bot.sandbox.telegram_users import EmulatedUsers

Params = dict[str, Any]

CONNECTION_INVALID = "BUSINESS_CONNECTION_INVALID"
CONNECTION_NOT_ALLOWED = "BUSINESS_CONNECTION_NOT_ALLOWED"
ACCESS_FORBIDDEN = "BOT_ACCESS_FORBIDDEN"
PEER_USAGE_MISSING = "BUSINESS_PEER_USAGE_MISSING"
REPLY_WINDOW = 24 * 60 * 60  # seconds after the customer's last message the bot may write
MAX_DELETE = 100


# --- the server's side ---------------------------------------------------------------------


def connection_json(state: EmulatorState, connection: BusinessConnectionRecord) -> Params:
    """The BusinessConnection object; false rights are left out, as Telegram leaves them."""
    rights = {
        "can_reply": connection.can_reply,
        "can_delete_sent_messages": connection.can_delete_sent_messages,
    }
    return {
        "id": connection.connection_id,
        "user": dict(state.users[connection.owner_id]),
        "user_chat_id": connection.owner_id,
        "date": connection.date,
        "rights": {name: True for name, granted in rights.items() if granted},
        "is_enabled": connection.enabled,
    }


def _connection(state: EmulatorState, connection_id: str) -> BusinessConnectionRecord:
    connection = state.business_connections.get(connection_id)
    if connection is None:
        raise bad_request(CONNECTION_INVALID)
    return connection


def _enabled_connection(state: EmulatorState, connection_id: str) -> BusinessConnectionRecord:
    connection = _connection(state, connection_id)
    if not connection.enabled:
        raise bad_request(CONNECTION_NOT_ALLOWED)
    return connection


def target_chat(state: EmulatorState, params: Params) -> ChatRecord:
    """The chat a sending or editing call addresses: with business_connection_id the business
    chat with user chat_id, which the bot may use only while it may reply there; else the
    bot's own chat."""
    connection_id = params.get("business_connection_id")
    if not connection_id:
        return _own_chat(state, params["chat_id"])
    connection = _enabled_connection(state, connection_id)
    if not connection.can_reply:
        raise forbidden(ACCESS_FORBIDDEN)
    chat_id = params["chat_id"]
    if not isinstance(chat_id, int):
        raise bad_request("chat not found")  # a business chat is with a user, not a username
    chat = state.business_chats.get((connection_id, chat_id))
    last = None if chat is None else chat.last_incoming
    if chat is None or last is None or state.now() - last > REPLY_WINDOW:
        raise forbidden(PEER_USAGE_MISSING)
    return chat


def _own_chat(state: EmulatorState, chat_id: int | str) -> ChatRecord:
    """The bot's own chat with a user or group; a user the bot knows only from business
    accounts (an owner, a customer) has never started it, so the bot may not write there."""
    known = {connection.owner_id for connection in state.business_connections.values()}
    known.update(user_id for _, user_id in state.business_chats)
    if chat_id not in state.chats and chat_id in known:
        raise forbidden("bot can't initiate conversation with a user")
    return state.resolve_chat(chat_id)


def deliver(state: EmulatorState, kind: str, message: ChatMessage) -> int | None:
    """Queue the update for a new or edited message of a business chat, the bot's own too;
    Telegram tells the bot nothing of a disabled connection. The update's id, if queued."""
    connection_id = message.business_connection_id
    if connection_id is None or not state.business_connections[connection_id].enabled:
        return None
    return state.updates.push(kind, state.message_json(message))


def get_business_connection(state: EmulatorState, params: Params) -> Any:
    """getBusinessConnection: the connection as it stands."""
    return connection_json(state, _connection(state, params["business_connection_id"]))


def _message_ids(raw: list[Any]) -> list[int]:
    if not raw:
        raise bad_request("message identifiers are not specified")
    if len(raw) > MAX_DELETE:
        raise bad_request("too many message identifiers specified")
    ids: list[int] = []
    for item in raw:
        if isinstance(item, bool) or not isinstance(item, int | str):
            raise bad_request("message identifier must be a Number")
        if isinstance(item, str) and not item.strip().isdigit():
            raise bad_request("can't parse message identifier as a Number")
        if int(item) <= 0:
            raise bad_request("invalid message identifier specified")
        ids.append(int(item))
    return ids


def delete_business_messages(state: EmulatorState, params: Params) -> Any:
    """deleteBusinessMessages: delete the bot's messages in the account's chats, which needs
    the can_delete_sent_messages right (messages that are gone already are skipped)."""
    ids = set(_message_ids(params["message_ids"]))
    connection = _enabled_connection(state, params["business_connection_id"])
    found = {
        chat.chat_id: [m for m in chat.messages if m.message_id in ids and not m.deleted]
        for (connection_id, _), chat in state.business_chats.items()
        if connection_id == connection.connection_id
    }
    messages = [message for gone in found.values() for message in gone]
    if not connection.can_delete_sent_messages or not all(m.from_bot for m in messages):
        raise forbidden(ACCESS_FORBIDDEN)
    for chat_id, gone in found.items():
        if not gone:
            continue
        for message in gone:
            message.deleted = True
        deleted = {
            "business_connection_id": connection.connection_id,
            "chat": state.chat_json(chat_id),
            "message_ids": [message.message_id for message in gone],
        }
        state.updates.push("deleted_business_messages", deleted)
    return True


BUSINESS_HANDLERS = {
    "getBusinessConnection": get_business_connection,
    "deleteBusinessMessages": delete_business_messages,
}


# --- the users' side -----------------------------------------------------------------------


class BusinessUsers(EmulatedUsers):
    """What the owners of business accounts and their customers do (BotApiEmulator has it)."""

    def enable_business_mode(self) -> None:
        """What BotFather's Bot Settings > Business Mode does: users may connect the bot."""
        self.state.business_mode = True

    async def connect_business(
        self,
        user_id: int,
        *,
        can_reply: bool = True,
        enabled: bool = True,
        can_delete_sent_messages: bool = False,
    ) -> str:
        """`user_id` connects the bot to their business account; returns the connection id."""
        if not self.state.business_mode:
            raise LookupError("business mode is off for this bot (BotFather: Business Mode)")
        if user_id not in self.state.users:
            raise LookupError(f"unknown user {user_id}; call add_user() first")
        number = len(self.state.business_connections) + 1
        seed = f"{self.state.bot_user['id']}:{user_id}:{number}".encode()
        connection_id = base64.urlsafe_b64encode(hashlib.sha256(seed).digest()[:18]).decode()
        connection = BusinessConnectionRecord(
            connection_id, user_id, self.state.now(), can_reply, can_delete_sent_messages, enabled
        )
        self.state.business_connections[connection_id] = connection
        self._push("business_connection", connection_json(self.state, connection))
        return connection_id

    async def update_business_connection(
        self,
        connection_id: str,
        *,
        can_reply: bool | None = None,
        enabled: bool | None = None,
        can_delete_sent_messages: bool | None = None,
    ) -> None:
        """The owner changes the bot's rights, or disables (enabled=False) the connection."""
        connection = self._connection(connection_id)
        if can_reply is not None:
            connection.can_reply = can_reply
        if enabled is not None:
            connection.enabled = enabled
        if can_delete_sent_messages is not None:
            connection.can_delete_sent_messages = can_delete_sent_messages
        self._push("business_connection", connection_json(self.state, connection))

    async def customer_writes_to_agent(
        self, connection_id: str, customer_id: int, text: str
    ) -> ChatMessage:
        """The customer writes to the account's owner; "/cmd" carries a bot_command entity."""
        chat = self.state.open_business_chat(connection_id, customer_id)
        message = self.state.add_message(chat, from_bot=False, text=text)
        message.entities = command_entities(text)
        chat.last_incoming = message.date
        self._deliver(message)
        return message

    async def agent_writes(self, connection_id: str, customer_id: int, text: str) -> ChatMessage:
        """The account's owner writes to the customer from their own app."""
        chat = self.state.open_business_chat(connection_id, customer_id)
        message = self.state.add_message(chat, from_bot=False, text=text)
        message.sender_id = self._connection(connection_id).owner_id
        message.entities = command_entities(text)
        self._deliver(message)
        return message

    async def press_business(
        self, connection_id: str, customer_id: int, message_id: int, data: str
    ) -> str:
        """The customer presses a button of a bot message in the business chat (even forged
        data); returns the query id. Nothing reaches the bot while the connection is off."""
        chat = self.state.business_chats.get((connection_id, customer_id))
        message = None if chat is None else self.state.find_message(chat, message_id)
        if message is None or not message.from_bot:
            raise LookupError(f"no bot message {message_id} in business chat {customer_id}")
        query_id = self.state.next_query_id()
        record = CallbackQueryRecord(query_id, customer_id, message_id, data)
        self.state.queries[query_id] = record
        seed = f"{connection_id}:{customer_id}".encode()
        instance = int.from_bytes(hashlib.sha256(seed).digest()[:7], "big")
        payload = {
            "id": query_id,
            "from": dict(self.state.users[customer_id]),
            "message": self.state.message_json(message),
            "chat_instance": str(-instance),
            "data": data,
        }
        self.last_update_id = None
        if self._connection(connection_id).enabled:
            self.last_update_id = self.state.updates.push("callback_query", payload)
        self._touch()
        return query_id

    async def tap_business(
        self, connection_id: str, customer_id: int, label: str, *, message_id: int | None = None
    ) -> str:
        """Press the inline button whose text contains label in the business chat's newest (or
        the given) bot message with a keyboard; exact matches win."""
        messages = self.business_bot_messages(connection_id, customer_id)
        where = f"business chat {customer_id}"
        message, data = self._button(messages, label, message_id, where)
        return await self.press_business(connection_id, customer_id, message.message_id, data)

    def _connection(self, connection_id: str) -> BusinessConnectionRecord:
        connection = self.state.business_connections.get(connection_id)
        if connection is None:
            raise LookupError(f"unknown business connection {connection_id!r}")
        return connection

    def _deliver(self, message: ChatMessage) -> None:
        self.last_update_id = deliver(self.state, "business_message", message)
        self._touch()

    # --- inspection ------------------------------------------------------------------------

    def business_messages(self, connection_id: str, customer_id: int) -> list[ChatMessage]:
        """Every message of the business chat in order, deleted ones flagged."""
        chat = self.state.business_chats.get((connection_id, customer_id))
        return [] if chat is None else list(chat.messages)

    def business_bot_messages(self, connection_id: str, customer_id: int) -> list[ChatMessage]:
        """The messages the bot sent in the business chat, in order."""
        return [m for m in self.business_messages(connection_id, customer_id) if m.from_bot]

    def last_business_bot_message(self, connection_id: str, customer_id: int) -> ChatMessage | None:
        """The newest message the bot sent in the business chat that has not been deleted."""
        alive = [m for m in self.business_bot_messages(connection_id, customer_id) if not m.deleted]
        return alive[-1] if alive else None
