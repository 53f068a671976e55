"""Is the process alive, may it be sent customers, and what it counted: `GET /healthz`,
`GET /readyz` and `GET /metrics`, on the bot's own web server in webhook mode and on
BOT_HEALTH_PORT (a server of their own) in polling mode.

/healthz answers 200 whenever the process answers at all. /readyz answers 200 only while the
bot serves (started, not draining after SIGTERM) and its store answers a cheap query,
meetergo answered within MEETERGO_FRESH seconds (any 2xx; an idle bot asks it for the meeting
type now and then, PROBE_EVERY at most often) and Telegram's updates come (getUpdates
answered lately in polling, the webhook set in webhook mode); else 503 with the checks that
failed, in words (never a secret, a URL or anyone's data).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from typing import Any, Literal

from bot.metrics import Metrics
from bot.storage.chat_store import StateStore

__all__ = ["Health"]

log = logging.getLogger(__name__)

Phase = Literal["starting", "serving", "draining"]

MEETERGO_FRESH = 300.0  # seconds: meetergo answered within this, or the bot is not ready
PROBE_AFTER = 60.0  # seconds without an answer from meetergo before /readyz asks it itself
PROBE_EVERY = 60.0  # seconds between two such questions at most often
PROBE_PATIENCE = 2.0  # seconds /readyz waits for its question when meetergo has been silent
UPDATES_FRESH = 90.0  # seconds: getUpdates answered within this (it long-polls for 10)
STORE_PATIENCE = 3.0  # seconds the store has to answer its cheap query

HEALTH_PATH = "/healthz"
READY_PATH = "/readyz"
METRICS_PATH = "/metrics"


class Health:
    """What /readyz looks at: the process's phase (set by the serving loop, bot/serving.py), the
    store, when meetergo and Telegram last answered (in `metrics`), and the webhook."""

    def __init__(
        self,
        metrics: Metrics,
        store: StateStore,
        probe: Callable[[], Awaitable[Any]],
    ) -> None:
        self.metrics = metrics
        self._store = store
        self._probe = probe  # one cheap meetergo read (the meeting type), for an idle bot
        self.phase: Phase = "starting"
        self.webhook_set = False  # Telegram was told the webhook: updates come when there are
        self._probing: asyncio.Task[None] | None = None
        self._probed_at: float | None = None

    @property
    def accepting(self) -> bool:
        """Whether updates and events are taken (not before the start, nor while draining)."""
        return self.phase == "serving"

    async def ready(self) -> dict[str, str]:
        """Each check's word ("ok" when it holds); the process is ready when every one does."""
        if self.phase != "serving":
            return {"serving": self.phase}
        store, meetergo = await asyncio.gather(self._store_check(), self._meetergo_check())
        return {
            "serving": "ok",
            "store": store,
            "meetergo": meetergo,
            "updates": self._updates_check(),
        }

    async def refresh(self) -> None:
        """Bring the gauges read from the store up to date (before a scrape)."""
        if self.phase == "serving":
            await self._store_check()

    async def close(self) -> None:
        """Stop a question to meetergo still on its way (before the client closes)."""
        task, self._probing = self._probing, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _store_check(self) -> str:
        try:
            drafts = await asyncio.wait_for(self._store.open_drafts(), STORE_PATIENCE)
        except Exception as error:  # a database down, a locked file, a timeout: not ready
            log.warning("the store did not answer the health check (%s)", type(error).__name__)
            return "failing"
        self.metrics.conversations_open.set(drafts)
        return "ok"

    async def _meetergo_check(self) -> str:
        metrics = self.metrics
        age = metrics.age(metrics.meetergo_answered_at)
        if age is None or age > PROBE_AFTER:
            self._ask_meetergo()
        if (age is None or age > MEETERGO_FRESH) and self._probing is not None:
            await asyncio.wait({self._probing}, timeout=PROBE_PATIENCE)
            age = metrics.age(metrics.meetergo_answered_at)
        return "ok" if age is not None and age <= MEETERGO_FRESH else "silent"

    def _ask_meetergo(self) -> None:
        """Read the meeting type in the background, PROBE_EVERY seconds at most often."""
        now = self.metrics.now()
        if self._probing is not None and not self._probing.done():
            return
        if self._probed_at is not None and now - self._probed_at < PROBE_EVERY:
            return
        self._probed_at = now
        self._probing = asyncio.ensure_future(self._probe_quietly())

    async def _probe_quietly(self) -> None:
        try:
            await self._probe()
        except Exception as error:  # not answering: the check says so; nothing else to do
            log.info("meetergo did not answer the health check (%s)", type(error).__name__)

    def _updates_check(self) -> str:
        if self.webhook_set:
            return "ok"
        age = self.metrics.age(self.metrics.telegram_heard_at)
        return "ok" if age is not None and age <= UPDATES_FRESH else "silent"
