"""How fast the bot may send: one budget for the bot as a whole and one per chat, shared by every
process that sends as the bot (a replica's sends count against the others' too).

Each budget hands out places evenly spaced in time (`spacing` seconds apart): a send first
waits until its chat may have one more (a chat's sends go in the order they ask), then takes
the bot's next free place, first come first served and never earlier than a pause Telegram
asked for (`retry_after`). Evenly spaced rather than a window's worth at once: requests taken
together would leave one after another and arrive bunched up with the next window's. What
counts, and the spacing, are the caller's (bot/ptb/rate_limiter.py); this module keeps the
count: in memory for one process, or in PostgreSQL for replicas (send_budget_postgres.py),
with the same arithmetic (`admit`).
"""

from __future__ import annotations

import asyncio
import time
from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Final

__all__ = [
    "BOT",
    "Admission",
    "LocalSendBudget",
    "SendBudget",
    "Sends",
    "admit",
    "wait_for",
]

# The budget of the bot as a whole; chats use their own ids (never 0).
BOT: Final = 0
# A chat's count is forgotten after this many seconds without a send (no spacing of Telegram's
# is that long).
FORGET_AFTER: Final = 600.0


@dataclass(slots=True)
class Sends:
    """One budget: when its next place is free, and when its pause ends (seconds)."""

    free_at: float = 0.0
    paused_until: float = 0.0


@dataclass(frozen=True, slots=True)
class Admission:
    """`wait` seconds before the send may go (`placed`), or before asking again (its chat had
    its last send too recently: nothing was taken)."""

    wait: float
    placed: bool


def admit(
    now: float, bot: Sends, bot_spacing: float, chat: Sends | None, chat_spacing: float
) -> Admission:
    """Take a place for one send at `now`, changing `bot` and `chat` when one was taken.

    The chat is only checked, not queued for: the bot's places are handed out in the order
    they are asked for, and one chat that must wait holds up no other. The chat is then spaced
    from the bot place it got: from when its send really goes."""
    if chat is not None and chat.free_at > now:
        return Admission(chat.free_at - now, placed=False)
    place = max(now, bot.paused_until, bot.free_at)
    bot.free_at = place + bot_spacing
    if chat is not None:
        chat.free_at = place + chat_spacing
    return Admission(place - now, placed=True)


class SendBudget(ABC):
    """Where the bot's sends are counted (the bot as a whole and each chat)."""

    # Chats' counts are looked over once in this many sends, and those idle FORGET_AFTER dropped.
    FORGET_EVERY: Final = 1024

    def __init__(self) -> None:
        # The end of the newest pause this process knows of (its own clock): a send that took
        # its place before the pause was asked for still waits for it.
        self._paused_until = 0.0

    @abstractmethod
    async def open(self) -> None:
        """Be ready to count."""

    @abstractmethod
    async def close(self) -> None:
        """Let go of what counting needed."""

    @abstractmethod
    async def take(self, bot_spacing: float, chat: int | None, chat_spacing: float) -> Admission:
        """Take a place for one send to `chat` (None: none of a chat's own), the bot's places
        `bot_spacing` seconds apart and the chat's `chat_spacing`."""

    @abstractmethod
    async def pause(self, seconds: float) -> None:
        """No send from any process for the next `seconds` (Telegram's `retry_after`)."""

    def paused_for(self) -> float:
        """Seconds until the newest pause this process knows of ends (0: none)."""
        return max(0.0, self._paused_until - time.monotonic())

    def _heard_pause(self, seconds: float) -> None:
        self._paused_until = max(self._paused_until, time.monotonic() + seconds)


class LocalSendBudget(SendBudget):
    """The count of one process, in memory (the SQLite store: one process sends as the bot)."""

    def __init__(self) -> None:
        super().__init__()
        self._bot = Sends()
        self._chats: dict[int, Sends] = {}
        self._taken = 0

    async def open(self) -> None:
        """Nothing to open: the count lives in this process."""

    async def close(self) -> None:
        """Nothing to close."""

    async def take(self, bot_spacing: float, chat: int | None, chat_spacing: float) -> Admission:
        """Take a place for one send to `chat` (None: none of a chat's own)."""
        now = time.monotonic()
        sends = None if chat is None else self._chats.setdefault(chat, Sends())
        admission = admit(now, self._bot, bot_spacing, sends, chat_spacing)
        self._taken += 1
        if self._taken % self.FORGET_EVERY == 0:
            self._forget_before(now - FORGET_AFTER)
        return admission

    async def pause(self, seconds: float) -> None:
        """No send for the next `seconds`."""
        self._heard_pause(seconds)
        self._bot.paused_until = self._paused_until  # the same clock: one pause

    def _forget_before(self, moment: float) -> None:
        """Drop the chats whose last place was free before `moment`."""
        for chat, sends in list(self._chats.items()):
            if sends.free_at < moment:
                del self._chats[chat]


async def wait_for(admission: Admission) -> None:
    """Sleep as long as the admission says (not at all when it is 0)."""
    if admission.wait > 0:
        await asyncio.sleep(admission.wait)
