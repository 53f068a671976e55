"""An offline world: the real bot process between the sandbox meetergo and the Bot API emulator.

Used by the demo, the scripted conversations and the end-to-end tests. The bot only learns
two base URLs (and a token and key the stand-ins accept); it runs the production code path.
"""

from __future__ import annotations

import asyncio
import json
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
from bot.sandbox.telegram_api import TELEGRAM_LIMITS, BotApiEmulator, ChatMessage

VISIBLE = frozenset(
    {"sendMessage", "editMessageText", "editMessageReplyMarkup", "deleteMessage", "sendDocument"}
)
PRIVACY_URL = "https://example.org/privacy"
# The offline world's waits (README, configuration): loopback answers in milliseconds, so a
# bot that waited as long as it does for the real services would only make every hang, slow
# answer and retry take longer to see. Ratios are kept: "typing…" before "still booking"
# before a booking's timeout; a read is retried faster than a booking is given up.
OFFLINE_WAITS = {
    "MEETERGO_READ_TIMEOUT_SECONDS": "2.5",
    "MEETERGO_BOOKING_TIMEOUT_SECONDS": "3",
    "MEETERGO_RETRY_BACKOFF_SECONDS": "0.1",
    "BOT_STARTUP_PATIENCE_SECONDS": "2",
    "BOT_STARTUP_RETRY_SECONDS": "0.5",
    "BOT_TYPING_AFTER_SECONDS": "0.5",
    "BOT_STILL_BOOKING_AFTER_SECONDS": "1",
    "TELEGRAM_RETRY_BACKOFF_SECONDS": "0.05",
    # Replies unpaced: the emulator answers 429 only where it is told to enforce a pace.
    "TELEGRAM_MESSAGES_PER_SECOND": "0",
    # meetergo unpaced too (the sandbox has no limit); benchmarks set the deployed pace.
    "MEETERGO_REQUESTS_PER_MINUTE": "0",
    # No scheduled checks of appointments ahead: they would read meetergo beside what a test
    # counts; a world that has the team change appointments turns them on.
    "BOT_APPOINTMENT_CHECK_SECONDS": "0",
    "BOT_WAITLIST_CHECK_SECONDS": "0",
}
# TELEGRAM_MESSAGES_PER_SECOND as deployed (the setting's default): for benchmarks, which
# measure what customers would see.
DEPLOYED_PACE = "30"
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
        **OFFLINE_WAITS,
        **extra,
    }


class FinishedUpdates:
    """The updates a bot process has finished, read from its log: at DEBUG level the bot
    writes `"event": "handled"` with the update's id once its answer is sent and its state
    committed (bot/ptb/update_processor.py). A finish line for the emulator.

    It also reads where each chat's conversation is (`"event": "step"`, written by the flow
    before the update is finished), for drivers that answer whatever step is shown."""

    def __init__(self, log_path: Path) -> None:
        self._path = log_path
        self._offset = 0
        self._partial = b""
        self._done: set[int] = set()
        self._steps: dict[int, str] = {}

    def __call__(self, update_id: int) -> bool:
        """Whether the bot has finished the update (reading what it logged since last time)."""
        if update_id not in self._done:
            self._read()
        return update_id in self._done

    def step_of(self, chat_id: int) -> str | None:
        """The step the chat was last shown (None: none logged yet)."""
        self._read()
        return self._steps.get(chat_id)

    def _read(self) -> None:
        try:
            with self._path.open("rb") as log:
                log.seek(self._offset)
                chunk = log.read()
        except FileNotFoundError:
            return
        self._offset += len(chunk)
        *lines, self._partial = (self._partial + chunk).split(b"\n")
        for line in lines:
            if b'"handled"' not in line and b'"step"' not in line:
                continue
            try:
                entry = json.loads(line)
            except ValueError:
                continue
            if entry.get("event") == "handled" and isinstance(entry.get("update"), int):
                self._done.add(entry["update"])
            elif entry.get("event") == "step" and isinstance(entry.get("chat"), int):
                self._steps[entry["chat"]] = str(entry.get("step"))


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
        self.finished = FinishedUpdates(log_path)

    async def start(
        self, emulator: BotApiEmulator, *, patience: float = 30.0, ready: str = "getUpdates"
    ) -> None:
        """Start the bot and wait until it polls (its start-up work done, a signal now stops it
        cleanly), or for `ready` ("setWebhook" for a bot run with a webhook)."""
        first_call, first_poll = len(emulator.calls), emulator.polls_opened
        if self.finished not in emulator.finish_lines:
            emulator.finish_lines.append(self.finished)
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
            if ready == "getUpdates":
                await emulator.wait_for_poll(first_poll, timeout=patience)
            else:
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
        # Where the bot says this chat is; by default read from the bot processes' logs.
        self.step_reader: Callable[[int], str | None] | None = None

    def step(self) -> str | None:
        """The step of the booking this chat is at, as the bot logged it (None: unknown)."""
        if self.step_reader is not None:
            return self.step_reader(self.user_id)
        for finished in self.emulator.finish_lines:
            reader = getattr(finished, "step_of", None)
            if reader is not None and (step := reader(self.user_id)) is not None:
                return str(step)
        return None

    async def send(self, text: str) -> ChatMessage:
        """Type a message and wait until the bot has answered."""
        before = len(self.emulator.calls)
        await self.emulator.send_text(self.user_id, text)
        await self.settle(before, self.emulator.last_update_id)
        return self.last()

    async def share_location(self, latitude: float, longitude: float) -> ChatMessage:
        """Share a location and wait until the bot has answered."""
        before = len(self.emulator.calls)
        await self.emulator.send_location(self.user_id, latitude, longitude)
        await self.settle(before, self.emulator.last_update_id)
        return self.last()

    async def share_contact(
        self,
        phone: str,
        *,
        own: bool = True,
        user_id: int | None = None,
        first_name: str | None = None,
        last_name: str | None = None,
    ) -> ChatMessage:
        """Share a contact and wait until the bot has answered: the customer's own (as the
        "share my phone number" button does), or someone else's (`user_id` their Telegram id,
        None for a contact without one; `first_name` by default "Sam")."""
        before = len(self.emulator.calls)
        await self.emulator.send_contact(
            self.user_id,
            phone,
            contact_user_id="own" if own else user_id,
            first_name=first_name,
            last_name=last_name,
        )
        await self.settle(before, self.emulator.last_update_id)
        return self.last()

    async def tap(self, label: str, *, message_id: int | None = None) -> str:
        """Tap the button whose label contains `label` and wait for the chat to change."""
        before = len(self.emulator.calls)
        query_id = await self.emulator.tap(self.user_id, label, message_id=message_id)
        await self.settle(before, self.emulator.last_update_id)
        return query_id

    async def press(self, message_id: int, data: str, *, visible: bool = True) -> str:
        """Press a button with raw (possibly forged) data."""
        before = len(self.emulator.calls)
        query_id = await self.emulator.press(self.user_id, message_id, data)
        await self.settle(before if visible else None, self.emulator.last_update_id)
        return query_id

    async def settle(self, since: int | None = None, update: int | None = None) -> None:
        """Wait until the bot has finished `update`: its answer sent, its state committed, so
        what the chat shows now is the whole answer (and a kill now loses nothing).

        Where the bot cannot tell (it does not log at DEBUG level, so no finish line), wait for
        the first change the customer can see after call `since` instead.
        """
        if update is not None and await self.emulator.wait_finished(update, self.patience):
            return
        if since is not None:
            await self.emulator.wait_for_call(
                None,
                after=since,
                predicate=lambda call: call.method in VISIBLE,
                timeout=self.patience,
            )

    def bot_messages(self) -> list[ChatMessage]:
        """The messages the bot sent in this chat, in order (deleted ones flagged)."""
        return self.emulator.bot_messages(self.user_id)

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
        self._bot_env = dict(bot_env or {})
        # Telegram's limits are enforced on a bot that paces itself; the tests' bot runs
        # unpaced (OFFLINE_WAITS), and answering at once is what they look at.
        paced = float({**OFFLINE_WAITS, **self._bot_env}["TELEGRAM_MESSAGES_PER_SECOND"]) > 0
        self.emulator = BotApiEmulator(limits=TELEGRAM_LIMITS if paced else None)
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

    async def connect_business(
        self, owner_id: int, *, can_reply: bool = True, enabled: bool = True
    ) -> str:
        """Business Mode on (BotFather), then `owner_id` (a user the emulator knows) connects
        the bot to their Telegram Business account; returns the connection's id once the bot
        has handled the connection (what it tells the owner is in their chat by then).

        Telegram's clock is set to the world's first: the bot compares a customer's message
        date (Telegram's) with its own clock for Telegram's 24-hour reply window."""
        emulator = self.emulator
        emulator.enable_business_mode()
        self.align_telegram_clock()
        # The emulator lets the bot write only to a user who has opened its chat, a business
        # connection's owner included (telegram_business.py, _own_chat), and the agents' setup
        # has them send /start first: the owner's chat is opened here, without a message, so
        # what the bot says about the connection can reach them.
        emulator.state.open_chat(owner_id)
        connection_id = await emulator.connect_business(
            owner_id, can_reply=can_reply, enabled=enabled
        )
        await self.update_handled()
        return connection_id

    async def update_handled(self, patience: float = 20.0) -> None:
        """Wait until the bot has finished the newest update the emulator queued (none queued,
        as for a disabled connection's chats: nothing to wait for)."""
        update = self.emulator.last_update_id
        if update is not None and not await self.emulator.wait_finished(update, patience):
            raise WorldError("the bot does not log at DEBUG level: nothing tells when it is done")

    def align_telegram_clock(self) -> None:
        """Set Telegram's clock (message dates) to the world's, where the world has one."""
        if self.world_clock is not None:
            now = self.world_clock.bot_now().timestamp()
            self.emulator.advance_clock(now - (time.time() + self.emulator.state.clock_offset))

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
