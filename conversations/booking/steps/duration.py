"""DURATION: how long the meeting should be (asked when the meeting type allows several)."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from telegram import InlineKeyboardMarkup, Update

from bot.meetergo import MeetergoError
from conversations.booking.draft import BookingContext, Draft
from conversations.booking.free_times import load_meeting
from conversations.booking.payloads import DurationChosen
from conversations.kit.buttons import choice
from conversations.kit.chat import Screen
from conversations.kit.context import Ui
from conversations.kit.keyboards import button
from conversations.kit.outcome import Ask, Outcome
from conversations.kit.phrases import meeting_name
from conversations.kit.step import Step


def _picker(ui: Ui, menu: str, minutes: Sequence[int]) -> InlineKeyboardMarkup:
    """The lengths a meeting type allows, in one row."""
    label = ui._("{minutes} min")
    return InlineKeyboardMarkup(
        [[button(label.format(minutes=length), DurationChosen(menu, length)) for length in minutes]]
    )


def duration_screen(draft: Draft, ui: Ui) -> Screen:
    """The lengths the chosen meeting type allows."""
    text = ui._("<b>{meeting}</b>\nHow long should it be?").format(
        meeting=escape(meeting_name(draft.meeting_name, ui))
    )
    return text, _picker(ui, draft.menu, draft.duration_options)


async def _several(context: BookingContext) -> bool:
    try:
        return len((await load_meeting(context)).durations()) > 1
    except MeetergoError:
        return False  # the day step says meetergo is not answering, with "Try again"


async def _load(context: BookingContext) -> Outcome:
    meeting_type = await load_meeting(context)
    context.draft.duration_options = tuple(sorted(meeting_type.durations()))
    return None


@choice(DurationChosen, offered=lambda draft, payload: payload.minutes in draft.duration_options)
async def choose_duration(
    update: Update, context: BookingContext, payload: DurationChosen
) -> Outcome:
    """Take the tapped length and show the free days for it."""
    draft = context.draft
    draft.duration, draft.day, draft.start = payload.minutes, None, None
    return Ask()


DURATION = Step(
    name="DURATION",
    answered=lambda draft: draft.duration is not None,
    asked=_several,
    load=_load,
    screen=duration_screen,
    presses=(choose_duration,),
)
