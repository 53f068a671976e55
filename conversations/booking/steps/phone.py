"""PHONE: a phone-only booking's number, where the meeting type allows booking without an
e-mail address (meetingOptions.allowPhoneOnlyBooking) and the customer chose it at the e-mail.

Typed, it is read in the country of the customer's time zone; shared with Telegram's button,
only the customer's own number is taken. A question with target phone that was answered
already gave it: the step is then not asked.
"""

from __future__ import annotations

from telegram import Update

from bot.booking.questions_answers import AnswerProblem
from bot.language.phone import InvalidPhoneError, read_phone, region_of_zone
from conversations.booking.draft import BookingContext, Draft
from conversations.booking.steps.question_problems import problem_text
from conversations.booking.steps.question_screens import (
    own_shared_phone,
    phone_taken,
    share_phone_keyboard,
)
from conversations.booking.typed import typed_text
from conversations.kit.chat import Screen
from conversations.kit.context import Ui
from conversations.kit.outcome import Ask, Outcome
from conversations.kit.step import Change, Step


def _by_email(ui: Ui) -> str:
    return ui._("✉️ Use my e-mail address instead")


def phone_screen(draft: Draft, ui: Ui) -> Screen:
    """Ask for the phone number, with "share my phone number" and the way back to e-mail."""
    text = (
        ui._("Which phone number should the booking be under?")
        + "\n"
        + ui._("Type your number, or share it with the button below.")
    )
    return text, share_phone_keyboard(ui, _by_email(ui))


async def _take(update: Update, context: BookingContext, typed: str) -> Outcome:
    try:
        number = read_phone(typed, region_of_zone(context.ui.prefs.timezone))
    except InvalidPhoneError:
        context.draft.notice = problem_text(context.ui, AnswerProblem("not_a_phone"))
        return Ask("PHONE", fresh=True)
    context.draft.phone = number
    await phone_taken(update, context, number)
    return Ask(fresh=True)


async def give_phone(update: Update, context: BookingContext) -> Outcome:
    """Take a typed phone number, or go back to the e-mail address."""
    text = typed_text(update)
    if text.strip() == _by_email(context.ui):
        forget_phone_only(context.draft)  # the keyboard hides itself once tapped
        return Ask(fresh=True)
    return await _take(update, context, text)


async def share_phone(update: Update, context: BookingContext) -> Outcome:
    """Take the customer's own phone number, shared with Telegram's button."""
    shared = own_shared_phone(update)
    if shared is None:
        context.draft.notice = context.ui._(
            "Please share your own phone number with the button below, or type it."
        )
        return Ask("PHONE", fresh=True)
    return await _take(update, context, shared)


def forget_phone_only(draft: Draft) -> None:
    """Book with an e-mail address after all: the phone number and the consent (given for
    passing on a phone number) are forgotten."""
    if draft.phone_only:
        draft.consent = False
    draft.phone_only, draft.phone = False, None


def forget_phone(draft: Draft) -> None:
    """Forget the phone number, so it is asked again."""
    draft.phone = None


async def _asked(context: BookingContext) -> bool:
    draft = context.draft
    return not draft.moving and draft.phone_only and draft.phone_answer() is None


PHONE = Step(
    name="PHONE",
    answered=lambda draft: draft.phone is not None,
    asked=_asked,
    screen=phone_screen,
    text=give_phone,
    contact=share_phone,
    change=Change(lambda ui: ui._("Change phone number"), forget_phone),
    # "Use my e-mail address instead": back to the e-mail address.
    leads_to=("EMAIL",),
)
