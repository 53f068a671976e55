"""What the booking says outside its steps' own screens: a failure of meetergo with "Try
again", and the confirmation."""

from __future__ import annotations

from html import escape

from bot.booking.bookings import Booked
from bot.meetergo import MeetergoError
from bot.meetergo.models import HOST_CONFIRMATION
from conversations.booking.keyboards import try_again
from conversations.kit.chat import Screen
from conversations.kit.context import Ui
from conversations.kit.phrases import booking_when, failure_text, meeting_name
from conversations.kit.view import View


def failure_screen(view: View, ui: Ui, error: MeetergoError) -> Screen:
    """What meetergo's failure means for the customer, with "Try again"."""
    return failure_text(ui, error), try_again(ui, view.menu)


def booked_text(ui: Ui, booked: Booked, meeting: str, email: str | None, where: str = "") -> str:
    """The confirmation in the chat, naming the meeting type (`meeting`, meetergo's name for
    it): booked; or reserved until the customer follows the link in meetergo's e-mail (double
    opt-in), or until the team confirms it (host confirmation, or a phone-only booking, which
    has no e-mail to confirm from). `where` (HTML) is added as a line of its own."""
    when = booking_when(ui, booked.start)
    confirmation = booked.confirmation
    if not confirmation.is_provisional:
        if email:
            text = ui._(
                "✅ You're booked: {when}. A confirmation e-mail is on its way to {email}. "
                "See you at your {meeting}!"
            )
        else:
            text = ui._("✅ You're booked: {when}. See you at your {meeting}!")
    elif not email:
        text = ui._(
            "📨 Almost done: your {meeting} on {when} is reserved until the team confirms it."
        )
    elif confirmation.waits_for == HOST_CONFIRMATION:
        text = ui._(
            "📨 Almost done: your {meeting} on {when} is reserved until the team confirms "
            "it. You will get an e-mail at {email} as soon as they do."
        )
    else:
        text = ui._(
            "📨 Almost done: your {meeting} on {when} is reserved. Please confirm it with the "
            "link in the e-mail we just sent to {email}."
        )
    said = text.format(
        when=when, meeting=escape(meeting_name(meeting, ui)), email=escape(email or "")
    )
    return f"{said}\n{where}" if where else said
