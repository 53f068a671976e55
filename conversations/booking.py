"""The booking conversation: one ConversationHandler, pictured in booking.mmd beside this file.

Each handler finishes one step and returns the state the customer is in next (what the
`ask_*` it ends with returns). Button steps are declared with the payload kind they take and
registered with `press(state, step)`; what every state answers (Try again, Cancel, /language,
/timezone, a stale button, text where a tap is expected) comes from `anywhere(state)`, bound
to that state so it redraws it.
"""

from __future__ import annotations

import asyncio
import logging
import warnings
from html import escape

from telegram import Update
from telegram.ext import (
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)
from telegram.warnings import PTBUserWarning

from bot.booking.bookings import AttendeeDetails, BookingNotMadeError
from bot.language.contact import InvalidEmailError, InvalidNameError, check_email, clean_name
from bot.language.i18n import N_
from bot.language.typed_day import AmbiguousDayError, PastDayError, TypedWhen, parse_when
from bot.meetergo import MeetergoError, SlotTakenError
from conversations import keyboards, screens
from conversations.agents import tell_agent
from conversations.buttons import (
    BOOKED_KEY,
    Next,
    Route,
    at,
    button,
    live_payload,
    press,
    refuse_stale_button,
    tap,
)
from conversations.callbacks import (
    Agree,
    AllTimes,
    CancelBooking,
    ChangeEmail,
    ChangeName,
    ChangeTime,
    Confirm,
    DayChosen,
    DayPage,
    DurationChosen,
    ForgetMe,
    KeepMyData,
    KeepTypedEmail,
    LanguageChosen,
    MeetingTypeChosen,
    MoveAppointment,
    OtherDay,
    Retry,
    SlotChosen,
    SlotPage,
    TakeSuggestedEmail,
    UseTelegramName,
    owned_by,
)
from conversations.chat import chat_id_of, present, reply, typing_while_slow
from conversations.context import BotContext
from conversations.forget import ask_to_forget, forget_customer, keep_data, show_privacy
from conversations.help import show_help
from conversations.my_bookings import arm_reminders, pressed_appointment, send_calendar
from conversations.screens import MAX_PAGES, booked_text
from conversations.settings import (
    choose_language,
    choose_timezone,
    give_location,
    give_zone_text,
    set_language,
    set_zone,
)
from conversations.states import State
from conversations.steps import (
    ASK,
    ask_day,
    ask_email,
    ask_name,
    ask_next,
    ask_time,
    complete,
    free_days,
    page_of,
    today_for,
)

log = logging.getLogger(__name__)

# Typed text (not a command): an answer where one is typed, a hint where a tap is expected.
TYPED_TEXT = filters.TEXT & ~filters.COMMAND

# --- entry and way out -----------------------------------------------------------------------


async def start(update: Update, context: BotContext) -> Next:
    """Greet the customer and ask the first question (type, length or day)."""
    draft = context.reset_draft()
    services = context.services
    link = services.links.read(
        context.args[0] if context.args else "", services.availability.meeting_type_ids
    )
    if link is not None:  # a support agent's link: its type and language are chosen already
        draft.meeting_type_id, draft.agent_id = link.meeting_type_id, link.agent_id or None
        if link.language:
            context.remember(context.ui.prefs.model_copy(update={"language": link.language}))
    # A forged, altered or outdated link is ignored without a word: the usual booking follows.
    name = escape(update.effective_user.first_name) if update.effective_user else ""
    draft.notice = context.ui._("Hello {name}! Let's find a time for your appointment.").format(
        name=name
    )
    return await ask_next(update, context, fresh=True)


async def start_with_text(update: Update, context: BotContext) -> Next:
    """Start a booking from a first typed message; a day or time in it is taken at once."""
    shown = await start(update, context)
    text = update.effective_message.text if update.effective_message else None
    if shown is not State.DAY or not text:
        return shown
    try:
        when = parse_when(text, today_for(context), context.ui.prefs.language)
    except (PastDayError, AmbiguousDayError):
        return shown  # "hello" or a day that needs a question: the day picker is answer enough
    return shown if when is None else await _show_typed(update, context, when)


async def cancel(update: Update, context: BotContext) -> Next:
    """End the booking (or the move) at any step and say so."""
    text = context.ui._("Booking cancelled. Send /start whenever you want to book.")
    if context.draft.moving is not None:
        text = context.ui._("Nothing was changed: your appointment stays as it was.")
    await present(update, context, (text, None))
    context.forget_draft()
    log.info("conversation cancelled", extra={"chat": chat_id_of(update), "event": "cancelled"})
    return ConversationHandler.END


@tap(CancelBooking)
async def cancel_by_button(update: Update, context: BotContext) -> Next:
    """End the booking from its "Cancel" button and say so on that message."""
    return await cancel(update, context)


async def hint_tap(update: Update, context: BotContext, state: State) -> Next:
    """Remind the customer that this step is answered with a button."""
    context.draft.notice = context.ui._("Please use the buttons below.")
    return await ASK[state](update, context, fresh=True)


async def retry_step(update: Update, context: BotContext, state: State) -> Next:
    """Try the current step again after meetergo failed."""
    if await live_payload(update, context, Retry) is None:
        return await refuse_stale_button(update, context, state)
    return await ASK[state](update, context)


async def start_moving(update: Update, context: BotContext, state: State) -> Next:
    """Begin rescheduling an appointment of this chat: its free days, its own slot free."""
    record = await pressed_appointment(update, context, MoveAppointment)
    if record is None:
        return None
    draft = context.reset_draft()
    draft.meeting_type_id, draft.duration = record.meeting_type_id, record.duration or None
    draft.moving, draft.moving_from = record.appointment_id, record.start
    draft.notice = context.ui._("Pick a new time. Your appointment is now on {when}.").format(
        when=screens.booking_when(context.ui, record.start)
    )
    return await ask_next(update, context, fresh=True)


async def _move(update: Update, context: BotContext) -> Next:
    """Move the appointment to the chosen time on meetergo and say so (new calendar file)."""
    draft = context.draft
    ui = context.ui
    start = draft.chosen_start()
    record = await context.services.bookings.ledger.record_of(draft.moving or "")
    if record is None:
        context.forget_draft()
        await present(
            update, context, (ui._("This appointment can no longer be changed here."), None)
        )
        return ConversationHandler.END
    await present(update, context, (ui._("⏳ Moving your appointment…"), None))
    try:
        async with typing_while_slow(update, context):
            moved = await context.services.appointments.reschedule(record, start)
    except SlotTakenError:
        draft.start = None
        draft.notice = ui._("Sorry, {time} was just taken. Here are the free times now:").format(
            time=escape(ui.fmt.time(start))
        )
        return await ask_time(update, context)
    except MeetergoError as error:
        draft.new_menu()
        await present(update, context, screens.failure_screen(draft, ui, error))
        return State.CONFIRM
    text = ui._("✅ Moved: your appointment is now on {when}.").format(
        when=screens.booking_when(ui, moved.start)
    )
    card = draft.menu_message_id
    if not await send_calendar(context.application, context.services, moved, text, replacing=card):
        await present(update, context, (text, None))
    await arm_reminders(context.application, moved)
    context.forget_draft()
    return ConversationHandler.END


# --- MEETING TYPE / DURATION ------------------------------------------------------------------


@button(MeetingTypeChosen, offered=lambda draft, payload: payload.index < len(draft.type_options))
async def choose_meeting_type(
    update: Update, context: BotContext, payload: MeetingTypeChosen
) -> Next:
    """Take the tapped meeting type and ask for its length, or show its free days."""
    draft = context.draft
    draft.meeting_type_id = draft.type_options[payload.index]
    draft.duration, draft.day, draft.start, draft.page = None, None, None, 0
    return await ask_next(update, context)


@button(DurationChosen, offered=lambda draft, payload: payload.minutes in draft.duration_options)
async def choose_duration(update: Update, context: BotContext, payload: DurationChosen) -> Next:
    """Take the tapped length and show the free days for it."""
    draft = context.draft
    draft.duration, draft.day, draft.start = payload.minutes, None, None
    return await ask_next(update, context)


# --- DAY -------------------------------------------------------------------------------------


@button(DayChosen, offered=lambda draft, payload: payload.day in draft.days)
async def choose_day(update: Update, context: BotContext, payload: DayChosen) -> Next:
    """Take the tapped day and show its free times."""
    draft = context.draft
    draft.day, draft.slot_page = payload.day, 0
    return await ask_time(update, context)


@button(DayPage)
async def turn_day_page(update: Update, context: BotContext, payload: DayPage) -> Next:
    """Show two weeks earlier or later."""
    context.draft.page, context.draft.week = min(payload.page, MAX_PAGES - 1), None
    return await ask_day(update, context)


async def type_day(update: Update, context: BotContext) -> Next:
    """Understand a typed day (and time of day, or week) and show its free times."""
    ui = context.ui
    draft = context.draft
    text = update.effective_message.text if update.effective_message else None
    try:
        when = parse_when(text or "", today_for(context), ui.prefs.language)
    except PastDayError:
        draft.notice = ui._("That day is already over. Please pick a day from today on.")
        return await ask_day(update, context, fresh=True)
    except AmbiguousDayError as ambiguous:
        draft.time_wish = ambiguous.time  # "Thu 15th at 3pm": the 3 pm waits for the answer
        draft.notice = ui._(
            "Did you mean {first} or {second}? Please type the date with the month name."
        ).format(
            first=escape(ui.fmt.full_date(ambiguous.candidates[0])),
            second=escape(ui.fmt.full_date(ambiguous.candidates[-1])),
        )
        return await ask_day(update, context, fresh=True)
    if when is None:
        draft.notice = ui._(
            "I didn't understand that day. "
            "Tap one below or type e.g. <i>24.12.</i> or <i>friday afternoon</i>."
        )
        return await ask_day(update, context, fresh=True)
    return await _show_typed(update, context, when)


async def type_at_times(update: Update, context: BotContext) -> Next:
    """A day or time typed at the times ("after 3 pm", "Friday 10:30") is taken as at the days;
    other text keeps the day's times on screen with the usual hint."""
    text = update.effective_message.text if update.effective_message else None
    try:
        when = parse_when(text or "", today_for(context), context.ui.prefs.language)
    except (PastDayError, AmbiguousDayError):
        return await type_day(update, context)  # it names a day: say what is wrong with it
    if when is None:
        return await hint_tap(update, context, State.SLOT)
    return await _show_typed(update, context, when)


async def _show_typed(update: Update, context: BotContext, when: TypedWhen) -> Next:
    """Open the typed day's times (those that fit a typed time first), or the typed week."""
    ui = context.ui
    draft = context.draft
    draft.time_wish, draft.times_shown = when.time, ""  # what was typed before no longer counts
    if when.day is None and when.week is None:
        draft.notice = ui._("Which day? I will show the times that fit first.")
        return await ask_day(update, context, fresh=True)
    day = when.day or when.week
    if day is None or page_of(context, day) >= MAX_PAGES:
        draft.notice = ui._("That is too far ahead to book yet.")
        return await ask_day(update, context, fresh=True)
    if when.week is not None:
        draft.week = when.week
        return await ask_day(update, context, fresh=True)
    draft.page, draft.week = page_of(context, day), None
    try:
        free = await free_days(context, draft.page)
    except MeetergoError:
        # Say nothing about the day: ask_day asks again and shows the failure with "Try again".
        return await ask_day(update, context, fresh=True)
    if day in free:
        draft.day, draft.slot_page = day, 0
        return await ask_time(update, context, fresh=True)
    draft.notice = ui._("There are no free times on {date}. Here are the nearest days:").format(
        date=escape(ui.fmt.full_date(day))
    )
    return await ask_day(update, context, fresh=True)


# --- SLOT ------------------------------------------------------------------------------------


@button(SlotChosen, offered=lambda draft, payload: payload.index < len(draft.offered))
async def choose_slot(update: Update, context: BotContext, payload: SlotChosen) -> Next:
    """Take the tapped time and ask for what is still missing."""
    draft = context.draft
    draft.start, draft.time_wish, draft.times_shown = draft.offered[payload.index], None, ""
    return await ask_next(update, context)


@button(SlotPage)
async def turn_slot_page(update: Update, context: BotContext, payload: SlotPage) -> Next:
    """Show earlier or later times of the day."""
    context.draft.slot_page = payload.page
    return await ask_time(update, context)


@tap(AllTimes)
async def show_all_times(update: Update, context: BotContext) -> Next:
    """Show every free time of the day, not only those that fit what was typed."""
    draft = context.draft
    draft.time_wish, draft.times_shown, draft.slot_page = None, "", 0
    return await ask_time(update, context)


@tap(OtherDay)
async def back_to_days(update: Update, context: BotContext) -> Next:
    """Go back from the times to the day picker."""
    draft = context.draft
    draft.day, draft.time_wish, draft.times_shown = None, None, ""
    return await ask_day(update, context)


# --- NAME / EMAIL / CONSENT ------------------------------------------------------------------

NAME_PROBLEMS = {
    "empty": N_("Please type a name."),
    "too_long": N_("That name is too long; please use at most 100 characters."),
    "control": N_("That name contains invisible control characters; please type it again."),
}


@tap(UseTelegramName)
async def use_telegram_name(update: Update, context: BotContext) -> Next:
    """Take the Telegram name as the booking name."""
    name = context.telegram_name
    if name is None:
        return await ask_name(update, context)
    try:
        context.draft.name = clean_name(name)
    except InvalidNameError as problem:
        context.draft.notice = context.ui._(NAME_PROBLEMS[problem.reason])
        return await ask_name(update, context, fresh=True)
    return await ask_next(update, context)


async def give_name(update: Update, context: BotContext) -> Next:
    """Take a typed name."""
    text = update.effective_message.text if update.effective_message else ""
    try:
        context.draft.name = clean_name(text or "")
    except InvalidNameError as problem:
        context.draft.notice = context.ui._(NAME_PROBLEMS[problem.reason])
        return await ask_name(update, context, fresh=True)
    return await ask_next(update, context, fresh=True)


async def give_email(update: Update, context: BotContext) -> Next:
    """Take a typed e-mail address, or ask about a likely typo."""
    draft = context.draft
    text = update.effective_message.text if update.effective_message else ""
    try:
        checked = check_email(text or "", context.services.settings.business_mail_domains)
    except InvalidEmailError:
        draft.email, draft.email_suggestion, draft.email_ascii = None, None, None
        draft.notice = context.ui._(
            "That does not look like an e-mail address. Please check it and type it again."
        )
        return await ask_email(update, context, fresh=True)
    draft.email, draft.email_suggestion = checked.address, checked.suggestion
    draft.email_ascii, draft.email_checked = checked.lookalike_ascii, False
    if checked.suggestion or checked.lookalike_ascii:
        return await ask_email(update, context, fresh=True)
    return await ask_next(update, context, fresh=True)


@tap(TakeSuggestedEmail)
async def take_suggested_email(update: Update, context: BotContext) -> Next:
    """Take the suggested spelling of the e-mail address."""
    draft = context.draft
    if draft.email_suggestion:
        draft.email = draft.email_suggestion
    draft.email_suggestion = None
    return await ask_next(update, context)


@tap(KeepTypedEmail)
async def keep_typed_email(update: Update, context: BotContext) -> Next:
    """Keep the e-mail address as typed (a likely typo, or a domain the customer checked)."""
    context.draft.email_suggestion = None
    context.draft.email_checked = True
    return await ask_next(update, context)


@tap(Agree)
async def give_consent(update: Update, context: BotContext) -> Next:
    """Record agreement to the privacy policy."""
    context.draft.consent = True
    return await ask_next(update, context)


# --- CONFIRM ---------------------------------------------------------------------------------


@tap(ChangeTime)
async def change_time(update: Update, context: BotContext) -> Next:
    """Forget the chosen time and show the day's times again; the other answers are kept."""
    context.draft.start = None
    return await ask_next(update, context)


@tap(ChangeName)
async def change_name(update: Update, context: BotContext) -> Next:
    """Forget the name and ask for it again."""
    context.draft.name = None
    return await ask_next(update, context)


@tap(ChangeEmail)
async def change_email(update: Update, context: BotContext) -> Next:
    """Forget the e-mail address and ask for it again."""
    draft = context.draft
    draft.email, draft.email_suggestion, draft.email_ascii = None, None, None
    return await ask_next(update, context)


@tap(Confirm)
async def confirm_booking(update: Update, context: BotContext) -> Next:
    """Book the chosen time on meetergo and confirm it in the chat."""
    draft = context.draft
    if not complete(draft):
        return await ask_next(update, context)
    if draft.moving is not None:
        return await _move(update, context)
    ui = context.ui
    start = draft.chosen_start()
    when = screens.booking_when(ui, start)
    # Drop the buttons before the POST: a second tap then has nothing to press.
    await present(update, context, (ui._("⏳ Booking {when}…").format(when=when), None))
    attendee = AttendeeDetails(
        name=draft.name or "",
        email=draft.email or "",
        language=ui.prefs.language,
        timezone=ui.prefs.timezone,
        telegram_user_id=update.effective_user.id if update.effective_user else 0,
    )
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
        )
    )
    try:
        async with typing_while_slow(update, context):
            patience = context.services.settings.bot_still_booking_after_seconds
            done, _ = await asyncio.wait({booking}, timeout=patience)
            if not done:
                still = ui._("⏳ Still booking {when}… the scheduling service is taking a moment.")
                await present(update, context, (still.format(when=when), None))
            booked = await booking
    except SlotTakenError:
        log.info("slot taken at confirm", extra={"chat": chat_id_of(update), "event": "slot_taken"})
        draft.start = None
        draft.notice = ui._("Sorry, {time} was just taken. Here are the free times now:").format(
            time=escape(ui.fmt.time(start))
        )
        return await ask_time(update, context)
    except BookingNotMadeError:
        log.warning("booking answer lost, none made", extra={"chat": chat_id_of(update)})
        draft.new_menu()
        text = ui._(
            "The scheduling service did not answer, and it has no booking for you: "
            "nothing was booked. Tap Try again to book {when}."
        ).format(when=when)
        await present(update, context, (text, keyboards.try_again(ui, draft.menu)))
        return State.CONFIRM
    except MeetergoError as error:
        log.warning("booking failed: %s", type(error).__name__, extra={"chat": chat_id_of(update)})
        draft.new_menu()
        await present(update, context, screens.failure_screen(draft, ui, error))
        return State.CONFIRM
    log.info("booked", extra={"chat": chat_id_of(update), "event": "booked"})
    text = booked_text(ui, booked, attendee.email)
    appointment = booked.confirmation.appointment_id
    record = await context.services.bookings.ledger.record_of(appointment) if appointment else None
    if record is None or booked.confirmation.is_provisional:
        await present(update, context, (text, None))  # nothing to put in a calendar yet
    else:
        services = context.services
        card = draft.menu_message_id
        if not await send_calendar(context.application, services, record, text, replacing=card):
            await present(update, context, (text, None))
        await arm_reminders(context.application, record)
    if draft.agent_id:
        await tell_agent(
            context.application,
            context.services,
            draft.agent_id,
            booked,
            (draft.meeting_name, draft.duration or 0),
            attendee.name,
        )
    if context.chat_data is not None:
        context.chat_data[BOOKED_KEY] = draft.menu_message_id
    # The booking is done: the customer's name and e-mail leave our storage.
    context.forget_draft()
    return ConversationHandler.END


# --- outside a conversation ------------------------------------------------------------------


async def nothing_to_cancel(update: Update, context: BotContext) -> Next:
    """Say there is no booking in progress."""
    await reply(
        update, context.ui._("There is no booking in progress. Send /start to book an appointment.")
    )
    return None


async def answer_unknown_command(update: Update, context: BotContext) -> Next:
    """Say that a command is not one of ours, and where the list is."""
    message = update.effective_message
    command = (message.text or "").split(maxsplit=1)[0] if message and message.text else ""
    await reply(
        update,
        context.ui._("I don't know the command {command}. /help lists what I can do.").format(
            command=escape(command[:40])
        ),
    )
    return None


class CatchAll(MessageHandler[BotContext, Next]):
    """A handler for what no flow claims: it stays behind every flow (bot.app.add_flow)."""


def build_catch_alls() -> list[BaseHandler[Update, BotContext, Next]]:
    """What answers what no flow claims."""
    return [CatchAll(filters.COMMAND, answer_unknown_command)]


FORGET_COMMANDS = ("forget", "delete", "stop")


def moving(state: State) -> Route:
    """A "Reschedule" button of /mybookings or a reminder, in `state`."""
    return CallbackQueryHandler(at(state, start_moving), pattern=MoveAppointment.matches)


def forgetting(state: State) -> list[Route]:
    """/forget and its answers, in `state` (so "yes" can end a booking in progress)."""
    return [
        CommandHandler(FORGET_COMMANDS, at(state, ask_to_forget)),
        CallbackQueryHandler(at(state, forget_customer), pattern=ForgetMe.matches),
        CallbackQueryHandler(at(state, keep_data), pattern=KeepMyData.matches),
    ]


def anywhere(state: State) -> list[Route]:
    """What every state answers besides its own steps, bound to `state` to redraw it."""
    routes: list[Route] = [
        press(state, cancel_by_button),
        CallbackQueryHandler(at(state, retry_step), pattern=Retry.matches),
        CommandHandler("language", at(state, choose_language)),
        CommandHandler("timezone", at(state, choose_timezone)),
        CallbackQueryHandler(at(state, set_language), pattern=LanguageChosen.matches),
        *forgetting(state),
        moving(state),
        # Only the booking flow's own kinds and payloads nobody owns: other flows' buttons pass.
        CallbackQueryHandler(at(state, refuse_stale_button), pattern=owned_by("booking")),
        MessageHandler(TYPED_TEXT, at(state, hint_tap)),
    ]
    return routes


def build_booking_handler() -> ConversationHandler[BotContext]:
    """The whole booking graph as one literal (see booking.mmd)."""
    with warnings.catch_warnings():
        # PTB warns that CallbackQueryHandlers are tracked per chat, not per message:
        # that is what we want, one booking per customer, with stale menus detected by nonce.
        warnings.filterwarnings("ignore", category=PTBUserWarning, message=".*per_message.*")
        return ConversationHandler(
            name="booking",
            persistent=True,
            entry_points=[
                CommandHandler("start", start),
                CommandHandler("language", at(State.DAY, choose_language)),
                CommandHandler("timezone", at(State.DAY, choose_timezone)),
                CallbackQueryHandler(at(State.DAY, set_language), pattern=LanguageChosen.matches),
                *forgetting(State.DAY),
                moving(State.DAY),
                CallbackQueryHandler(
                    at(State.DAY, refuse_stale_button), pattern=owned_by("booking")
                ),
                # Any plain text from someone with no booking under way starts one.
                MessageHandler(TYPED_TEXT, start_with_text),
            ],
            states={
                State.MEETING_TYPE: [
                    press(State.MEETING_TYPE, choose_meeting_type),
                    *anywhere(State.MEETING_TYPE),
                ],
                State.DURATION: [
                    press(State.DURATION, choose_duration),
                    *anywhere(State.DURATION),
                ],
                State.DAY: [
                    press(State.DAY, choose_day),
                    press(State.DAY, turn_day_page),
                    MessageHandler(TYPED_TEXT, type_day),
                    *anywhere(State.DAY),
                ],
                State.SLOT: [
                    press(State.SLOT, choose_slot),
                    press(State.SLOT, turn_slot_page),
                    press(State.SLOT, show_all_times),
                    press(State.SLOT, back_to_days),
                    # "after 3 pm", "Friday 10:30" typed at the times: the same as at the days.
                    MessageHandler(TYPED_TEXT, type_at_times),
                    *anywhere(State.SLOT),
                ],
                State.NAME: [
                    press(State.NAME, use_telegram_name),
                    MessageHandler(TYPED_TEXT, give_name),
                    *anywhere(State.NAME),
                ],
                State.EMAIL: [
                    press(State.EMAIL, take_suggested_email),
                    press(State.EMAIL, keep_typed_email),
                    press(State.EMAIL, change_email),
                    MessageHandler(TYPED_TEXT, give_email),
                    *anywhere(State.EMAIL),
                ],
                State.CONSENT: [
                    press(State.CONSENT, give_consent),
                    *anywhere(State.CONSENT),
                ],
                State.CONFIRM: [
                    press(State.CONFIRM, confirm_booking),
                    press(State.CONFIRM, change_time),
                    press(State.CONFIRM, change_name),
                    press(State.CONFIRM, change_email),
                    *anywhere(State.CONFIRM),
                ],
                State.TIMEZONE: [
                    press(State.TIMEZONE, set_zone),
                    MessageHandler(filters.LOCATION, give_location),
                    MessageHandler(TYPED_TEXT, give_zone_text),
                    *anywhere(State.TIMEZONE),
                ],
            },
            fallbacks=[
                CommandHandler("cancel", cancel),
                CommandHandler("start", start),
                CommandHandler("help", show_help),
            ],
        )


def build_outside_handlers() -> list[BaseHandler[Update, BotContext, Next]]:
    """What answers the commands that make sense when no booking is in progress."""
    return [
        CommandHandler("help", show_help),
        CommandHandler("cancel", nothing_to_cancel),
        CommandHandler("privacy", show_privacy),
    ]
