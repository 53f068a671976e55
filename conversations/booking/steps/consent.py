"""CONSENT: agreement to the privacy policy before anything is passed to meetergo."""

from __future__ import annotations

from html import escape

from telegram import InlineKeyboardMarkup, Update

from conversations.booking.draft import BookingContext, Draft, booking_new
from conversations.booking.payloads import Agree
from conversations.kit.buttons import one_tap
from conversations.kit.chat import Screen
from conversations.kit.context import Ui
from conversations.kit.keyboards import button
from conversations.kit.outcome import Ask, Outcome
from conversations.kit.step import Step


def consent_screen(draft: Draft, ui: Ui) -> Screen:
    """Ask for agreement to the privacy policy, naming what is passed on."""
    if draft.phone_only:
        text = ui._(
            "To book, we pass your name and phone number to our scheduling service. "
            'Please read our <a href="{url}">privacy policy</a> and agree.'
        )
    else:
        text = ui._(
            "To book, we pass your name and e-mail address to our scheduling service. "
            'Please read our <a href="{url}">privacy policy</a> and agree.'
        )
    text = text.format(url=escape(ui.privacy_url, quote=True))
    given = [answer.question or answer.label for answer in draft.given_answers()]
    if given:
        text += "\n" + ui._("Your answers to {questions} go with them.").format(
            questions=escape(", ".join(given))
        )
    if draft.in_agent_chat:
        text += "\n" + ui._(
            "You are writing with a member of our team: they see your answers in this chat."
        )
    return text, InlineKeyboardMarkup([[button(ui._("I agree"), Agree(draft.menu))]])


@one_tap(Agree)
async def give_consent(update: Update, context: BookingContext) -> Outcome:
    """Record agreement to the privacy policy."""
    context.draft.consent = True
    return Ask()


CONSENT = Step(
    name="CONSENT",
    answered=lambda draft: draft.consent,
    asked=booking_new,
    screen=consent_screen,
    presses=(give_consent,),
)
