"""meetergo's own changes reach the chat: when the team cancels or moves an appointment in
meetergo, the customer hears it in their language and zone, and the reminders follow.

The bot learns of a change from meetergo's webhook (bot/web.py) or, without one, by checking
the appointments still ahead on its own schedule, within the bot's pace for meetergo. Either
way bot/booking/host_changes.py reads the appointment again and tells each change once.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from html import escape
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import TelegramError
from telegram.ext import CallbackContext

from bot.booking.host_changes import HostChange
from bot.meetergo import MeetergoError
from conversations.after_booking.calendar import send_calendar
from conversations.after_booking.payloads import BookAgain
from conversations.after_booking.reminders import arm_reminders, drop_reminders
from conversations.after_booking.shown import MENU, meeting_title, ui_of, where_line
from conversations.after_booking.waitlist import offer_free_times
from conversations.kit.agent_messages import pass_on_to_agent
from conversations.kit.context import App, Services
from conversations.kit.phrases import booking_when

log = logging.getLogger(__name__)

CHECK_TICK = 10.0  # seconds between two looks at which appointments are due a check
# Of the bot's pace for meetergo, the share the checks leave to customers in any minute.
CUSTOMERS_SHARE = 1 / 3


async def apply_host_change(app: App, appointment_id: str) -> None:
    """Look at one appointment again and tell its customer what the team changed, if
    anything (once, whichever replica or delivery finds it first)."""
    services = Services.of(app)
    try:
        change = await services.host_changes.check(appointment_id)
    except MeetergoError as error:
        log.warning("could not check an appointment: %s", type(error).__name__)
        return
    if change is None:
        return
    drop_reminders(app, change.before)
    # The time it held may be free now: offered at once to whoever waits for that day.
    services.availability.invalidate()
    if change.kind == "cancelled":
        await _tell_cancelled(app, services, change)
    else:
        await _tell_moved(app, services, change)
        await arm_reminders(app, change.after)
    await offer_free_times(app)
    log.info("the team changed an appointment", extra={"event": f"host_{change.kind}"})


async def _tell_cancelled(app: App, services: Services, change: HostChange) -> None:
    record = change.after
    ui = ui_of(services, record)
    title = await meeting_title(services, record, ui)
    text = ui._("❌ The team cancelled your {meeting} on {when}.").format(
        meeting=escape(title), when=booking_when(ui, change.before.start)
    )
    again = InlineKeyboardButton(ui._("Book another time"), callback_data=BookAgain(MENU).pack())
    try:
        await app.bot.send_message(
            record.chat_id, text, reply_markup=InlineKeyboardMarkup([[again]])
        )
    except TelegramError as error:
        log.warning("could not tell a customer of a cancel: %s", type(error).__name__)
        await pass_on_to_agent(app, services, record.agent_id, error, text)


async def _tell_moved(app: App, services: Services, change: HostChange) -> None:
    """The new time, with the calendar file again (same UID, higher SEQUENCE)."""
    record = change.after
    ui = ui_of(services, record)
    title = await meeting_title(services, record, ui)
    text = ui._("🔁 The team moved your {meeting} from {old} to {new}.").format(
        meeting=escape(title),
        old=booking_when(ui, change.before.start),
        new=booking_when(ui, record.start),
    ) + where_line(ui, record)
    if await send_calendar(app, services, record, text, replacing=None):
        return
    try:
        await app.bot.send_message(record.chat_id, text)
    except TelegramError as error:
        log.warning("could not tell a customer of a move: %s", type(error).__name__)
        await pass_on_to_agent(app, services, record.agent_id, error, text)


@dataclass
class ScheduledChecks:
    """When each appointment ahead was last checked (monotonic seconds), for the schedule."""

    checked: dict[str, float] = field(default_factory=dict)


async def check_appointments_ahead(context: CallbackContext[Any, Any, Any, Any]) -> None:
    """The schedule (without a meetergo webhook): every appointment still ahead is checked
    once per BOT_APPOINTMENT_CHECK_SECONDS, a share at each tick, the earliest first, never
    using more of the bot's pace for meetergo than customers leave free."""
    app = context.application
    job = context.job
    state = job.data if job is not None else None
    if not isinstance(state, ScheduledChecks):
        return
    services = Services.of(app)
    period = services.settings.bot_appointment_check_seconds
    now = time.monotonic()
    ahead = await services.bookings.ledger.active_records(datetime.now(UTC))
    due = [r for r in ahead if state.checked.get(r.appointment_id, -period) + period <= now]
    pace = services.availability.pace
    spare = pace.headroom() - int(pace.per_minute * CUSTOMERS_SHARE)
    for record in due[: max(spare, 0)]:
        state.checked[record.appointment_id] = now
        await apply_host_change(app, record.appointment_id)
    known = {record.appointment_id for record in ahead}
    for gone in set(state.checked) - known:
        del state.checked[gone]


def schedule_checks(app: App, period: float) -> None:
    """Check the appointments ahead every `period` seconds (spread over ticks)."""
    if app.job_queue is None:
        raise RuntimeError("the bot needs python-telegram-bot's job queue")
    tick = min(CHECK_TICK, period)
    app.job_queue.run_repeating(
        check_appointments_ahead,
        interval=tick,
        first=tick,
        name="host-changes",
        data=ScheduledChecks(),
    )
