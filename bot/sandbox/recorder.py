"""`python -m bot demo --record FILE`: what the person did in the demo, written as a script.

The script holds the demo's clock (to the minute, so the sandbox offers the same times when it
runs), the customer, the demo's questions, each thing typed or tapped, and after each an
`expect` of what the bot showed: the first lines of its newest message and the buttons on it.
Today's and tomorrow's dates become `{today}` / `{tomorrow}` (and `:button` forms), so the
script reads as the conversation did. It runs green as recorded and fails where the bot or
the sandbox answers differently (other free times, other wording), ready to be edited.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import yaml

from bot.language.i18n import Formatter
from bot.sandbox.telegram_api import ChatMessage

LINES_EXPECTED = 2  # the first lines of a message an `expect` checks (the rest may be edited in)


def minute_of(moment: datetime) -> datetime:
    """`moment` to the whole minute (a script's clock is written to the minute)."""
    return moment.replace(second=0, microsecond=0)


@dataclass
class Recorder:
    """Collects the steps of a demo session and writes them as a script."""

    clock: datetime  # aware; the demo world's clock, to the minute
    zone: str  # the customer's zone, for the clock's text and the date placeholders
    customer: dict[str, str]
    questions: Any = None  # the demo's BOT_QUESTIONS, as data
    steps: list[dict[str, Any]] = field(default_factory=list)

    def did(self, step: dict[str, Any]) -> None:
        """The customer did something (a `send`, `tap`, `location` or `contact` step)."""
        self.steps.append(step)

    def saw(self, message: ChatMessage | None, buttons: list[str]) -> None:
        """What the bot showed after it: an `expect` of the message's first lines and its
        buttons."""
        if message is None:
            return
        lines = [line.strip() for line in message.text.splitlines() if line.strip()]
        expect: dict[str, Any] = {"text": [self._dated(line) for line in lines[:LINES_EXPECTED]]}
        if buttons:
            expect["buttons"] = [self._dated(label, button=True) for label in buttons]
        self.steps.append({"expect": expect})

    def _dated(self, text: str, *, button: bool = False) -> str:
        """`text` with today's and tomorrow's dates as placeholders."""
        formatter = Formatter(self.customer.get("language", "en"), self.zone)
        today = self.clock.astimezone(ZoneInfo(self.zone)).date()
        for name, day in (("tomorrow", today + timedelta(days=1)), ("today", today)):
            full, short = formatter.full_date(day), formatter.short_day_label(day)
            if button and text == short:
                return f"{{{name}:button}}"
            text = text.replace(full, f"{{{name}}}")
        return text

    def script(self) -> dict[str, Any]:
        """The script as data, in the order its sections are documented."""
        local = self.clock.astimezone(ZoneInfo(self.zone))
        recorded: dict[str, Any] = {
            "name": f"Recorded in the demo on {local:%Y-%m-%d at %H:%M}",
            "clock": f"{local:%Y-%m-%dT%H:%M} {self.zone}",
            "customer": self.customer,
        }
        if self.questions:
            recorded["questions"] = self.questions
        recorded["steps"] = self.steps
        return recorded

    def write(self, path: Path) -> None:
        """Write the script as YAML."""
        text = yaml.safe_dump(self.script(), sort_keys=False, allow_unicode=True, width=100)
        path.write_text(text, encoding="utf-8")
