"""Two real `python -m bot` replicas in webhook mode on one PostgreSQL database, behind a front.

What an operator runs past one process, on loopback: each replica has its own data folder and
port and shares the database and the secrets (webhook and links) with the other. The emulator
delivers its updates to the front, which spreads them over the replicas (bot/sandbox/front.py).

Used by the two-replica tests and by the benchmark (benchmarks/replicas.py).
"""

from __future__ import annotations

import asyncio
import signal
from dataclasses import dataclass
from pathlib import Path

from bot.sandbox.front import Front, Mode
from bot.sandbox.scheduling import SandboxScheduling
from bot.sandbox.telegram_api import BotApiEmulator
from bot.sandbox.world import BotProcess, WorldError, bot_environment, free_port

WEBHOOK_URL = "https://bot.example.org"  # never called: the emulator delivers to the front


@dataclass
class Replicas:
    """The running replicas and their front."""

    processes: list[BotProcess]
    front: Front
    emulator: BotApiEmulator

    async def kill_first_after(self, delivered: int) -> None:
        """SIGKILL the first replica once `delivered` updates in all were taken by the front."""
        delivery = self.emulator.webhook_delivery
        if delivery is None:
            raise WorldError("the emulator delivers no webhooks")
        await delivery.until_delivered(delivered)
        await self.processes[0].stop(signal.SIGKILL)

    async def stop(self) -> list[int]:
        """Stop the replicas (SIGTERM) and the front; returns each replica's exit code."""
        codes = [await process.stop() for process in self.processes]
        await self.front.stop()
        return codes


async def start_replicas(
    emulator: BotApiEmulator,
    sandbox: SandboxScheduling,
    database_url: str,
    folder: Path,
    *,
    count: int = 2,
    mode: Mode = "alternate",
    **extra: str,
) -> Replicas:
    """Start `count` replicas on `database_url` and point the emulator's webhook at the front.

    `extra` are more environment settings for every replica (BOT_LOG_LEVEL, timeouts, ...).
    """
    await asyncio.to_thread(folder.mkdir, parents=True, exist_ok=True)
    ports = [free_port() for _ in range(count)]
    front = Front([f"http://127.0.0.1:{port}" for port in ports], mode=mode)
    await front.start()
    emulator.deliver_webhooks_to(f"{front.url}/telegram")
    settings = {"BOT_LOG_LEVEL": "INFO", **extra}
    processes = []
    for number, port in enumerate(ports):
        env = bot_environment(
            emulator,
            sandbox,
            folder / f"data-{number}",
            BOT_DATABASE_URL=database_url,
            BOT_WEBHOOK_URL=WEBHOOK_URL,
            BOT_WEBHOOK_LISTEN="127.0.0.1",
            BOT_WEBHOOK_PORT=str(port),
            BOT_WEBHOOK_SECRET="replicas-share-this-secret",
            BOT_LINK_SECRET="replicas-share-this-too",
            **settings,
        )
        process = BotProcess(env, folder / f"replica-{number}.log")
        await process.start(emulator, ready="setWebhook")
        processes.append(process)
    return Replicas(processes, front, emulator)
