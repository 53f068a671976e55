"""What a support agent hears: a booking came through their link, in the agent's own
language and zone."""

from __future__ import annotations

from html import escape

from bot.booking.bookings import Booked
from conversations.kit import agent_messages
from conversations.kit.context import App, Services, Ui
from conversations.kit.phrases import booking_when, meeting_line


async def tell_agent(
    app: App,
    services: Services,
    agent_id: int,
    booked: Booked,
    meeting: tuple[str, int],
    customer: str,
    *,
    in_agent_chat: bool = False,
) -> None:
    """Tell the agent a booking came through their link: the meeting type and length, the
    time in the agent's own zone and language, and the customer's name (not the e-mail)."""
    name, minutes = meeting

    def compose(ui: Ui) -> str:
        text = ui._("📅 New booking through your link: {meeting}, {when}, for {name}.")
        if in_agent_chat:
            text = ui._("📅 New booking in your chat: {meeting}, {when}, for {name}.")
        return text.format(
            meeting=meeting_line(ui, name, minutes),
            when=booking_when(ui, booked.start),
            name=escape(customer),
        )

    await agent_messages.tell_agent(app, services, agent_id, compose)
