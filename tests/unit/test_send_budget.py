"""One Telegram budget for the bot, whatever the number of replicas: the arithmetic of a place,
the count shared through PostgreSQL, and two replicas' rate limiters sending at once to an
emulator that enforces Telegram's limits."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator

import asyncpg
import pytest
import pytest_asyncio
from telegram.ext import ExtBot

from bot.ptb.rate_limiter import PatientRateLimiter
from bot.sandbox.telegram_api import BotApiEmulator, TelegramLimits
from bot.sandbox.world import free_port
from bot.storage.postgres import Database
from bot.storage.send_budget import BOT, Sends, admit
from bot.storage.send_budget_postgres import SharedSendBudget
from tests.support.waiting import until

BOT_SPACING = 0.25  # four a second
CHAT_SPACING = 1.0


# --- the arithmetic ---------------------------------------------------------------------------


def test_places_are_evenly_spaced_and_handed_out_in_order() -> None:
    bot = Sends()
    waits = [admit(10.0, bot, BOT_SPACING, None, CHAT_SPACING).wait for _ in range(5)]
    assert waits == [0.0, 0.25, 0.5, 0.75, 1.0]
    assert admit(12.0, bot, BOT_SPACING, None, CHAT_SPACING).wait == 0.0, "idle: at once"


def test_a_chat_waits_for_its_own_last_send_without_holding_up_others() -> None:
    bot, chat, other = Sends(), Sends(), Sends()
    assert admit(0.0, bot, BOT_SPACING, chat, CHAT_SPACING).placed
    second = admit(0.3, bot, BOT_SPACING, chat, CHAT_SPACING)
    assert (second.placed, round(second.wait, 3)) == (False, 0.7)
    assert bot.free_at == 0.25, "asking for a chat that is not ready takes nothing"
    assert admit(0.3, bot, BOT_SPACING, other, CHAT_SPACING).wait == 0.0
    assert admit(1.0, bot, BOT_SPACING, chat, CHAT_SPACING).placed


def test_a_chat_is_spaced_from_when_its_send_really_goes() -> None:
    bot, chat = Sends(), Sends()
    for _ in range(4):
        admit(0.0, bot, BOT_SPACING, None, CHAT_SPACING)  # the bot's next place: 1.0
    queued = admit(0.0, bot, BOT_SPACING, chat, CHAT_SPACING)
    assert (queued.placed, queued.wait) == (True, 1.0)
    assert chat.free_at == 2.0, "its next send is spaced from 1.0, not from when it asked"


def test_no_place_is_given_before_a_pause_is_over() -> None:
    bot = Sends(paused_until=5.0)
    assert admit(1.0, bot, BOT_SPACING, None, CHAT_SPACING).wait == 4.0


# --- shared by replicas -----------------------------------------------------------------------


@pytest_asyncio.fixture
async def replicas(database_url: str) -> AsyncIterator[tuple[SharedSendBudget, SharedSendBudget]]:
    """Two processes' budgets on one database (each its own connections)."""
    databases = [Database(database_url), Database(database_url)]
    budgets = (SharedSendBudget(databases[0]), SharedSendBudget(databases[1]))
    for budget in budgets:
        await budget.open()
    yield budgets
    for database in databases:
        await database.close()


async def test_two_replicas_take_their_places_from_one_budget(
    replicas: tuple[SharedSendBudget, SharedSendBudget], database_url: str
) -> None:
    admin = await asyncpg.connect(database_url)
    began = time.monotonic()
    at_first = await admin.fetchval("SELECT extract(epoch FROM clock_timestamp())::FLOAT8")
    places: list[float] = []

    async def send(budget: SharedSendBudget, chat: int) -> None:
        admission = await budget.take(0.1, chat, CHAT_SPACING)
        assert admission.placed
        await asyncio.sleep(admission.wait)
        places.append(time.monotonic() - began)

    try:
        await asyncio.gather(*(send(replicas[n % 2], 100 + n) for n in range(20)))
        next_free = await admin.fetchval(
            "SELECT free_at FROM telegram_sends WHERE budget = $1", BOT
        )
    finally:
        await admin.close()
    assert len(places) == 20
    # 20 places a tenth of a second apart: the last goes after 1.9 s (a sleep is never early),
    # where each replica alone would have sent its 10 by 0.9 s; and the shared count handed
    # out all 20, so the bot's next free place is 2 s on (on the database's clock: what a busy
    # machine does to the sleeps does not move it).
    assert max(places) >= 1.8
    assert next_free - at_first >= 2.0 - 0.05


async def test_a_chat_sent_to_by_both_replicas_is_spaced_out(
    replicas: tuple[SharedSendBudget, SharedSendBudget],
) -> None:
    first = await replicas[0].take(BOT_SPACING, 42, CHAT_SPACING)
    second = await replicas[1].take(BOT_SPACING, 42, CHAT_SPACING)
    assert first.placed
    assert not second.placed
    assert 0.9 < second.wait <= 1.0


async def test_a_pause_one_replica_was_asked_for_holds_for_the_other(
    replicas: tuple[SharedSendBudget, SharedSendBudget],
) -> None:
    await replicas[0].pause(2.0)
    admission = await replicas[1].take(BOT_SPACING, 7, CHAT_SPACING)
    assert 1.5 < admission.wait <= 2.0, "a new place comes after the pause"
    # Heard, for places taken before it.
    await until(lambda: replicas[1].paused_for() > 0, seconds=5)
    assert 1.5 < replicas[1].paused_for() <= 2.0


async def test_a_replica_whose_listening_connection_was_cut_hears_pauses_again(
    replicas: tuple[SharedSendBudget, SharedSendBudget], database_url: str
) -> None:
    admin = await asyncpg.connect(database_url)
    try:
        cut = await admin.fetchval(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
            "WHERE query LIKE 'LISTEN%' AND pid <> pg_backend_pid()"
        )
    finally:
        await admin.close()
    assert cut == 2

    async def heard_again() -> bool:
        await replicas[0].pause(0.5)  # said until the other replica listens again
        await asyncio.sleep(0.1)
        return replicas[1].paused_for() > 0

    async with asyncio.timeout(10):
        while not await heard_again():
            pass


# --- two replicas' rate limiters against Telegram's limits -------------------------------------


@contextlib.asynccontextmanager
async def replicas_bots(
    emulator: BotApiEmulator, database_url: str, pace: int, chats: list[int]
) -> AsyncIterator[list[tuple[ExtBot[int], SharedSendBudget]]]:
    """Two replicas' bots, each with its rate limiter on one database, and the chats opened."""
    for chat in chats:
        emulator.add_user(chat, f"C{chat}")
        await emulator.send_text(chat, "/start")
    databases = [Database(database_url), Database(database_url)]
    replicas = []
    try:
        for database in databases:
            budget = SharedSendBudget(database)
            await budget.open()
            limiter = PatientRateLimiter(messages_per_second=pace, backoff=0, sends=budget)
            bot = ExtBot(emulator.token, base_url=f"{emulator.url}/bot", rate_limiter=limiter)
            await bot.initialize()
            replicas.append((bot, budget))
        yield replicas
    finally:
        for bot, _ in replicas:
            await bot.shutdown()
        for database in databases:
            await database.close()


async def test_two_replicas_sending_at_once_keep_within_telegrams_limits(
    database_url: str,
) -> None:
    chats = list(range(500, 520))
    async with (
        BotApiEmulator(limits=TelegramLimits(per_bot=20)) as emulator,
        replicas_bots(emulator, database_url, 20, chats) as replicas,
    ):
        # Both replicas write to every chat at once: 40 messages, twice the bot's limit in a
        # second and two to each chat.
        await asyncio.gather(
            *(
                bot.send_message(chat, f"Hello {n}")
                for n, (bot, _) in enumerate(replicas)
                for chat in chats
            )
        )
        assert [call.status for call in emulator.calls if call.status != 200] == []
        assert emulator.pace.refused == {}
        assert emulator.pace.early == []
        for chat in chats:
            assert sorted(m.text for m in emulator.bot_messages(chat)) == ["Hello 0", "Hello 1"]


@pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")
async def test_a_429_one_replica_got_holds_back_the_other(database_url: str) -> None:
    async with (
        BotApiEmulator(limits=TelegramLimits(per_bot=10)) as emulator,
        replicas_bots(emulator, database_url, 10, [1, 2]) as replicas,
    ):
        (first_bot, _), (second_bot, second_budget) = replicas
        emulator.fail_next("sendMessage", kind="429")  # retry_after 1
        told = time.monotonic()
        first = asyncio.create_task(first_bot.send_message(1, "Hello"))
        await until(lambda: second_budget.paused_for() > 0, seconds=5, every=0.005)
        await second_bot.send_message(2, "Hello")
        assert time.monotonic() - told >= 1.0
        await first
        assert emulator.pace.early == []
        assert [m.text for chat in (1, 2) for m in emulator.bot_messages(chat)] == ["Hello"] * 2


@pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")
async def test_a_chats_messages_keep_their_order_and_telegrams_pace_in_one_process() -> None:
    async with BotApiEmulator() as emulator:  # Telegram's limits: one a second in a chat
        emulator.add_user(9, "C9")
        await emulator.send_text(9, "/start")
        limiter = PatientRateLimiter(messages_per_second=30, backoff=0)
        bot = ExtBot(emulator.token, base_url=f"{emulator.url}/bot", rate_limiter=limiter)
        await bot.initialize()
        try:
            # Asked for together, as a turn's message and a notice sent beside it would be; the
            # first is refused once (429) and waits, and the others do not overtake it.
            emulator.fail_next("sendMessage", kind="429")
            sends = [asyncio.create_task(bot.send_message(9, text)) for text in ("1", "2", "3")]
            await asyncio.gather(*sends)
        finally:
            await bot.shutdown()
        assert [m.text for m in emulator.bot_messages(9)] == ["1", "2", "3"]
        assert emulator.pace.refused == {}
        assert emulator.pace.early == []


async def test_without_its_database_a_replica_still_sends_at_its_own_pace() -> None:
    budget = SharedSendBudget(Database(f"postgresql://bot:pw@127.0.0.1:{free_port()}/bot"))
    first = await budget.take(BOT_SPACING, 5, CHAT_SPACING)
    second = await budget.take(BOT_SPACING, 6, CHAT_SPACING)
    assert (first.placed, first.wait) == (True, 0.0)
    assert second.placed
    assert 0.2 < second.wait <= 0.25
    await budget.pause(1.0)
    assert budget.paused_for() > 0.9
