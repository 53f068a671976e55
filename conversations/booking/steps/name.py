"""NAME: the name the booking is under, typed or the customer's Telegram name in one tap."""

from __future__ import annotations

from telegram import InlineKeyboardMarkup, Update

from bot.language.contact import InvalidNameError, clean_name
from bot.language.i18n import N_
from conversations.booking.draft import BookingContext, Draft, booking_new
from conversations.booking.payloads import UseTelegramName
from conversations.booking.typed import typed_text
from conversations.kit.buttons import one_tap
from conversations.kit.chat import Screen
from conversations.kit.context import Ui
from conversations.kit.keyboards import button
from conversations.kit.outcome import Ask, Outcome
from conversations.kit.step import Change, Step

NAME_PROBLEMS = {
    "empty": N_("Please type a name."),
    "too_long": N_("That name is too long; please use at most 100 characters."),
    "control": N_("That name contains invisible control characters; please type it again."),
}


def name_screen(draft: Draft, ui: Ui) -> Screen:
    """Ask for the name, offering the Telegram one."""
    text = ui._("What name should the booking be under? Type it, or tap yours below.")
    markup = (
        InlineKeyboardMarkup([[button(ui.telegram_name, UseTelegramName(draft.menu))]])
        if ui.telegram_name
        else None
    )
    return text, markup


def _take(context: BookingContext, name: str, *, fresh: bool) -> Outcome:
    try:
        context.draft.name = clean_name(name)
    except InvalidNameError as problem:
        context.draft.notice = context.ui._(NAME_PROBLEMS[problem.reason])
        return Ask("NAME", fresh=True)
    return Ask(fresh=fresh)


@one_tap(UseTelegramName)
async def use_telegram_name(update: Update, context: BookingContext) -> Outcome:
    """Take the Telegram name as the booking name."""
    name = context.telegram_name
    if name is None:
        return Ask("NAME")
    return _take(context, name, fresh=False)


async def give_name(update: Update, context: BookingContext) -> Outcome:
    """Take a typed name."""
    return _take(context, typed_text(update), fresh=True)


def _forget_name(draft: Draft) -> None:
    draft.name = None


NAME = Step(
    name="NAME",
    answered=lambda draft: draft.name is not None,
    asked=booking_new,
    screen=name_screen,
    presses=(use_telegram_name,),
    text=give_name,
    change=Change(lambda ui: ui._("Change name"), _forget_name),
)
