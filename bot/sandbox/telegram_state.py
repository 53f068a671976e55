"""What the emulated Telegram server remembers: users, chats, messages, files and queries."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from bot.sandbox.telegram_markup import is_inline
from bot.sandbox.telegram_schema import bad_request
from bot.sandbox.telegram_updates import UpdateQueue


@dataclass
class RecordedCall:
    """One Bot API request made against the emulator and how it was answered."""

    method: str
    params: dict[str, Any]
    ok: bool
    status: int
    description: str | None
    result: Any
    retry_after: int | None = None  # seconds a 429 told the bot to wait


@dataclass
class ChatMessage:
    """A message in a chat, from a user or from the bot."""

    message_id: int
    chat_id: int
    from_bot: bool
    text: str  # plain text (or caption) with the markup parsed out
    html: str | None  # the raw text the bot sent when it used parse_mode HTML
    entities: list[dict[str, Any]]
    reply_markup: dict[str, Any] | None
    edits: int = 0
    deleted: bool = False
    document: dict[str, Any] | None = None  # the sent file for sendDocument/sendPhoto
    date: int = 0
    edit_date: int | None = None
    location: dict[str, float] | None = None
    contact: dict[str, Any] | None = None  # a shared Contact: phone_number, first_name, ...
    sender_id: int | None = None  # who wrote it in a group (in a private chat: the chat's user)
    # Set in a chat of a business account connected to the bot (see BusinessConnectionRecord).
    business_connection_id: str | None = None


@dataclass
class CallbackQueryRecord:
    """A button press the emulated user made, and the bot's answer to it."""

    query_id: str
    user_id: int
    message_id: int
    data: str
    answer: dict[str, Any] | None = None


@dataclass
class ChatRecord:
    """A private chat (it exists once the user has written to the bot), a group the bot was
    added to, or a chat of a business account connected to the bot."""

    chat_id: int
    messages: list[ChatMessage] = field(default_factory=list)
    next_message_id: int = 1
    kind: str = "private"  # or "group", "supergroup"
    title: str = ""
    # A business chat: the connected account's owner with the user chat_id, not the bot's chat.
    business_connection_id: str | None = None
    last_incoming: int | None = None  # when that user last wrote there (the 24-hour rule)


@dataclass
class BusinessConnectionRecord:
    """A user's business account connected to the bot, with the rights its owner gave."""

    connection_id: str
    owner_id: int
    date: int
    can_reply: bool = True
    can_delete_sent_messages: bool = False
    enabled: bool = True
    # A user account numbers the messages of all its private chats in one sequence.
    next_message_id: int = 1


@dataclass
class WebhookState:
    """The webhook configuration set via setWebhook."""

    url: str = ""
    max_connections: int = 40
    allowed_updates: list[str] = field(default_factory=list)
    ip_address: str | None = None
    secret_token: str | None = None


class EmulatorState:
    """All server-side data, plus the JSON views of it that the Bot API returns."""

    def __init__(self, bot_id: int, bot_first_name: str, bot_username: str) -> None:
        self.bot_user: dict[str, Any] = {
            "id": bot_id,
            "is_bot": True,
            "first_name": bot_first_name,
            "username": bot_username,
        }
        self.users: dict[int, dict[str, Any]] = {}
        self.chats: dict[int, ChatRecord] = {}
        self.files: dict[str, dict[str, Any]] = {}
        self.queries: dict[str, CallbackQueryRecord] = {}
        self.commands: dict[str, list[dict[str, str]]] = {}
        self.webhook = WebhookState()
        # Inline mode is off until BotFather's /setinline; then inline queries reach the bot.
        self.inline_mode = False
        self.inline_queries: dict[str, dict[str, Any]] = {}  # id -> the answer (or {})
        # Business Mode is off until BotFather's Bot Settings turn it on; then users may
        # connect the bot to their business accounts.
        self.business_mode = False
        self.business_connections: dict[str, BusinessConnectionRecord] = {}
        self.business_chats: dict[tuple[str, int], ChatRecord] = {}  # (connection, user id)
        self.clock_offset = 0.0  # seconds a test made pass (advance_clock)
        self.updates = UpdateQueue()
        self._query_counter = 0
        self._file_counter = 0

    def now(self) -> int:
        """Unix time as Telegram reports it, plus the time a test made pass."""
        return int(time.time() + self.clock_offset)

    def chat_json(self, chat_id: int) -> dict[str, Any]:
        """The Chat object of a private chat or a group."""
        record = self.chats.get(chat_id)
        if record is not None and record.kind != "private":
            return {"id": chat_id, "type": record.kind, "title": record.title}
        user = self.users[chat_id]
        chat = {"id": chat_id, "first_name": user["first_name"]}
        for key in ("last_name", "username"):
            if key in user:
                chat[key] = user[key]
        chat["type"] = "private"
        return chat

    def resolve_chat(self, chat_id: int | str) -> ChatRecord:
        """The chat the bot addresses, rejected like Telegram when the bot can't write there."""
        # A user who never wrote to the bot is as unknown to it as a made-up id.
        if isinstance(chat_id, int) and chat_id in self.chats:
            return self.chats[chat_id]
        raise bad_request("chat not found")

    def open_chat(self, user_id: int) -> ChatRecord:
        """The chat with a user, created when the user first writes."""
        if user_id not in self.users:
            raise LookupError(f"unknown user {user_id}; call add_user() first")
        return self.chats.setdefault(user_id, ChatRecord(user_id))

    def open_group(self, chat_id: int, title: str, kind: str = "group") -> ChatRecord:
        """A group (negative id, as Telegram's) with the bot in it."""
        if chat_id >= 0 or kind not in ("group", "supergroup"):
            raise ValueError("a group has a negative id and is a group or a supergroup")
        return self.chats.setdefault(chat_id, ChatRecord(chat_id, kind=kind, title=title))

    def open_business_chat(self, connection_id: str, user_id: int) -> ChatRecord:
        """The chat between a connected business account's owner and `user_id`."""
        connection = self.business_connections.get(connection_id)
        if connection is None:
            raise LookupError(f"unknown business connection {connection_id!r}")
        if user_id not in self.users:
            raise LookupError(f"unknown user {user_id}; call add_user() first")
        if user_id == connection.owner_id:
            raise ValueError("the owner of a business account has no business chat with themself")
        record = ChatRecord(user_id, business_connection_id=connection_id)
        return self.business_chats.setdefault((connection_id, user_id), record)

    def add_message(self, chat: ChatRecord, *, from_bot: bool, text: str = "") -> ChatMessage:
        """Append a message with the chat's (a business chat: its account's) next message id."""
        numbering: ChatRecord | BusinessConnectionRecord = chat
        if chat.business_connection_id is not None:
            numbering = self.business_connections[chat.business_connection_id]
        message = ChatMessage(
            message_id=numbering.next_message_id,
            chat_id=chat.chat_id,
            from_bot=from_bot,
            text=text,
            html=None,
            entities=[],
            reply_markup=None,
            date=self.now(),
            business_connection_id=chat.business_connection_id,
        )
        numbering.next_message_id += 1
        chat.messages.append(message)
        return message

    @staticmethod
    def find_message(chat: ChatRecord, message_id: int) -> ChatMessage | None:
        """A message of the chat that has not been deleted."""
        for message in chat.messages:
            if message.message_id == message_id and not message.deleted:
                return message
        return None

    def message_json(self, message: ChatMessage) -> dict[str, Any]:
        """The Message object Telegram returns and delivers for a stored message."""
        data: dict[str, Any] = {"message_id": message.message_id, "from": self._sender(message)}
        business = message.business_connection_id
        if business is not None and message.from_bot:
            data["sender_business_bot"] = dict(self.bot_user)
        data["chat"] = self.chat_json(message.chat_id)
        data["date"] = message.date
        if business is not None:
            data["business_connection_id"] = business
        if message.edit_date is not None:
            data["edit_date"] = message.edit_date
        data.update(self._content_json(message))
        if is_inline(message.reply_markup):
            data["reply_markup"] = message.reply_markup
        return data

    def _sender(self, message: ChatMessage) -> dict[str, Any]:
        """Who a message is from: the bot sends in a business chat as the account's owner."""
        business = message.business_connection_id
        if message.from_bot and business is None:
            return dict(self.bot_user)
        if message.from_bot and business is not None:
            author = self.business_connections[business].owner_id
        else:
            author = message.sender_id if message.sender_id is not None else message.chat_id
        return dict(self.users[author])

    def _content_json(self, message: ChatMessage) -> dict[str, Any]:
        if message.location is not None:
            return {"location": dict(message.location)}
        if message.contact is not None:
            return {"contact": dict(message.contact)}
        if message.document is None:
            content: dict[str, Any] = {"text": message.text}
            if message.entities:
                content["entities"] = message.entities
            return content
        content = {message.document["kind"]: public_file(message.document)}
        if message.text:
            content["caption"] = message.text
            if message.entities:
                content["caption_entities"] = message.entities
        return content

    def next_query_id(self) -> str:
        """A fresh callback query id (Telegram uses long decimal strings)."""
        self._query_counter += 1
        return f"{self.bot_user['id']}{self._query_counter:010d}"

    def store_file(self, kind: str, record: dict[str, Any]) -> dict[str, Any]:
        """Register a sent file under new file_id/file_unique_id values and return it."""
        self._file_counter += 1
        prefix = "AgAC" if kind == "photo" else "BQAC"
        stored = {
            **record,
            "kind": kind,
            "file_id": f"{prefix}AgIAAxkBAAI{self._file_counter:08d}",
            "file_unique_id": f"AQAD{self._file_counter:08d}",
        }
        self.files[stored["file_id"]] = stored
        return stored


def public_file(record: dict[str, Any]) -> Any:
    """The Document or PhotoSize list a message shows for a stored file."""
    if record["kind"] == "photo":
        return [
            {
                "file_id": record["file_id"],
                "file_unique_id": record["file_unique_id"],
                "width": record["width"],
                "height": record["height"],
                "file_size": record["file_size"],
            }
        ]
    document = {"file_id": record["file_id"], "file_unique_id": record["file_unique_id"]}
    for key in ("file_name", "mime_type", "file_size"):
        if record.get(key) is not None:
            document[key] = record[key]
    return document
