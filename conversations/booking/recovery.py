"""After a restart: tell each customer whose booking was cut short how it ended.

A booking the bot was killed in the middle of is still in the ledger. It is looked up on
meetergo: found, the confirmation comes as an uninterrupted one does (with the calendar file,
in place of the "Booking…" message, and its reminders armed); not found, that message becomes
the confirm card again, so one tap books it. Either way nobody books twice by accident.
"""

from __future__ import annotations

import logging

from telegram.error import TelegramError

from bot.booking.bookings import Booked
from bot.meetergo import BookingConfirmation, BookingOutcomeUnknownError
from bot.ptb.chat_turns import ChatStates
from bot.storage.ledger import Attempt
from conversations.after_booking.calendar import send_calendar
from conversations.after_booking.reminders import arm_reminders
from conversations.agents.notify import tell_agent
from conversations.booking.draft import Draft
from conversations.booking.screens import booked_text
from conversations.booking.steps.confirm import confirm_screen
from conversations.kit.buttons import BOOKED_KEY
from conversations.kit.chat import with_notice
from conversations.kit.context import App, Prefs, Services, ui_for

log = logging.getLogger(__name__)


async def recover_interrupted_bookings(app: App) -> None:
    """Settle every attempt a restart left open and tell its customer the outcome."""
    services = Services.of(app)
    states = ChatStates.of(app)
    for listed in await services.bookings.ledger.unsettled():
        async with states.turn(listed.chat_id, listed.user_id):
            # Read again in the chat's turn: another replica may have settled it meanwhile.
            attempt = await services.bookings.ledger.of_chat(listed.chat_id)
            if attempt is None:
                continue
            try:
                found = await services.bookings.look_up(attempt)
            except BookingOutcomeUnknownError:
                # Still cannot tell: the attempt stays, and the customer's next try looks again.
                log.warning("an interrupted booking could not be looked up yet")
                continue
            # Settled now: booked after all (its answer lost to the restart), or nothing booked.
            services.metrics.booking("found" if found is not None else "failed")
            await _tell(app, services, attempt, found)
            app.mark_data_for_update_persistence(chat_ids=attempt.chat_id)


async def _tell(
    app: App, services: Services, attempt: Attempt, found: BookingConfirmation | None
) -> None:
    ui = ui_for(services.settings, Prefs(language=attempt.language, timezone=attempt.timezone))
    chat_data = app.chat_data[attempt.chat_id]
    draft = Draft.bound_to(chat_data)
    if found is not None:
        email = None if attempt.phone else attempt.email
        text = booked_text(ui, Booked(found, attempt.start), draft.meeting_name, email)
        markup = None
        chat_data[BOOKED_KEY] = attempt.message_id
        if attempt.agent_id:
            # As after an uninterrupted booking: the agent whose link brought the customer hears.
            meeting = (draft.meeting_name, draft.duration or attempt.duration)
            booked = Booked(found, attempt.start)
            await tell_agent(app, services, attempt.agent_id, booked, meeting, draft.name or "")
        draft.unbind()  # booked: the name and e-mail leave our storage
        log.info("interrupted booking found", extra={"chat": attempt.chat_id, "event": "booked"})
        if await _confirm_with_calendar(app, services, found, text, attempt.message_id):
            return
    else:
        draft.new_menu()
        draft.notice = ui._(
            "The bot was restarted while booking, and nothing was booked. "
            "Please check and confirm again."
        )
        text, markup = with_notice(draft, confirm_screen(draft, ui))
        draft.notice = None
    try:
        if attempt.message_id is not None:
            await app.bot.edit_message_text(
                text, chat_id=attempt.chat_id, message_id=attempt.message_id, reply_markup=markup
            )
        else:
            await app.bot.send_message(attempt.chat_id, text, reply_markup=markup)
    except TelegramError as error:
        log.warning("could not tell a customer about their booking: %s", type(error).__name__)


async def _confirm_with_calendar(
    app: App, services: Services, found: BookingConfirmation, text: str, card: int | None
) -> bool:
    """As an uninterrupted booking ends: the confirmation as the calendar file's caption in
    place of the card, and the reminders armed. False when the confirmation is still to be
    written on the card (no record of the booking, or Telegram refused the file)."""
    record = await services.bookings.ledger.record_of(found.appointment_id or "")
    if record is None:
        return False
    sent = await send_calendar(app, services, record, text, replacing=card)
    await arm_reminders(app, record)
    return sent
