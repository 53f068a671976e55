"""MEETING_TYPE: which of the configured meeting types to book (asked when there are several)."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from telegram import InlineKeyboardMarkup, Update

from bot.meetergo import MeetergoError
from conversations.booking.draft import BookingContext, Draft
from conversations.booking.payloads import MeetingTypeChosen
from conversations.kit.buttons import choice
from conversations.kit.chat import Screen
from conversations.kit.context import BotContext, Ui
from conversations.kit.keyboards import button
from conversations.kit.outcome import Ask, Outcome
from conversations.kit.phrases import meeting_label
from conversations.kit.step import Step


def _picker(menu: str, labels: Sequence[str]) -> InlineKeyboardMarkup:
    """The meeting types on offer, one per row."""
    return InlineKeyboardMarkup(
        [[button(label, MeetingTypeChosen(menu, index))] for index, label in enumerate(labels)]
    )


def type_screen(draft: Draft, ui: Ui) -> Screen:
    """The meeting types to choose from, each with its length."""
    if not draft.type_options:
        return ui._("Nothing can be booked right now. Please try again later."), None
    # Each type's description (in the customer's language) under the question, where it has one.
    about = [
        f"\n<b>{escape(label)}</b>\n{escape(text)}"
        for label, text in zip(draft.type_labels, draft.type_descriptions, strict=False)
        if text
    ]
    text = "\n".join([ui._("What would you like to book?"), *about])
    return text, _picker(draft.menu, draft.type_labels)


async def _several(context: BotContext) -> bool:
    """Several types switched on (or none: the screen says nothing can be booked now)."""
    availability = context.services.availability
    if len(availability.meeting_type_ids) == 1:
        return False  # one type: offered even when it says it is off (meetergo will tell)
    try:
        return len(await availability.active_types()) != 1
    except MeetergoError:
        return False  # the day step says meetergo is not answering, with "Try again"


async def _load(context: BookingContext) -> Outcome:
    """Put the types switched on and their labels (names in the customer's language and
    lengths, from meetergo) into the draft."""
    types = await context.services.availability.active_types()
    draft, ui = context.draft, context.ui
    draft.type_options = tuple(meeting_type.id for meeting_type in types)
    draft.type_descriptions = tuple(t.description_in(ui.prefs.language) for t in types)
    draft.type_labels = tuple(
        meeting_label(
            ui,
            meeting_type.name_in(ui.prefs.language),
            "/".join(str(minutes) for minutes in sorted(meeting_type.durations())),
        )
        for meeting_type in types
    )
    return None


@choice(MeetingTypeChosen, offered=lambda draft, payload: payload.index < len(draft.type_options))
async def choose_meeting_type(
    update: Update, context: BookingContext, payload: MeetingTypeChosen
) -> Outcome:
    """Take the tapped meeting type and ask for its length, or show its free days."""
    draft = context.draft
    draft.meeting_type_id = draft.type_options[payload.index]
    draft.duration, draft.day, draft.start, draft.page = None, None, None, 0
    return Ask()


MEETING_TYPE = Step(
    name="MEETING_TYPE",
    answered=lambda draft: draft.meeting_type_id is not None,
    asked=_several,
    load=_load,
    screen=type_screen,
    presses=(choose_meeting_type,),
)
