"""The bot's own web server in webhook mode: Telegram's updates and meetergo's events on one
port (python-telegram-bot's custom-webhook pattern, on aiohttp), beside /healthz, /readyz and
/metrics (bot/health_server.py). The polling loop and the drain both modes share are in
bot/serving.py.

Telegram posts each update to `/telegram` with the secret token it was given in a header;
anything without it is refused. meetergo posts its events to a path holding a secret of its
own (its deliveries are not signed): each is answered at once and only names an appointment
to look at again (conversations/after_booking/host_changes.py).

On SIGTERM (or SIGINT) the server drains (bot/serving.py): a delivery gets 503 from then on,
which Telegram delivers again, to another replica or after the restart.
"""

from __future__ import annotations

import asyncio
import hmac
import logging
import signal
from collections.abc import Mapping
from typing import Any

from aiohttp import web
from telegram import Update

from bot.app import BotApplication, health_of
from bot.config import Settings, meetergo_webhook_path, public_url, webhook_secret
from bot.health_server import add_health_routes
from bot.ptb.heard import received_of
from bot.serving import ALLOWED_UPDATES, drain, health_port, shut_down, stop_signals
from conversations.after_booking.host_changes import apply_host_change

log = logging.getLogger(__name__)

TELEGRAM_PATH = "/telegram"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


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
            own_port = await health_port(health, settings)
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
        await shut_down(application)
