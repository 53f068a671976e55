"""Test harness: the offline world from bot.sandbox.world, plus the bot inside the test's loop."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping

from bot.app import BotApplication, build_application, health_of
from bot.config import Settings, load_settings
from bot.sandbox.world import PRIVACY_URL, VISIBLE, BotProcess, bot_environment
from bot.sandbox.world import ChatDriver as Customer
from bot.serving import serve_polling
from bot.web import serve_webhooks

__all__ = ["PRIVACY_URL", "VISIBLE", "BotProcess", "Customer", "InProcessBot", "bot_environment"]


class StepLog(logging.Handler):
    """Where each chat's conversation is, as the flow logs it (`"event": "step"`): what a
    process's log tells bot.sandbox.world, for a bot in the test's own process."""

    FLOW_LOGGER = "conversations.kit.flow"

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.steps: dict[int, str] = {}
        # Every move the flow made: (where it started, where it led, the handler).
        self.moves: set[tuple[str, str, str]] = set()

    def emit(self, record: logging.LogRecord) -> None:
        chat, step = getattr(record, "chat", None), getattr(record, "step", None)
        if getattr(record, "event", None) == "step" and isinstance(chat, int):
            self.steps[chat] = str(step)
            origin, handler = getattr(record, "origin", "?"), getattr(record, "handler", "?")
            self.moves.add((str(origin), str(step), str(handler)))

    def step_of(self, chat_id: int) -> str | None:
        """The step the chat was last shown."""
        return self.steps.get(chat_id)

    def attach(self) -> None:
        logger = logging.getLogger(self.FLOW_LOGGER)
        logger.addHandler(self)
        logger.setLevel(logging.DEBUG)

    def detach(self) -> None:
        logger = logging.getLogger(self.FLOW_LOGGER)
        logger.removeHandler(self)
        logger.setLevel(logging.NOTSET)


class InProcessBot:
    """The same Application, polling the emulator from inside the test's event loop; `served`:
    run by the production loop instead (bot/web.py's serve_polling, or serve_webhooks when
    BOT_WEBHOOK_URL is set), with its health server, stopped as SIGTERM stops it."""

    START_PATIENCE = 20.0  # seconds a served bot has to start serving

    def __init__(self, env: Mapping[str, str], *, served: bool = False) -> None:
        self._env = dict(env)
        self.app: BotApplication | None = None
        self.steps = StepLog()
        self._served = served
        self._stopping = asyncio.Event()
        self.serving: asyncio.Task[None] | None = None  # the production loop, when served

    async def start(self) -> BotApplication:
        """Build, initialize and start polling (or serving)."""
        settings = load_settings(**{key.lower(): value for key, value in self._env.items()})
        app = build_application(settings)
        if self._served:
            await self._serve(app, settings)
            return app
        await app.initialize()
        if app.post_init:
            await app.post_init(app)
        assert app.updater is not None
        await app.updater.start_polling(poll_interval=0.0, timeout=1)
        await app.start()
        self.steps.attach()
        self.app = app
        return app

    async def _serve(self, app: BotApplication, settings: Settings) -> None:
        serve = serve_webhooks if settings.bot_webhook_url else serve_polling
        self._stopping = asyncio.Event()
        self.serving = asyncio.create_task(serve(app, settings, self._stopping))
        health = health_of(app)
        async with asyncio.timeout(self.START_PATIENCE):
            while health.phase != "serving":
                if self.serving.done():
                    await self.serving  # its error
                    raise RuntimeError("the bot stopped before serving")
                await asyncio.sleep(0.005)
        self.steps.attach()
        self.app = app

    def signal_stop(self) -> None:
        """What SIGTERM does to a served bot: it drains and stops (`stop()` waits for it)."""
        self._stopping.set()

    async def stop(self) -> None:
        """Stop polling and shut down as on SIGTERM."""
        app = self.app
        if app is None:
            return
        if self.serving is not None:
            self.steps.detach()
            self._stopping.set()
            await self.serving
            self.serving = None
            self.app = None
            return
        self.steps.detach()
        assert app.updater is not None
        if app.updater.running:
            await app.updater.stop()
        if app.running:
            await app.stop()
        await app.shutdown()
        if app.post_shutdown:
            await app.post_shutdown(app)
        self.app = None
