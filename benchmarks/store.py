"""Start time and memory of the real `python -m bot` with many stored customers, per store, and
one customer's answer times with the largest store against the empty one.

Each stored customer has finished a booking: preferences in user_data and a small chat_data
row, as the bot leaves them. PostgreSQL runs on a throwaway server (tests/support/postgres.py).
Usage: `python benchmarks/store.py [sizes...]` (default 10000 100000 1000000).
"""

from __future__ import annotations

import asyncio
import json
import os
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import asyncpg

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.sandbox.crowd import Crowd
from bot.sandbox.scheduling import SandboxScheduling
from bot.sandbox.telegram_api import BotApiEmulator
from bot.sandbox.world import DEPLOYED_PACE, BotProcess, bot_environment
from bot.storage.chat_store_sqlite import SqliteStore
from bot.storage.postgres import Database
from tests.support.postgres import running_postgres

PREFS = json.dumps({"prefs": {"language": "de", "timezone": "Europe/Berlin"}})
BOOKED = json.dumps({"booked_message": 7})
FIRST_ID = 10_000_000


def rows(count: int) -> Iterator[tuple[int, str]]:
    return ((FIRST_ID + n, PREFS) for n in range(count))


async def fill_sqlite(folder: Path, count: int) -> None:
    store = SqliteStore(folder / "state.sqlite3")
    await store.open()
    await store.close()
    with sqlite3.connect(folder / "state.sqlite3") as conn:
        conn.executemany("INSERT INTO user_data VALUES (?, ?)", rows(count))
        conn.executemany(
            "INSERT INTO chat_data (chat_id, data) VALUES (?, ?)",
            ((FIRST_ID + n, BOOKED) for n in range(count)),
        )
    conn.close()


async def fill_postgres(url: str, count: int) -> None:
    database = Database(url, pool_size=2)
    await database.open()
    await database.close()
    conn = await asyncpg.connect(url)
    await conn.copy_records_to_table("user_data", records=list(rows(count)))
    await conn.copy_records_to_table(
        "chat_data",
        records=[(FIRST_ID + n, BOOKED, None) for n in range(count)],
        columns=["chat_id", "data", "touched_at"],
    )
    await conn.execute("ANALYZE")
    await conn.close()


def resident_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


async def measure(store: str, count: int, url: str | None) -> tuple[float, float, list[float]]:
    """Seconds to ready, resident MB once ready, and one customer's answer times."""
    with tempfile.TemporaryDirectory() as workdir:
        folder = Path(workdir)
        data = folder / "data"
        data.mkdir()
        extra = {"BOT_LOG_LEVEL": "WARNING", "TELEGRAM_MESSAGES_PER_SECOND": DEPLOYED_PACE}
        if url is not None:
            extra["BOT_DATABASE_URL"] = url
            await fill_postgres(url, count)
        else:
            await fill_sqlite(data, count)
        async with SandboxScheduling() as sandbox, BotApiEmulator() as emulator:
            process = BotProcess(
                bot_environment(emulator, sandbox, data, **extra), folder / "bot.log"
            )
            began = time.perf_counter()
            await process.start(emulator, patience=120)
            ready = time.perf_counter() - began
            await asyncio.sleep(1.0)
            assert process.process is not None
            memory = resident_mb(process.process.pid)
            crowd = Crowd(emulator)
            answers: list[float] = []
            for chat in range(10):  # one customer at a time
                for journey in await crowd.book(range(chat + 1, chat + 2)):
                    answers.extend(journey.answer_seconds)
            await process.stop()
    return ready, memory, answers


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[-1] if len(values) > 1 else float("nan")


async def main(sizes: list[int]) -> None:
    print(f"machine: {os.cpu_count()} cores, {os.uname().sysname} {os.uname().machine}")
    print(f"{'store':<10} {'customers':>10} {'ready s':>8} {'RSS MB':>8} {'p95 answer ms':>14}")
    with running_postgres() as server:
        admin = await asyncpg.connect(server.url())
        for store in ("sqlite", "postgres"):
            for count in [0, *sizes]:
                url = None
                if store == "postgres":
                    name = f"bench_{count}"
                    await admin.execute(f'CREATE DATABASE "{name}"')
                    url = server.url(name)
                ready, memory, answers = await measure(store, count, url)
                print(
                    f"{store:<10} {count:>10} {ready:>8.2f} {memory:>8.0f} "
                    f"{p95(answers) * 1000:>14.0f}",
                    flush=True,
                )
        await admin.close()


if __name__ == "__main__":
    asyncio.run(main([int(arg) for arg in sys.argv[1:]] or [10_000, 100_000, 1_000_000]))
