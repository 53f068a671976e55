"""CONFIRM: the card with everything chosen; "Confirm" books it on meetergo (or moves the
appointment) and confirms in the chat, never twice for one card."""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime
from html import escape

from telegram import InlineKeyboardMarkup, Update

from bot.booking.bookings import AttendeeDetails, Booked, BookingNotMadeError
from bot.language.i18n import Formatter
from bot.meetergo import MeetergoError, Place, SlotTakenError
from conversations.after_booking import waitlist
from conversations.agents.notify import tell_agent
from conversations.booking.booked import confirm_in_chat, done, slot_taken
from conversations.booking.draft import BookingContext, Draft
from conversations.booking.free_times import chosen_place, load_meeting
from conversations.booking.keyboards import cancel_row, try_again
from conversations.booking.moving import move_appointment
from conversations.booking.payloads import Confirm
from conversations.booking.screens import booked_text
from conversations.booking.steps.meeting_place import address_of, place_line
from conversations.kit.buttons import BOOKED_KEY, one_tap
from conversations.kit.chat import Screen, chat_id_of, present, typing_while_slow
from conversations.kit.context import Ui
from conversations.kit.keyboards import button, rows
from conversations.kit.outcome import Ask, Outcome
from conversations.kit.payloads import ChangeAnswer
from conversations.kit.phrases import booking_when, meeting_line
from conversations.kit.places import channel_icon, where
from conversations.kit.step import Step

log = logging.getLogger(__name__)

CHANGES_PER_ROW = 3


def _card(ui: Ui, draft: Draft) -> InlineKeyboardMarkup:
    """Confirm, change any one answer the flow allows changing, or cancel."""
    changes = [
        button(label, ChangeAnswer(draft.menu, index))
        for index, (_, label) in enumerate(draft.changes)
    ]
    return InlineKeyboardMarkup(
        [
            [button(ui._("✅ Confirm"), Confirm(draft.menu))],
            *rows(changes, CHANGES_PER_ROW),
            cancel_row(ui, draft.menu),
        ]
    )


def _team_time(ui: Ui, start: datetime) -> list[str]:
    """The team's wall clock too, when the customer lives in another zone."""
    if not ui.team_zone or ui.team_zone == ui.prefs.timezone:
        return []
    team = Formatter(ui.prefs.language, ui.team_zone)
    if team.local(start).utcoffset() == ui.fmt.local(start).utcoffset():
        return []
    when = team.time(start)
    if team.local(start).date() != ui.fmt.local(start).date():
        when = f"{team.day_label(team.local(start).date())} {when}"
    return [
        ui._("    ({time} {zone} for our team)").format(
            time=escape(when), zone=escape(team.zone_name())
        )
    ]


def _contact_line(draft: Draft) -> list[str]:
    """The e-mail address; a phone-only booking's phone number (a question's is shown with
    the answers)."""
    if draft.phone_only:
        return [f"📞 {escape(draft.phone)}"] if draft.phone else []
    ascii_form = f" ({escape(draft.email_ascii)})" if draft.email_ascii else ""
    return [f"✉️ {escape(draft.email or '')}{ascii_form}"]


def _meeting_lines(ui: Ui, draft: Draft) -> list[str]:
    """How and where they meet, and with whom (as the load worked them out)."""
    lines = []
    if draft.channel:
        lines.append(f"{channel_icon(draft.channel)} {place_line(ui, draft)}")
    if draft.host_name:
        lines.append(ui._("🤝 With {name}").format(name=escape(draft.host_name)))
    return lines


def confirm_screen(draft: Draft, ui: Ui) -> Screen:
    """The card with everything the customer chose (for a move: the old and the new time)."""
    start = draft.chosen_start()
    meeting = meeting_line(ui, draft.meeting_name, draft.duration)
    if draft.moving and draft.moving_from is not None:
        text = ui._("<b>Move your appointment?</b>\n\n{meeting}\nfrom {old}\nto {new}").format(
            meeting=meeting,
            old=booking_when(ui, draft.moving_from),
            new=booking_when(ui, start),
        )
        return text, _card(ui, draft)
    lines = [
        ui._("<b>Please check your booking</b>"),
        "",
        f"📅 {escape(ui.fmt.full_date(ui.fmt.local(start).date()))}",
        f"🕒 {escape(ui.fmt.time(start))} · {escape(ui.fmt.zone_name())}",
        *_team_time(ui, start),
        f"📝 {meeting}",
        *_meeting_lines(ui, draft),
        f"👤 {escape(draft.name or '')}",
        *_contact_line(draft),
        *(f"➕ {escape(guest)}" for guest in draft.guests),
        *(
            f"💬 {escape(answer.question or answer.label)}: {escape(answer.shown)}"
            for answer in draft.given_answers()
            if answer.target != "phone"
        ),
        *(
            f"📞 {escape(answer.shown)}"
            for answer in draft.given_answers()
            if answer.target == "phone"
        ),
    ]
    return "\n".join(lines), _card(ui, draft)


async def _unless_complete(context: BookingContext) -> Outcome:
    if not await context.flow.complete(context):
        # An answer went missing (the booking ended meanwhile): ask for what is missing.
        return Ask()
    return None


async def _load(context: BookingContext) -> Outcome:
    """The meeting type's name, and how and where they meet (the type's own channel and
    address where the customer had nothing to choose)."""
    draft = context.draft
    place = chosen_place(draft, await load_meeting(context))
    if not draft.moving:
        draft.channel, draft.location = place.channel, place.location
    return None


def _attendee(update: Update, context: BookingContext) -> AttendeeDetails:
    draft, ui = context.draft, context.ui
    return AttendeeDetails(
        name=draft.name or "",
        email="" if draft.phone_only else draft.email or "",
        language=ui.prefs.language,
        timezone=ui.prefs.timezone,
        telegram_user_id=update.effective_user.id if update.effective_user else 0,
        answers=context.flow.notes(draft),
        phone=draft.phone_answer() or draft.phone,
        phone_only=draft.phone_only,
        guests=draft.guests,
    )


async def _book(update: Update, context: BookingContext, attendee: AttendeeDetails) -> Booked:
    """POST the booking, saying so while meetergo takes its time."""
    draft, ui = context.draft, context.ui
    start = draft.chosen_start()
    when = booking_when(ui, start)
    booking = asyncio.ensure_future(
        context.services.bookings.book(
            start,
            attendee,
            chat_id=chat_id_of(update),
            meeting_type_id=draft.meeting_type_id,
            duration=draft.duration,
            message_id=draft.menu_message_id,
            agent_id=draft.agent_id,
            shown_at=draft.touched_at,
            place=Place(channel=draft.channel, location=draft.location, host_id=draft.host_id),
        )
    )
    async with typing_while_slow(update, context):
        patience = context.services.settings.bot_still_booking_after_seconds
        done_, _ = await asyncio.wait({booking}, timeout=patience)
        if not done_:
            still = ui._("⏳ Still booking {when}… the scheduling service is taking a moment.")
            await present(update, context, (still.format(when=when), None))
        return await booking


@one_tap(Confirm)
async def confirm_booking(update: Update, context: BookingContext) -> Outcome:
    """Book the chosen time on meetergo and confirm it in the chat."""
    draft = context.draft
    if not await context.flow.complete(context):
        return Ask()
    if draft.moving:
        return await move_appointment(update, context)
    ui = context.ui
    start = draft.chosen_start()
    when = booking_when(ui, start)
    # Drop the buttons before the POST: a second tap then has nothing to press.
    await present(update, context, (ui._("⏳ Booking {when}…").format(when=when), None))
    attendee = _attendee(update, context)
    try:
        booked = await _book(update, context, attendee)
    except SlotTakenError:
        log.info("slot taken at confirm", extra={"chat": chat_id_of(update), "event": "slot_taken"})
        return slot_taken(context, start)
    except BookingNotMadeError:
        log.warning("booking answer lost, none made", extra={"chat": chat_id_of(update)})
        draft.new_menu()
        text = ui._(
            "The scheduling service did not answer, and it has no booking for you: "
            "nothing was booked. Tap Try again to book {when}."
        ).format(when=when)
        await present(update, context, (text, try_again(ui, draft.menu)))
        return "CONFIRM"
    except MeetergoError as error:
        log.warning("booking failed: %s", type(error).__name__, extra={"chat": chat_id_of(update)})
        draft.new_menu()
        await present(update, context, context.flow.failure_screen(context, error))
        return "CONFIRM"
    log.info("booked", extra={"chat": chat_id_of(update), "event": "booked"})
    await _confirmed(update, context, booked, attendee)
    return done(context)


async def _confirmed(
    update: Update, context: BookingContext, booked: Booked, attendee: AttendeeDetails
) -> None:
    """Say so in the chat (with the calendar file once meetergo confirmed it), and tell the
    agent whose link brought the customer."""
    draft = context.draft
    where = _meeting_lines(context.ui, draft)
    email = None if attendee.phone_only else attendee.email
    text = booked_text(context.ui, booked, draft.meeting_name, email, "\n".join(where))
    confirmation = booked.confirmation
    appointment = confirmation.appointment_id or confirmation.provisional_booking_id
    ledger = context.services.bookings.ledger
    record = await ledger.record_of(appointment) if appointment else None
    await confirm_in_chat(update, context, record, text, location=_calendar_place(context))
    if draft.agent_id:
        await tell_agent(
            context.application,
            context.services,
            draft.agent_id,
            booked,
            (draft.meeting_name, draft.duration or 0),
            attendee.name,
            in_agent_chat=draft.in_agent_chat,
        )
    if context.chat_data is not None:
        context.chat_data[BOOKED_KEY] = draft.menu_message_id
    # Waiting no more: the chat's wishes end, and others offered this time hear it went.
    await waitlist.after_booking(
        context.application, chat_id_of(update), draft.meeting_type_id or "", booked.start
    )


def _calendar_place(context: BookingContext) -> str:
    """Where they meet, as the calendar file's LOCATION says it (plain text; the customer's
    own address included, which the booking record does not keep)."""
    draft = context.draft
    return where(context.ui, draft.channel, address_of(draft)) if draft.channel else ""


CONFIRM = Step(
    name="CONFIRM",
    before=_unless_complete,
    load=_load,
    screen=confirm_screen,
    presses=(confirm_booking,),
    # The chosen time was just taken: the day's times again.
    leads_to=("SLOT",),
)
