"""How and where to meet, where the meeting type lets the customer choose:

- CHANNEL: video, phone or the office, when the type allows more than one channel;
- PLACE: which of the business's addresses, when a meeting at the office has several;
- ADDRESS: the customer's own address, typed, for a meeting at their place (channel
  local-attendee); meetergo gets it in `attendee.notes.address`.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from html import escape
from typing import Any

from telegram import InlineKeyboardMarkup, Update

from bot.meetergo import local_text
from conversations.booking.draft import BookingContext, Draft
from conversations.booking.free_times import chosen_place, load_meeting, type_of_new_booking
from conversations.booking.payloads import ChannelChosen, PlaceChosen
from conversations.booking.typed import typed_text
from conversations.kit.buttons import choice
from conversations.kit.chat import Screen
from conversations.kit.context import Ui
from conversations.kit.keyboards import button
from conversations.kit.outcome import Ask, Outcome
from conversations.kit.phrases import meeting_line
from conversations.kit.places import channel_name, where
from conversations.kit.step import Change, Step

# The note meetergo reads the attendee's address from (channel local-attendee).
ADDRESS_NOTE = "address"
SHORTEST_ADDRESS, LONGEST_ADDRESS = 5, 300


def _one_per_row(labels: tuple[str, ...], payload: Any, menu: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [[button(label, payload(menu, index))] for index, label in enumerate(labels)]
    )


# --- CHANNEL ---------------------------------------------------------------------------------


def channel_screen(draft: Draft, ui: Ui) -> Screen:
    """The ways to meet the meeting type allows, one per row."""
    text = ui._("<b>{meeting}</b>\nHow would you like to meet?").format(
        meeting=meeting_line(ui, draft.meeting_name, draft.duration)
    )
    return text, _one_per_row(draft.channel_labels, ChannelChosen, draft.menu)


async def _several_channels(context: BookingContext) -> bool:
    meeting_type = await type_of_new_booking(context)
    return meeting_type is not None and len(meeting_type.channels()) > 1


async def _load_channels(context: BookingContext) -> Outcome:
    meeting_type = await load_meeting(context)
    draft, ui = context.draft, context.ui
    custom = local_text(meeting_type.meeting_info.custom_channel_name, ui.prefs.language)
    draft.channel_options = tuple(meeting_type.channels())
    draft.channel_labels = tuple(channel_name(ui, c, custom) for c in draft.channel_options)
    return None


@choice(ChannelChosen, offered=lambda draft, p: p.index < len(draft.channel_options))
async def choose_channel(
    update: Update, context: BookingContext, payload: ChannelChosen
) -> Outcome:
    """Take the tapped way to meet; a place or an address may be asked next."""
    draft = context.draft
    draft.channel = draft.channel_options[payload.index]
    draft.location, draft.address = None, None
    return Ask()


def forget_channel(draft: Draft) -> None:
    """The card's "Change how we meet": the channel, and the place that went with it."""
    draft.channel, draft.location, draft.address = None, None, None


CHANNEL = Step(
    name="CHANNEL",
    answered=lambda draft: draft.channel is not None,
    asked=_several_channels,
    load=_load_channels,
    screen=channel_screen,
    presses=(choose_channel,),
    change=Change(lambda ui: ui._("Change how we meet"), forget_channel),
)


# --- PLACE -----------------------------------------------------------------------------------


def place_screen(draft: Draft, ui: Ui) -> Screen:
    """The business's addresses, one per row."""
    text = ui._("<b>{meeting}</b>\nWhere would you like to meet?").format(
        meeting=meeting_line(ui, draft.meeting_name, draft.duration)
    )
    return text, _one_per_row(draft.location_options, PlaceChosen, draft.menu)


async def _several_places(context: BookingContext) -> bool:
    meeting_type = await type_of_new_booking(context)
    if meeting_type is None:
        return False
    place = chosen_place(context.draft, meeting_type)
    return place.channel == "local" and len(meeting_type.locations) > 1


async def _load_places(context: BookingContext) -> Outcome:
    context.draft.location_options = tuple((await load_meeting(context)).locations)
    return None


@choice(PlaceChosen, offered=lambda draft, p: p.index < len(draft.location_options))
async def choose_place(update: Update, context: BookingContext, payload: PlaceChosen) -> Outcome:
    """Take the tapped address."""
    context.draft.location = context.draft.location_options[payload.index]
    return Ask()


def _forget_place(draft: Draft) -> None:
    draft.location = None


PLACE = Step(
    name="PLACE",
    answered=lambda draft: draft.location is not None,
    asked=_several_places,
    load=_load_places,
    screen=place_screen,
    presses=(choose_place,),
    change=Change(lambda ui: ui._("Change place"), _forget_place),
)


# --- ADDRESS ---------------------------------------------------------------------------------


def address_screen(draft: Draft, ui: Ui) -> Screen:
    """Ask for the customer's address."""
    return (
        ui._(
            "Where should we meet you? Please type the address: street and number, "
            "postcode and town."
        ),
        None,
    )


async def _at_their_place(context: BookingContext) -> bool:
    meeting_type = await type_of_new_booking(context)
    if meeting_type is None:
        return False
    return chosen_place(context.draft, meeting_type).channel == "local-attendee"


def address_problem(text: str) -> str | None:
    """Why a typed address cannot be used (a message id), or None when it can."""
    if any(unicodedata.category(char) in ("Cc", "Cf") and char != "\n" for char in text):
        return "control"
    if len(text) < SHORTEST_ADDRESS or not any(char.isalnum() for char in text):
        return "short"
    return "long" if len(text) > LONGEST_ADDRESS else None


async def give_address(update: Update, context: BookingContext) -> Outcome:
    """Take the typed address, or say why it cannot be used."""
    text = " ".join(typed_text(update).split())
    problem = address_problem(typed_text(update).strip())
    if problem is not None:
        ui = context.ui
        messages = {
            "control": ui._("That address contains invisible characters; please type it again."),
            "short": ui._("That is too short for an address; please type street, number and town."),
            "long": ui._("That address is too long; please use at most 300 characters."),
        }
        context.draft.notice = messages[problem]
        return Ask("ADDRESS", fresh=True)
    context.draft.address = text
    return Ask(fresh=True)


def _forget_address(draft: Draft) -> None:
    draft.address = None


def _address_note(draft: Draft) -> Mapping[str, Any]:
    return {ADDRESS_NOTE: draft.address} if draft.address else {}


ADDRESS = Step(
    name="ADDRESS",
    answered=lambda draft: draft.address is not None,
    asked=_at_their_place,
    screen=address_screen,
    text=give_address,
    change=Change(lambda ui: ui._("Change address"), _forget_address),
    notes=_address_note,
)


def address_of(draft: Draft) -> str | None:
    """The address they meet at: the business's chosen one, or the customer's own for a
    meeting at their place."""
    return draft.location or (draft.address if draft.channel == "local-attendee" else None)


def place_line(ui: Ui, draft: Draft) -> str:
    """The card's line saying where (escaped): the channel as the picker named it (a custom
    channel by the business's own name), with the address it has."""
    channel = draft.channel or ""
    offered = dict(zip(draft.channel_options, draft.channel_labels, strict=False))
    return escape(where(ui, channel, address_of(draft), name=offered.get(channel)))
