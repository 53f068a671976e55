"""One asyncio lock per key (a chat), first come first served, kept only while someone holds or
waits for it: a long-running bot does not keep one per customer it ever had."""

from __future__ import annotations

import asyncio
import contextlib
from collections import Counter
from collections.abc import AsyncIterator, Hashable
from typing import Generic, TypeVar

__all__ = ["KeyedLocks"]

Key = TypeVar("Key", bound=Hashable)


class KeyedLocks(Generic[Key]):
    """Locks by key, made on first use and forgotten once idle."""

    def __init__(self) -> None:
        self._locks: dict[Key, asyncio.Lock] = {}
        self._wanted: Counter[Key] = Counter()  # holders and waiters of each key's lock

    def busy(self, key: Key) -> bool:
        """Whether the key's lock is held or waited for."""
        return self._wanted[key] > 0

    @contextlib.asynccontextmanager
    async def held(self, key: Key) -> AsyncIterator[None]:
        """Hold the key's lock for the block, after those who asked for it before."""
        lock = self._locks.setdefault(key, asyncio.Lock())
        self._wanted[key] += 1
        try:
            async with lock:
                yield
        finally:
            self._wanted[key] -= 1
            if not self._wanted[key]:
                del self._wanted[key]
                self._locks.pop(key, None)
