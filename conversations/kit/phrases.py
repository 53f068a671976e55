"""Sentences every flow says the same way: when an appointment is, what it is, and what a
failure of meetergo means for the customer. HTML-escaped where they take outside text."""

from __future__ import annotations

from datetime import datetime
from html import escape

from babel import Locale

from bot.language.i18n import locale_for
from bot.language.languages import LANGUAGES
from bot.meetergo import (
    AuthenticationError,
    BookingOutcomeUnknownError,
    MeetergoError,
    NotFoundError,
)
from conversations.kit.context import Ui


def booking_when(ui: Ui, start: datetime, *, html: bool = True) -> str:
    """The moment in a sentence: "Monday, December 7, 2026 at 9:00 AM, <zone>"; escaped for
    a message unless `html` is False (a calendar file's plain text)."""
    quote = escape if html else str
    return ui._("{date} at {time}, {zone}").format(
        date=quote(ui.fmt.full_date(ui.fmt.local(start).date())),
        time=quote(ui.fmt.time(start)),
        zone=quote(ui.fmt.zone_name()),
    )


def meeting_name(name: str, ui: Ui) -> str:
    """A meeting type's name from meetergo, or a plain word for it when meetergo has none."""
    return name or ui._("Appointment")


def meeting_label(ui: Ui, name: str, minutes: int | str | None) -> str:
    """The meeting type and its length as plain text (a button): "Intro call · 30 min"."""
    return ui._("{meeting} · {minutes} min").format(meeting=meeting_name(name, ui), minutes=minutes)


def meeting_line(ui: Ui, name: str, minutes: int | None) -> str:
    """The meeting type and its length in a message (HTML-escaped)."""
    return escape(meeting_label(ui, name, minutes))


def failure_text(ui: Ui, error: MeetergoError) -> str:
    """What to tell the customer when meetergo failed; never the technical details."""
    if isinstance(error, BookingOutcomeUnknownError):
        return ui._(
            "The scheduling service did not answer in time, so I can't tell whether the "
            "booking went through. If no confirmation e-mail arrives in a few minutes, "
            "tap Try again."
        )
    if isinstance(error, AuthenticationError | NotFoundError):
        return ui._(
            "Booking is not possible right now because of a setup problem on our side. "
            "We have been notified; please try again later."
        )
    return ui._(
        "The scheduling service is not answering right now. Your answers are kept: "
        "tap Try again in a moment."
    )


def language_names() -> list[tuple[str, str]]:
    """The bot's languages, each named in itself (Deutsch, Français, Norsk bokmål …)."""
    names = []
    for code in LANGUAGES:
        # The language alone ("English"), not the formatting locale ("English (United States)").
        locale = Locale.parse(locale_for(code).language)
        name = locale.get_display_name(locale) or code
        names.append((code, name[:1].upper() + name[1:]))
    return names
