"""The Telegram users the emulator plays: they write to the bot, press buttons, read their chats.

Each action changes the emulated server's state the way the user's app would and queues the
update Telegram would send the bot; the inspection methods show a chat as its user sees it.
"""

from __future__ import annotations

from typing import Any, Literal

from bot.sandbox.telegram_html import command_entities
from bot.sandbox.telegram_markup import button_rows, is_inline
from bot.sandbox.telegram_state import CallbackQueryRecord, ChatMessage, EmulatorState


class EmulatedUsers:
    """The users' side of the emulator, acting on its state (BotApiEmulator is the server)."""

    state: EmulatorState
    last_update_id: int | None

    def _touch(self) -> None:
        """Note activity now; the server counts it for wait_idle."""
        raise NotImplementedError

    def add_user(
        self,
        user_id: int,
        first_name: str,
        last_name: str | None = None,
        language_code: str | None = "en",
        username: str | None = None,
    ) -> None:
        """Create a Telegram user who can then write to the bot."""
        user: dict[str, Any] = {"id": user_id, "is_bot": False, "first_name": first_name}
        optional = {"last_name": last_name, "username": username, "language_code": language_code}
        user.update({key: value for key, value in optional.items() if value is not None})
        self.state.users[user_id] = user

    async def send_text(self, user_id: int, text: str) -> ChatMessage:
        """The user sends a text message; "/cmd args" carries a bot_command entity."""
        message = self.state.add_message(self.state.open_chat(user_id), from_bot=False, text=text)
        message.entities = command_entities(text)
        self._push("message", self.state.message_json(message))
        return message

    def add_group(self, chat_id: int, title: str, *, kind: str = "group") -> None:
        """Create a group or supergroup (negative id) that has the bot as a member."""
        self.state.open_group(chat_id, title, kind)

    async def send_group_text(self, chat_id: int, user_id: int, text: str) -> ChatMessage:
        """A member writes in a group; "/cmd args" carries a bot_command entity."""
        if user_id not in self.state.users:
            raise LookupError(f"unknown user {user_id}; call add_user() first")
        message = self.state.add_message(self.state.chats[chat_id], from_bot=False, text=text)
        message.sender_id = user_id
        message.entities = command_entities(text)
        self._push("message", self.state.message_json(message))
        return message

    async def press_in(self, chat_id: int, user_id: int, message_id: int, data: str) -> str:
        """`user_id` presses a button of a bot message in chat `chat_id` (a group, or someone
        else's private chat as with a forwarded message)."""
        chat = self.state.chats.get(chat_id)
        message = None if chat is None else self.state.find_message(chat, message_id)
        if message is None or not message.from_bot:
            raise LookupError(f"no bot message {message_id} in chat {chat_id}")
        query_id = self.state.next_query_id()
        self.state.queries[query_id] = CallbackQueryRecord(query_id, user_id, message_id, data)
        payload = {
            "id": query_id,
            "from": dict(self.state.users[user_id]),
            "message": self.state.message_json(message),
            "chat_instance": str(-(chat_id * 2654435761 % 10**18)),
            "data": data,
        }
        self._push("callback_query", payload)
        return query_id

    def enable_inline_mode(self) -> None:
        """What BotFather's /setinline does: the bot may now receive inline queries."""
        self.state.inline_mode = True

    async def send_inline_query(self, user_id: int, query: str) -> str:
        """The user types "@bot query" in any chat; returns the inline query's id."""
        if not self.state.inline_mode:
            raise LookupError("inline mode is off for this bot (BotFather /setinline)")
        query_id = self.state.next_query_id()
        self.state.inline_queries[query_id] = {}
        payload = {
            "id": query_id,
            "from": dict(self.state.users[user_id]),
            "query": query,
            "offset": "",
            "chat_type": "sender",
        }
        self._push("inline_query", payload)
        return query_id

    def inline_answer(self, query_id: str) -> dict[str, Any] | None:
        """The bot's answerInlineQuery for a query, once it came."""
        return self.state.inline_queries.get(query_id) or None

    async def send_location(self, user_id: int, latitude: float, longitude: float) -> ChatMessage:
        """The user shares a location (as the request_location keyboard button does)."""
        message = self.state.add_message(self.state.open_chat(user_id), from_bot=False)
        message.location = {"latitude": latitude, "longitude": longitude}
        self._push("message", self.state.message_json(message))
        return message

    async def send_contact(
        self,
        user_id: int,
        phone_number: str,
        *,
        contact_user_id: int | Literal["own"] | None = "own",
        first_name: str | None = None,
        last_name: str | None = None,
    ) -> ChatMessage:
        """The user shares a contact: their own (as the request_contact keyboard button does:
        their names and user_id), or someone else's from their address book (`contact_user_id`
        that person's Telegram id, None when they have none; names from that user when known).
        The phone number arrives as given: Telegram's apps send it with or without the "+"."""
        person = user_id if contact_user_id == "own" else contact_user_id
        profile = self.state.users.get(person, {}) if person is not None else {}
        contact: dict[str, Any] = {
            "phone_number": phone_number,
            "first_name": first_name or profile.get("first_name") or "Sam",
        }
        surname = last_name or profile.get("last_name")
        if surname:
            contact["last_name"] = surname
        if person is not None:
            contact["user_id"] = person
        message = self.state.add_message(self.state.open_chat(user_id), from_bot=False)
        message.contact = contact
        self._push("message", self.state.message_json(message))
        return message

    async def press(self, user_id: int, message_id: int, callback_data: str) -> str:
        """The user presses a button of a bot message carrying callback_data (even forged)."""
        return await self.press_in(user_id, user_id, message_id, callback_data)

    async def tap(self, user_id: int, label: str, *, message_id: int | None = None) -> str:
        """Press the inline button whose text contains label; exact matches win."""
        messages = self.bot_messages(user_id)
        message, data = self._button(messages, label, message_id, f"chat {user_id}")
        return await self.press(user_id, message.message_id, data)

    def _button(
        self, messages: list[ChatMessage], label: str, message_id: int | None, where: str
    ) -> tuple[ChatMessage, str]:
        """The newest (or the given) of `messages` with an inline keyboard, and the
        callback_data of its button whose text contains label (exact matches win)."""
        message = self._keyboard_message(messages, message_id, where)
        candidates = [button for row in self.buttons(message) for button in row]
        exact = [button for button in candidates if button[0] == label]
        matches = exact or [button for button in candidates if label in button[0]]
        if not matches:
            labels = [text for text, _ in candidates]
            raise LookupError(f"no button containing {label!r}; available: {labels}")
        text, data = matches[0]
        if data is None:
            raise LookupError(f"button {text!r} has no callback_data to press")
        return message, data

    @staticmethod
    def _keyboard_message(
        messages: list[ChatMessage], message_id: int | None, where: str
    ) -> ChatMessage:
        """The newest (or the given) bot message with an inline keyboard."""
        for message in reversed(messages):
            if message.deleted or not is_inline(message.reply_markup):
                continue
            if message_id is None or message.message_id == message_id:
                return message
        wanted = "" if message_id is None else f" {message_id}"
        raise LookupError(f"no bot message{wanted} with an inline keyboard in {where}")

    def _push(self, kind: str, payload: dict[str, Any]) -> None:
        """Queue an update for the bot and remember its id."""
        self.last_update_id = self.state.updates.push(kind, payload)
        self._touch()

    # --- inspection ------------------------------------------------------------------------

    def messages(self, chat_id: int) -> list[ChatMessage]:
        """Every message of the chat in order, user and bot, deleted ones flagged."""
        chat = self.state.chats.get(chat_id)
        return [] if chat is None else list(chat.messages)

    def bot_messages(self, chat_id: int) -> list[ChatMessage]:
        """The bot's messages in the chat, in order."""
        return [message for message in self.messages(chat_id) if message.from_bot]

    def last_bot_message(self, chat_id: int) -> ChatMessage | None:
        """The newest bot message that has not been deleted."""
        alive = [message for message in self.bot_messages(chat_id) if not message.deleted]
        return alive[-1] if alive else None

    def buttons(self, message: ChatMessage) -> list[list[tuple[str, str | None]]]:
        """(label, callback_data) rows of the message's keyboard."""
        return button_rows(message.reply_markup)

    def callback_answer(self, query_id: str) -> dict[str, Any] | None:
        """The answerCallbackQuery parameters for a press, None while unanswered."""
        query = self.state.queries.get(query_id)
        return None if query is None or query.answer is None else dict(query.answer)
