"""A burst of customers booking at once: latency per step, meetergo calls, double bookings.

Runs the real `python -m bot` against the sandbox meetergo (with network-like latency) and the
Bot API emulator, all on loopback. Usage: `python benchmarks/burst.py [customers] [latency_ms]`.
"""

from __future__ import annotations

import asyncio
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

from bot.sandbox.scheduling import SandboxScheduling
from bot.sandbox.telegram_api import BotApiEmulator, ChatMessage
from bot.sandbox.world import DEPLOYED_PACE, OfflineWorld

STEPS = ("start", "day", "time", "name", "email", "consent", "confirm")
# As deployed: replies paced at Telegram's limit, meetergo's requests at the bot's own pace,
# and no meetergo webhook (no public URL), so the scheduled checks and the waiting list's looks
# run beside the customers, all within that pace.
DEPLOYED = {
    "TELEGRAM_MESSAGES_PER_SECOND": DEPLOYED_PACE,
    "MEETERGO_REQUESTS_PER_MINUTE": "90",
    "BOT_APPOINTMENT_CHECK_SECONDS": "300",
    "BOT_WAITLIST_CHECK_SECONDS": "120",
}


def peak_minute(sandbox: SandboxScheduling) -> int:
    """The most meetergo requests that arrived within any 60 seconds."""
    moments = sorted(call.at for call in sandbox.calls)
    most, first = 0, 0
    for last, moment in enumerate(moments):
        while moments[first] <= moment - 60:
            first += 1
        most = max(most, last - first + 1)
    return most


async def until(emulator: BotApiEmulator, chat: int, ready: Callable[[ChatMessage], bool]) -> None:
    """Wait until the chat's newest bot message satisfies `ready` (within ten minutes: a
    burst far larger than meetergo's 100 requests a minute queues at the bot's pace)."""
    async with asyncio.timeout(600):
        while True:
            message = emulator.last_bot_message(chat)
            if message is not None and ready(message):
                return
            await asyncio.sleep(0.005)


def has(label: str) -> Callable[[ChatMessage], bool]:
    return lambda message: any(label in text for row in _labels(message) for text in row)


def _labels(message: ChatMessage) -> list[list[str]]:
    markup = message.reply_markup or {}
    return [[button["text"] for button in row] for row in markup.get("inline_keyboard", [])]


def nth_button(message: ChatMessage, n: int) -> str:
    """The n-th choice (wrapping), skipping navigation buttons: customers spread their picks."""
    buttons = [
        button["callback_data"]
        for row in (message.reply_markup or {}).get("inline_keyboard", [])
        for button in row
        if not any(mark in button["text"] for mark in ("›", "‹", "◀"))
    ]
    return str(buttons[n % len(buttons)])


async def customer(emulator: BotApiEmulator, chat: int, timings: dict[str, list[float]]) -> bool:
    """One customer's whole booking; True when it ended booked."""
    emulator.add_user(chat, f"Customer{chat}", "Burst", "en")

    async def step(
        name: str, action: Callable[[], object], ready: Callable[[ChatMessage], bool]
    ) -> None:
        began = time.perf_counter()
        result = action()
        if asyncio.iscoroutine(result):
            await result
        await until(emulator, chat, ready)
        timings[name].append(time.perf_counter() - began)

    def press_first() -> object:
        return press(0)

    def press_spread() -> object:
        return press(chat)

    def press(n: int) -> object:
        message = emulator.last_bot_message(chat)
        assert message is not None
        return emulator.press(chat, message.message_id, nth_button(message, n))

    await step("start", lambda: emulator.send_text(chat, "/start"), has("later ›"))
    await step("day", press_spread, has("◀ other day"))
    await step("time", press_spread, has("Burst"))
    await step("name", press_first, lambda m: "e-mail address" in m.text)
    await step("email", lambda: emulator.send_text(chat, f"c{chat}@example.org"), has("I agree"))
    await step("consent", press_first, has("Confirm"))

    done = ("You're booked", "was just taken")
    await step("confirm", press_first, lambda m: any(word in m.text for word in done))
    message = emulator.last_bot_message(chat)
    return message is not None and "You're booked" in message.text


async def burst(customers: int, latency_ms: float) -> None:
    sandbox = SandboxScheduling()
    sandbox.latency = latency_ms / 1000
    with tempfile.TemporaryDirectory() as workdir:
        async with OfflineWorld(Path(workdir), sandbox=sandbox, bot_env=DEPLOYED) as world:
            timings: dict[str, list[float]] = {name: [] for name in STEPS}
            began = time.perf_counter()
            results = await asyncio.gather(
                *(customer(world.emulator, 10_000 + n, timings) for n in range(customers))
            )
            wall = time.perf_counter() - began
            calls = Counter(
                call.path.rsplit("/", 1)[0] if "meeting-type" in call.path else call.path
                for call in sandbox.calls
            )
            slots = Counter((b.host_id, b.start) for b in sandbox.bookings)
            print(
                f"customers={customers} meetergo_latency={latency_ms:.0f}ms wall={wall:.2f}s "
                f"booked={sum(results)} slot_taken={customers - sum(results)} "
                f"double_booked={sum(1 for n in slots.values() if n > 1)} "
                f"violations={len(world.emulator.violations)}"
            )
            print(
                "meetergo calls: " + ", ".join(f"{path} {n}" for path, n in sorted(calls.items()))
            )
            print(f"meetergo requests in the busiest minute: {peak_minute(sandbox)}")
            print(f"{'step':<8} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8}")
            for name in STEPS:
                values = sorted(timings[name])
                p95 = values[max(0, int(len(values) * 0.95) - 1)]
                print(
                    f"{name:<8} {statistics.median(values) * 1000:8.0f} {p95 * 1000:8.0f} "
                    f"{values[-1] * 1000:8.0f}"
                )


if __name__ == "__main__":
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 50
    latency = float(sys.argv[2]) if len(sys.argv) > 2 else 80
    asyncio.run(burst(count, latency))
