"""Test harness: the offline world from bot.sandbox.world, plus the bot inside the test's loop."""

from __future__ import annotations

import logging
from collections.abc import Mapping

from bot.app import BotApplication, build_application
from bot.config import load_settings
from bot.sandbox.world import PRIVACY_URL, VISIBLE, BotProcess, bot_environment
from bot.sandbox.world import ChatDriver as Customer

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
    """The same Application, polling the emulator from inside the test's event loop."""

    def __init__(self, env: Mapping[str, str]) -> None:
        self._env = dict(env)
        self.app: BotApplication | None = None
        self.steps = StepLog()

    async def start(self) -> BotApplication:
        """Build, initialize and start polling."""
        settings = load_settings(**{key.lower(): value for key, value in self._env.items()})
        app = build_application(settings)
        await app.initialize()
        if app.post_init:
            await app.post_init(app)
        assert app.updater is not None
        await app.updater.start_polling(poll_interval=0.0, timeout=1)
        await app.start()
        self.steps.attach()
        self.app = app
        return app

    async def stop(self) -> None:
        """Stop polling and shut down as on SIGTERM."""
        app = self.app
        if app is None:
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
