"""Scripted conversations: a YAML file of customer steps and expectations, run in the offline world.

The format is documented in the README ("Scripted conversations") and read by script_format.py;
script_runner.py plays the steps. This module sets up a fresh world for one script (its clock,
its sandbox team, its agent) and reports the outcome.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bot.sandbox.clock import WorldClock
from bot.sandbox.script_format import STEP_KINDS, Script, ScriptError, Step, load_script
from bot.sandbox.script_runner import Runner, StepFailed
from bot.sandbox.script_sandbox import build_sandbox
from bot.sandbox.world import ChatDriver, OfflineWorld

__all__ = [
    "STEP_KINDS",
    "Outcome",
    "Runner",
    "Script",
    "ScriptError",
    "Step",
    "StepFailed",
    "load_script",
    "run_script",
]


@dataclass
class Outcome:
    """How a script went: passed or not, the transcript, the failure, the bookings made."""

    path: Path
    passed: bool
    transcript: str
    failure: str | None = None
    bookings: list[dict[str, Any]] = field(default_factory=list)


async def run_script(path: Path, *, clock: datetime | None = None) -> Outcome:
    """Run one script in a fresh offline world and report pass or fail with a transcript.

    `clock` (aware) overrides the script's own `clock:`; without either, the world's clock
    is fixed when it starts.
    """
    script = load_script(path)
    profile = {
        "first_name": script.customer.get("first_name", "Ada"),
        "last_name": script.customer.get("last_name"),
        "language_code": script.customer.get("language", "en"),
    }
    with tempfile.TemporaryDirectory(prefix="meetergo-bot-script-") as workdir:
        world_clock = WorldClock(clock or script.clock or datetime.now(UTC))
        sandbox = build_sandbox(script.sandbox, world_clock.sandbox_now)
        bot_env = dict(script.bot_env)
        if script.agent is not None:
            agents = [part for part in bot_env.get("BOT_AGENT_IDS", "").split(",") if part]
            bot_env["BOT_AGENT_IDS"] = ",".join([*agents, str(script.agent["id"])])
        if any(step.kind in ("host_cancels", "host_moves") for step in script.steps):
            # The team changes appointments: the bot (no public URL here) checks every second.
            bot_env.setdefault("BOT_APPOINTMENT_CHECK_SECONDS", "1")
        if script.questions is not None:  # the script's `questions:`, as the bot's file
            questions = Path(workdir) / "questions.yaml"
            questions.write_text(script.questions, encoding="utf-8")
            bot_env["BOT_QUESTIONS"] = str(questions)
        world = OfflineWorld(
            Path(workdir), sandbox=sandbox, bot_env=bot_env, world_clock=world_clock
        )
        async with world:
            driver = ChatDriver(world.emulator, int(script.customer.get("id", 1001)), **profile)
            agent = None
            if script.agent is not None:
                agent = ChatDriver(
                    world.emulator,
                    int(script.agent["id"]),
                    first_name=script.agent.get("first_name", "Sam"),
                    last_name=script.agent.get("last_name"),
                    language_code=script.agent.get("language", "en"),
                )
            runner = Runner(script, world, driver, agent)
            failure: str | None = None
            try:
                await runner.play()
            except StepFailed as error:
                failure = str(error)
            violations = world.emulator.violations
            if failure is None and violations:
                failure = f"Telegram would have rejected: {violations[0].description}"
            bookings = [booking.body for booking in world.sandbox.bookings if booking.body]
            return Outcome(path, failure is None, runner.transcript.getvalue(), failure, bookings)
