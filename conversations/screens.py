"""What each step shows: pure functions of the draft and the customer's Ui.

A renderer changes nothing (neither the draft nor the conversation's state) and calls no
service: whatever a screen needs from meetergo is put into the draft before it is drawn.
"""

from __future__ import annotations

from datetime import datetime
from html import escape

from telegram import InlineKeyboardMarkup

from bot.booking.bookings import Booked
from bot.language.i18n import Formatter
from bot.language.timezones import zone_label
from bot.language.typed_time import TimeWish
from bot.meetergo import (
    AuthenticationError,
    BookingOutcomeUnknownError,
    MeetergoError,
    MeetingType,
    NotFoundError,
)
from conversations import keyboards
from conversations.context import Ui
from conversations.draft import Draft

MAX_PAGES = 13  # about half a year ahead; meetergo's own horizon is usually shorter

Screen = tuple[str, InlineKeyboardMarkup | None]


def with_notice(draft: Draft, screen: Screen) -> Screen:
    """The screen with the draft's one-line remark above it, if there is one."""
    text, markup = screen
    return (f"{draft.notice}\n\n{text}" if draft.notice else text), markup


def display_name(meeting_type: MeetingType, ui: Ui) -> str:
    """A meeting type's name from meetergo, or a plain word for it in the customer's language."""
    return meeting_type.meeting_info.name or ui._("Appointment")


def meeting_name(draft: Draft, ui: Ui) -> str:
    """The meeting type's name from meetergo, or a plain word for it when meetergo has none."""
    return draft.meeting_name or ui._("Appointment")


def meeting_line(draft: Draft, ui: Ui) -> str:
    """The meeting type and its length: "Intro call · 30 min"."""
    return ui._("{meeting} · {minutes} min").format(
        meeting=escape(meeting_name(draft, ui)), minutes=draft.duration
    )


def type_screen(draft: Draft, ui: Ui) -> Screen:
    """The meeting types to choose from, each with its length."""
    text = ui._("What would you like to book?")
    return text, keyboards.meeting_type_picker(draft.menu, draft.type_labels)


def duration_screen(draft: Draft, ui: Ui) -> Screen:
    """The lengths the chosen meeting type allows."""
    text = ui._("<b>{meeting}</b>\nHow long should it be?").format(
        meeting=escape(meeting_name(draft, ui))
    )
    return text, keyboards.duration_picker(ui, draft.menu, draft.duration_options)


def day_screen(draft: Draft, ui: Ui) -> Screen:
    """The free days of the current page."""
    meeting = meeting_line(draft, ui)
    if not draft.days and draft.page + 1 >= MAX_PAGES:
        text = ui._(
            "<b>{meeting}</b>\nThere are no free times in the coming months either. "
            "Please try again later."
        ).format(meeting=meeting)
        return text, keyboards.look_further(ui, draft.menu, draft.page, further=False)
    if not draft.days:
        text = ui._(
            "<b>{meeting}</b>\nThere are no free times in these two weeks. "
            "Shall I look further ahead?"
        ).format(meeting=meeting)
        return text, keyboards.look_further(ui, draft.menu, draft.page)
    text = ui._(
        "<b>{meeting}</b>\nPick a day between {first} and {last}. Times are shown in {zone}.\n"
        "You can also type a day, like <i>tomorrow</i>, <i>friday</i> or <i>24.12.</i>"
    ).format(
        meeting=meeting,
        zone=escape(ui.fmt.zone_name()),
        first=escape(ui.fmt.full_date(draft.days[0])),
        last=escape(ui.fmt.full_date(draft.days[-1])),
    )
    return text, keyboards.day_picker(ui, draft.menu, draft.days, draft.page)


def time_screen(draft: Draft, ui: Ui) -> Screen:
    """The free times of the chosen day (the draft holds at least one); when the customer typed
    a time of day, those that fit it, or the nearest to a time that was not free."""
    if draft.day is None:
        raise LookupError("time screen without a day")
    starts = draft.offered
    page = min(draft.slot_page, (len(starts) - 1) // keyboards.SLOTS_PER_PAGE)
    free = ui.n_(
        "{count} free time in {zone}. Tap it to choose it:",
        "{count} free times in {zone}. Tap one:",
        len(starts),
    ).format(count=len(starts), zone=escape(ui.fmt.zone_name()))
    lines = [f"<b>{escape(ui.fmt.full_date(draft.day))}</b>"]
    wish = draft.time_wish
    if wish is not None and draft.times_shown == "fitting":
        lines.append(fitting_line(ui, wish))
    elif wish is not None and draft.times_shown == "nearest":
        lines.append(
            ui._("{time} is not free. These are the nearest free times:").format(
                time=escape(ui.fmt.clock(wish.first))
            )
        )
    lines.append(free)
    filtered = wish is not None and draft.times_shown != ""
    grid = keyboards.slot_grid(ui, draft.menu, starts, page, all_times=filtered)
    return "\n".join(lines), grid


def fitting_line(ui: Ui, wish: TimeWish) -> str:
    """What the shown times fit: "Times in the afternoon", "Times after 3:00 PM"."""
    by_part = {
        "morning": ui._("Times in the morning, as you asked:"),
        "noon": ui._("Times around noon, as you asked:"),
        "afternoon": ui._("Times in the afternoon, as you asked:"),
        "evening": ui._("Times in the evening, as you asked:"),
    }
    if wish.kind == "part" and wish.part is not None:
        return by_part[wish.part]
    clock = escape(ui.fmt.clock(wish.first))
    if wish.kind == "after":
        return ui._("Times from {time} on, as you asked:").format(time=clock)
    if wish.kind == "before":
        return ui._("Times before {time}, as you asked:").format(time=clock)
    if wish.kind == "between" and wish.last is not None:
        return ui._("Times between {start} and {end}, as you asked:").format(
            start=clock, end=escape(ui.fmt.clock(wish.last))
        )
    return ui._("Times around {time}, as you asked:").format(time=clock)


def name_screen(draft: Draft, ui: Ui) -> Screen:
    """Ask for the name, offering the Telegram one."""
    text = ui._("What name should the booking be under? Type it, or tap yours below.")
    return text, keyboards.name_choice(ui, draft.menu, ui.telegram_name)


def email_screen(draft: Draft, ui: Ui) -> Screen:
    """Ask for the e-mail address, offer the fix for a likely typo, or ask about a domain that
    could pass for another one."""
    if draft.email and draft.email_ascii and not draft.email_checked:
        text = ui._(
            "Please check this address: <b>{address}</b> uses letters of another alphabet. "
            "Its domain in plain letters is <b>{ascii}</b>. Is that the address you meant?"
        ).format(address=escape(draft.email), ascii=escape(draft.email_ascii))
        return text, keyboards.email_lookalike(ui, draft.menu, draft.email)
    if draft.email_suggestion and draft.email:
        text = ui._("Did you mean <b>{suggestion}</b>?").format(
            suggestion=escape(draft.email_suggestion)
        )
        return text, keyboards.email_fix(ui, draft.menu, draft.email_suggestion, draft.email)
    return ui._("Which e-mail address should the confirmation go to?"), None


def consent_screen(draft: Draft, ui: Ui) -> Screen:
    """Ask for agreement to the privacy policy."""
    text = ui._(
        "To book, we pass your name and e-mail address to our scheduling service. "
        'Please read our <a href="{url}">privacy policy</a> and agree.'
    ).format(url=escape(ui.privacy_url, quote=True))
    return text, keyboards.consent(ui, draft.menu)


def confirm_screen(draft: Draft, ui: Ui) -> Screen:
    """The card with everything the customer chose (for a move: the old and the new time)."""
    start = draft.chosen_start()
    if draft.moving is not None and draft.moving_from is not None:
        text = ui._("<b>Move your appointment?</b>\n\n{meeting}\nfrom {old}\nto {new}").format(
            meeting=meeting_line(draft, ui),
            old=booking_when(ui, draft.moving_from),
            new=booking_when(ui, start),
        )
        return text, keyboards.move_card(ui, draft.menu)
    lines = [
        ui._("<b>Please check your booking</b>"),
        "",
        f"📅 {escape(ui.fmt.full_date(ui.fmt.local(start).date()))}",
        f"🕒 {escape(ui.fmt.time(start))} · {escape(ui.fmt.zone_name())}",
        *_team_time(ui, start),
        f"📝 {meeting_line(draft, ui)}",
        f"👤 {escape(draft.name or '')}",
        f"✉️ {escape(draft.email or '')}"
        + (f" ({escape(draft.email_ascii)})" if draft.email_ascii else ""),
    ]
    return "\n".join(lines), keyboards.confirm_card(ui, draft.menu)


def zone_screen(draft: Draft, ui: Ui) -> Screen:
    """The zone picker with the zones the draft offers."""
    labels = [zone_label(zone, ui.prefs.language) for zone in draft.zone_options]
    text = ui._(
        "Times are shown in <b>{zone}</b>.\n"
        "Pick your time zone below, type a city or country, or share your location."
    ).format(zone=escape(ui.fmt.zone_name()))
    return text, keyboards.zone_picker(draft.menu, labels)


def failure_screen(draft: Draft, ui: Ui, error: MeetergoError) -> Screen:
    """What meetergo's failure means for the customer, with "Try again"."""
    return failure_text(ui, error), keyboards.try_again(ui, draft.menu)


def booking_when(ui: Ui, start: datetime) -> str:
    """The booked moment in a sentence: "Monday, December 7, 2026 at 9:00 AM, <zone>"."""
    return ui._("{date} at {time}, {zone}").format(
        date=escape(ui.fmt.full_date(ui.fmt.local(start).date())),
        time=escape(ui.fmt.time(start)),
        zone=escape(ui.fmt.zone_name()),
    )


def booked_text(ui: Ui, booked: Booked, email: str) -> str:
    """The confirmation in the chat: booked, or reserved until the e-mail link is followed."""
    when = booking_when(ui, booked.start)
    if booked.confirmation.is_provisional:
        text = ui._(
            "📨 Almost done: {when} is reserved. Please confirm it with the link in the e-mail "
            "we just sent to {email}."
        )
    else:
        text = ui._("✅ You're booked: {when}. A confirmation e-mail is on its way to {email}.")
    return text.format(when=when, email=escape(email))


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
