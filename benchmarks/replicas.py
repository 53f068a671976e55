"""A burst of customers on one process (SQLite, polling) and on two replicas (PostgreSQL,
webhooks behind a front that alternates each chat's updates), plus a run where one replica is
killed halfway. Reports wall time, answer times, double bookings and out-of-order answers.

Usage: `python benchmarks/replicas.py [customers]` (default 100; the kill run uses 200).
"""

from __future__ import annotations

import asyncio
import os
import signal
import statistics
import sys
import tempfile
import time
from pathlib import Path

import asyncpg

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.sandbox.crowd import Crowd, Journey, double_bookings
from bot.sandbox.front import Front
from bot.sandbox.scheduling import SandboxScheduling
from bot.sandbox.telegram_api import BotApiEmulator
from bot.sandbox.world import BotProcess, bot_environment
from tests.support.postgres import free_port, running_postgres

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
    async with SandboxScheduling() as sandbox, BotApiEmulator() as emulator:
        env = bot_environment(emulator, sandbox, folder / "data", BOT_LOG_LEVEL="WARNING")
        process = BotProcess(env, folder / "one.log")
        await process.start(emulator)
        began = time.perf_counter()
        journeys = await Crowd(emulator).book(range(FIRST_CHAT, FIRST_CHAT + customers))
        report("one process, SQLite", journeys, time.perf_counter() - began, sandbox)
        await process.stop()


async def two_replicas(customers: int, folder: Path, url: str, *, kill: bool) -> None:
    async with SandboxScheduling() as sandbox, BotApiEmulator() as emulator:
        ports = [free_port(), free_port()]
        front = Front([f"http://127.0.0.1:{port}" for port in ports])
        await front.start()
        emulator.deliver_webhooks_to(f"{front.url}/telegram")
        processes = []
        for number, port in enumerate(ports):
            env = bot_environment(
                emulator,
                sandbox,
                folder / f"data-{number}",
                BOT_DATABASE_URL=url,
                BOT_WEBHOOK_URL="https://bot.example.org",
                BOT_WEBHOOK_LISTEN="127.0.0.1",
                BOT_WEBHOOK_PORT=str(port),
                BOT_WEBHOOK_SECRET="benchmark-secret",
                BOT_LINK_SECRET="benchmark-link-secret",
                BOT_LOG_LEVEL="WARNING",
            )
            process = BotProcess(env, folder / f"replica-{number}.log")
            await process.start(emulator, ready="setWebhook")
            processes.append(process)
        crowd = Crowd(emulator, double_tap=True)

        async def kill_halfway() -> None:
            if kill and emulator.webhook_delivery is not None:
                await emulator.webhook_delivery.until_delivered(4 * customers)
                await processes[0].stop(signal.SIGKILL)

        began = time.perf_counter()
        journeys, _ = await asyncio.gather(
            crowd.book(range(FIRST_CHAT, FIRST_CHAT + customers)), kill_halfway()
        )
        name = "two replicas, one killed halfway" if kill else "two replicas, PostgreSQL"
        report(name, journeys, time.perf_counter() - began, sandbox)
        for journey in journeys:
            for what in journey.backwards:
                print(f"  out of order in chat {journey.chat}: after {what[:90]!r}")
        for process in processes:
            await process.stop()
        await front.stop()


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
