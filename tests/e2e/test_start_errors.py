"""A start that cannot go on ends with one line naming why, never a traceback (README,
configuration): a database that cannot be reached, and a Telegram that cannot be reached."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.sandbox.scheduling import SandboxScheduling
from bot.sandbox.telegram_api import BotApiEmulator
from bot.sandbox.world import bot_environment, free_port

PROJECT_ROOT = Path(__file__).resolve().parents[2]


def start(env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    clean = {
        k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "MEETERGO_", "BOT_"))
    }
    return subprocess.run(
        [sys.executable, "-m", "bot"],
        env={**clean, **env, "PYTHONPATH": str(PROJECT_ROOT), "BOT_LOG_LEVEL": "CRITICAL"},
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.mark.parametrize("webhook", [False, True], ids=["polling", "webhook"])
async def test_an_unreachable_database_ends_the_start_with_one_line_and_exit_2(
    tmp_path: Path, webhook: bool
) -> None:
    async with BotApiEmulator(limits=None) as emulator, SandboxScheduling() as sandbox:
        env = bot_environment(emulator, sandbox, tmp_path / "data")
        if webhook:
            env["BOT_WEBHOOK_URL"] = "https://bot.example.org"
            env["BOT_WEBHOOK_LISTEN"], env["BOT_WEBHOOK_PORT"] = "127.0.0.1", str(free_port())
        env["BOT_DATABASE_URL"] = f"postgresql://bot:s3cretpw@127.0.0.1:{free_port()}/bot"
        result = await asyncio_to_thread(start, env, tmp_path)
    assert result.returncode == 2, result.stderr
    assert result.stderr.strip().splitlines() == [
        "startup error: the database at BOT_DATABASE_URL cannot be used (ConnectionRefusedError)"
    ]
    assert "s3cretpw" not in result.stderr + result.stdout


async def test_an_unreachable_telegram_ends_the_start_with_one_line(tmp_path: Path) -> None:
    async with SandboxScheduling() as sandbox, BotApiEmulator(limits=None) as emulator:
        env = bot_environment(emulator, sandbox, tmp_path / "data")
    env["TELEGRAM_API_URL"] = f"http://127.0.0.1:{free_port()}"  # nobody listens there
    result = start(env, tmp_path)
    assert result.returncode == 1
    assert (
        result.stderr.strip().splitlines()[-1] == "startup error: Telegram's Bot API: NetworkError"
    )
    assert "Traceback (most recent call last)" not in result.stderr.splitlines()[-1]


async def asyncio_to_thread(function: object, *args: object) -> subprocess.CompletedProcess[str]:
    import asyncio

    return await asyncio.to_thread(function, *args)  # type: ignore[arg-type]
