"""A burst of customers on one process (SQLite, polling) and on two replicas (PostgreSQL,
webhooks behind a front that alternates each chat's updates), plus a run where one replica is
killed halfway. Reports wall time, answer times, double bookings and out-of-order answers.

Usage: `python benchmarks/replicas.py [customers] [runs]` (default 100 customers; the 200 runs
and the kill run use 200; runs, comma-separated, default all: one, two, two200, kill). The
emulator enforces Telegram's limits; each row also counts its 429s (for the bot as a whole, and
for a chat) and the requests that came before a wait Telegram asked for was over.
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


def report(
    name: str,
    journeys: list[Journey],
    wall: float,
    sandbox: SandboxScheduling,
    emulator: BotApiEmulator,
) -> None:
    answers = sorted(s for j in journeys for s in j.answer_seconds)
    p50 = statistics.median(answers) if answers else float("nan")
    p95 = statistics.quantiles(answers, n=20)[-1] if len(answers) > 1 else float("nan")
    slots, people = double_bookings(sandbox)
    print(
        f"{name:<34} customers={len(journeys)} booked={sum(j.booked for j in journeys)} "
        f"wall={wall:.1f}s answer_p50={p50 * 1000:.0f}ms answer_p95={p95 * 1000:.0f}ms "
        f"double_booked_slots={slots} customers_booked_twice={people} "
        f"longest_answer={max(answers, default=0):.1f}s "
        f"out_of_order={sum(j.out_of_order for j in journeys)} "
        f"repeated_steps={sum(j.repeats for j in journeys)} "
        f"telegram_429_bot={emulator.pace.refused['bot']} "
        f"telegram_429_chat={emulator.pace.refused['chat']} "
        f"sent_before_retry_after={len(emulator.pace.early)}",
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
        report("one process, SQLite", journeys, time.perf_counter() - began, sandbox, emulator)
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
        # Customers who see no answer for 30 s do the step again (or say /start).
        crowd = Crowd(emulator, patience=30.0, double_tap=True)
        # Half of the updates a whole run takes (about 8 per customer) have been delivered.
        kill_halfway = replicas.kill_first_after(4 * customers) if kill else asyncio.sleep(0)
        began = time.perf_counter()
        journeys, _ = await asyncio.gather(
            crowd.book(range(FIRST_CHAT, FIRST_CHAT + customers)), kill_halfway
        )
        name = "two replicas, one killed halfway" if kill else "two replicas, PostgreSQL"
        report(name, journeys, time.perf_counter() - began, sandbox, emulator)
        for journey in journeys:
            if journey.backwards or not journey.booked:
                print(f"  {journey.story(emulator)}")
        await replicas.stop()


async def main(customers: int, runs: str) -> None:
    print(f"machine: {os.cpu_count()} cores, {os.uname().sysname} {os.uname().machine}")
    with tempfile.TemporaryDirectory() as workdir, running_postgres() as server:
        folder = Path(workdir)
        admin = await asyncpg.connect(server.url())
        if "one" in runs:
            await one_process(customers, folder / "one")
        two = {"two": (customers, False), "two200": (200, False), "kill": (200, True)}
        chosen = [plan for run, plan in two.items() if run in runs.split(",")]
        for number, (count, kill) in enumerate(chosen):
            await admin.execute(f'CREATE DATABASE "run_{number}"')
            await two_replicas(
                count, folder / f"two-{number}", server.url(f"run_{number}"), kill=kill
            )
        await admin.close()


if __name__ == "__main__":
    asyncio.run(
        main(
            int(sys.argv[1]) if len(sys.argv) > 1 else 100,
            sys.argv[2] if len(sys.argv) > 2 else "one,two,two200,kill",
        )
    )
