"""The server-side update queue behind getUpdates, with Telegram's long-polling semantics."""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

from bot.sandbox.telegram_schema import ApiError

Update = dict[str, Any]

# Telegram leaves these out unless they are requested explicitly via allowed_updates.
_OPT_IN_TYPES = frozenset({"chat_member", "message_reaction", "message_reaction_count"})
SUPERSEDED = (
    "Conflict: terminated by other getUpdates request; "
    "make sure that only one bot instance is running"
)


class PollSupersededError(ApiError):
    """A newer getUpdates request took over; the older one is answered with 409."""

    def __init__(self) -> None:
        super().__init__(409, SUPERSEDED)


class Signal:
    """A broadcast wake-up: every waiter is released by the next fire()."""

    def __init__(self) -> None:
        self._event = asyncio.Event()

    def fire(self) -> None:
        """Wake everybody currently waiting."""
        self._event.set()
        self._event = asyncio.Event()

    async def wait(self, seconds: float) -> None:
        """Wait for the next fire(), or at most the given number of seconds."""
        event = self._event
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(event.wait(), max(seconds, 0))


class UpdateQueue:
    """Pending updates with increasing ids, confirmation by offset and long-poll wake-ups."""

    def __init__(self) -> None:
        self._updates: list[Update] = []
        self._next_id = 1
        self._changed = Signal()
        self._poll_generation = 0
        self._delivered_up_to = 0
        self._closed = False
        self.allowed_updates: list[str] = []

    def push(self, kind: str, payload: dict[str, Any]) -> int | None:
        """Enqueue an update of the given kind; returns its id, or None if it is filtered out."""
        if not self._is_allowed(kind):
            return None
        update_id = self._next_id
        self._next_id += 1
        self._updates.append({"update_id": update_id, kind: payload})
        self._changed.fire()
        return update_id

    def _is_allowed(self, kind: str) -> bool:
        if self.allowed_updates:
            return kind in self.allowed_updates
        return kind not in _OPT_IN_TYPES

    def confirm(self, offset: int | None) -> None:
        """Forget updates before offset; a negative offset keeps only the last -offset ones."""
        if offset is None or offset == 0:
            return
        if offset < 0:
            self._updates = self._updates[offset:]
        else:
            self._updates = [u for u in self._updates if u["update_id"] >= offset]

    def pending(self) -> list[Update]:
        """The updates not confirmed yet, oldest first (what a webhook still has to deliver)."""
        return list(self._updates)

    def remove(self, update_id: int) -> None:
        """Forget one update: its webhook delivery was answered with a 2xx."""
        self._updates = [u for u in self._updates if u["update_id"] != update_id]

    def nudge(self) -> None:
        """Wake whoever waits for a change (a delivery slot became free)."""
        self._changed.fire()

    async def changed(self, seconds: float) -> None:
        """Wait for the next change, at most `seconds`."""
        await self._changed.wait(seconds)

    def clear(self) -> None:
        """Drop every pending update (drop_pending_updates)."""
        self._updates.clear()

    @property
    def pending_count(self) -> int:
        """Updates not yet confirmed."""
        return len(self._updates)

    @property
    def undelivered(self) -> bool:
        """Whether some update was never handed out by getUpdates."""
        return any(u["update_id"] > self._delivered_up_to for u in self._updates)

    async def poll(self, offset: int | None, limit: int, wait_seconds: float) -> list[Update]:
        """Answer one getUpdates call, waiting up to wait_seconds for the first update."""
        self._poll_generation += 1
        generation = self._poll_generation
        self._changed.fire()  # an older poll still waiting must notice that it has been superseded
        self.confirm(offset)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + wait_seconds
        while True:
            if generation != self._poll_generation:
                raise PollSupersededError()
            batch = self._updates[:limit]
            remaining = deadline - loop.time()
            if batch or remaining <= 0 or self._closed:
                self._mark_delivered(batch)
                return batch
            await self._changed.wait(remaining)

    def _mark_delivered(self, batch: list[Update]) -> None:
        if batch:
            self._delivered_up_to = max(self._delivered_up_to, batch[-1]["update_id"])

    def close(self) -> None:
        """Release all waiting polls with an empty answer (server shutdown)."""
        self._closed = True
        self._changed.fire()
