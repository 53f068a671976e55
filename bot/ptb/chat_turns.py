"""One chat's turn: its rows read just before an update is handled, written right after.

python-telegram-bot keeps user data, chat data and conversation states in mappings it expects
to hold everyone. This module fills them one chat at a time instead: a turn takes the chat's
lock (in this process, and in the database when the store is shared by several processes),
reads the chat's rows into PTB's mappings, lets PTB handle the update, writes what changed, and
keeps at most `cache_size` chats in memory, forgetting the least recently used.

With a store this process alone writes (SQLite), a chat still in memory is not read again.
With a shared store (PostgreSQL) every turn reads it again: the other replica may have
answered the chat's previous update.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections import Counter, OrderedDict
from collections.abc import AsyncIterator
from typing import Any, Final

from telegram import Update
from telegram.ext import Application

from bot.ptb import ptb_internals
from bot.ptb.persistence import LoadedChat, StatePersistence
from bot.storage.chat_store import RowKind

__all__ = ["ChatStates"]

log = logging.getLogger(__name__)

App = Application[Any, Any, Any, Any, Any, Any]
STATES_KEY: Final = "chat_states"
DEFAULT_CACHE_SIZE: Final = 1024


class ChatStates:
    """Turns of chats: per-chat order, state read on demand, a bounded memory of chats."""

    def __init__(self, persistence: StatePersistence, cache_size: int = DEFAULT_CACHE_SIZE) -> None:
        self._persistence = persistence
        self._cache_size = cache_size
        self._app: App | None = None
        # chat id -> the user id its rows were read with, least recently used first.
        self._cached: OrderedDict[int, int | None] = OrderedDict()
        self._locks: dict[int, asyncio.Lock] = {}
        self._busy: Counter[int] = Counter()

    @classmethod
    def of(cls, app: App) -> ChatStates:
        """The turns of an application built by bot.app."""
        states = app.bot_data[STATES_KEY]
        if not isinstance(states, cls):
            raise TypeError("bot_data holds no ChatStates; build the app with build_application")
        return states

    def attach(self, app: App) -> None:
        """Work on this application's mappings (failing now if this PTB lacks one)."""
        ptb_internals.check(app)
        self._app = app
        app.bot_data[STATES_KEY] = self

    @property
    def persistence(self) -> StatePersistence:
        """The persistence the rows are read through."""
        return self._persistence

    @property
    def cached_chats(self) -> int:
        """How many chats are in memory now."""
        return len(self._cached)

    @property
    def shared(self) -> bool:
        """Whether other processes share the store (and need each update's JSON kept)."""
        return self._persistence.store.shared

    @contextlib.asynccontextmanager
    async def turn(
        self,
        chat_id: int,
        user_id: int | None,
        update_id: int | None = None,
        payload: str | None = None,
    ) -> AsyncIterator[None]:
        """Hold the chat, with its rows in PTB's mappings, for one update or job; commit what
        it changed before letting go.

        Raises StaleUpdate (before anything is read) for an update the chat has already moved
        past on another replica. An update a dead replica left half done is handled first,
        against the state it found (nothing of its turn was written), unless both are typed
        messages: a customer who saw no answer and typed again meant the new text instead; read
        after the old one, it would be taken for the next step's answer.
        """
        app = self._application()
        lock = self._locks.setdefault(chat_id, asyncio.Lock())
        self._busy[chat_id] += 1
        try:
            async with lock, self._persistence.store.turn(chat_id, update_id, payload) as left:
                await self._read(app, chat_id, user_id)
                if left is not None and not _typed_again(left, payload):
                    await self._handle_again(app, chat_id, user_id, left)
                try:
                    yield
                finally:
                    turn = (chat_id, update_id) if update_id is not None else None
                    await self._commit(app, chat_id, user_id, turn)
        finally:
            self._busy[chat_id] -= 1
            if not self._busy[chat_id]:
                # Forget idle chats' locks so a long-running bot doesn't keep one per customer.
                del self._busy[chat_id]
                self._locks.pop(chat_id, None)
            self._evict(app)

    async def _handle_again(self, app: App, chat_id: int, user_id: int | None, left: str) -> None:
        """Handle an update whose turn was cut short, against the state it found."""
        try:
            update = Update.de_json(json.loads(left), app.bot)
        except (ValueError, TypeError):
            log.warning("an unfinished update could not be read again", extra={"chat": chat_id})
            return
        log.info("update left unfinished by another replica handled again", extra={"chat": chat_id})
        await app.process_update(update)
        await self._commit(app, chat_id, user_id, None)

    async def peek_user(self, user_id: int) -> dict[str, Any]:
        """A copy of a user's data, read without holding their chat (an agent's preferences)."""
        app = self._application()
        if self._persistence.is_loaded(RowKind.USER, user_id) and not self._shared:
            return dict(app.user_data.get(user_id) or {})
        rows = await self._persistence.store.read(None, user_id)
        return dict(StatePersistence.decode(rows.user_data) or {})

    def end_conversations(self, chat_id: int) -> None:
        """End every conversation the chat is in (written at the end of its turn)."""
        ptb_internals.end_conversations(self._application(), chat_id)

    # -- inside --------------------------------------------------------------------------------

    @property
    def _shared(self) -> bool:
        return self._persistence.store.shared

    def _application(self) -> App:
        if self._app is None:
            raise RuntimeError("ChatStates.attach(app) was not called")
        return self._app

    async def _read(self, app: App, chat_id: int, user_id: int | None) -> None:
        cached = chat_id in self._cached
        user_known = user_id is None or self._persistence.is_loaded(RowKind.USER, user_id)
        if cached and user_known and not self._shared:
            self._cached.move_to_end(chat_id)
            return
        loaded = await self._persistence.load(chat_id, user_id)
        self._install(app, chat_id, user_id, loaded)
        self._cached[chat_id] = user_id
        self._cached.move_to_end(chat_id)

    async def _commit(
        self, app: App, chat_id: int, user_id: int | None, turn: tuple[int, int] | None
    ) -> None:
        """Write what the turn changed, in one transaction with the note that its update was
        answered; PTB's own later write then has nothing left to do for this chat."""
        chat_data = ptb_internals.chat_data_of(app)
        user_data = ptb_internals.user_data_of(app)
        # Dropped by the turn (/forget), as PTB has it: deleted, whatever was written after.
        dropped_chat = ptb_internals.dropped_chat(app, chat_id)
        dropped_user = user_id is not None and ptb_internals.dropped_user(app, user_id)
        changes = self._persistence.changes(
            chat=(chat_id, None if dropped_chat else chat_data.get(chat_id)),
            user=(user_id, None if dropped_user else user_data.get(user_id))
            if user_id is not None
            else None,
            conversations=ptb_internals.conversations_of(app, chat_id),
        )
        await self._persistence.store.commit(changes, turn=turn)
        self._persistence.committed(changes)
        ptb_internals.mark_written(app, chat_id, user_id)
        # What the turn wrote to a dropped mapping after dropping it is gone from the store, so
        # it goes from memory too: else the chat's next turn would write it back.
        if dropped_chat:
            chat_data.pop(chat_id, None)
        if dropped_user and user_id is not None:
            user_data.pop(user_id, None)

    @staticmethod
    def _install(app: App, chat_id: int, user_id: int | None, loaded: LoadedChat) -> None:
        ptb_internals.chat_data_of(app)[chat_id] = loaded.chat_data or {}
        if user_id is not None:
            ptb_internals.user_data_of(app)[user_id] = loaded.user_data or {}
        ptb_internals.install_conversations(app, chat_id, loaded.conversations)

    def _evict(self, app: App) -> None:
        """Forget the least recently used chats beyond the cache size, unless busy."""
        while len(self._cached) > self._cache_size:
            chat_id, user_id = next(iter(self._cached.items()))
            if self._busy[chat_id] or ptb_internals.unwritten_chat(app, chat_id):
                break  # the oldest is still in a turn (or unsaved): try after the next turn
            del self._cached[chat_id]
            ptb_internals.chat_data_of(app).pop(chat_id, None)
            if user_id is not None:
                ptb_internals.user_data_of(app).pop(user_id, None)
            ptb_internals.forget_conversations(app, chat_id)
            self._persistence.forget_loaded(chat_id, user_id)


def _typed_again(left: str, payload: str | None) -> bool:
    """Whether the unfinished update and the one now handled are both typed messages."""
    if payload is None:
        return False
    try:
        return "message" in json.loads(left) and "message" in json.loads(payload)
    except (ValueError, TypeError):
        return False
