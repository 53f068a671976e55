"""The bot's own pace for meetergo: at most so many requests in any minute.

meetergo allows 100 requests a minute per credential (bursts to 200) and answers 429 beyond.
Everything the bot asks (customers' days and times, bookings, the checks of appointments
ahead) shares one pace, so a busy hour slows the bot down a little instead of drawing 429s.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Awaitable, Callable

WINDOW = 60.0  # seconds


class RequestPace:
    """Lets at most `per_minute` requests start in any WINDOW seconds; those over it wait
    their turn, first come first served. 0: no pace at all."""

    def __init__(
        self,
        per_minute: int,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.per_minute = per_minute
        self._clock = clock
        self._sleep = sleep
        self._started: deque[float] = deque()
        self._turn = asyncio.Lock()

    def _forget_old(self, now: float) -> None:
        while self._started and self._started[0] <= now - WINDOW:
            self._started.popleft()

    def headroom(self) -> int:
        """How many requests may start right now without waiting (a large number when the
        bot keeps no pace)."""
        if not self.per_minute:
            return 1_000_000
        self._forget_old(self._clock())
        return max(self.per_minute - len(self._started), 0)

    async def take(self) -> None:
        """Wait until a request may start, and count it."""
        if not self.per_minute:
            return
        async with self._turn:
            while True:
                now = self._clock()
                self._forget_old(now)
                if len(self._started) < self.per_minute:
                    self._started.append(now)
                    return
                await self._sleep(self._started[0] + WINDOW - now)
