"""Serving: the polling loop, and what it shares with the webhook server (bot/web.py): the
stop signals and the drain.

On SIGTERM (or SIGINT) either mode drains: /readyz answers 503 from then on, no update is
taken any more (polling stops; a webhook delivery gets 503, which Telegram delivers again,
to another replica or after the restart), the updates taken are handled to their end, their
state committed, and only then do the web server and the stores close.

Polling needs no web server unless BOT_HEALTH_PORT is set, so aiohttp is loaded only then.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from typing import TYPE_CHECKING

from bot.app import BotApplication, health_of
from bot.config import Settings
from bot.health import Health

if TYPE_CHECKING:
    from aiohttp import web

log = logging.getLogger(__name__)

# What the bot answers: messages, button presses, and "@bot" typed in any chat (inline mode).
# Business connections and messages: an agent's own chats (conversations/agents/business.py).
ALLOWED_UPDATES = [
    "message",
    "callback_query",
    "inline_query",
    "business_connection",
    "business_message",
]


def stop_signals(*signums: int) -> asyncio.Event:
    """An event set by the first of these signals (the running loop's handlers)."""
    stopping = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in signums:
        loop.add_signal_handler(signum, stopping.set)
    return stopping


async def serve_polling(
    application: BotApplication, settings: Settings, stopping: asyncio.Event | None = None
) -> None:
    """Poll Telegram until SIGINT, SIGTERM or SIGABRT (or `stopping` is set), as PTB's
    run_polling does, with /healthz, /readyz and /metrics on BOT_HEALTH_PORT when it is set
    (from the start on); then drain (see the module's docstring) and stop."""
    stopping = stopping or stop_signals(signal.SIGINT, signal.SIGTERM, signal.SIGABRT)
    health = health_of(application)
    own_port: web.AppRunner | None = None
    updater = application.updater
    if updater is None:
        raise RuntimeError("polling needs the application's updater")

    def report(error: Exception) -> None:  # a failed getUpdates: to the error handler
        application.create_task(application.process_error(error=error, update=None))

    try:
        if settings.bot_health_port is not None:
            own_port = await health_port(health, settings)
        await application.initialize()
        if application.post_init is not None:
            await application.post_init(application)
        if not stopping.is_set():
            await updater.start_polling(allowed_updates=ALLOWED_UPDATES, error_callback=report)
            # Telegram just answered (deleteWebhook, before polling): the first long poll may
            # take its 10 seconds to come back with nothing.
            health.metrics.telegram_heard()
            await application.start()
            health.phase = "serving"
        await stopping.wait()
    finally:
        await drain(application, health)
        if own_port is not None:
            await own_port.cleanup()
        await shut_down(application)


async def drain(application: BotApplication, health: Health) -> None:
    """Take no update any more, and handle those taken to their end (their answers sent,
    their state committed), with the jobs running; /readyz answers 503 meanwhile."""
    health.phase = "draining"
    if application.updater is not None and application.updater.running:
        await application.updater.stop()
    if application.running:
        log.info("stopping: finishing the updates in flight")
        # PTB's stop: the queue's updates handled and every turn finished, jobs and tasks
        # waited for, persistence flushed.
        await application.stop()
        if application.post_stop is not None:
            await application.post_stop(application)


async def shut_down(application: BotApplication) -> None:
    with contextlib.suppress(RuntimeError):
        await application.shutdown()
    if application.post_shutdown is not None:
        await application.post_shutdown(application)


async def health_port(health: Health, settings: Settings) -> web.AppRunner:
    """/healthz, /readyz and /metrics on BOT_HEALTH_PORT (BOT_WEBHOOK_LISTEN's address)."""
    port = settings.bot_health_port
    if port is None:
        raise ValueError("BOT_HEALTH_PORT is not set")
    # Loaded only for a health port: aiohttp is a tenth of a polling bot's start otherwise.
    from bot.health_server import serve_health

    return await serve_health(health, settings.bot_webhook_listen, port)
