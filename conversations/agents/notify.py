"""What a support agent hears: a booking came through their link, in the agent's own
language and zone."""

from __future__ import annotations

import logging
from html import escape

from telegram.error import TelegramError

from bot.booking.bookings import Booked
from bot.ptb.chat_turns import ChatStates
from conversations.kit.context import App, Prefs, Services, stored_prefs, ui_for
from conversations.kit.phrases import booking_when, meeting_line

log = logging.getLogger(__name__)


async def prefs_of(app: App, services: Services, user_id: int) -> Prefs:
    """An agent's language and zone (their chat with the bot keeps them)."""
    # Read without the agent's chat's turn: this runs in the customer's turn, and only reads.
    return stored_prefs(services.settings, await ChatStates.of(app).peek_user(user_id))


async def tell_agent(
    app: App,
    services: Services,
    agent_id: int,
    booked: Booked,
    meeting: tuple[str, int],
    customer: str,
) -> None:
    """Tell the agent a booking came through their link: the meeting type and length, the
    time in the agent's own zone and language, and the customer's name (not the e-mail)."""
    ui = ui_for(services.settings, await prefs_of(app, services, agent_id))
    name, minutes = meeting
    text = ui._("📅 New booking through your link: {meeting}, {when}, for {name}.").format(
        meeting=meeting_line(ui, name, minutes),
        when=booking_when(ui, booked.start),
        name=escape(customer),
    )
    try:
        await app.bot.send_message(agent_id, text)
    except TelegramError as error:
        log.warning("could not tell an agent about a booking: %s", type(error).__name__)
