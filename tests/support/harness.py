"""Run the bot against the sandbox meetergo server and the Bot API emulator, both on loopback.

Two ways: `BotProcess` starts the real `python -m bot` (end-to-end), `InProcessBot` runs the
same Application inside the test's event loop (fast step tests). Either way the bot only
learns two base URLs; it does not know it is being tested.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from bot.app import BotApplication, build_application
from bot.config import load_settings
from bot.sandbox.scheduling import SandboxScheduling
from bot.sandbox.scheduling_defaults import INTRO_CALL_ID
from bot.sandbox.telegram_api import BotApiEmulator, ChatMessage

VISIBLE = frozenset(
    {"sendMessage", "editMessageText", "editMessageReplyMarkup", "deleteMessage", "sendDocument"}
)
PRIVACY_URL = "https://example.org/privacy"
PROJECT_ROOT = Path(__file__).resolve().parents[2]


def bot_environment(
    emulator: BotApiEmulator,
    sandbox: SandboxScheduling,
    data_dir: Path,
    **extra: str,
) -> dict[str, str]:
    """The environment a deployment would set, with the two base URLs on loopback."""
    return {
        "TELEGRAM_BOT_TOKEN": emulator.token,
        "TELEGRAM_API_URL": emulator.url,
        "MEETERGO_API_KEY": sandbox.credential,
        "MEETERGO_API_URL": sandbox.url,
        "MEETERGO_MEETING_TYPE_ID": INTRO_CALL_ID,
        "BOT_PRIVACY_URL": PRIVACY_URL,
        "BOT_DATA_DIR": str(data_dir),
        "BOT_LOG_LEVEL": "DEBUG",
        **extra,
    }


class BotProcess:
    """The real `python -m bot` in a child process."""

    def __init__(self, env: Mapping[str, str], log_path: Path) -> None:
        self._env = env
        self.log_path = log_path
        self.process: asyncio.subprocess.Process | None = None

    async def start(self, emulator: BotApiEmulator, *, patience: float = 30.0) -> None:
        """Start the bot and wait until it is about to poll (it drops any webhook first)."""
        first_call = len(emulator.calls)
        env = {
            key: value
            for key, value in os.environ.items()
            if not key.startswith(("TELEGRAM_", "MEETERGO_", "BOT_"))
        }
        env.update(self._env)
        env["PYTHONPATH"] = str(PROJECT_ROOT)
        log = self.log_path.open("ab")
        self.process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot",
            cwd=self.log_path.parent,
            env=env,
            stdout=log,
            stderr=log,
        )
        log.close()
        try:
            await emulator.wait_for_call("deleteWebhook", after=first_call, timeout=patience)
        except TimeoutError:
            raise AssertionError(f"bot did not start polling; log:\n{self.log()}") from None

    def log(self) -> str:
        """Everything the bot wrote to stdout and stderr."""
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    async def stop(self, sig: int = signal.SIGTERM, *, patience: float = 20.0) -> int:
        """Send `sig` and wait for the exit code."""
        if self.process is None or self.process.returncode is not None:
            return self.process.returncode if self.process and self.process.returncode else 0
        self.process.send_signal(sig)
        try:
            return await asyncio.wait_for(self.process.wait(), patience)
        except TimeoutError:
            self.process.kill()
            await self.process.wait()
            raise AssertionError(f"bot did not stop on {sig}; log:\n{self.log()}") from None


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


class Customer:
    """One Telegram user talking to the bot through the emulator."""

    def __init__(self, emulator: BotApiEmulator, user_id: int = 4242, **profile: Any) -> None:
        self.emulator = emulator
        self.user_id = user_id
        profile.setdefault("first_name", "Ada")
        profile.setdefault("last_name", "Lovelace")
        profile.setdefault("language_code", "en")
        emulator.add_user(user_id, **profile)

    async def send(self, text: str) -> ChatMessage:
        """Type a message and wait until the bot has answered."""
        before = len(self.emulator.calls)
        await self.emulator.send_text(self.user_id, text)
        await self.settle(before)
        return self.last()

    async def tap(self, label: str, *, message_id: int | None = None) -> str:
        """Tap the button whose label contains `label` and wait for the chat to change."""
        before = len(self.emulator.calls)
        query_id = await self.emulator.tap(self.user_id, label, message_id=message_id)
        await self.settle(before)
        return query_id

    async def press(self, message_id: int, data: str, *, visible: bool = True) -> str:
        """Press a button with raw (possibly forged) data."""
        before = len(self.emulator.calls)
        query_id = await self.emulator.press(self.user_id, message_id, data)
        await self.settle(before if visible else None)
        return query_id

    async def settle(self, since: int | None = None) -> None:
        """Wait for a change the customer can see (after call `since`), then for quiet."""
        if since is not None:
            async with asyncio.timeout(20):
                # Polling the emulator's call log; it offers no event per method group.
                while not any(c.method in VISIBLE for c in self.emulator.calls[since:]):  # noqa: ASYNC110
                    await asyncio.sleep(0.02)
        await self.emulator.wait_idle(quiet=0.25, timeout=20)

    def last(self) -> ChatMessage:
        """The bot's newest message in this chat."""
        message = self.emulator.last_bot_message(self.user_id)
        assert message is not None, "the bot has not written yet"
        return message

    def labels(self, message: ChatMessage | None = None) -> list[str]:
        """All button labels of a message (default: the newest)."""
        rows = self.emulator.buttons(message or self.last())
        return [label for row in rows for label, _ in row]
