"""Telegram's limits, against the real `python -m bot` and an emulator that enforces them: with
a pace of its own (TELEGRAM_MESSAGES_PER_SECOND) the bot stays within the limit even at its
edge; without one it is refused (429), and every request waits as long as it was told, so every
customer still gets the answer either way."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio

from bot.sandbox.scheduling import SandboxScheduling
from bot.sandbox.telegram_api import BotApiEmulator, TelegramLimits
from bot.sandbox.world import follow
from tests.support.harness import BotProcess, bot_environment

CUSTOMERS = 16
TELEGRAM_LIMIT = 10  # requests to chats per second the emulator takes from the bot
FIRST_CHAT = 7000


async def everyone_starts(emulator: BotApiEmulator) -> None:
    """Every customer sends /start at once; wait until the bot has answered them all."""
    updates = []
    for chat in range(FIRST_CHAT, FIRST_CHAT + CUSTOMERS):
        emulator.add_user(chat, f"Customer{chat}", "Burst", "en")
        await emulator.send_text(chat, "/start")
        assert emulator.last_update_id is not None
        updates.append(emulator.last_update_id)
    await asyncio.gather(*(emulator.wait_finished(update, timeout=60) for update in updates))


def greeted(emulator: BotApiEmulator) -> list[int]:
    """The customers who were shown the days to pick from."""
    return [
        chat
        for chat in range(FIRST_CHAT, FIRST_CHAT + CUSTOMERS)
        if any("Pick a day" in message.text for message in emulator.bot_messages(chat))
    ]


def refused_for_pace(emulator: BotApiEmulator) -> int:
    return sum(1 for call in emulator.calls if call.status == 429)


@pytest_asyncio.fixture
async def paced_emulator() -> AsyncIterator[BotApiEmulator]:
    async with BotApiEmulator(limits=TelegramLimits(per_bot=TELEGRAM_LIMIT)) as emulator:
        yield emulator


@pytest.mark.parametrize("pace", [TELEGRAM_LIMIT, 0], ids=["paced", "unpaced"])
async def test_a_burst_of_customers_is_answered_within_telegrams_limit(
    pace: int, paced_emulator: BotApiEmulator, sandbox: SandboxScheduling, tmp_path: Path
) -> None:
    emulator = paced_emulator
    env = bot_environment(
        emulator, sandbox, tmp_path / "data", TELEGRAM_MESSAGES_PER_SECOND=str(pace)
    )
    bot = BotProcess(env, tmp_path / "bot.log", clock=follow(sandbox))
    await bot.start(emulator)
    try:
        await everyone_starts(emulator)
    finally:
        assert await bot.stop() == 0, bot.log()
    assert greeted(emulator) == list(range(FIRST_CHAT, FIRST_CHAT + CUSTOMERS))
    if pace:
        assert refused_for_pace(emulator) == 0, "the bot kept within Telegram's limit"
        assert emulator.violations == []
    else:
        # Too fast for Telegram: refused, waited as told, sent again (none lost).
        assert refused_for_pace(emulator) > 0
        assert all(call.status == 429 for call in emulator.violations)
        assert "rate limited, sending again" in bot.log()
    assert emulator.pace.early == [], "no request came before the wait it was told of"
