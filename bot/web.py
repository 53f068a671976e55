"""The bot's own web server in webhook mode: Telegram's updates and meetergo's events on one
port (python-telegram-bot's custom-webhook pattern, on aiohttp), beside /healthz, /readyz and
/metrics (bot/health.py); and the polling loop, with those three on BOT_HEALTH_PORT.

Telegram posts each update to `/telegram` with the secret token it was given in a header;
anything without it is refused. meetergo posts its events to a path holding a secret of its
own (its deliveries are not signed): each is answered at once and only names an appointment
to look at again (conversations/after_booking/host_changes.py).

On SIGTERM (or SIGINT) either mode drains: /readyz answers 503 from then on, no update is
taken any more (polling stops; a webhook delivery gets 503, which Telegram delivers again,
to another replica or after the restart), the updates taken are handled to their end, their
state committed, and only then do the web server and the stores close.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import logging
import signal
from collections.abc import Mapping
from typing import Any

from aiohttp import web
from telegram import Update

from bot.app import BotApplication, health_of
from bot.config import Settings, meetergo_webhook_path, public_url, webhook_secret
from bot.health import Health, add_health_routes, serve_health
from bot.ptb.heard import received_of
from conversations.after_booking.host_changes import apply_host_change

log = logging.getLogger(__name__)

TELEGRAM_PATH = "/telegram"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
# What the bot answers: messages, button presses, and "@bot" typed in any chat (inline mode).
# Business connections and messages: an agent's own chats (conversations/agents/business.py).
ALLOWED_UPDATES = [
    "message",
    "callback_query",
    "inline_query",
    "business_connection",
    "business_message",
]


def appointment_of(event: Any) -> str | None:
    """The appointment a meetergo event is about: `id` beside `webhookType` (as documented),
    or an `appointment` object's id (read tolerantly)."""
    if not isinstance(event, Mapping):
        return None
    # Some of meetergo's pages show the data under `data` ({"event": ..., "data": {...}}).
    inner = event.get("data") if isinstance(event.get("data"), Mapping) else {}
    candidates = (
        event.get("id"),
        event.get("appointmentId"),
        _id_of(event.get("appointment")),
        _id_of(inner),
        _id_of(inner.get("appointment") if isinstance(inner, Mapping) else None),
    )
    for found in candidates:
        if isinstance(found, str) and found.strip():
            return found.strip()
    return None


def _id_of(value: Any) -> Any:
    return value.get("id") if isinstance(value, Mapping) else None


def web_app(application: BotApplication, settings: Settings) -> web.Application:
    """The routes: Telegram's updates, meetergo's events, and the health and metrics."""
    secret = webhook_secret(settings)
    health = health_of(application)

    def refusing() -> bool:
        # Not started yet, or draining: whatever is taken now might never be handled, so it
        # is refused (503) for its sender to deliver again.
        return health.phase == "draining" or not application.running

    received = received_of(application)

    async def telegram(request: web.Request) -> web.Response:
        given = request.headers.get(SECRET_HEADER, "")
        if not hmac.compare_digest(given.encode(), secret.encode()):
            return web.Response(status=403)
        try:
            data = await request.json()
            update = Update.de_json(data, application.bot) if isinstance(data, dict) else None
        except Exception:
            update = None
        if update is None:
            return web.Response(status=400)
        if refusing():
            return web.Response(status=503)
        if received is not None:  # for the turn that keeps the update (update_processor.py)
            received.keep(data)
        # No await between the check and the queue: a drain begun meanwhile finds it queued.
        application.update_queue.put_nowait(update)
        return web.Response()

    async def meetergo(request: web.Request) -> web.Response:
        try:
            event = await request.json()
        except ValueError:  # not JSON (UnicodeDecodeError is one too)
            return web.Response(status=400)
        if refusing():
            return web.Response(status=503)
        appointment = appointment_of(event)
        if appointment is not None:
            # Answered at once (meetergo gives a delivery 30 seconds); looked at right after.
            application.create_task(apply_host_change(application, appointment))
        return web.json_response({"received": True})

    app = web.Application(client_max_size=1024 * 1024)
    app.router.add_post(TELEGRAM_PATH, telegram)
    app.router.add_post(meetergo_webhook_path(settings), meetergo)
    if settings.bot_health_port in (None, settings.bot_webhook_port):
        # Beside the webhook, unless they have a port of their own (kept off the public one).
        add_health_routes(app, health)
    return app


def stop_signals(*signums: int) -> asyncio.Event:
    """An event set by the first of these signals (the running loop's handlers)."""
    stopping = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in signums:
        loop.add_signal_handler(signum, stopping.set)
    return stopping


async def serve_webhooks(
    application: BotApplication, settings: Settings, stopping: asyncio.Event | None = None
) -> None:
    """Run the bot behind its own web server until SIGINT or SIGTERM (or `stopping` is set):
    listen (health at once, updates once started), start the services, tell Telegram the URL,
    serve; then drain (see the module's docstring) before the server and the bot stop."""
    stopping = stopping or stop_signals(signal.SIGINT, signal.SIGTERM)
    health = health_of(application)
    runner = web.AppRunner(web_app(application, settings), access_log=None)
    own_port: web.AppRunner | None = None
    try:
        # Whatever happens from here (a StartupError, a signal), the stores are closed after.
        await runner.setup()
        site = web.TCPSite(runner, settings.bot_webhook_listen, settings.bot_webhook_port)
        await site.start()
        if settings.bot_health_port not in (None, settings.bot_webhook_port):
            own_port = await _health_port(health, settings)
        await application.initialize()
        if application.post_init is not None:
            await application.post_init(application)
        if not stopping.is_set():
            await application.start()  # updates are taken from here on
            await application.bot.set_webhook(
                url=public_url(settings, TELEGRAM_PATH),
                secret_token=webhook_secret(settings),
                allowed_updates=ALLOWED_UPDATES,
            )
            health.webhook_set = True
            health.phase = "serving"
        await stopping.wait()
    finally:
        await drain(application, health)
        await runner.cleanup()
        if own_port is not None:
            await own_port.cleanup()
        await _shut_down(application)


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
            own_port = await _health_port(health, settings)
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
        await _shut_down(application)


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


async def _shut_down(application: BotApplication) -> None:
    with contextlib.suppress(RuntimeError):
        await application.shutdown()
    if application.post_shutdown is not None:
        await application.post_shutdown(application)


async def _health_port(health: Health, settings: Settings) -> web.AppRunner:
    """/healthz, /readyz and /metrics on BOT_HEALTH_PORT (BOT_WEBHOOK_LISTEN's address)."""
    port = settings.bot_health_port
    if port is None:
        raise ValueError("BOT_HEALTH_PORT is not set")
    return await serve_health(health, settings.bot_webhook_listen, port)
