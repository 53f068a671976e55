"""How the after-booking messages talk about one appointment: in the language and zone it
was booked in, by its meeting type's name, where they meet, and the buttons it carries (a
short key of the appointment, checked against the chat's records on use)."""

from __future__ import annotations

from html import escape

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.booking.appointments import appointment_key
from bot.meetergo import MeetergoError
from bot.storage.ledger import ATTENDING, BookingRecord
from conversations.after_booking.payloads import (
    Attending,
    CancelAppointment,
    MoveAppointment,
)
from conversations.kit.context import Prefs, Services, Ui, ui_for
from conversations.kit.phrases import meeting_name
from conversations.kit.places import channel_icon, where

MENU = "mb"


def key_of(record: BookingRecord) -> str:
    """The short key buttons carry for an appointment (checked against the chat's records)."""
    return appointment_key(record.appointment_id)


def ui_of(services: Services, record: BookingRecord) -> Ui:
    """Talk about a booking in the language and zone it was made in."""
    return ui_for(services.settings, Prefs(language=record.language, timezone=record.timezone))


async def meeting_title(services: Services, record: BookingRecord, ui: Ui) -> str:
    """The meeting type's name, or a plain word for it."""
    try:
        meeting_type = await services.availability.meeting_type(record.meeting_type_id)
    except (MeetergoError, LookupError):
        return meeting_name("", ui)
    return meeting_name(meeting_type.name_in(ui.prefs.language), ui)


def where_line(ui: Ui, record: BookingRecord) -> str:
    """A line saying how and where they meet (HTML), or nothing for a record from before the
    bot kept it."""
    if not record.channel:
        return ""
    return f"\n{channel_icon(record.channel)} {escape(where(ui, record.channel, record.location))}"


def actions(ui: Ui, record: BookingRecord) -> list[InlineKeyboardButton]:
    """Reschedule and Cancel for one appointment."""
    key = key_of(record)
    return [
        InlineKeyboardButton(ui._("Reschedule"), callback_data=MoveAppointment(MENU, key).pack()),
        InlineKeyboardButton(
            ui._("Cancel appointment"), callback_data=CancelAppointment(MENU, key).pack()
        ),
    ]


def reminder_buttons(ui: Ui, record: BookingRecord) -> InlineKeyboardMarkup:
    """A reminder's buttons: "I'll be there" while the customer has not said so, then
    Reschedule and Cancel."""
    rows = [actions(ui, record)]
    if record.answer != ATTENDING:
        attending = Attending(MENU, key_of(record)).pack()
        rows.insert(0, [InlineKeyboardButton(ui._("✅ I'll be there"), callback_data=attending)])
    return InlineKeyboardMarkup(rows)


def answer_line(ui: Ui, record: BookingRecord) -> str:
    """What the customer answered a reminder, as a line of its own (nothing before that)."""
    return "\n" + ui._("✅ You said you'll be there.") if record.answer == ATTENDING else ""
