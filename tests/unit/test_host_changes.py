"""The team cancels or moves an appointment in meetergo: the customer hears it in their language
and zone, once, whether meetergo's webhook tells the bot or its own schedule finds it; the
reminders follow. The real Application against the Bot API emulator and the sandbox, whose
deliveries go to the bot's own web routes (bot/web.py) on loopback."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import pytest_asyncio
from aiohttp import web
from icalendar import Calendar

from bot.booking.host_changes import WEBHOOK_EVENTS, ensure_webhook
from bot.config import meetergo_webhook_path
from bot.sandbox.follow import Answers, answer_until
from bot.sandbox.scheduling import SandboxScheduling
from bot.sandbox.telegram_api import BotApiEmulator
from bot.sandbox.world import free_port
from bot.web import web_app
from tests.support import cldr
from tests.support.harness import InProcessBot
from tests.support.waiting import until
from tests.unit.conftest import (
    ADA,
    Launcher,
    StepCustomer,
    day_label,
    running,
    services,
    tomorrow,
)


async def booked(bot: InProcessBot, emulator: BotApiEmulator, language: str = "en") -> StepCustomer:
    ada = StepCustomer(emulator, bot, ADA, first_name="Ada", language_code=language)
    await ada.send("/start")
    day = day_label(tomorrow()) if language == "en" else cldr.short_day(tomorrow(), language)
    await answer_until(ada, "END", Answers(day=day))
    return ada


async def told(emulator: BotApiEmulator, since: int) -> None:
    """Wait until the bot writes to Ada after call `since` (it acts on its own)."""
    await emulator.wait_for_call(
        None,
        after=since,
        predicate=lambda call: (
            call.method in ("sendMessage", "sendDocument")
            and call.params.get("chat_id") in (ADA, str(ADA))
        ),
        timeout=10,
    )


def reminder_jobs(bot: InProcessBot) -> set[str]:
    queue = running(bot).job_queue
    assert queue is not None
    return {str(job.name) for job in queue.jobs() if not job.removed and "remind:" in str(job.name)}


@pytest_asyncio.fixture
async def webhook_bot(launch: Launcher, sandbox: SandboxScheduling) -> AsyncIterator[InProcessBot]:
    """A bot whose web routes listen on loopback, registered with the sandbox as meetergo's
    webhook (as the start does with a public URL)."""
    port = free_port()
    bot = await launch(BOT_WEBHOOK_URL=f"http://127.0.0.1:{port}")
    settings = services(bot).settings
    runner = web.AppRunner(web_app(running(bot), settings))
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    client = services(bot).availability._client
    endpoint = f"http://127.0.0.1:{port}{meetergo_webhook_path(settings)}"
    assert await ensure_webhook(client, endpoint, "test")
    assert await ensure_webhook(client, endpoint, "test"), "found again, not made twice"
    yield bot
    await runner.cleanup()


async def test_a_cancel_by_the_team_is_told_once_through_the_webhook_and_reminders_go(
    webhook_bot: InProcessBot, emulator: BotApiEmulator, sandbox: SandboxScheduling
) -> None:
    [hook] = sandbox.webhooks
    assert set(hook.event_types) == set(WEBHOOK_EVENTS)
    ada = await booked(webhook_bot, emulator, "de")
    appointment = sandbox.bookings[-1].appointment_id
    assert reminder_jobs(webhook_bot)
    since = len(emulator.calls)
    sandbox.repeat_deliveries = 2  # meetergo may deliver an event more than once
    await sandbox.host_cancel(appointment, "ill")
    await told(emulator, since)
    await sandbox.deliveries_settled()
    said = [m for m in emulator.bot_messages(ADA) if m.message_id > 0][-1]
    assert said.text.startswith("❌")
    assert "Intro call" in said.text
    assert not said.text.startswith("❌ The team"), "in German, Ada's language"
    assert "Dezember" in said.text, "the date in German too"
    assert len(ada.labels(said)) == 1, "Book another time"
    await ada.send("/mybookings")  # one more turn: every delivery has been dealt with
    cancels = [m for m in emulator.bot_messages(ADA) if m.text.startswith("❌")]
    assert len(cancels) == 1, "three deliveries, one message"
    assert reminder_jobs(webhook_bot) == set()
    assert emulator.violations == []


async def test_a_move_by_the_team_sends_the_calendar_file_again_and_moves_the_reminders(
    webhook_bot: InProcessBot, emulator: BotApiEmulator, sandbox: SandboxScheduling
) -> None:
    ada = await booked(webhook_bot, emulator)
    booking = sandbox.bookings[-1]
    first = ada.last()
    assert first.document is not None
    [before] = Calendar.from_ical(first.document["data"]).walk("VEVENT")
    since = len(emulator.calls)
    new_start = booking.start + timedelta(hours=2)
    async with sandbox.held_deliveries(reverse=True):
        await sandbox.host_move(booking.appointment_id, new_start)
    await told(emulator, since)
    moved = ada.last()
    assert moved.text.startswith("🔁 The team moved your Intro call from")
    assert moved.document is not None
    [after] = Calendar.from_ical(moved.document["data"]).walk("VEVENT")
    assert str(after["UID"]) == str(before["UID"])
    assert after.decoded("SEQUENCE") > before.decoded("SEQUENCE")
    assert after.decoded("DTSTART") == new_start
    record = await services(webhook_bot).bookings.ledger.record_of(booking.appointment_id)
    assert record is not None
    assert record.start == new_start
    # The reminders are armed after the customer is told.
    job = f"remind:{booking.appointment_id}:1h"
    await until(lambda: job in reminder_jobs(webhook_bot), seconds=5)


async def test_without_a_webhook_the_schedule_finds_a_cancel_within_its_period(
    launch: Launcher, emulator: BotApiEmulator, sandbox: SandboxScheduling
) -> None:
    bot = await launch(BOT_APPOINTMENT_CHECK_SECONDS="1")
    ada = await booked(bot, emulator)
    since = len(emulator.calls)
    await sandbox.host_cancel(sandbox.bookings[-1].appointment_id)
    await told(emulator, since)  # within the period (1 s here) and a tick
    assert ada.last().text.startswith("❌ The team cancelled your Intro call on")
    assert sandbox.webhooks == [], "no public URL: no webhook registered"
