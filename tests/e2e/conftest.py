"""Fixtures that run the real bot process against the two loopback stand-ins."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest_asyncio

from bot.sandbox.scheduling import SandboxScheduling
from bot.sandbox.telegram_api import BotApiEmulator
from bot.sandbox.world import follow
from tests.support.harness import BotProcess, Customer, bot_environment


@pytest_asyncio.fixture
async def sandbox() -> AsyncIterator[SandboxScheduling]:
    async with SandboxScheduling() as server:
        yield server


@pytest_asyncio.fixture
async def emulator() -> AsyncIterator[BotApiEmulator]:
    # Telegram's limits off: the tests' bot runs unpaced (the pace tests make their own).
    async with BotApiEmulator(limits=None) as server:
        yield server


@pytest_asyncio.fixture
async def bot(
    emulator: BotApiEmulator, sandbox: SandboxScheduling, tmp_path: Path
) -> AsyncIterator[BotProcess]:
    process = BotProcess(
        bot_environment(emulator, sandbox, tmp_path / "data"),
        tmp_path / "bot.log",
        clock=follow(sandbox),
    )
    await process.start(emulator)
    yield process
    code = await process.stop()
    assert code == 0, f"bot exited with {code}:\n{process.log()}"


@pytest_asyncio.fixture
async def ada(emulator: BotApiEmulator) -> Customer:
    return Customer(emulator, 4242, first_name="Ada", last_name="Lovelace", language_code="en")
