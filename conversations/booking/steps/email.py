"""EMAIL: where the confirmation goes; a likely typo or a look-alike domain is asked about."""

from __future__ import annotations

from html import escape

from telegram import InlineKeyboardMarkup, Update

from bot.language.contact import InvalidEmailError, check_email
from conversations.booking.draft import BookingContext, Draft, booking_new
from conversations.booking.free_times import load_meeting
from conversations.booking.payloads import (
    ChangeEmail,
    KeepTypedEmail,
    TakeSuggestedEmail,
    UsePhone,
)
from conversations.booking.steps.phone import forget_phone_only
from conversations.booking.typed import typed_text
from conversations.kit.buttons import one_tap
from conversations.kit.chat import Screen
from conversations.kit.context import Ui
from conversations.kit.keyboards import button
from conversations.kit.outcome import Ask, Outcome
from conversations.kit.step import Change, Step


def _fix(ui: Ui, menu: str, suggestion: str, typed: str) -> InlineKeyboardMarkup:
    """ "Did you mean …": take the suggestion or keep the address as typed."""
    return InlineKeyboardMarkup(
        [
            [button(suggestion, TakeSuggestedEmail(menu))],
            [button(ui._("Keep {address}").format(address=typed), KeepTypedEmail(menu))],
        ]
    )


def _lookalike(ui: Ui, menu: str, typed: str) -> InlineKeyboardMarkup:
    """An address whose domain could pass for another: keep it, or type it again."""
    return InlineKeyboardMarkup(
        [
            [button(ui._("Keep {address}").format(address=typed), KeepTypedEmail(menu))],
            [button(ui._("Change email"), ChangeEmail(menu))],
        ]
    )


def email_screen(draft: Draft, ui: Ui) -> Screen:
    """Ask for the e-mail address, offer the fix for a likely typo, or ask about a domain that
    could pass for another one."""
    if draft.email and draft.email_ascii and not draft.email_checked:
        text = ui._(
            "Please check this address: <b>{address}</b> uses letters of another alphabet. "
            "Its domain in plain letters is <b>{ascii}</b>. Is that the address you meant?"
        ).format(address=escape(draft.email), ascii=escape(draft.email_ascii))
        return text, _lookalike(ui, draft.menu, draft.email)
    if draft.email_suggestion and draft.email:
        text = ui._("Did you mean <b>{suggestion}</b>?").format(
            suggestion=escape(draft.email_suggestion)
        )
        return text, _fix(ui, draft.menu, draft.email_suggestion, draft.email)
    question = ui._("Which e-mail address should the confirmation go to?")
    if not draft.phone_only_allowed:
        return question, None
    by_phone = button(ui._("📞 Use my phone number instead"), UsePhone(draft.menu))
    return question, InlineKeyboardMarkup([[by_phone]])


async def _load(context: BookingContext) -> Outcome:
    """Whether the meeting type allows booking by phone number alone."""
    meeting_type = await load_meeting(context)
    context.draft.phone_only_allowed = meeting_type.meeting_options.allow_phone_only_booking
    return None


@one_tap(UsePhone)
async def use_phone(update: Update, context: BookingContext) -> Outcome:
    """Book with a phone number instead of an e-mail address (asked next, unless a question
    with target phone gave it); the consent then names the phone number."""
    draft = context.draft
    if not draft.phone_only_allowed:
        return Ask("EMAIL")
    forget_email(draft)
    draft.phone_only, draft.consent = True, False
    return Ask()


async def give_email(update: Update, context: BookingContext) -> Outcome:
    """Take a typed e-mail address, or ask about a likely typo."""
    draft = context.draft
    try:
        checked = check_email(typed_text(update), context.services.settings.business_mail_domains)
    except InvalidEmailError:
        draft.email, draft.email_suggestion, draft.email_ascii = None, None, None
        draft.notice = context.ui._(
            "That does not look like an e-mail address. Please check it and type it again."
        )
        return Ask("EMAIL", fresh=True)
    draft.email, draft.email_suggestion = checked.address, checked.suggestion
    draft.email_ascii, draft.email_checked = checked.lookalike_ascii, False
    if checked.suggestion or checked.lookalike_ascii:
        return Ask("EMAIL", fresh=True)
    return Ask(fresh=True)


@one_tap(TakeSuggestedEmail)
async def take_suggested_email(update: Update, context: BookingContext) -> Outcome:
    """Take the suggested spelling of the e-mail address."""
    draft = context.draft
    if draft.email_suggestion:
        draft.email = draft.email_suggestion
    draft.email_suggestion = None
    return Ask()


@one_tap(KeepTypedEmail)
async def keep_typed_email(update: Update, context: BookingContext) -> Outcome:
    """Keep the e-mail address as typed (a likely typo, or a domain the customer checked)."""
    context.draft.email_suggestion = None
    context.draft.email_checked = True
    return Ask()


def forget_email(draft: Draft) -> None:
    """Forget the address and what was asked about it."""
    draft.email, draft.email_suggestion, draft.email_ascii = None, None, None


def change_contact(draft: Draft) -> None:
    """The card's "Change email": type the address again; in a phone-only booking, give an
    e-mail address after all (or choose the phone again)."""
    forget_email(draft)
    forget_phone_only(draft)


@one_tap(ChangeEmail)
async def change_email(update: Update, context: BookingContext) -> Outcome:
    """Forget the e-mail address (a look-alike domain) and ask for it again."""
    forget_email(context.draft)
    return Ask()


def _answered(draft: Draft) -> bool:
    if draft.phone_only:
        return True  # the phone number is asked instead (PHONE)
    # A domain that could pass for another one counts once the customer kept it knowingly.
    return draft.email is not None and not (draft.email_ascii and not draft.email_checked)


EMAIL = Step(
    name="EMAIL",
    answered=_answered,
    asked=booking_new,
    load=_load,
    screen=email_screen,
    presses=(take_suggested_email, keep_typed_email, change_email, use_phone),
    text=give_email,
    change=Change(lambda ui: ui._("Change email"), change_contact),
)
