"""The booking bot against its floor: a bare python-telegram-bot bot with the same pace.

N customers (default 100) each send /start at once, then each taps a day, to a bare PTB bot
(benchmarks/bare_bot.py: the product's own rate limiter at 30 messages a second, a day picker
and a day's times of the product's size, nothing else), then to the real `python -m bot` as
deployed (the pace and meetergo's pace of benchmarks/burst.py, its default INFO logs, SQLite).
Each runs in its own process, polling its own Bot API emulator; the sandbox meetergo answers
ours, with network-like latency (80 ms by default). A run repeats this (5 times by default),
each bot started afresh every time (a cold burst: ours has no availability cached),
alternating.

Per bot it prints the latency until each customer's keyboard arrives (p50/p95), for /start
(the first keyboard) and for the tap, and the CPU per update: the process's user + system
time (/proc/<pid>/stat) over each round, less what it spends idle over as long (its polls, its
scheduled jobs), divided by the updates of the round. The rows are the medians of the
repetitions; then the ratios, ours over bare: of those medians, and the median of each run's
own ratio (its two bots measured one right after the other, so a drift in the machine's speed
moves both).

Usage: `python benchmarks/floor.py [customers] [meetergo_latency_ms] [--repeat N]
[--profile FILE]`. `--profile FILE` runs ours under cProfile during its first two rounds
(not its start), writes the stats to FILE and prints where the time went, per update; that
repetition's CPU is then inflated by the profiler, so it is left out of the medians.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import pstats
import signal
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from burst import DEPLOYED  # benchmarks/burst.py's deployment (this script's own folder)

from bot.sandbox.scheduling import SandboxScheduling
from bot.sandbox.telegram_api import BotApiEmulator
from bot.sandbox.world import OFFLINE_WAITS, BotProcess, bot_environment

FIRST_CHAT = 20_000
ROOT = Path(__file__).resolve().parents[1]
BARE_BOT = ROOT / "benchmarks" / "bare_bot.py"
FIRST_LABEL = "later ›"  # on both bots' day picker
TAP_LABEL = "◀ other day"  # on both bots' times of a day
# Seconds the bot's calls must stop before a round counts as over: its last answers' commits
# (after their sends) fall inside the round.
QUIET = 0.5
# Turns the profiler on and off on signals, so only the rounds are profiled (not the start).
PROFILER = """
import cProfile, os, signal
_profile = cProfile.Profile()
def _on(*_):
    _profile.enable()
def _off(*_):
    _profile.disable()
    _profile.dump_stats(os.environ["FLOOR_PROFILE"])
signal.signal(signal.SIGUSR1, _on)
signal.signal(signal.SIGUSR2, _off)
"""


def cpu_seconds(pid: int) -> float:
    """User + system CPU of the process so far, all its threads."""
    # Fields after the command's closing parenthesis start at the third (state); utime and
    # stime are the 14th and 15th.
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[-1]


@dataclass
class Round:
    latencies: list[float]  # seconds from the customer's update to their keyboard
    cpu: float  # the process's CPU seconds over the round
    wall: float  # the round's seconds, its quiet end included


@dataclass
class Row:
    name: str
    start: Round
    tap: Round
    idle_per_second: float  # CPU seconds per second with nothing to do
    updates: int  # per round

    def cpu_ms(self, *rounds: Round) -> float:
        """CPU per update over `rounds`, less the idle CPU of as long, in milliseconds."""
        used = sum(r.cpu - self.idle_per_second * r.wall for r in rounds)
        return used / (self.updates * len(rounds)) * 1000


def has_label(markup: object, label: str) -> bool:
    if not isinstance(markup, dict):
        return False
    rows = markup.get("inline_keyboard") or []
    return any(label in str(button.get("text", "")) for row in rows for button in row)


async def keyboards(
    emulator: BotApiEmulator, chats: set[int], label: str, since: int, patience: float
) -> dict[int, float]:
    """When (perf_counter) each chat got a message with a `label` button, from call `since`."""
    got: dict[int, float] = {}
    index = since
    deadline = time.perf_counter() + patience
    while len(got) < len(chats):
        calls = emulator.calls
        for call in calls[index:]:
            chat = call.params.get("chat_id")
            if not isinstance(chat, int) or chat not in chats or chat in got:
                continue
            if call.ok and has_label(call.params.get("reply_markup"), label):
                got[chat] = time.perf_counter()
        index = len(calls)
        remaining = deadline - time.perf_counter()
        if len(got) == len(chats):
            break
        if remaining <= 0:
            raise TimeoutError(f"{len(chats) - len(got)} customers got no {label!r} keyboard")
        try:
            await emulator.wait_for_call(None, after=index, timeout=remaining)
        except TimeoutError:
            continue
    return got


async def play_round(
    emulator: BotApiEmulator,
    pid: int,
    chats: list[int],
    act: Callable[[int], Awaitable[object]],
    label: str,
) -> Round:
    """Every chat acts at once; wait for every keyboard, then for the bot to go quiet."""
    since = len(emulator.calls)
    cpu, began = cpu_seconds(pid), time.perf_counter()
    watch = asyncio.create_task(keyboards(emulator, set(chats), label, since, patience=300))
    sent: dict[int, float] = {}
    for chat in chats:
        sent[chat] = time.perf_counter()
        await act(chat)
    arrived = await watch
    await emulator.wait_idle(quiet=QUIET, timeout=120)
    wall = time.perf_counter() - began
    return Round([arrived[c] - sent[c] for c in chats], cpu_seconds(pid) - cpu, wall)


async def measure(
    name: str, emulator: BotApiEmulator, pid: int, customers: int, profiling: bool
) -> Row:
    """The two rounds, then the idle CPU over as long as the longer one."""
    chats = list(range(FIRST_CHAT, FIRST_CHAT + customers))
    for chat in chats:
        emulator.add_user(chat, f"Customer{chat}", "Floor", "en")
    await asyncio.sleep(2.0)  # the start's own work (menus, meeting type) done
    if profiling:
        os.kill(pid, signal.SIGUSR1)

    async def start(chat: int) -> object:
        return await emulator.send_text(chat, "/start")

    async def tap(chat: int) -> object:
        # A day each, spread over the picker as customers would (navigation left alone).
        message = emulator.last_bot_message(chat)
        assert message is not None
        days = [
            data
            for row in emulator.buttons(message)
            for _, data in row
            if data is not None and data.startswith("d:")
        ]
        return await emulator.press(chat, message.message_id, days[chat % len(days)])

    first = await play_round(emulator, pid, chats, start, FIRST_LABEL)
    second = await play_round(emulator, pid, chats, tap, TAP_LABEL)
    if profiling:
        os.kill(pid, signal.SIGUSR2)
        await asyncio.sleep(1.0)  # its stats written
    quiet = max(first.wall, second.wall)
    idle_cpu = cpu_seconds(pid)
    await asyncio.sleep(quiet)
    idle = (cpu_seconds(pid) - idle_cpu) / quiet
    return Row(name, first, second, idle, customers)


async def run_bare(folder: Path, customers: int) -> Row:
    await asyncio.to_thread(folder.mkdir, parents=True, exist_ok=True)
    async with BotApiEmulator() as emulator:
        env = {
            **os.environ,
            "TELEGRAM_BOT_TOKEN": emulator.token,
            "TELEGRAM_API_URL": emulator.url,
        }
        with (folder / "bare.log").open("ab") as log:
            process = await asyncio.create_subprocess_exec(
                sys.executable, str(BARE_BOT), env=env, stdout=log, stderr=log
            )
        try:
            await emulator.wait_for_poll(0, timeout=30)
            name = "bare PTB, same limiter"
            return await measure(name, emulator, process.pid, customers, False)
        finally:
            process.send_signal(signal.SIGTERM)
            await process.wait()


async def run_ours(
    folder: Path, customers: int, sandbox: SandboxScheduling, profile: Path | None
) -> Row:
    await asyncio.to_thread(folder.mkdir, parents=True, exist_ok=True)
    async with BotApiEmulator() as emulator:
        # As deployed: the settings' own waits and log level, not the tests' quicker ones.
        env = bot_environment(emulator, sandbox, folder / "data", **DEPLOYED)
        for key in OFFLINE_WAITS.keys() - DEPLOYED.keys():
            env.pop(key)
        env.pop("BOT_LOG_LEVEL")
        if profile is not None:
            (folder / "profiler").mkdir()
            (folder / "profiler" / "sitecustomize.py").write_text(PROFILER)
            env["PYTHONPATH"] = str(folder / "profiler")
            env["FLOOR_PROFILE"] = str(profile)
        process = BotProcess(env, folder / "bot.log")
        await process.start(emulator)
        assert process.process is not None
        try:
            return await measure(
                "python -m bot", emulator, process.process.pid, customers, profile is not None
            )
        finally:
            await process.stop()


@dataclass
class Summary:
    """One bot's numbers over the repetitions (medians)."""

    name: str
    first_p50: float  # ms
    first_p95: float
    tap_p50: float
    tap_p95: float
    cpu_start: float  # ms per update
    cpu_tap: float
    cpu_both: float
    idle: float  # percent of a core

    @classmethod
    def of(cls, rows: list[Row]) -> Summary:
        def median(value: Callable[[Row], float]) -> float:
            return statistics.median(value(row) for row in rows)

        return cls(
            rows[0].name,
            median(lambda r: statistics.median(r.start.latencies) * 1000),
            median(lambda r: p95(r.start.latencies) * 1000),
            median(lambda r: statistics.median(r.tap.latencies) * 1000),
            median(lambda r: p95(r.tap.latencies) * 1000),
            median(lambda r: r.cpu_ms(r.start)),
            median(lambda r: r.cpu_ms(r.tap)),
            median(lambda r: r.cpu_ms(r.start, r.tap)),
            median(lambda r: r.idle_per_second * 100),
        )


def print_rows(bare_rows: list[Row], ours_rows: list[Row]) -> None:
    for number, (one, other) in enumerate(zip(bare_rows, ours_rows, strict=True), 1):
        print(
            f"run {number}: first-keyboard p95 {p95(one.start.latencies) * 1000:.0f} / "
            f"{p95(other.start.latencies) * 1000:.0f} ms, CPU per update "
            f"{one.cpu_ms(one.start, one.tap):.2f} / {other.cpu_ms(other.start, other.tap):.2f} ms"
            " (bare / ours)"
        )
    print(
        f"{'median of ' + str(len(ours_rows)):<26} {'first kb p50':>12} {'p95':>7} "
        f"{'tap kb p50':>11} {'p95':>7} {'CPU/update start':>16} {'tap':>7} {'both':>7} "
        f"{'idle CPU':>9}"
    )
    bare, ours = Summary.of(bare_rows), Summary.of(ours_rows)
    for row in (bare, ours):
        print(
            f"{row.name:<26} {row.first_p50:>10.0f}ms {row.first_p95:>5.0f}ms "
            f"{row.tap_p50:>9.0f}ms {row.tap_p95:>5.0f}ms {row.cpu_start:>14.2f}ms "
            f"{row.cpu_tap:>5.2f}ms {row.cpu_both:>5.2f}ms {row.idle:>8.1f}%"
        )
    print(
        f"ours/bare: first-keyboard p95 {ours.first_p95 / bare.first_p95:.2f}x (target <= 1.1),"
        f" CPU per update {ours.cpu_both / bare.cpu_both:.2f}x (target <= 1.5; /start"
        f" {ours.cpu_start / bare.cpu_start:.2f}x, tap {ours.cpu_tap / bare.cpu_tap:.2f}x)"
    )
    # The machine's speed drifts between runs, and both bots with it: each run's own ratio
    # (its two bots measured one right after the other) drifts less than the two medians do.
    paired = [
        other.cpu_ms(other.start, other.tap) / one.cpu_ms(one.start, one.tap)
        for one, other in zip(bare_rows, ours_rows, strict=True)
    ]
    print(
        f"ours/bare run by run: CPU per update median {statistics.median(paired):.2f}x"
        f" (runs {', '.join(f'{ratio:.2f}x' for ratio in paired)})"
    )


def print_profile(path: Path, updates: int, limit: int = 25) -> None:
    """Where the profiled rounds' time went, per update: by package (each function's own
    time), then the bot's own functions with what they call."""
    table: dict[tuple[str, int, str], tuple[Any, ...]] = pstats.Stats(str(path)).stats  # type: ignore[attr-defined]
    own: Counter[str] = Counter()
    for (file, _, function), (_, _, tottime, _, _) in table.items():
        if function != "<method 'poll' of 'select.epoll' objects>":  # waiting, not working
            own[_package(file, function)] += tottime
    scale = 1000 / updates
    print(f"profile of ours: {sum(own.values()) * scale:.2f} ms per update in all, of which")
    for where, seconds in own.most_common(limit):
        print(f"{seconds * scale:8.2f} ms  {where}")
    print("the bot's own functions, with what they call (ms per update, calls):")
    mine = [
        (cumulative, calls, f"{file.split(str(ROOT) + '/', 1)[1]}:{line}({function})")
        for (file, line, function), (_, calls, _, cumulative, _) in table.items()
        if file.startswith((str(ROOT / "bot"), str(ROOT / "conversations")))
    ]
    for cumulative, calls, where in sorted(mine, reverse=True)[:limit]:
        print(f"{cumulative * scale:8.2f} ms {calls:7d}  {where}")


def _package(file: str, function: str) -> str:
    """Who a profiled function belongs to: a third-party package, the standard library, one
    of the bot's packages, or (for built-ins) its own name."""
    if "site-packages/" in file:
        return file.split("site-packages/", 1)[1].split("/", 1)[0]
    if file.startswith(str(ROOT)):
        return "/".join(file.split(str(ROOT) + "/", 1)[1].split("/")[:2])
    if file == "~":
        return function
    return "stdlib " + Path(file).stem


async def main(customers: int, latency_ms: float, repeat: int, profile: Path | None) -> None:
    print(f"machine: {os.cpu_count()} cores, {os.uname().sysname} {os.uname().machine}")
    print(
        f"customers={customers} meetergo_latency={latency_ms:.0f}ms repeat={repeat}; "
        "each customer: /start, then a day"
    )
    bare: list[Row] = []
    ours: list[Row] = []
    with tempfile.TemporaryDirectory() as workdir:
        async with SandboxScheduling() as sandbox:
            sandbox.latency = latency_ms / 1000
            if profile is not None:
                await run_ours(Path(workdir) / "profiled", customers, sandbox, profile)
            for number in range(repeat):
                folder = Path(workdir) / f"run-{number}"
                bare.append(await run_bare(folder, customers))
                ours.append(await run_ours(folder, customers, sandbox, None))
    if ours:
        print_rows(bare, ours)
    if profile is not None:
        print_profile(profile, 2 * customers)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("customers", type=int, nargs="?", default=100)
    parser.add_argument("latency_ms", type=float, nargs="?", default=80.0)
    parser.add_argument("--repeat", type=int, default=5, help="runs of each bot (medians)")
    parser.add_argument("--profile", type=Path, help="profile ours into this file")
    args = parser.parse_args()
    profile = args.profile.resolve() if args.profile else None  # the bot runs elsewhere
    asyncio.run(main(args.customers, args.latency_ms, args.repeat, profile))
