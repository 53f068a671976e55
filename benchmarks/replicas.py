"""A burst of customers on one process (SQLite, polling) and on two replicas (PostgreSQL,
webhooks behind a front that alternates each chat's updates), plus a run where one replica is
killed halfway. Reports wall time, answer times, double bookings and out-of-order answers.

Usage: `python benchmarks/replicas.py [customers]` (default 100; the kill run uses 200).
"""

from __future__ import annotations

import asyncio
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import asyncpg

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.sandbox.crowd import Crowd, Journey, double_bookings
from bot.sandbox.replicas import start_replicas
from bot.sandbox.scheduling import SandboxScheduling
from bot.sandbox.telegram_api import BotApiEmulator
from bot.sandbox.world import DEPLOYED_PACE, BotProcess, bot_environment
from tests.support.postgres import running_postgres

FIRST_CHAT = 70_000


def report(name: str, journeys: list[Journey], wall: float, sandbox: SandboxScheduling) -> None:
    answers = sorted(s for j in journeys for s in j.answer_seconds)
    p50 = statistics.median(answers) if answers else float("nan")
    p95 = statistics.quantiles(answers, n=20)[-1] if len(answers) > 1 else float("nan")
    slots, people = double_bookings(sandbox)
    print(
        f"{name:<34} customers={len(journeys)} booked={sum(j.booked for j in journeys)} "
        f"wall={wall:.1f}s answer_p50={p50 * 1000:.0f}ms answer_p95={p95 * 1000:.0f}ms "
        f"double_booked_slots={slots} customers_booked_twice={people} "
        f"out_of_order={sum(j.out_of_order for j in journeys)} "
        f"repeated_steps={sum(j.repeats for j in journeys)}",
        flush=True,
    )


async def one_process(customers: int, folder: Path) -> None:
    await asyncio.to_thread(folder.mkdir, parents=True)
    async with SandboxScheduling() as sandbox, BotApiEmulator() as emulator:
        env = bot_environment(
            emulator,
            sandbox,
            folder / "data",
            BOT_LOG_LEVEL="WARNING",
            TELEGRAM_MESSAGES_PER_SECOND=DEPLOYED_PACE,
        )
        process = BotProcess(env, folder / "one.log")
        await process.start(emulator)
        began = time.perf_counter()
        journeys = await Crowd(emulator).book(range(FIRST_CHAT, FIRST_CHAT + customers))
        report("one process, SQLite", journeys, time.perf_counter() - began, sandbox)
        await process.stop()


async def two_replicas(customers: int, folder: Path, url: str, *, kill: bool) -> None:
    async with SandboxScheduling() as sandbox, BotApiEmulator() as emulator:
        replicas = await start_replicas(
            emulator,
            sandbox,
            url,
            folder,
            BOT_LOG_LEVEL="WARNING",
            TELEGRAM_MESSAGES_PER_SECOND=DEPLOYED_PACE,
        )
        crowd = Crowd(emulator, double_tap=True)
        # Half of the updates a whole run takes (about 8 per customer) have been delivered.
        kill_halfway = replicas.kill_first_after(4 * customers) if kill else asyncio.sleep(0)
        began = time.perf_counter()
        journeys, _ = await asyncio.gather(
            crowd.book(range(FIRST_CHAT, FIRST_CHAT + customers)), kill_halfway
        )
        name = "two replicas, one killed halfway" if kill else "two replicas, PostgreSQL"
        report(name, journeys, time.perf_counter() - began, sandbox)
        for journey in journeys:
            if journey.backwards or not journey.booked:
                print(f"  {journey.story(emulator)}")
        await replicas.stop()


async def main(customers: int) -> None:
    print(f"machine: {os.cpu_count()} cores, {os.uname().sysname} {os.uname().machine}")
    with tempfile.TemporaryDirectory() as workdir, running_postgres() as server:
        folder = Path(workdir)
        admin = await asyncpg.connect(server.url())
        await one_process(customers, folder / "one")
        for number, (count, kill) in enumerate(((customers, False), (200, False), (200, True))):
            await admin.execute(f'CREATE DATABASE "run_{number}"')
            await two_replicas(
                count, folder / f"two-{number}", server.url(f"run_{number}"), kill=kill
            )
        await admin.close()


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]) if len(sys.argv) > 1 else 100))
