"""A script's transcript, written as the chats read: what the customer (and the agent) did,
and every message the bot wrote in either chat, in the order it arrived there.

    you: /start
    bot: Hello Ada! …
      [1] 8 Tue   [2] 9 Wed
    bot (edited): …
    bot (deleted): Still booking…
    bot → agent: New booking through your link …
      keyboard: [📍 Share my location]
    Ada → Grace: Hallo, ich hätte gern einen Termin
    bot for Grace: Hallo Ada! …
    Grace: /stop

A message in the customer's chat is `bot:`; one in another chat names it (`bot → agent:`).
In the customer's chat with an agent's Telegram Business account (script_business.py) the
customer is `Ada → Grace:`, the agent `Grace:`, and the bot, writing on the agent's behalf,
`bot for Grace:`.
`(edited)` marks a message shown before that changed since, `(deleted)` one the bot deleted
(also one that came and went between two looks). Inline buttons are numbered; a reply
keyboard is shown as `keyboard:` and its removal as `(keyboard removed)`.
"""

from __future__ import annotations

import io
import math
from collections.abc import Mapping
from typing import Any

from bot.sandbox.console import keyboard_of, render_text
from bot.sandbox.telegram_api import BotApiEmulator
from bot.sandbox.telegram_state import ChatMessage


def _chat_and_message(call: Any) -> tuple[str, int, int] | None:
    """The business connection ("" for the bot's own chats), chat and message a Bot API call
    wrote to (sent, edited, deleted), if any."""
    if not call.ok:
        return None
    message_id = call.params.get("message_id")
    if message_id is None and isinstance(call.result, dict):
        message_id = call.result.get("message_id")
    try:
        connection = str(call.params.get("business_connection_id") or "")
        return connection, int(call.params.get("chat_id")), int(message_id)
    except (TypeError, ValueError):
        return None


class Transcript:
    """Writes the transcript; `print_new` adds what the bot wrote since the last look."""

    def __init__(self, emulator: BotApiEmulator, chats: Mapping[int, str]) -> None:
        """`chats`: each chat to follow and how it is named ("" for the customer's)."""
        self.emulator = emulator
        self.chats = dict(chats)
        # Business chats followed, by (connection, customer): the agent's name.
        self.business: dict[tuple[str, int], str] = {}
        self.out = io.StringIO()
        self._shown: dict[tuple[str, int, int], tuple[str, str, bool]] = {}
        self._calls_read = 0

    def getvalue(self) -> str:
        """The transcript so far."""
        return self.out.getvalue()

    def follow_business(self, connection_id: str, customer_id: int, agent: str) -> None:
        """Follow the customer's chat with `agent` (a name) through their connection too."""
        self.business[(connection_id, customer_id)] = agent

    def write(self, text: str) -> None:
        """Write a line as it is (a host's change, meetergo's deliveries)."""
        self.out.write(text)

    def did(self, who: str, text: str) -> None:
        """What the customer ("you") or the agent did."""
        self.out.write(f"\n{who}: {text}\n")

    def print_new(self) -> None:
        """Write the bot's messages that are new, changed or deleted since the last look, in
        the order the bot last wrote to them, whatever chat they are in."""
        calls = self.emulator.calls
        when: dict[tuple[str, int, int], int] = {}
        for index in range(self._calls_read, len(calls)):
            key = _chat_and_message(calls[index])
            if key is not None:
                when[key] = index
        self._calls_read = len(calls)
        news: list[tuple[float, int, ChatMessage, bool, str]] = []
        for connection, chat, who, messages in self._followed():
            for message in messages:
                key = (connection, chat, message.message_id)
                seen = (message.text, repr(message.reply_markup), message.deleted)
                previous = self._shown.get(key)
                if previous == seen or (previous is not None and previous[2]):
                    continue
                self._shown[key] = seen
                order = when.get(key, math.inf)
                news.append((order, len(news), message, previous is not None, who))
        for _, _, message, edited, who in sorted(news, key=lambda item: item[:2]):
            self._print(message, who, edited=edited)

    def _followed(self) -> list[tuple[str, int, str, list[ChatMessage]]]:
        """Each chat followed: its connection ("" for the bot's own), id, how the bot's lines
        there begin, and the bot's messages there."""
        own = [
            ("", chat, f"bot → {name}" if name else "bot", self.emulator.bot_messages(chat))
            for chat, name in self.chats.items()
        ]
        business = self.emulator.business_bot_messages
        return own + [
            (connection, chat, f"bot for {agent}", business(connection, chat))
            for (connection, chat), agent in self.business.items()
        ]

    def _print(self, message: ChatMessage, who: str, *, edited: bool) -> None:
        marker = " (deleted)" if message.deleted else " (edited)" if edited else ""
        self.out.write(f"\n{who}{marker}: {render_text(message, color=False)}\n")
        if message.deleted:
            return
        if message.document:
            self.out.write(f"  [file: {message.document.get('file_name') or 'attachment'}]\n")
        markup = message.reply_markup or {}
        rows = keyboard_of(message)
        if "inline_keyboard" in markup:
            number = 0
            for row in rows:
                cells = [f"[{number + place}] {b['text']}" for place, b in enumerate(row, start=1)]
                number += len(row)
                self.out.write("  " + "   ".join(cells) + "\n")
        elif rows:
            keys = (f"[{button['text']}]" for row in rows for button in row)
            self.out.write("  keyboard: " + "  ".join(keys) + "\n")
        elif markup.get("remove_keyboard") is True:
            self.out.write("  (keyboard removed)\n")
