"""HOST: with whom, where the meeting type lets the customer pick a person of its team
(meetingOptions.allowHostSelection): "Whoever is free first" first, unless the type forces a
choice. A chosen person narrows the free days and times to theirs, and is booked by
`hostIds` without the queue."""

from __future__ import annotations

from telegram import InlineKeyboardMarkup, Update

from bot.meetergo import MeetergoError, UnavailableError
from conversations.booking.draft import BookingContext, Draft
from conversations.booking.free_times import load_meeting, type_of_new_booking
from conversations.booking.payloads import HostChosen
from conversations.kit.buttons import choice
from conversations.kit.chat import Screen
from conversations.kit.context import Ui
from conversations.kit.keyboards import button
from conversations.kit.outcome import Ask, Outcome
from conversations.kit.phrases import meeting_line
from conversations.kit.step import Change, Step

ANYONE = ""  # the option "whoever is free first"


def host_screen(draft: Draft, ui: Ui) -> Screen:
    """The people of the team, one per row, after "Whoever is free first" when it is offered."""
    text = ui._("<b>{meeting}</b>\nWho would you like to meet?").format(
        meeting=meeting_line(ui, draft.meeting_name, draft.duration)
    )
    labels = [
        ui._("Whoever is free first") if option == ANYONE else label
        for option, label in zip(draft.host_options, draft.host_labels, strict=True)
    ]
    markup = InlineKeyboardMarkup(
        [[button(label, HostChosen(draft.menu, index))] for index, label in enumerate(labels)]
    )
    return text, markup


async def _choosable(context: BookingContext) -> bool:
    """Asked where the type lets the customer choose and meetergo names more than one person
    (or one, where the choice is forced). When meetergo cannot name them, whoever is free
    first takes the meeting, noted for the rest of this booking so the step does not turn up
    later; where the type forces a choice the step shows meetergo's failure, with Try again."""
    meeting_type = await type_of_new_booking(context)
    if meeting_type is None or not meeting_type.hosts_selectable():
        return False
    forced = meeting_type.host_forced()
    try:
        team = await context.services.availability.team(meeting_type)
    except MeetergoError:
        team = None
    if team is None or (not team and not forced):
        context.draft.host_chosen = not forced
        return forced
    return len(team) > 1 or forced


async def _load(context: BookingContext) -> Outcome:
    meeting_type = await load_meeting(context)
    team = await context.services.availability.team(meeting_type)
    if not team:
        raise UnavailableError("meetergo named nobody in the team")
    anyone = () if meeting_type.host_forced() else ((ANYONE, ""),)
    offered = (*anyone, *((member.id, member.name) for member in team))
    draft = context.draft
    draft.host_options = tuple(option for option, _ in offered)
    draft.host_labels = tuple(label for _, label in offered)
    return None


@choice(HostChosen, offered=lambda draft, p: p.index < len(draft.host_options))
async def choose_host(update: Update, context: BookingContext, payload: HostChosen) -> Outcome:
    """Take the tapped person (or whoever is free first); the days and times shown are theirs
    (a day already chosen stays: its times are theirs, or the days again when none is free)."""
    draft = context.draft
    chosen = draft.host_options[payload.index]
    draft.host_id = chosen or None
    draft.host_name = draft.host_labels[payload.index] if chosen else ""
    draft.host_chosen, draft.start = True, None
    return Ask()


def forget_host(draft: Draft) -> None:
    """The card's "Change person": another person has other free times, so the time is asked
    again too (that day's times of the person chosen)."""
    draft.host_id, draft.host_name, draft.host_chosen = None, "", False
    draft.start = None


HOST = Step(
    name="HOST",
    answered=lambda draft: draft.host_chosen,
    asked=_choosable,
    load=_load,
    screen=host_screen,
    presses=(choose_host,),
    change=Change(lambda ui: ui._("Change person"), forget_host),
)
