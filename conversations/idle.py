"""Drafts do not outlive their purpose: a booking nobody touches is closed, restarts or not.

While the bot runs, python-telegram-bot's conversation timeout closes an idle booking. Its
timers live in memory only, so at every start the bot closes the drafts that went idle while
it was down and arms a timer for each of the others (from when each was last touched).
"""

from __future__ import annotations

import logging
import math
from datetime import UTC, datetime, timedelta
from typing import Any

from telegram.error import TelegramError
from telegram.ext import Application, CallbackContext

from conversations.context import Services, Ui, make_ui
from conversations.draft import DRAFT_KEY, PREFS_KEY, Draft, Prefs

log = logging.getLogger(__name__)

App = Application[Any, Any, Any, Any, Any, Any]


def idle_timeout(services: Services) -> timedelta:
    """How long a booking may wait for the customer (BOT_IDLE_TIMEOUT_MINUTES)."""
    return timedelta(minutes=services.settings.bot_idle_timeout_minutes)


def closing_text(ui: Ui, timeout: timedelta) -> str:
    """What the customer reads when their booking was closed for idleness."""
    minutes = max(1, math.ceil(timeout.total_seconds() / 60))
    return ui.n_(
        "I closed this booking after {minutes} minute without a reply. Send /start to begin again.",
        "I closed this booking after {minutes} minutes without a reply. "
        "Send /start to begin again.",
        minutes,
    ).format(minutes=minutes)


async def rearm_idle_closes(app: App) -> None:
    """Close drafts idle for longer than the timeout; arm a timer for every other draft."""
    services = Services.of(app)
    timeout = idle_timeout(services)
    now = datetime.now(UTC)
    for chat_id, chat_data in list(app.chat_data.items()):
        draft = chat_data.get(DRAFT_KEY)
        if not draft:
            continue
        touched = Draft.model_validate(draft).touched_at
        due = (touched or now) + timeout
        if app.job_queue is None:
            raise RuntimeError("the bot needs python-telegram-bot's job queue")
        app.job_queue.run_once(
            _close_job, when=max(due, now), chat_id=chat_id, name=f"idle-close:{chat_id}"
        )


async def _close_job(context: CallbackContext[Any, Any, Any, Any]) -> None:
    if context.job is not None and context.job.chat_id is not None:
        await close_if_idle(context.application, context.job.chat_id)


async def close_if_idle(app: App, chat_id: int) -> bool:
    """Close the chat's booking if nobody touched it for the whole timeout; say so."""
    services = Services.of(app)
    timeout = idle_timeout(services)
    chat_data = app.chat_data.get(chat_id)
    if not chat_data or not chat_data.get(DRAFT_KEY):
        return False
    draft = Draft.bound_to(chat_data)
    if draft.touched_at is not None and datetime.now(UTC) - draft.touched_at < timeout:
        return False  # touched since: the running conversation's own timer takes over
    stored = (app.user_data.get(chat_id) or {}).get(PREFS_KEY)
    prefs = (
        Prefs.model_validate(stored)
        if stored
        else Prefs(
            language=services.settings.bot_default_language,
            timezone=services.settings.bot_default_timezone,
        )
    )
    draft.unbind()
    app.mark_data_for_update_persistence(chat_ids=chat_id)
    log.info("idle booking closed", extra={"chat": chat_id, "event": "idle_closed"})
    try:
        await app.bot.send_message(
            chat_id, closing_text(make_ui(services.settings, prefs), timeout)
        )
    except TelegramError as error:
        log.warning("could not tell a customer their booking was closed: %s", type(error).__name__)
    return True
