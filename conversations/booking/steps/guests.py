"""GUESTS: who else comes, where the meeting type allows guests (meetingOptions.
allowAddingGuests): up to five e-mail addresses, each checked like the customer's own (a
likely typo or a look-alike domain is asked about), sent as `attendee.bringalongEmails`."""

from __future__ import annotations

import re
from html import escape

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update

from bot.language.contact import InvalidEmailError, check_email
from conversations.booking.draft import BookingContext, Draft
from conversations.booking.free_times import type_of_new_booking
from conversations.booking.payloads import (
    DropGuest,
    GuestRemoved,
    GuestsDone,
    KeepGuest,
    TakeGuestSuggestion,
)
from conversations.booking.typed import typed_text
from conversations.kit.buttons import choice, one_tap
from conversations.kit.chat import Screen
from conversations.kit.context import Ui
from conversations.kit.keyboards import button
from conversations.kit.outcome import Ask, Outcome
from conversations.kit.step import Change, Step

MOST_GUESTS = 5  # meetergo takes at most five bringalongEmails
# Addresses may come one per message or several in one, apart by commas, semicolons or spaces.
_APART = re.compile(r"[\s,;]+")


def _doubt_screen(ui: Ui, draft: Draft) -> Screen:
    """Ask about the first guest's address that may be mistyped or pass for another."""
    typed, suggestion, ascii_form = draft.guest_doubts[0]
    keep = [button(ui._("Keep {address}").format(address=typed), KeepGuest(draft.menu))]
    drop = [button(ui._("Don't invite {address}").format(address=typed), DropGuest(draft.menu))]
    if ascii_form:
        text = ui._(
            "Please check this address: <b>{address}</b> uses letters of another alphabet. "
            "Its domain in plain letters is <b>{ascii}</b>. Is that the address you meant?"
        ).format(address=escape(typed), ascii=escape(ascii_form))
        return text, InlineKeyboardMarkup([keep, drop])
    text = ui._("Did you mean <b>{suggestion}</b>?").format(suggestion=escape(suggestion))
    take = [button(suggestion, TakeGuestSuggestion(draft.menu))]
    return text, InlineKeyboardMarkup([take, keep, drop])


def guests_screen(draft: Draft, ui: Ui) -> Screen:
    """Who is invited so far (each with a button that takes them off), and Done or No guests;
    or the question about an address that may be mistyped."""
    if draft.guest_doubts:
        return _doubt_screen(ui, draft)
    lines = [
        ui._(
            "Would you like to invite anyone else? Type their e-mail addresses (up to {count})."
        ).format(count=MOST_GUESTS)
    ]
    if draft.guests:
        lines += ["", ui._("Invited so far:"), *(f"• {escape(g)}" for g in draft.guests)]
    rows: list[list[InlineKeyboardButton]] = [
        [button(f"✖ {guest}", GuestRemoved(draft.menu, index))]
        for index, guest in enumerate(draft.guests)
    ]
    done = ui._("✅ Done") if draft.guests else ui._("No guests")
    rows.append([button(done, GuestsDone(draft.menu))])
    return "\n".join(lines), InlineKeyboardMarkup(rows)


async def _guests_allowed(context: BookingContext) -> bool:
    meeting_type = await type_of_new_booking(context)
    return meeting_type is not None and meeting_type.meeting_options.allow_adding_guests


def _invite(draft: Draft, address: str) -> str | None:
    """Add one checked address; why not (a message key) when it cannot be added."""
    own = (draft.email or "").casefold()
    if address.casefold() == own or address.casefold() in (g.casefold() for g in draft.guests):
        return None  # already coming: nothing to add, nothing to say
    if len(draft.guests) >= MOST_GUESTS:
        return "full"
    draft.guests = (*draft.guests, address)
    return None


async def give_guests(update: Update, context: BookingContext) -> Outcome:
    """Take typed guests' addresses: the good ones are invited, a likely typo or a look-alike
    domain is asked about, and what cannot be used is said (the others are kept)."""
    draft, ui = context.draft, context.ui
    domains = context.services.settings.business_mail_domains
    refused: list[str] = []
    full: list[str] = []
    doubts = list(draft.guest_doubts)
    for word in filter(None, _APART.split(typed_text(update))):
        try:
            checked = check_email(word, domains)
        except InvalidEmailError:
            refused.append(word)
            continue
        if checked.suggestion or checked.lookalike_ascii:
            doubts.append(
                (checked.address, checked.suggestion or "", checked.lookalike_ascii or "")
            )
        elif _invite(draft, checked.address) == "full":
            full.append(checked.address)
    draft.guest_doubts = tuple(doubts)
    notices = []
    if refused:
        notices.append(
            ui._("{addresses}: that does not look like an e-mail address.").format(
                addresses=escape(", ".join(refused))
            )
        )
    if full:
        notices.append(_full_notice(ui, full))
    draft.notice = "\n".join(notices) or None
    return Ask("GUESTS", fresh=True)


def _full_notice(ui: Ui, left_out: list[str]) -> str:
    return ui._("You can invite at most {count} guests. Not added: {addresses}").format(
        count=MOST_GUESTS, addresses=escape(", ".join(left_out))
    )


def _settle_doubt(context: BookingContext, address: str | None) -> Outcome:
    """Invite `address` (None: nobody) for the address asked about, and go on."""
    draft = context.draft
    draft.guest_doubts = draft.guest_doubts[1:]
    if address is not None and _invite(draft, address) == "full":
        draft.notice = _full_notice(context.ui, [address])
    return Ask("GUESTS")


@one_tap(KeepGuest)
async def keep_guest(update: Update, context: BookingContext) -> Outcome:
    """Invite the address asked about as it was typed."""
    doubts = context.draft.guest_doubts
    return _settle_doubt(context, doubts[0][0] if doubts else None)


@one_tap(TakeGuestSuggestion)
async def take_guest_suggestion(update: Update, context: BookingContext) -> Outcome:
    """Invite the suggested spelling of the address asked about."""
    doubts = context.draft.guest_doubts
    return _settle_doubt(context, (doubts[0][1] or doubts[0][0]) if doubts else None)


@one_tap(DropGuest)
async def drop_guest(update: Update, context: BookingContext) -> Outcome:
    """Leave the address asked about out."""
    return _settle_doubt(context, None)


@choice(GuestRemoved, offered=lambda draft, p: p.index < len(draft.guests))
async def remove_guest(update: Update, context: BookingContext, payload: GuestRemoved) -> Outcome:
    """Take a guest off the list."""
    draft = context.draft
    draft.guests = tuple(g for i, g in enumerate(draft.guests) if i != payload.index)
    return Ask("GUESTS")


@one_tap(GuestsDone)
async def guests_done(update: Update, context: BookingContext) -> Outcome:
    """The guests are complete (or there are none): on to the next question."""
    context.draft.guests_done = True
    context.draft.guest_doubts = ()
    return Ask()


def _change_guests(draft: Draft) -> None:
    draft.guests_done, draft.guest_doubts = False, ()


GUESTS = Step(
    name="GUESTS",
    answered=lambda draft: draft.guests_done,
    asked=_guests_allowed,
    screen=guests_screen,
    presses=(keep_guest, take_guest_suggestion, drop_guest, remove_guest, guests_done),
    text=give_guests,
    change=Change(lambda ui: ui._("Change guests"), _change_guests),
)
