"""What each step shows, and how it reaches the chat (edit the live menu or send a new one)."""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Awaitable, Callable
from datetime import date, datetime, time, timedelta
from html import escape

from telegram import InlineKeyboardMarkup, Update

from bot.i18n import Formatter
from bot.meetergo import (
    AuthenticationError,
    BookingOutcomeUnknownError,
    MeetergoError,
    NotFoundError,
)
from bot.slots import group_by_local_day
from bot.timezones import zone_label, zones_for_language
from conversations import keyboards
from conversations.context import BotContext, Ui
from conversations.states import State

log = logging.getLogger(__name__)

DAYS_PER_PAGE = 14
MAX_PAGES = 13  # about half a year ahead; meetergo's own horizon is usually shorter

Screen = tuple[str, InlineKeyboardMarkup | None]


def ui_for(update: Update, context: BotContext) -> Ui:
    """The customer's language and zone for this update."""
    user = update.effective_user
    return context.ui(user.language_code if user else None)


def today_for(context: BotContext, ui: Ui) -> date:
    """Today's date on the customer's wall clock."""
    return ui.fmt.local(context.services.availability.now()).date()


def page_of(context: BotContext, ui: Ui, day: date) -> int:
    """Which 14-day page holds `day`."""
    return (day - today_for(context, ui)).days // DAYS_PER_PAGE


async def free_days(context: BotContext, ui: Ui, page: int) -> dict[date, list[datetime]]:
    """Free starts on one page of days, grouped by the customer's local date."""
    first = today_for(context, ui) + timedelta(days=page * DAYS_PER_PAGE)
    zone = ui.fmt.zone
    start = datetime.combine(first, time(), zone)
    end = datetime.combine(first + timedelta(days=DAYS_PER_PAGE), time(), zone)
    starts = await context.services.availability.starts(start, end)
    return group_by_local_day(starts, zone)


async def _meeting_line(context: BotContext, ui: Ui) -> str:
    meeting_type = await context.services.availability.meeting_type()
    return ui._("{meeting} · {minutes} min").format(
        meeting=escape(meeting_type.name), minutes=meeting_type.duration
    )


async def day_screen(update: Update, context: BotContext, ui: Ui) -> Screen:
    """The free days of the current page."""
    draft = context.draft
    days = await free_days(context, ui, draft.page)
    draft.days = list(days)
    zone = escape(ui.fmt.zone_name())
    meeting = await _meeting_line(context, ui)
    if not days and draft.page + 1 >= MAX_PAGES:
        text = ui._(
            "<b>{meeting}</b>\nThere are no free times in the coming months either. "
            "Please try again later."
        ).format(meeting=meeting)
        return text, keyboards.look_further(ui, draft.menu, draft.page, further=False)
    if not days:
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
        zone=zone,
        first=escape(ui.fmt.full_date(draft.days[0])),
        last=escape(ui.fmt.full_date(draft.days[-1])),
    )
    return text, keyboards.day_picker(ui, draft.menu, draft.days, draft.page)


async def slot_screen(update: Update, context: BotContext, ui: Ui) -> Screen:
    """The free times of the chosen day."""
    draft = context.draft
    day = draft.day
    if day is None:
        raise LookupError("slot screen without a day")
    draft.page = max(page_of(context, ui, day), 0)
    starts = (await free_days(context, ui, draft.page)).get(day, [])
    draft.offered = starts
    full_date = escape(ui.fmt.full_date(day))
    if not starts:
        draft.day = None
        none_left = ui._("There are no free times left on {date}.").format(date=full_date)
        # Keep what was already to be said (e.g. "that time was just taken").
        draft.notice = f"{draft.notice}\n{none_left}" if draft.notice else none_left
        draft.step = State.DAY
        return await day_screen(update, context, ui)
    draft.slot_page = min(draft.slot_page, (len(starts) - 1) // keyboards.SLOTS_PER_PAGE)
    free = ui.n_(
        "{count} free time in {zone}. Tap it to choose it:",
        "{count} free times in {zone}. Tap one:",
        len(starts),
    ).format(count=len(starts), zone=escape(ui.fmt.zone_name()))
    text = f"<b>{full_date}</b>\n{free}"
    return text, keyboards.slot_grid(ui, draft.menu, starts, draft.slot_page)


async def name_screen(update: Update, context: BotContext, ui: Ui) -> Screen:
    """Ask for the name, offering the Telegram one."""
    text = ui._("What name should the booking be under? Type it, or tap yours below.")
    return text, keyboards.name_choice(ui, context.draft.menu, telegram_name(update))


async def email_screen(update: Update, context: BotContext, ui: Ui) -> Screen:
    """Ask for the e-mail address, or offer the fix for a likely typo."""
    draft = context.draft
    if draft.email_suggestion and draft.email:
        text = ui._("Did you mean <b>{suggestion}</b>?").format(
            suggestion=escape(draft.email_suggestion)
        )
        return text, keyboards.email_fix(ui, draft.menu, draft.email_suggestion, draft.email)
    text = ui._("Which e-mail address should the confirmation go to?")
    return text, None


async def consent_screen(update: Update, context: BotContext, ui: Ui) -> Screen:
    """Ask for agreement to the privacy policy."""
    url = escape(str(context.services.settings.bot_privacy_url), quote=True)
    text = ui._(
        "To book, we pass your name and e-mail address to our scheduling service. "
        'Please read our <a href="{url}">privacy policy</a> and agree.'
    ).format(url=url)
    return text, keyboards.consent(ui, context.draft.menu)


async def confirm_screen(update: Update, context: BotContext, ui: Ui) -> Screen:
    """The card with everything the customer chose."""
    draft = context.draft
    start = draft.chosen_start()
    local = ui.fmt.local(start)
    lines = [
        ui._("<b>Please check your booking</b>"),
        "",
        f"📅 {escape(ui.fmt.full_date(local.date()))}",
        f"🕒 {escape(ui.fmt.time(start))} · {escape(ui.fmt.zone_name())}",
        *_team_time(context, ui, start),
        f"📝 {await _meeting_line(context, ui)}",
        f"👤 {escape(draft.name or '')}",
        f"✉️ {escape(draft.email or '')}",
    ]
    return "\n".join(lines), keyboards.confirm_card(ui, draft.menu)


async def timezone_screen(update: Update, context: BotContext, ui: Ui) -> Screen:
    """The zone picker: zones where the customer's language is spoken, or the last matches."""
    draft = context.draft
    if not draft.zone_options:
        draft.zone_options = [choice.zone for choice in zones_for_language(ui.prefs.language)]
    labels = [zone_label(zone, ui.prefs.language) for zone in draft.zone_options]
    text = ui._(
        "Times are shown in <b>{zone}</b>.\n"
        "Pick your time zone below, type a city or country, or share your location."
    ).format(zone=escape(ui.fmt.zone_name()))
    return text, keyboards.zone_picker(draft.menu, labels)


def _team_time(context: BotContext, ui: Ui, start: datetime) -> list[str]:
    """The team's wall clock too, when the customer lives in another zone."""
    team_zone = context.services.settings.bot_default_timezone
    if team_zone == ui.prefs.timezone:
        return []
    team = Formatter(ui.prefs.language, team_zone)
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


SCREENS: dict[State, Callable[[Update, BotContext, Ui], Awaitable[Screen]]] = {
    State.DAY: day_screen,
    State.SLOT: slot_screen,
    State.NAME: name_screen,
    State.EMAIL: email_screen,
    State.CONSENT: consent_screen,
    State.CONFIRM: confirm_screen,
    State.TIMEZONE: timezone_screen,
}


def telegram_name(update: Update) -> str | None:
    """The customer's Telegram first and last name, if Telegram told us."""
    user = update.effective_user
    if user is None:
        return None
    return " ".join(part for part in (user.first_name, user.last_name) if part).strip() or None


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


async def goto(update: Update, context: BotContext, step: State, *, fresh: bool = False) -> State:
    """Show `step` (fetching what it needs) and make it the conversation's state."""
    ui = ui_for(update, context)
    draft = context.draft
    draft.step = step
    draft.new_menu()
    try:
        text, markup = await SCREENS[step](update, context, ui)
    except MeetergoError as error:
        log.warning(
            "meetergo failed while showing a step: %s",
            type(error).__name__,
            extra={"chat": chat_id_of(update), "step": step.name, "event": "meetergo_failed"},
        )
        text, markup = failure_text(ui, error), keyboards.try_again(ui, draft.menu)
    if draft.notice:
        text = f"{draft.notice}\n\n{text}"
        draft.notice = None
    await show(update, context, text, markup, fresh=fresh)
    context.save()
    return draft.step


def chat_id_of(update: Update) -> int:
    chat = update.effective_chat
    if chat is None:
        raise LookupError("update without a chat")
    return chat.id


async def show(
    update: Update,
    context: BotContext,
    text: str,
    markup: InlineKeyboardMarkup | None,
    *,
    fresh: bool = False,
) -> None:
    """Edit the live menu when the customer tapped it, else send a new message.

    HTML parse mode and no link previews come from the application's Defaults.
    """
    draft = context.draft
    digest = hashlib.sha256(
        (text + json.dumps(markup.to_dict() if markup else None, sort_keys=True)).encode()
    ).hexdigest()[:16]
    query = update.callback_query
    on_menu = (
        query is not None
        and query.message is not None
        and query.message.message_id == draft.menu_message_id
    )
    if on_menu and not fresh:
        if digest != draft.menu_digest:
            # Telegram refuses an edit that changes nothing ("message is not modified").
            await context.bot.edit_message_text(
                text,
                chat_id=chat_id_of(update),
                message_id=draft.menu_message_id,
                reply_markup=markup,
            )
    else:
        message = await context.bot.send_message(
            chat_id_of(update),
            text,
            reply_markup=markup,
        )
        draft.menu_message_id = message.message_id
    draft.menu_digest = digest
