"""Drafts do not outlive their purpose: a booking nobody touches is closed, restarts or not.

The store indexes each chat's draft by when it was last touched; a sweep, repeated while the
bot runs (and at once at start, for drafts that went idle while it was down), closes the ones
idle for longer than the timeout. Timers in memory would not do: they die with the process,
and with two replicas one replica's timer knows nothing of a touch the other one handled.
"""

from __future__ import annotations

import logging
import math
from datetime import UTC, datetime, timedelta
from typing import Any

from pydantic import AwareDatetime, TypeAdapter
from telegram.error import TelegramError
from telegram.ext import CallbackContext

from bot.ptb.chat_turns import ChatStates
from conversations.booking.draft import Draft
from conversations.kit.context import App, Services, Ui, stored_prefs, ui_for
from conversations.kit.view import VIEW_KEY

log = logging.getLogger(__name__)


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


# The sweep looks this often (but at least every SWEEP_LONGEST), so a booking is closed at most
# a quarter of the timeout late.
SWEEP_SHARE = 0.25
SWEEP_LONGEST = timedelta(seconds=30)
SWEEP_BATCH = 200  # chats closed per sweep at most; the next sweep takes the rest


def sweep_interval(services: Services) -> timedelta:
    """How often the stored drafts are checked for idleness."""
    return min(idle_timeout(services) * SWEEP_SHARE, SWEEP_LONGEST)


def draft_touched_at(chat_data: dict[str, Any]) -> datetime | None:
    """When the chat's draft was last touched (None: no draft), for the store's sweep index."""
    draft = chat_data.get(VIEW_KEY)
    if not draft:
        return None
    # Only its touched_at is read (at every commit): not the whole draft validated again.
    stored = draft.get("touched_at") if isinstance(draft, dict) else draft
    touched = _TOUCHED_AT.validate_python(stored)
    return touched or datetime.now(UTC)


# The type of View.touched_at (conversations/kit/view.py).
_TOUCHED_AT: TypeAdapter[datetime | None] = TypeAdapter(AwareDatetime | None)


async def sweep_idle_drafts(context: CallbackContext[Any, Any, Any, Any]) -> None:
    """The sweep as a repeating job."""
    await sweep_idle(context.application)


async def sweep_idle(app: App) -> None:
    """Close every stored draft idle for longer than the timeout (run by every replica; each
    close happens in the chat's turn and checks again, so a draft is closed once)."""
    services = Services.of(app)
    states = ChatStates.of(app)
    before = datetime.now(UTC) - idle_timeout(services)
    idle = await states.persistence.store.idle_chats(before, SWEEP_BATCH)
    for chat_id in idle:
        # Private chats only hold drafts: the chat is the customer.
        async with states.turn(chat_id, chat_id):
            await close_if_idle(app, chat_id)
    log.debug("idle sweep done: %d idle chats", len(idle), extra={"event": "idle_sweep"})


async def close_if_idle(app: App, chat_id: int) -> bool:
    """Close the chat's booking if nobody touched it for the whole timeout; say so.

    Runs in the chat's turn, so what it reads is the chat's latest state.
    """
    services = Services.of(app)
    timeout = idle_timeout(services)
    chat_data = app.chat_data.get(chat_id)
    if not chat_data or not chat_data.get(VIEW_KEY):
        return False
    draft = Draft.bound_to(chat_data)
    if draft.touched_at is not None and datetime.now(UTC) - draft.touched_at < timeout:
        return False  # touched since: a later sweep looks again
    prefs = stored_prefs(services.settings, app.user_data.get(chat_id))
    draft.unbind()
    ChatStates.of(app).end_conversations(chat_id)
    app.mark_data_for_update_persistence(chat_ids=chat_id)
    log.info("idle booking closed", extra={"chat": chat_id, "event": "idle_closed"})
    try:
        await app.bot.send_message(chat_id, closing_text(ui_for(services.settings, prefs), timeout))
    except TelegramError as error:
        log.warning("could not tell a customer their booking was closed: %s", type(error).__name__)
    return True
