"""Two real `python -m bot` replicas in webhook mode on one PostgreSQL database, behind a front
that alternates each chat's updates between them: order per chat, one booking per
confirmation, scheduled work once, and a replica killed halfway."""

from __future__ import annotations

import asyncio
import signal
from collections.abc import Callable
from pathlib import Path

from bot.sandbox.crowd import Crowd, Journey, double_bookings
from bot.sandbox.replicas import Replicas, start_replicas
from bot.sandbox.scheduling import SandboxScheduling
from bot.sandbox.telegram_api import BotApiEmulator
from bot.sandbox.world import ChatDriver
from tests.support.waiting import until

# Enough customers that both replicas hold many chats at once (and the kill halfway finds
# dozens in flight), few enough for the suite's budget: the 100- and 200-customer runs are the
# benchmark's (benchmarks/replicas.py).
CUSTOMERS = 60
FIRST_CHAT = 50_000
# A customer who sees nothing happen for this long does the step again (as a person would tap
# again): the press a killed replica was handling comes back only with the chat's next update.
# The crowd's own default: with 4 s, customers on a loaded machine re-tapped while the survivor
# was merely slow, and re-taps on a screen the dead replica had drawn could leave one stuck
# (an open defect, reproduced only so; see the README's replicas section).
PATIENCE = 15.0
# A dead replica's confirmation reaches its customer within this, without a word from them.
KILL_TO_OUTCOME = 10.0
SWEEPS_AFTER = 3  # sweeps each replica runs after the closing, to show none closes it again


def stories(
    journeys: list[Journey], emulator: BotApiEmulator, failed: Callable[[Journey], bool]
) -> str:
    """What the customers for whom `failed` holds saw, one line each (the assertion's text)."""
    return "\n".join(j.story(emulator) for j in journeys if failed(j))


def sweeps(log: str) -> int:
    """How many idle sweeps a replica's log shows (written at DEBUG level)."""
    return log.count('"event": "idle_sweep"')


async def stop(replicas: Replicas) -> None:
    codes = await replicas.stop()
    logs = "\n".join(process.log() for process in replicas.processes)
    assert all(code in (0, -signal.SIGKILL) for code in codes), f"exit codes {codes}:\n{logs}"


async def test_two_replicas_alternating_every_chat_book_each_customer_once_in_order(
    emulator: BotApiEmulator, sandbox: SandboxScheduling, database_url: str, tmp_path: Path
) -> None:
    replicas = await start_replicas(emulator, sandbox, database_url, tmp_path)
    try:
        crowd = Crowd(emulator, double_tap=True)
        journeys = await crowd.book(range(FIRST_CHAT, FIRST_CHAT + CUSTOMERS))
    finally:
        await stop(replicas)
    unbooked = stories(journeys, emulator, lambda j: not j.booked)
    assert not unbooked, f"every customer ends booked, but:\n{unbooked}"
    backwards = stories(journeys, emulator, lambda j: j.out_of_order > 0)
    assert not backwards, f"every answer in order, but:\n{backwards}"
    assert double_bookings(sandbox) == (0, 0), "no slot and no customer booked twice"
    # Both replicas really served: the front alternated every chat's updates.
    assert all(replicas.front.sent[backend] > CUSTOMERS for backend in replicas.front.backends)
    assert emulator.violations == []


async def test_killing_a_replica_halfway_lets_the_other_continue_every_conversation(
    emulator: BotApiEmulator, sandbox: SandboxScheduling, database_url: str, tmp_path: Path
) -> None:
    replicas = await start_replicas(emulator, sandbox, database_url, tmp_path)
    victim, survivor = replicas.processes
    crowd = Crowd(emulator, double_tap=True, patience=PATIENCE)

    try:
        journeys, _ = await asyncio.gather(
            crowd.book(range(FIRST_CHAT, FIRST_CHAT + CUSTOMERS)),
            # Half of the updates a whole run takes (about 8 per customer) have been delivered.
            replicas.kill_first_after(4 * CUSTOMERS),
        )
    finally:
        await stop(replicas)
    assert victim.process is not None
    assert victim.process.returncode == -signal.SIGKILL
    unbooked = stories(journeys, emulator, lambda j: not j.booked)
    assert not unbooked, f"every customer ends booked, but:\n{unbooked}"
    backwards = stories(journeys, emulator, lambda j: j.out_of_order > 0)
    assert not backwards, f"every answer in order, but:\n{backwards}"
    assert double_bookings(sandbox) == (0, 0), "no slot and no customer booked twice"
    assert survivor.process is not None
    assert survivor.process.returncode == 0
    # A press the dead replica had taken is handled again by the survivor. Telegram may refuse
    # two of its calls, neither of which the customer sees: the answer to the button's spinner
    # (too late by then), and an edit to what the dead replica had already put on the screen
    # ("not modified": it died before writing down what it showed).
    harmless = (("answerCallbackQuery", "query is too old"), ("editMessage", "not modified"))
    refused = [
        f"{call.method}: {call.description}"
        for call in emulator.violations
        if not any(
            call.method.startswith(method) and words in str(call.description)
            for method, words in harmless
        )
    ]
    assert refused == []


async def test_an_idle_draft_is_closed_once_by_one_of_the_replicas(
    emulator: BotApiEmulator, sandbox: SandboxScheduling, database_url: str, tmp_path: Path
) -> None:
    replicas = await start_replicas(
        emulator,
        sandbox,
        database_url,
        tmp_path,
        BOT_IDLE_TIMEOUT_MINUTES="0.02",
        BOT_LOG_LEVEL="DEBUG",  # each sweep is logged
    )
    chat = FIRST_CHAT
    try:
        emulator.add_user(chat, "Ada", "Lovelace", "en")
        await emulator.send_text(chat, "/start")
        await emulator.wait_for_call(
            "sendMessage",
            predicate=lambda call: "closed this booking" in str(call.params.get("text", "")),
            timeout=20,
        )
        closed_at = [sweeps(process.log()) for process in replicas.processes]
        await until(
            lambda: all(
                sweeps(process.log()) >= before + SWEEPS_AFTER
                for process, before in zip(replicas.processes, closed_at, strict=True)
            ),
            seconds=20,
            every=0.05,
        )
    finally:
        await stop(replicas)
    closings = [
        call
        for call in emulator.calls
        if call.method == "sendMessage" and "closed this booking" in str(call.params.get("text"))
    ]
    assert len(closings) == 1


async def test_a_confirmation_a_killed_replica_was_handling_reaches_the_customer_at_once(
    emulator: BotApiEmulator, sandbox: SandboxScheduling, database_url: str, tmp_path: Path
) -> None:
    # At DEBUG level each replica logs when it finished an update: the customer waits for it.
    replicas = await start_replicas(
        emulator, sandbox, database_url, tmp_path, BOT_LOG_LEVEL="DEBUG"
    )
    ada = ChatDriver(emulator, FIRST_CHAT)
    try:
        await ada.send("/start")
        for _ in ("day", "time", "name"):
            await ada.tap(ada.labels()[0])
        await ada.send("ada@example.org")
        await ada.tap("I agree")
        assert "Please check your booking" in ada.last().text
        victim = replicas.processes[replicas.front.next_backend(FIRST_CHAT)]
        # meetergo books at once but answers late: the replica is mid-confirmation when killed.
        sandbox.fail_next(1, kind="slow", path="/booking", seconds=30)
        await emulator.tap(FIRST_CHAT, "Confirm")
        await until(lambda: len(sandbox.bookings) == 1, seconds=10)
        await victim.stop(signal.SIGKILL)
        killed = asyncio.get_running_loop().time()
        # Nothing more from the customer: the survivor finds the turn and finishes it.
        await until(lambda: "You're booked" in ada.last().text, seconds=KILL_TO_OUTCOME)
        took = asyncio.get_running_loop().time() - killed
    finally:
        await stop(replicas)
    assert took < KILL_TO_OUTCOME
    assert double_bookings(sandbox) == (0, 0)
    assert len(sandbox.bookings) == 1, "the booking meetergo made is the one confirmed"
