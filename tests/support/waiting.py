"""Waiting in tests for a state that announces itself by no event (a database row, a log
line, a counter): look again and again until it holds, with a deadline."""

from __future__ import annotations

import asyncio
from collections.abc import Callable


async def until(holds: Callable[[], bool], *, seconds: float, every: float = 0.01) -> None:
    """Return once `holds()` is true; TimeoutError after `seconds`."""
    async with asyncio.timeout(seconds):
        while not holds():  # noqa: ASYNC110 - what it waits for has no event
            await asyncio.sleep(every)
