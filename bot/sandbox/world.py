"""An offline world: the real bot process between the sandbox meetergo and the Bot API emulator.

Used by the demo, the scripted conversations and the end-to-end tests. The bot only learns
two base URLs (and a token and key the stand-ins accept); it runs the production code path.
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sys
import time
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from bot.sandbox.clock import ClockUnavailableError, WorldClock, frozen, process_clock_env
from bot.sandbox.scheduling import SandboxScheduling
from bot.sandbox.scheduling_defaults import INTRO_CALL_ID
from bot.sandbox.telegram_api import BotApiEmulator, ChatMessage

VISIBLE = frozenset(
    {"sendMessage", "editMessageText", "editMessageReplyMarkup", "deleteMessage", "sendDocument"}
)
PRIVACY_URL = "https://example.org/privacy"
AT_WORK = "⏳"  # how the bot's "still at it" messages begin ("⏳ Booking…")
AT_WORK_PATIENCE = 5.0  # seconds a driver waits for what replaces such a message
# The folder holding the `bot` package, so the child finds it even without an install.
PACKAGE_ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    """A TCP port on loopback nobody listens on right now (for a webhook or a server)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class WorldError(RuntimeError):
    """The offline world did not behave: the bot did not start, stop or answer."""


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
    """The real `python -m bot` in a child process, its wall clock started at `clock()`."""

    def __init__(
        self,
        env: Mapping[str, str],
        log_path: Path,
        *,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self._env = env
        self.log_path = log_path
        self._clock = clock
        self.process: asyncio.subprocess.Process | None = None

    async def start(
        self, emulator: BotApiEmulator, *, patience: float = 30.0, ready: str = "deleteWebhook"
    ) -> None:
        """Start the bot and wait until it is about to poll (it drops any webhook first), or
        for `ready` ("setWebhook" for a bot run with a webhook)."""
        first_call = len(emulator.calls)
        env = {
            key: value
            for key, value in os.environ.items()
            if not key.startswith(("TELEGRAM_", "MEETERGO_", "BOT_"))
        }
        if self._clock is not None:
            try:
                env.update(process_clock_env(self._clock()))
            except ClockUnavailableError as error:
                raise WorldError(str(error)) from None
        env.update(self._env)
        env["PYTHONPATH"] = os.pathsep.join(
            filter(None, [str(PACKAGE_ROOT), env.get("PYTHONPATH")])
        )
        log = self.log_path.open("ab")
        self.process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot",
            # Not the caller's folder: a real `.env` there must not leak into an offline run.
            cwd=self.log_path.parent,
            env=env,
            stdout=log,
            stderr=log,
        )
        log.close()
        try:
            await emulator.wait_for_call(ready, after=first_call, timeout=patience)
        except TimeoutError:
            raise WorldError(f"the bot did not start; its log:\n{self.log()}") from None

    def log(self) -> str:
        """Everything the bot wrote to stdout and stderr."""
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    async def stop(self, sig: int = signal.SIGTERM, *, patience: float = 20.0) -> int:
        """Send `sig` and wait for the exit code."""
        if self.process is None:
            return 0
        if self.process.returncode is not None:
            return self.process.returncode
        self.process.send_signal(sig)
        try:
            return await asyncio.wait_for(self.process.wait(), patience)
        except TimeoutError:
            self.process.kill()
            await self.process.wait()
            raise WorldError(f"the bot did not stop on {sig}; its log:\n{self.log()}") from None


class ChatDriver:
    """One Telegram user talking to the bot through the emulator."""

    def __init__(self, emulator: BotApiEmulator, user_id: int = 4242, **profile: Any) -> None:
        self.emulator = emulator
        self.user_id = user_id
        profile.setdefault("first_name", "Ada")
        profile.setdefault("last_name", "Lovelace")
        profile.setdefault("language_code", "en")
        emulator.add_user(user_id, **profile)
        # How long to wait for the bot's visible answer (longer where meetergo is made to hang).
        self.patience = 20.0

    async def send(self, text: str) -> ChatMessage:
        """Type a message and wait until the bot has answered."""
        before = len(self.emulator.calls)
        await self.emulator.send_text(self.user_id, text)
        await self.settle(before)
        return self.last()

    async def share_location(self, latitude: float, longitude: float) -> ChatMessage:
        """Share a location and wait until the bot has answered."""
        before = len(self.emulator.calls)
        await self.emulator.send_location(self.user_id, latitude, longitude)
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
            await self.emulator.wait_for_call(
                None,
                after=since,
                predicate=lambda call: call.method in VISIBLE,
                timeout=self.patience,
            )
        await self.emulator.wait_idle(quiet=0.25, timeout=self.patience)
        # "⏳ Booking…" is the bot at work, not its answer: a person waits for what replaces it
        # (for a while: a booking meetergo holds is the caller's to wait out).
        while self.at_work():
            mark = len(self.emulator.calls)
            try:
                await self.emulator.wait_for_call(
                    None,
                    after=mark,
                    predicate=lambda call: (
                        call.method in VISIBLE and call.params.get("chat_id") == self.user_id
                    ),
                    timeout=AT_WORK_PATIENCE,
                )
            except TimeoutError:
                return
            await self.emulator.wait_idle(quiet=0.25, timeout=self.patience)

    def at_work(self) -> bool:
        """Whether the chat shows the bot still at work ("⏳ Booking…")."""
        shown = self.emulator.last_bot_message(self.user_id)
        return shown is not None and shown.text.startswith(AT_WORK)

    def last(self) -> ChatMessage:
        """The bot's newest message in this chat."""
        message = self.emulator.last_bot_message(self.user_id)
        if message is None:
            raise WorldError("the bot has not written in this chat yet")
        return message

    def last_with_buttons(self) -> ChatMessage:
        """The bot's newest message that carries inline buttons."""
        for message in reversed(self.emulator.bot_messages(self.user_id)):
            if not message.deleted and self.emulator.buttons(message):
                return message
        raise WorldError("no message with buttons in this chat")

    def labels(self, message: ChatMessage | None = None) -> list[str]:
        """All button labels of a message (default: the newest)."""
        rows = self.emulator.buttons(message or self.last())
        return [label for row in rows for label, _ in row]


def follow(sandbox: SandboxScheduling) -> Callable[[], datetime]:
    """A clock for the bot process: the sandbox's now, plus the real time gone by since."""
    origin = sandbox.now()
    started = time.monotonic()
    return lambda: origin + timedelta(seconds=time.monotonic() - started)


class OfflineWorld:
    """Sandbox meetergo + Bot API emulator + the real bot process, started and stopped together.

    The world has one clock. The sandbox's "now" stays where it was when the world was made (or
    at `clock`), so what it offers stays bookable during a conversation; the bot process starts
    at that instant and its clock runs on from there.
    """

    def __init__(
        self,
        workdir: Path,
        *,
        sandbox: SandboxScheduling | None = None,
        bot_env: Mapping[str, str] | None = None,
        clock: datetime | None = None,
        world_clock: WorldClock | None = None,
    ) -> None:
        if sandbox is not None and clock is not None:
            raise ValueError("give the clock to the sandbox, or let the world make one")
        self.workdir = workdir
        if sandbox is None:
            instant = frozen(clock) if clock is not None else None
            sandbox = SandboxScheduling(clock=None if instant is None else (lambda: instant))
        self.sandbox = sandbox
        self.world_clock = world_clock
        self.emulator = BotApiEmulator()
        self._bot_env = dict(bot_env or {})
        self.bot: BotProcess | None = None

    async def __aenter__(self) -> OfflineWorld:
        """Start both stand-ins, then the bot."""
        await self.sandbox.start()
        await self.emulator.start()
        env = bot_environment(self.emulator, self.sandbox, self.workdir / "data", **self._bot_env)
        clock = self.world_clock.bot_now if self.world_clock else follow(self.sandbox)
        self.bot = BotProcess(env, self.workdir / "bot.log", clock=clock)
        await self.bot.start(self.emulator)
        return self

    async def restart(self, sig: int = signal.SIGKILL) -> None:
        """Stop the bot with `sig` (SIGKILL: no chance to save anything) and start it again."""
        if self.bot is None:
            raise WorldError("the world is not running")
        await self.bot.stop(sig)
        await self.bot.start(self.emulator)

    async def __aexit__(self, *exc_info: object) -> None:
        """Stop the bot, then the stand-ins."""
        try:
            if self.bot is not None:
                await self.bot.stop()
        finally:
            await self.emulator.stop()
            await self.sandbox.stop()
