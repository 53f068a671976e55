"""A chat in the terminal: the customer's side of the offline world, typed or piped."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import AsyncIterator, Callable
from typing import Any, TextIO

from bot.sandbox.recorder import Recorder
from bot.sandbox.telegram_api import ChatMessage
from bot.sandbox.world import ChatDriver, WorldError

HELP = (
    "Type a message and press Enter. A number picks a button. "
    "/commands go to the bot. ':location LAT LON' shares a location, ':contact [PHONE]' "
    "your phone number, ':quit' ends."
)
# The customer's phone number in the terminal: what ':contact' and a "share my phone number"
# button share unless another number is typed.
DEMO_PHONE = "+49 30 1234567"
_STYLE = {"bold": "\x1b[1m", "italic": "\x1b[3m", "underline": "\x1b[4m", "code": "\x1b[2m"}
_RESET = "\x1b[0m"


def _utf16_slices(text: str) -> list[str]:
    """Characters grouped so that index i is the i-th UTF-16 code unit (entity offsets)."""
    units: list[str] = []
    for char in text:
        units.append(char)
        if ord(char) > 0xFFFF:
            units.append("")  # the second half of a surrogate pair
    return units


def render_text(message: ChatMessage, *, color: bool) -> str:
    """The message text with bold/italic as terminal styles (or plain) and link targets shown."""
    units = _utf16_slices(message.text)
    before: dict[int, list[str]] = {}
    after: dict[int, list[str]] = {}
    for entity in message.entities:
        start, end = entity["offset"], entity["offset"] + entity["length"]
        style = _STYLE.get(entity["type"])
        if color and style:
            before.setdefault(start, []).append(style)
            after.setdefault(end, []).append(_RESET)
        if entity["type"] == "text_link":
            after.setdefault(end, []).append(f" <{entity['url']}>")
    out: list[str] = []
    for index, unit in enumerate([*units, ""]):
        out.extend(after.get(index, []))
        out.extend(before.get(index, []))
        out.append(unit)
    return "".join(out)


def keyboard_of(message: ChatMessage) -> list[list[dict[str, Any]]]:
    """The rows of an inline or reply keyboard, or nothing."""
    markup = message.reply_markup or {}
    rows = markup.get("inline_keyboard") or markup.get("keyboard") or []
    return [
        [button if isinstance(button, dict) else {"text": button} for button in row] for row in rows
    ]


class Console:
    """Prints what the bot writes and turns typed lines into the customer's actions."""

    def __init__(
        self, driver: ChatDriver, out: TextIO, *, color: bool, recorder: Recorder | None = None
    ) -> None:
        self.driver = driver
        self.out = out
        self.color = color
        self.recorder = recorder  # `demo --record`: what is done and shown, kept as a script
        self._shown: dict[int, tuple[str, str]] = {}
        self._choices: list[dict[str, Any]] = []
        self._keyboard_message: ChatMessage | None = None

    def print_new(self) -> None:
        """Print bot messages that are new or changed since last time."""
        for message in self.driver.emulator.bot_messages(self.driver.user_id):
            seen = (message.text, repr(message.reply_markup))
            previous = self._shown.get(message.message_id)
            if message.deleted or previous == seen:
                continue
            self._shown[message.message_id] = seen
            self._print_message(message, edited=previous is not None)

    def _print_message(self, message: ChatMessage, *, edited: bool) -> None:
        marker = "bot (edited)" if edited else "bot"
        self.out.write(f"\n{marker}: {render_text(message, color=self.color)}\n")
        if message.document:
            self.out.write(f"  [file: {message.document.get('file_name') or 'attachment'}]\n")
        rows = keyboard_of(message)
        if rows:
            self._choices, self._keyboard_message = [], message
            for row in rows:
                cells = []
                for button in row:
                    self._choices.append(button)
                    cells.append(f"[{len(self._choices)}] {button['text']}")
                self.out.write("  " + "   ".join(cells) + "\n")
        elif self._keyboard_message and self._keyboard_message.message_id == message.message_id:
            # The message that held the buttons lost them (e.g. "Booking…"): nothing to pick.
            self._choices, self._keyboard_message = [], None
        self.out.flush()

    async def handle(self, line: str) -> bool:
        """Act on one typed line; False when the customer wants to leave."""
        line = line.strip()
        if not line:
            return True
        if line in (":quit", ":q"):
            return False
        if line in (":help", "?"):
            self.out.write(HELP + "\n")
            return True
        if line.startswith(":location"):
            await self._share_location(line)
        elif line.startswith(":contact"):
            phone = line.removeprefix(":contact").strip() or DEMO_PHONE
            self._record({"contact": phone})
            await self.driver.share_contact(phone)
        elif line.isdigit() and self._choices:
            await self._choose(int(line))
        else:
            self._record({"send": line})
            await self.driver.send(line)
        self.print_new()
        self._record_shown()
        return True

    def _record(self, step: dict[str, Any]) -> None:
        if self.recorder is not None:
            self.recorder.did(step)

    def _record_shown(self) -> None:
        """After an action: what the newest message says, and its own inline buttons."""
        if self.recorder is None:
            return
        message = self.driver.emulator.last_bot_message(self.driver.user_id)
        markup = (message.reply_markup or {}) if message is not None else {}
        rows = markup.get("inline_keyboard") or []
        self.recorder.saw(message, [button["text"] for row in rows for button in row])

    async def _share_location(self, line: str) -> None:
        parts = line.split()
        try:
            latitude, longitude = float(parts[1]), float(parts[2])
        except (IndexError, ValueError):
            self.out.write("usage: :location LAT LON (e.g. :location 52.52 13.40)\n")
            return
        self._record({"location": [latitude, longitude]})
        await self.driver.share_location(latitude, longitude)

    async def _choose(self, number: int) -> None:
        if not 1 <= number <= len(self._choices) or self._keyboard_message is None:
            self.out.write(f"There is no button {number}; pick 1–{len(self._choices)}.\n")
            return
        button = self._choices[number - 1]
        if "callback_data" in button:
            self._record({"tap": button["text"]})
            await self.driver.press(self._keyboard_message.message_id, button["callback_data"])
        elif "url" in button:
            self.out.write(f"(opens {button['url']})\n")
        elif button.get("request_contact") is True:
            self._record({"keyboard": button["text"]})  # a reply keyboard's button, by label
            await self.driver.share_contact(DEMO_PHONE)
        else:
            self._record({"keyboard": button["text"]})
            await self.driver.send(button["text"])


async def stdin_lines(stream: TextIO, prompt: Callable[[], None]) -> AsyncIterator[str]:
    """Lines from stdin without blocking the event loop; ends at end of input."""
    while True:
        prompt()
        line = await asyncio.to_thread(stream.readline)
        if not line:
            return
        yield line


async def run_console(
    driver: ChatDriver,
    *,
    stream: TextIO = sys.stdin,
    out: TextIO = sys.stdout,
    recorder: Recorder | None = None,
) -> int:
    """Chat until ':quit' or end of input; 0 when all went well."""
    interactive = stream.isatty()
    console = Console(driver, out, color=out.isatty(), recorder=recorder)
    out.write(HELP + "\n")

    def prompt() -> None:
        if interactive:
            out.write("you: ")
            out.flush()

    async for line in stdin_lines(stream, prompt):
        if not interactive and line.strip():
            out.write(f"\nyou: {line.strip()}\n")
        try:
            if not await console.handle(line):
                break
        except (WorldError, TimeoutError, LookupError) as error:
            out.write(f"\n(!) {error}\n")
            return 1
    return 0
