"""One chat's updates in order and in its turn, different chats side by side; an update of an
agent's chat handled under that chat's own key."""

from __future__ import annotations

import contextlib
import inspect
import json
import logging
import time
from collections.abc import Awaitable
from typing import Any

from telegram import Message, Update
from telegram.constants import UpdateType
from telegram.error import TelegramError
from telegram.ext import BaseUpdateProcessor

from bot.metrics import Metrics
from bot.ptb.business_chats import BusinessChats
from bot.ptb.chat_turns import ChatStates
from bot.ptb.heard import ReceivedUpdates, received_of
from bot.ptb.keyed_locks import KeyedLocks
from bot.ptb.ptb_internals import App
from bot.storage.business import is_business_key
from bot.storage.chat_store import StaleUpdate

__all__ = ["PerChatUpdateProcessor"]

log = logging.getLogger(__name__)

JsonDict = dict[str, Any]


class PerChatUpdateProcessor(BaseUpdateProcessor):
    """Runs different chats concurrently but one chat's updates strictly in order, each in its
    chat's turn (bot/ptb/chat_turns.py): the chat's state read before, written after.

    This is the per-chat lock: a double tap on "Confirm" is handled after the first tap has
    finished (and found the booking done), never beside it, while other customers go on. With
    a shared database the lock holds across every replica.
    """

    def __init__(
        self,
        states: ChatStates,
        business: BusinessChats | None = None,
        max_concurrent_updates: int = 256,
        metrics: Metrics | None = None,
    ) -> None:
        super().__init__(max_concurrent_updates)
        self._states = states
        self._business = business
        self._app: App | None = None
        # Updates as Telegram sent them, when they come through the bot's getUpdates request.
        self._received: ReceivedUpdates | None = None
        # A business chat's updates in the order they came, while they are translated (its
        # key is known only then, and the chat's own turn comes after).
        self._arrivals: KeyedLocks[tuple[str, int]] = KeyedLocks()
        # Updates handled by kind, their time, and how many are in flight (bot/metrics.py).
        self.metrics = metrics or Metrics()

    def attach(self, app: App) -> None:
        """The application whose updates this processes (an agent's chat's update is handed
        to it again under the chat's own key)."""
        self._app = app
        self._received = received_of(app)

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        """Process the update in its chat's turn, and log (DEBUG) when it is finished."""
        if not isinstance(update, Update):
            await coroutine
            return
        began, kind = time.monotonic(), kind_of(update)
        received = None
        if self._received is not None:
            received = self._received.take(update.update_id)
            # Nothing shown before Telegram has been told it was received (bot/ptb/heard.py).
            await self._received.acknowledged(update.update_id)
        self.metrics.updates_in_flight.inc()
        try:
            await self._process(update, coroutine, received)
        finally:
            self.metrics.updates_in_flight.dec()
            self.metrics.update_handled(kind, time.monotonic() - began)

    async def _process(
        self, update: Update, coroutine: Awaitable[Any], received: JsonDict | None
    ) -> None:
        chat = business_chat_of(update)
        if chat is None:
            await self._translated(update, coroutine, received)
            return
        async with self._arrivals.held(chat):
            await self._translated(update, coroutine, received)

    async def _translated(
        self, update: Update, coroutine: Awaitable[Any], received: JsonDict | None
    ) -> None:
        began = time.monotonic()
        try:
            if self._business is not None and self._app is not None:
                translated = await self._business.translate(update, self._app.bot)
                if translated is not update:
                    if inspect.iscoroutine(coroutine):
                        coroutine.close()  # never started: the translated one is handled instead
                    if translated is None:
                        return  # not the bot's to answer: finished as it is
                    update, coroutine = translated, self._app.process_update(translated)
                    received = None  # what Telegram sent is not this update
            await self._in_turn(update, coroutine, received)
        finally:
            # Everything the update caused is sent and committed by now: an operator reads how
            # long answers take, and an offline world knows when an answer is complete.
            elapsed = round((time.monotonic() - began) * 1000)
            log.debug(
                "update %d handled in %d ms",
                update.update_id,
                elapsed,
                extra={"event": "handled", "update": update.update_id, "ms": elapsed},
            )

    async def _in_turn(
        self, update: Update, coroutine: Awaitable[Any], received: JsonDict | None
    ) -> None:
        chat, user = update.effective_chat, update.effective_user
        user_id = user.id if user else None
        if chat is not None and is_business_key(chat.id):
            # The agent's chat's customer, whoever wrote: a booking there is theirs.
            user_id = await self._states.user_of(chat.id, user_id)
        # An update of no chat (an inline query) is its user's: their private chat's id.
        chat_id = chat.id if chat else user_id
        if chat_id is None:
            await coroutine
            return
        # Kept by the store until the turn commits, to be finished if the process dies:
        # presses and typed messages (see ChatStates.turn for when one is handled again).
        kept = update.callback_query is not None or update.message is not None
        payload = None
        if self._states.keeps_updates and kept:
            # As Telegram sent it where it is known: the same update, without writing
            # python-telegram-bot's objects out again.
            payload = json.dumps(received if received is not None else update.to_dict())
        try:
            async with self._states.turn(chat_id, user_id, update.update_id, payload) as turn:
                await turn.handle(update, coroutine)
        except StaleUpdate:
            log.info("update older than the chat's last answer dropped", extra={"chat": chat_id})
            if inspect.iscoroutine(coroutine):
                coroutine.close()  # never started: nothing ran, nothing to undo
            if update.callback_query is not None:
                # A second tap that lost the race: stop its spinner; the first tap answered.
                with contextlib.suppress(TelegramError):
                    await update.callback_query.answer()

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to tear down."""


def kind_of(update: Update) -> str:
    """The update's kind as the Bot API names it (message, callback_query, ...): a label."""
    for kind in UpdateType:
        if getattr(update, kind.value, None) is not None:
            return str(kind.value)
    return "other"


def business_chat_of(update: Update) -> tuple[str, int] | None:
    """The business connection and the real chat of an update from an agent's chat, None
    for any other update."""
    message = update.business_message or update.edited_business_message
    query = update.callback_query
    if message is None and query is not None and isinstance(query.message, Message):
        message = query.message
    if message is None or not message.business_connection_id:
        return None
    return message.business_connection_id, message.chat.id
