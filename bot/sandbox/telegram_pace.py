"""Telegram's flood limit on a bot as a whole, as the emulator enforces it once asked to."""

from __future__ import annotations

import collections
import math


class Pace:
    """Telegram's limit on a bot as a whole: at most `per_second` requests to chats in any
    second (a sliding window); beyond it, the whole seconds until the oldest leaves it."""

    WINDOW = 1.0

    def __init__(self, per_second: float) -> None:
        """Allow `per_second` requests to chats in any one second."""
        self._per_second = per_second
        self._admitted: collections.deque[float] = collections.deque()

    def admit(self, now: float) -> int | None:
        """None when a request at `now` is within the limit (it then counts); else how many
        seconds to wait (Telegram's retry_after, at least 1)."""
        while self._admitted and now - self._admitted[0] >= self.WINDOW:
            self._admitted.popleft()
        if len(self._admitted) >= self._per_second:
            return max(1, math.ceil(self.WINDOW - (now - self._admitted[0])))
        self._admitted.append(now)
        return None
