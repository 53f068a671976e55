"""Test harness: the offline world from bot.sandbox.world, plus the bot inside the test's loop."""

from __future__ import annotations

from collections.abc import Mapping

from bot.app import BotApplication, build_application
from bot.config import load_settings
from bot.sandbox.world import PRIVACY_URL, VISIBLE, BotProcess, bot_environment
from bot.sandbox.world import ChatDriver as Customer

__all__ = ["PRIVACY_URL", "VISIBLE", "BotProcess", "Customer", "InProcessBot", "bot_environment"]


class InProcessBot:
    """The same Application, polling the emulator from inside the test's event loop."""

    def __init__(self, env: Mapping[str, str]) -> None:
        self._env = dict(env)
        self.app: BotApplication | None = None

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
        self.app = app
        return app

    async def stop(self) -> None:
        """Stop polling and shut down as on SIGTERM."""
        app = self.app
        if app is None:
            return
        assert app.updater is not None
        if app.updater.running:
            await app.updater.stop()
        if app.running:
            await app.stop()
        await app.shutdown()
        if app.post_shutdown:
            await app.post_shutdown(app)
        self.app = None
