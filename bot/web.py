"""The bot's own web server in webhook mode: Telegram's updates and meetergo's events on one
port (python-telegram-bot's custom-webhook pattern, on aiohttp).

Telegram posts each update to `/telegram` with the secret token it was given in a header;
anything without it is refused. meetergo posts its events to a path holding a secret of its
own (its deliveries are not signed): each is answered at once and only names an appointment
to look at again (conversations/after_booking/host_changes.py).
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

from bot.app import BotApplication
from bot.config import Settings, meetergo_webhook_path, public_url, webhook_secret
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
    """The routes: Telegram's updates, and meetergo's events."""
    secret = webhook_secret(settings)

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
        await application.update_queue.put(update)
        return web.Response()

    async def meetergo(request: web.Request) -> web.Response:
        try:
            event = await request.json()
        except ValueError:  # not JSON (UnicodeDecodeError is one too)
            return web.Response(status=400)
        appointment = appointment_of(event)
        if appointment is not None:
            # Answered at once (meetergo gives a delivery 30 seconds); looked at right after.
            application.create_task(apply_host_change(application, appointment))
        return web.json_response({"received": True})

    app = web.Application(client_max_size=1024 * 1024)
    app.router.add_post(TELEGRAM_PATH, telegram)
    app.router.add_post(meetergo_webhook_path(settings), meetergo)
    return app


async def serve_webhooks(application: BotApplication, settings: Settings) -> None:
    """Run the bot behind its own web server until SIGINT or SIGTERM: start the services,
    listen, tell Telegram the URL, serve; then stop taking requests before the bot stops."""
    stopping = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stopping.set)
    runner = web.AppRunner(web_app(application, settings), access_log=None)
    try:
        # Whatever happens from here (a StartupError, a signal), the stores are closed after.
        await application.initialize()
        if application.post_init is not None:
            await application.post_init(application)
        await runner.setup()
        site = web.TCPSite(runner, settings.bot_webhook_listen, settings.bot_webhook_port)
        await site.start()
        if not stopping.is_set():
            await application.bot.set_webhook(
                url=public_url(settings, TELEGRAM_PATH),
                secret_token=webhook_secret(settings),
                allowed_updates=ALLOWED_UPDATES,
            )
            await application.start()
        await stopping.wait()
    finally:
        await runner.cleanup()
        if application.running:
            await application.stop()
            if application.post_stop is not None:
                await application.post_stop(application)
        with contextlib.suppress(RuntimeError):
            await application.shutdown()
        if application.post_shutdown is not None:
            await application.post_shutdown(application)
