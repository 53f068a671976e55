"""What the booking says outside its steps' own screens: a failure of meetergo with "Try
again", and the confirmation."""

from __future__ import annotations

from html import escape

from bot.booking.bookings import Booked
from bot.meetergo import MeetergoError
from conversations.booking.keyboards import try_again
from conversations.kit.chat import Screen
from conversations.kit.context import Ui
from conversations.kit.phrases import booking_when, failure_text
from conversations.kit.view import View


def failure_screen(view: View, ui: Ui, error: MeetergoError) -> Screen:
    """What meetergo's failure means for the customer, with "Try again"."""
    return failure_text(ui, error), try_again(ui, view.menu)


def booked_text(ui: Ui, booked: Booked, email: str | None) -> str:
    """The confirmation in the chat: booked, or reserved until the e-mail link is followed (or,
    for a phone-only booking, without an e-mail address: until the team confirms it)."""
    when = booking_when(ui, booked.start)
    if not email:
        if booked.confirmation.is_provisional:
            text = ui._("📨 Almost done: {when} is reserved until the team confirms it.")
        else:
            text = ui._("✅ You're booked: {when}. See you then!")
        return text.format(when=when)
    if booked.confirmation.is_provisional:
        text = ui._(
            "📨 Almost done: {when} is reserved. Please confirm it with the link in the e-mail "
            "we just sent to {email}."
        )
    else:
        text = ui._("✅ You're booked: {when}. A confirmation e-mail is on its way to {email}.")
    return text.format(when=when, email=escape(email))
