"""One chat's turn: its rows read just before an update is handled, written right after.

python-telegram-bot keeps user data, chat data and conversation states in mappings it expects
to hold everyone. This module fills them one chat at a time instead: a turn takes the chat's
lock (in this process, and in the database when the store is shared by several processes),
reads the chat's rows into PTB's mappings, lets PTB handle the update, writes what changed, and
keeps at most `cache_size` chats in memory, forgetting the least recently used.

With a store this process alone writes (SQLite), a chat still in memory is not read again.
With a shared store (PostgreSQL) every turn reads it again: the other replica may have
answered the chat's previous update.

A turn cut short (its process died after it may have answered, before it committed) leaves
its update to the chat's next one, which handles it again first (`_take_over`): on PostgreSQL
another replica does, on SQLite the restarted process, where the turn had shown the customer
something; what it showed is then recognised rather than shown twice (shown_screens.py).
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import inspect
import json
import logging
from collections import OrderedDict
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from typing import Any, Final

from telegram import Update

from bot.ptb import ptb_internals, shown_screens
from bot.ptb.keyed_locks import KeyedLocks
from bot.ptb.persistence import LoadedChat, StatePersistence
from bot.ptb.ptb_internals import App
from bot.ptb.shown_screens import Recorder, Replay
from bot.storage.business import is_business_key
from bot.storage.chat_store import RowKind, Unfinished

__all__ = ["ChatStates", "Turn"]

log = logging.getLogger(__name__)

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
        self._turns: KeyedLocks[int] = KeyedLocks()
        # Chats whose conversations their turn ended: no unfinished update of theirs comes back.
        self._ended: set[int] = set()
        # Whose chat a business chat's key is (its customer): set by the wiring.
        self.customer_of: Callable[[int], Awaitable[int | None]] | None = None

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
    def keeps_updates(self) -> bool:
        """Whether a turn needs its update's JSON (`turn`'s payload): to be handed over if the
        process dies, by a store shared with other processes or one that records what the turn
        shows."""
        store = self._persistence.store
        return store.shared or store.records_shown

    @contextlib.asynccontextmanager
    async def turn(
        self,
        chat_id: int,
        user_id: int | None,
        update_id: int | None = None,
        payload: str | None = None,
    ) -> AsyncIterator[Turn]:
        """Hold the chat, with its rows in PTB's mappings, for one update or job; commit what
        it changed before letting go.

        Raises StaleUpdate (before anything is read) for an update the chat has already moved
        past on another replica. An update whose turn was cut short is handled first (see
        `_take_over`), against the state it found: nothing of its turn was written.
        """
        app = self._application()
        store = self._persistence.store
        async with self._held(chat_id), store.hold(chat_id, update_id, payload) as left:
            await self._read(app, chat_id, user_id)
            recorder = self._recorder(chat_id, update_id, payload)
            current = Turn(app, recorder)
            if left is not None:
                now = (update_id, payload)
                current = await self._take_over(app, (chat_id, user_id), left, now, recorder)
            try:
                with current.requests():
                    yield current
            finally:
                turn = (chat_id, update_id) if update_id is not None else None
                await self._commit(app, chat_id, user_id, turn)

    async def user_of(self, chat_id: int, user_id: int | None) -> int | None:
        """The user a chat's turn reads and writes: the customer of an agent's business chat
        (whoever wrote there: the booking is theirs), else the update's own user."""
        if self.customer_of is not None and is_business_key(chat_id):
            return await self.customer_of(chat_id) or user_id
        return user_id

    @contextlib.asynccontextmanager
    async def _held(self, chat_id: int) -> AsyncIterator[None]:
        """Hold the chat in this process (its turns one after another)."""
        app = self._application()
        try:
            async with self._turns.held(chat_id):
                yield
        finally:
            self._evict(app)

    async def resume_orphans(self) -> int:
        """Finish now the turns a dead process left unfinished that nobody holds any more
        (a store shared by replicas), instead of at the chat's next update: a confirmation the
        dead replica was handling reaches its customer without a word from them. Several
        chats at once, each in its own turn. Returns how many were handled again."""
        store = self._persistence.store
        if not store.shared:
            return 0
        # In a turn of this very process: that turn finishes it.
        chats = [
            chat_id for chat_id in await store.orphaned_chats() if not self._turns.busy(chat_id)
        ]
        limit = asyncio.Semaphore(ORPHANS_AT_ONCE)

        async def resume(chat_id: int) -> bool:
            async with limit:
                return await self._resume(chat_id)

        results = await asyncio.gather(*(resume(c) for c in chats), return_exceptions=True)
        for result in results:
            if isinstance(result, Exception):
                log.warning("an orphaned turn failed: %s", type(result).__name__)
        return sum(result is True for result in results)

    async def _resume(self, chat_id: int) -> bool:
        app = self._application()
        async with self._held(chat_id), self._persistence.store.resume(chat_id) as left:
            if left is None:
                return False  # held by a live turn now, or finished meanwhile
            try:
                update = Update.de_json(json.loads(left), app.bot)
            except (ValueError, TypeError):
                log.warning("an orphaned update could not be read", extra={"chat": chat_id})
                return False
            user = update.effective_user
            ids = (chat_id, await self.user_of(chat_id, user.id if user else None))
            await self._read(app, *ids)
            await self._handle_again(app, ids, update, None)
            return True

    async def _take_over(
        self,
        app: App,
        ids: tuple[int, int | None],
        left: Unfinished,
        now: tuple[int | None, str | None],
        recorder: Recorder | None,
    ) -> Turn:
        """Handle the update whose turn was cut short, before the one now handled (`now`: its
        update id and JSON).

        Where the store kept every unfinished update (PostgreSQL: a replica died) it is handled
        again as it comes, unless both are typed messages: a customer who saw no answer and
        typed again meant the new text instead; read after the old one, it would be taken for
        the next step's answer. Where the store kept it because its turn had shown something
        (SQLite), the customer has seen that: it is handled again with what it showed
        recognised (bot/ptb/shown_screens.py), and a press on its screen moved onto the redrawn
        one; delivered again itself, it is handled so, once.
        """
        chat_id = ids[0]
        update_id, payload = now
        try:
            update = Update.de_json(json.loads(left.payload), app.bot)
        except (ValueError, TypeError):
            log.warning("an unfinished update could not be read again", extra={"chat": chat_id})
            return Turn(app, recorder)
        if left.shown is None:
            if not _typed_again(left.payload, payload):
                await self._handle_again(app, ids, update, None)
            return Turn(app, recorder)
        replay = _replay_of(app, chat_id, update, left.shown)
        if update.update_id == update_id:
            return Turn(app, replay)
        if payload is not None:
            pressing = Update.de_json(json.loads(payload), app.bot)
            replay.pressed, replay.pressed_data = shown_screens.pressed_in(pressing)
        await self._handle_again(app, ids, update, replay)
        return Turn(app, recorder, moved_by=replay)

    async def _handle_again(
        self, app: App, ids: tuple[int, int | None], update: Update, replay: Replay | None
    ) -> None:
        """Handle an update whose turn was cut short, against the state it found."""
        chat_id, user_id = ids
        log.info("an unfinished update handled again", extra={"chat": chat_id})
        with shown_screens.replaying(replay):
            await app.process_update(update)
        await self._commit(app, chat_id, user_id, None)

    def _recorder(
        self, chat_id: int, update_id: int | None, payload: str | None
    ) -> Recorder | None:
        """What writes down what the update's turn shows (None for a job's turn, and where the
        store keeps every update anyway)."""
        store = self._persistence.store
        if update_id is None or payload is None or not store.records_shown:
            return None
        return Recorder(store, chat_id, update_id, payload)

    async def peek_user(self, user_id: int) -> dict[str, Any]:
        """A copy of a user's data, read without holding their chat (an agent's preferences)."""
        app = self._application()
        if self._persistence.is_loaded(RowKind.USER, user_id) and not self._shared:
            return dict(app.user_data.get(user_id) or {})
        rows = await self._persistence.store.read(None, user_id)
        return dict(StatePersistence.decode(rows.user_data) or {})

    def end_conversations(self, chat_id: int) -> None:
        """End every conversation the chat is in (written at the end of its turn), and with
        them an update of theirs left unfinished."""
        ptb_internals.end_conversations(self._application(), chat_id)
        self._ended.add(chat_id)

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
        if chat_id in self._ended:
            changes = dataclasses.replace(changes, forget_unfinished=(chat_id,))
        await self._persistence.store.commit(changes, turn=turn)
        self._persistence.committed(changes)
        ptb_internals.mark_written(app, chat_id, user_id)
        self._ended.discard(chat_id)
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
            if self._turns.busy(chat_id) or ptb_internals.unwritten_chat(app, chat_id):
                break  # the oldest is still in a turn (or unsaved): try after the next turn
            del self._cached[chat_id]
            ptb_internals.chat_data_of(app).pop(chat_id, None)
            if user_id is not None:
                ptb_internals.user_data_of(app).pop(user_id, None)
            ptb_internals.forget_conversations(app, chat_id)
            self._persistence.forget_loaded(chat_id, user_id)


# How often a replica looks for turns a dead one left (PostgreSQL): a confirmation the dead
# replica was handling reaches its customer within this, plus the time to handle it; so many
# of them are handled at once. Under a burst most of a turn is the wait for its place in
# Telegram's pace (a dead replica leaves about as many turns as it had chats waiting), so many
# go at once: taken a few at a time, the last of them would wait for all the others' places.
ORPHAN_LOOK_SECONDS: Final = 2.0
ORPHANS_AT_ONCE: Final = 256


async def resume_orphaned_turns(context: Any) -> None:
    """The job that finishes other replicas' orphaned turns (ChatStates.resume_orphans); a
    failure is logged and the next look tries again."""
    if not context.application.running:
        return  # stopping: this replica finishes its own turns, not others' (it may drain)
    try:
        resumed = await ChatStates.of(context.application).resume_orphans()
    except Exception:  # a database hiccup, a chat held too long: the next look tries again
        log.exception("looking for orphaned turns failed")
        return
    if resumed:
        log.info("turns a dead replica left were finished", extra={"count": resumed})


class Turn:
    """One turn of a chat: the requests its update makes go through `screens` (written down,
    or recognised), and a press the hand-over moved is handled where it moved."""

    def __init__(
        self,
        app: App,
        screens: Recorder | Replay | None,
        *,
        moved_by: Replay | None = None,
    ) -> None:
        self._app = app
        self._screens = screens
        self._moved_by = moved_by

    @contextlib.contextmanager
    def requests(self) -> Iterator[None]:
        """The block in which the update is handled."""
        if isinstance(self._screens, Replay):
            with shown_screens.replaying(self._screens):
                yield
        else:
            with shown_screens.recording(self._screens):
                yield

    async def handle(self, update: Update, coroutine: Awaitable[Any]) -> None:
        """Handle the update: PTB's `coroutine` for it, unless its press was moved."""
        moved = shown_screens.moved_press(update, self._moved_by)
        if moved is update:
            await coroutine
            return
        if inspect.iscoroutine(coroutine):
            coroutine.close()  # never started: the moved press is handled instead
        await self._app.process_update(moved)


def _replay_of(app: App, chat_id: int, update: Update, shown: tuple[str, ...]) -> Replay:
    """How the update is handled again, its first run having shown `shown`."""
    query = update.callback_query
    chat = update.effective_chat
    return Replay(
        app.bot,
        chat_id,
        shown,
        answered=query.id if query is not None else None,
        chat_type=chat.type if chat is not None else "private",
    )


def _typed_again(left: str, payload: str | None) -> bool:
    """Whether the unfinished update and the one now handled are both typed messages."""
    if payload is None:
        return False
    try:
        return "message" in json.loads(left) and "message" in json.loads(payload)
    except (ValueError, TypeError):
        return False
