"""The booking conversation, declared once: its steps in the order a customer meets them.

The ConversationHandler graph, "what to ask next", the final card's change buttons and the
picture beside this file (booking.mmd, written by `python -m conversations.booking`) all
follow from this declaration. To add a question, declare its Step (see steps/) and put it in
BOOKING's `steps` where it is asked.
"""

from __future__ import annotations

from telegram.ext import ConversationHandler

from conversations.after_booking.payloads import BookAgain, MoveAppointment, TakeOffer
from conversations.booking.draft import LEGACY_STATES, BookingContext
from conversations.booking.entry import (
    cancel,
    cancel_by_button,
    hint_tap,
    retry_step,
    start,
    start_again,
    start_with_text,
)
from conversations.booking.forget import (
    FORGET_COMMANDS,
    ask_to_forget,
    forget_customer,
    keep_data,
)
from conversations.booking.moving import start_moving
from conversations.booking.payloads import ForgetMe, KeepMyData, LanguageChosen, Retry
from conversations.booking.person import talk_to_person, with_person_button
from conversations.booking.preferences import choose_language, set_language
from conversations.booking.screens import failure_screen
from conversations.booking.steps.confirm import CONFIRM
from conversations.booking.steps.consent import CONSENT
from conversations.booking.steps.day import DAY
from conversations.booking.steps.duration import DURATION
from conversations.booking.steps.email import EMAIL
from conversations.booking.steps.guests import GUESTS
from conversations.booking.steps.host import HOST
from conversations.booking.steps.meeting_place import ADDRESS, CHANNEL, PLACE
from conversations.booking.steps.meeting_type import MEETING_TYPE
from conversations.booking.steps.name import NAME
from conversations.booking.steps.phone import PHONE
from conversations.booking.steps.question import Questions, question_steps
from conversations.booking.steps.time import SLOT
from conversations.booking.steps.zone import TIMEZONE, choose_timezone
from conversations.booking.waiting import take_offer
from conversations.commands.help import show_help
from conversations.kit.buttons import refuse_stale_button
from conversations.kit.flow import Flow
from conversations.kit.payloads import owned_by
from conversations.kit.step import TYPED_TEXT, On

# What works before a booking is under way and at every step: the preferences, /forget and
# its answers (so "yes" can end a booking in progress), "Reschedule", a stale button.
_COMMON = (
    On(choose_language, command="language"),
    On(choose_timezone, command="timezone", opens="TIMEZONE"),
    On(set_language, pattern=LanguageChosen.matches),
    On(ask_to_forget, command=FORGET_COMMANDS),
    On(forget_customer, pattern=ForgetMe.matches),
    On(keep_data, pattern=KeepMyData.matches),
    On(start_moving, pattern=MoveAppointment.matches),
    On(start_again, pattern=BookAgain.matches),
    On(take_offer, pattern=TakeOffer.matches),
    # Only the booking flow's own kinds and payloads nobody owns: other flows' buttons pass.
    On(refuse_stale_button, pattern=owned_by("booking")),
)


def build_booking_flow(questions: Questions) -> Flow:
    """The booking flow, with each meeting type's own questions (BOT_QUESTIONS) after the
    name."""
    return Flow(
        "booking",
        steps=(
            MEETING_TYPE,
            DURATION,
            CHANNEL,
            PLACE,
            HOST,
            DAY,
            SLOT,
            NAME,
            *question_steps(questions),
            EMAIL,
            PHONE,
            ADDRESS,
            GUESTS,
            CONSENT,
        ),
        final=CONFIRM,
        detours=(TIMEZONE,),
        home="DAY",
        entry=(
            On(start, command="start"),
            *_COMMON,
            # Any plain text from someone with no booking under way starts one.
            On(start_with_text, message=TYPED_TEXT),
        ),
        anywhere=(
            On.press(cancel_by_button),
            On.press(talk_to_person),
            On(retry_step, pattern=Retry.matches),
            *_COMMON,
            On(hint_tap, message=TYPED_TEXT),
        ),
        fallbacks=(
            On(cancel, command="cancel"),
            On(start, command="start"),
            On(show_help, command="help"),
        ),
        failure=failure_screen,
        legacy_states=LEGACY_STATES,
        footer=with_person_button,
    )


# The flow as declared, without a business's questions (what booking.mmd pictures).
BOOKING = build_booking_flow({})


def build_booking_handler(
    questions: Questions | None = None,
) -> ConversationHandler[BookingContext]:
    """The booking flow's ConversationHandler (see booking.mmd), with the questions asked."""
    return (build_booking_flow(questions) if questions else BOOKING).handler()
