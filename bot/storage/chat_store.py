"""Where conversation state lives: the rows one chat needs, read when that chat needs them.

A store keeps three kinds of row as JSON text: a user's data (their preferences), a chat's data
(its draft) and the state of each conversation the chat is in. Nothing is read at start: the
bot asks for one chat's rows when an update of that chat arrives (see bot/ptb/chat_turns.py).

Two stores implement this: SQLite under BOT_DATA_DIR (the default, one process) and PostgreSQL
(BOT_DATABASE_URL; several processes may share it, so `shared` is true and every turn reads the
chat again and holds a lock on it in the database).

Both hand an update whose turn was cut short (its process died before committing it) to the
chat's next turn. PostgreSQL keeps every update until its turn commits, for another replica to
take over. SQLite keeps only those whose turn has shown the customer something, and what it
showed, each written down before it is sent (`records_shown`): after a restart the update is
handled again and what the customer already has on screen is recognised, not sent twice.
"""

from __future__ import annotations

import contextlib
from abc import ABC, abstractmethod
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Final

__all__ = [
    "DRAFT_KEY",
    "Changes",
    "ChatRows",
    "ConversationChange",
    "RowChange",
    "RowKind",
    "StaleUpdate",
    "StateStore",
    "Unfinished",
]


# The chat_data key under which a chat keeps its booking's draft. The store knows it because the
# draft is special twice over: it holds the customer's name and e-mail (once a row loses it, no
# older copy of the row may stay readable), and its `touched_at` orders the idle sweep.
DRAFT_KEY: Final = "draft"


class RowKind(StrEnum):
    """The two kinds of data row, each keyed by one Telegram id."""

    USER = "user_data"
    CHAT = "chat_data"


@dataclass(frozen=True, slots=True)
class ChatRows:
    """What is stored for one chat and one user: JSON texts, None where nothing is stored."""

    chat_data: str | None = None
    user_data: str | None = None
    # (conversation name, key as JSON text, state as JSON text) for every conversation the
    # chat is in.
    conversations: list[tuple[str, str, str]] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class RowChange:
    """One data row to store (`text`) or delete (`text` None)."""

    kind: RowKind
    row_id: int
    text: str | None
    # Chat rows: when the draft was last touched, for the idle sweep (None: no draft).
    touched: datetime | None = None
    # No earlier version of the row may stay readable (it held personal data the new one
    # lacks).
    erase_old: bool = False


@dataclass(frozen=True, slots=True)
class ConversationChange:
    """One conversation state to store (`state_text`) or forget (`state_text` None)."""

    name: str
    key_text: str
    chat_id: int | None
    state_text: str | None


@dataclass(frozen=True, slots=True)
class Changes:
    """Everything one turn changed, written in one transaction."""

    rows: tuple[RowChange, ...] = ()
    conversations: tuple[ConversationChange, ...] = ()
    # Chats whose unfinished update must not be handed over any more: the conversation it
    # belonged to was ended (an idle booking closed), and with it what the customer sent.
    forget_unfinished: tuple[int, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.rows or self.conversations or self.forget_unfinished)


@dataclass(frozen=True, slots=True)
class Unfinished:
    """An update of the chat whose turn was cut short, to be handled again first."""

    payload: str  # the update's JSON
    # What its turn had shown the customer before it was cut short: digests of its requests
    # that change the chat (bot/ptb/shown_screens.py), in order, each written down before it
    # was sent. None where the store does not record them.
    shown: tuple[str, ...] | None = None


class StaleUpdate(Exception):
    """The update is older than one this chat has already been answered for (a redelivery,
    or one that lost the race to the other replica): answering it would answer out of order."""


class StateStore(ABC):
    """Reads and writes one chat's rows; every commit is durable once its coroutine returns."""

    # True when another process may write the same rows: each turn then reads them afresh.
    shared: bool = False
    # True when the store writes down what a turn shows before it is sent (`showing`).
    records_shown: bool = False

    @abstractmethod
    async def open(self) -> None:
        """Connect, and create or migrate the schema (refusing a newer one)."""

    @abstractmethod
    async def close(self) -> None:
        """Release connections; a later open() may follow."""

    @abstractmethod
    async def read(self, chat_id: int | None, user_id: int | None) -> ChatRows:
        """The rows of one chat and one user (either may be None: nothing of that kind)."""

    @abstractmethod
    async def commit(self, changes: Changes, *, turn: tuple[int, int] | None = None) -> None:
        """Write the changes in one transaction; `turn` (chat id, update id) is the update
        they answer, noted as finished in the same transaction."""

    @abstractmethod
    async def idle_chats(self, touched_before: datetime, limit: int) -> list[int]:
        """Chats whose draft nobody touched since `touched_before`, oldest first."""

    @abstractmethod
    def turn(
        self, chat_id: int, update_id: int | None, payload: str | None
    ) -> AbstractAsyncContextManager[str | None]:
        """Hold the chat for one update (or job) across every process sharing the store.

        Yields the JSON of an earlier update of the chat whose turn was cut short (its process
        died after it may have answered, before its changes were committed), to be handled
        again first; None otherwise. `payload` is this update's JSON, kept until its turn is
        committed. Raises StaleUpdate when `update_id` is not newer than the chat's last.
        Within one process the caller already serialises a chat's turns.
        """

    @contextlib.asynccontextmanager
    async def hold(
        self, chat_id: int, update_id: int | None, payload: str | None
    ) -> AsyncIterator[Unfinished | None]:
        """`turn`, handing the unfinished update over as an `Unfinished`."""
        async with self.turn(chat_id, update_id, payload) as left:
            yield None if left is None else Unfinished(left)

    async def orphaned_chats(self) -> list[int]:
        """Chats whose last turn a dead process left unfinished and that nobody holds now
        (only a store shared by processes has them; see `resume`)."""
        return []

    @contextlib.asynccontextmanager
    async def resume(self, chat_id: int) -> AsyncIterator[str | None]:
        """Hold an orphaned chat (`orphaned_chats`) and yield its unfinished update's JSON
        (None if it was finished meanwhile), noted as finished afterwards."""
        async with self.turn(chat_id, None, None):
            yield None

    @abstractmethod
    async def showing(
        self, chat_id: int, update_id: int, payload: str, shown: tuple[str, ...]
    ) -> None:
        """Write down durably that the update's turn shows the customer `shown` (the last of
        them about to be sent), so that a kill from now on hands the update to the chat's next
        turn with it. Only called where `records_shown` is true."""

    @abstractmethod
    async def count(self, kind: RowKind) -> int:
        """How many rows of a kind are stored (for operators and the benchmark)."""

    @abstractmethod
    async def open_drafts(self) -> int:
        """How many chats have a booking in progress (a draft): cheap (the idle sweep's
        index), asked at each /readyz and /metrics."""
