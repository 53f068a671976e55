"""The booking conversation: one ConversationHandler, pictured in booking.mmd beside this file.

Every button handler goes through `button()`, which answers the press at once and refuses
payloads that are malformed or belong to a menu that is no longer live.
"""

from __future__ import annotations

import logging
import warnings
from datetime import timedelta
from html import escape

from telegram import Update
from telegram.ext import (
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    TypeHandler,
    filters,
)
from telegram.warnings import PTBUserWarning

from bot.bookings import Customer
from bot.contact import InvalidEmailError, InvalidNameError, check_email, clean_name
from bot.i18n import N_
from bot.meetergo import MeetergoError, SlotTakenError
from bot.typed_day import AmbiguousDayError, PastDayError, parse_day
from conversations import keyboards
from conversations.buttons import BOOKED_KEY, Next, button, refuse_stale_button
from conversations.callbacks import (
    Action,
    DayChosen,
    DayPage,
    LanguageChosen,
    SlotChosen,
    SlotPage,
    ZoneChosen,
)
from conversations.context import BotContext
from conversations.draft import forget_draft
from conversations.screens import (
    MAX_PAGES,
    chat_id_of,
    failure_text,
    free_days,
    goto,
    page_of,
    show,
    telegram_name,
    today_for,
    ui_for,
)
from conversations.settings import (
    choose_language,
    choose_timezone,
    give_location,
    give_zone_text,
    set_language,
    set_zone,
)
from conversations.states import State

log = logging.getLogger(__name__)

IDLE_TIMEOUT = timedelta(minutes=30)

# --- entry and way out -----------------------------------------------------------------------


async def start(update: Update, context: BotContext) -> Next:
    """Greet the customer and show the free days."""
    ui = ui_for(update, context)
    draft = context.reset_draft()
    name = escape(update.effective_user.first_name) if update.effective_user else ""
    draft.notice = ui._("Hello {name}! Let's find a time for your appointment.").format(name=name)
    return await goto(update, context, State.DAY, fresh=True)


async def cancel(update: Update, context: BotContext) -> Next:
    """End the booking at any step and say so."""
    ui = ui_for(update, context)
    text = ui._("Booking cancelled. Send /start whenever you want to book.")
    await show(update, context, text, None)
    forget_draft(context.chat_data or {})
    log.info("conversation cancelled", extra={"chat": chat_id_of(update), "event": "cancelled"})
    return ConversationHandler.END


async def show_help(update: Update, context: BotContext) -> Next:
    """Explain the commands without leaving the current step."""
    ui = ui_for(update, context)
    text = ui._(
        "I book appointments for you.\n\n"
        "/start – begin (or begin again)\n"
        "/cancel – stop the current booking\n"
        "/language – choose my language\n"
        "/timezone – choose the time zone times are shown in\n"
        "/help – this message\n\n"
        "Tap the buttons, or type a day or your details when I ask for them."
    )
    if update.effective_message:
        await update.effective_message.reply_text(text)
    return None


async def end_idle_conversation(update: Update, context: BotContext) -> Next:
    """Close a booking nobody touched for 30 minutes."""
    ui = ui_for(update, context)
    chat_id = chat_id_of(update)
    forget_draft(context.chat_data or {})
    # This runs from a job, which PTB does not save by itself: the name and e-mail must go.
    context.application.mark_data_for_update_persistence(chat_ids=chat_id)
    text = ui._(
        "I closed this booking after 30 minutes without a reply. Send /start to begin again."
    )
    await context.bot.send_message(chat_id, text)
    return ConversationHandler.END


async def hint_tap(update: Update, context: BotContext) -> Next:
    """Remind the customer that this step is answered with a button."""
    ui = ui_for(update, context)
    context.draft.notice = ui._("Please use the buttons below.")
    return await goto(update, context, context.draft.step, fresh=True)


@button(Action)
async def cancel_by_button(update: Update, context: BotContext, payload: Action) -> Next:
    """End the booking from its "Cancel" button and say so on that message."""
    return await cancel(update, context)


@button(Action)
async def retry_step(update: Update, context: BotContext, payload: Action) -> Next:
    """Try the current step again after meetergo failed."""
    return await goto(update, context, context.draft.step)


# --- DAY -------------------------------------------------------------------------------------


@button(DayChosen, offered=lambda draft, payload: payload.day in draft.days)
async def choose_day(update: Update, context: BotContext, payload: DayChosen) -> Next:
    """Take the tapped day and show its free times."""
    draft = context.draft
    draft.day, draft.slot_page = payload.day, 0
    return await goto(update, context, State.SLOT)


@button(DayPage)
async def turn_day_page(update: Update, context: BotContext, payload: DayPage) -> Next:
    """Show two weeks earlier or later."""
    context.draft.page = min(payload.page, MAX_PAGES - 1)
    return await goto(update, context, State.DAY)


async def type_day(update: Update, context: BotContext) -> Next:
    """Understand a typed day and show its free times."""
    ui = ui_for(update, context)
    draft = context.draft
    text = update.effective_message.text if update.effective_message else None
    today = today_for(context, ui)
    try:
        day = parse_day(text or "", today, ui.prefs.language)
    except PastDayError:
        draft.notice = ui._("That day is already over. Please pick a day from today on.")
        return await goto(update, context, State.DAY, fresh=True)
    except AmbiguousDayError as ambiguous:
        draft.notice = ui._(
            "Did you mean {first} or {second}? Please type the date with the month name."
        ).format(
            first=escape(ui.fmt.full_date(ambiguous.candidates[0])),
            second=escape(ui.fmt.full_date(ambiguous.candidates[-1])),
        )
        return await goto(update, context, State.DAY, fresh=True)
    if day is None:
        draft.notice = ui._(
            "I didn't understand that day. "
            "Tap one below or type e.g. <i>24.12.</i> or <i>friday</i>."
        )
        return await goto(update, context, State.DAY, fresh=True)
    page = page_of(context, ui, day)
    if page >= MAX_PAGES:
        draft.notice = ui._("That is too far ahead to book yet.")
        return await goto(update, context, State.DAY, fresh=True)
    draft.page = page
    try:
        free = await free_days(context, ui, page)
    except MeetergoError:
        # Say nothing about the day: goto() asks again and shows the failure with "Try again".
        return await goto(update, context, State.DAY, fresh=True)
    if day in free:
        draft.day, draft.slot_page = day, 0
        return await goto(update, context, State.SLOT, fresh=True)
    draft.notice = ui._("There are no free times on {date}. Here are the nearest days:").format(
        date=escape(ui.fmt.full_date(day))
    )
    return await goto(update, context, State.DAY, fresh=True)


# --- SLOT ------------------------------------------------------------------------------------


@button(SlotChosen, offered=lambda draft, payload: payload.index < len(draft.offered))
async def choose_slot(update: Update, context: BotContext, payload: SlotChosen) -> Next:
    """Take the tapped time and ask for what is still missing."""
    draft = context.draft
    draft.start = draft.offered[payload.index]
    return await goto(update, context, draft.next_step())


@button(SlotPage)
async def turn_slot_page(update: Update, context: BotContext, payload: SlotPage) -> Next:
    """Show earlier or later times of the day."""
    context.draft.slot_page = payload.page
    return await goto(update, context, State.SLOT)


@button(Action)
async def back_to_days(update: Update, context: BotContext, payload: Action) -> Next:
    """Go back from the times to the day picker."""
    context.draft.day = None
    return await goto(update, context, State.DAY)


# --- NAME / EMAIL / CONSENT ------------------------------------------------------------------


@button(Action)
async def use_telegram_name(update: Update, context: BotContext, payload: Action) -> Next:
    """Take the Telegram name as the booking name."""
    name = telegram_name(update)
    if name is None:
        return await goto(update, context, State.NAME)
    try:
        context.draft.name = clean_name(name)
    except InvalidNameError as problem:
        context.draft.notice = ui_for(update, context)._(NAME_PROBLEMS[problem.reason])
        return await goto(update, context, State.NAME, fresh=True)
    return await goto(update, context, context.draft.next_step())


NAME_PROBLEMS = {
    "empty": N_("Please type a name."),
    "too_long": N_("That name is too long; please use at most 100 characters."),
    "control": N_("That name contains invisible control characters; please type it again."),
}


async def give_name(update: Update, context: BotContext) -> Next:
    """Take a typed name."""
    ui = ui_for(update, context)
    text = update.effective_message.text if update.effective_message else ""
    try:
        context.draft.name = clean_name(text or "")
    except InvalidNameError as problem:
        context.draft.notice = ui._(NAME_PROBLEMS[problem.reason])
        return await goto(update, context, State.NAME, fresh=True)
    return await goto(update, context, context.draft.next_step(), fresh=True)


async def give_email(update: Update, context: BotContext) -> Next:
    """Take a typed e-mail address, or ask about a likely typo."""
    ui = ui_for(update, context)
    draft = context.draft
    text = update.effective_message.text if update.effective_message else ""
    try:
        checked = check_email(text or "")
    except InvalidEmailError:
        draft.email, draft.email_suggestion = None, None
        draft.notice = ui._(
            "That does not look like an e-mail address. Please check it and type it again."
        )
        return await goto(update, context, State.EMAIL, fresh=True)
    draft.email, draft.email_suggestion = checked.address, checked.suggestion
    step = State.EMAIL if checked.suggestion else draft.next_step()
    return await goto(update, context, step, fresh=True)


@button(Action)
async def settle_email(update: Update, context: BotContext, payload: Action) -> Next:
    """Take the suggested spelling, or keep the address as typed."""
    draft = context.draft
    if payload.name == "fixmail" and draft.email_suggestion:
        draft.email = draft.email_suggestion
    draft.email_suggestion = None
    return await goto(update, context, draft.next_step())


@button(Action)
async def give_consent(update: Update, context: BotContext, payload: Action) -> Next:
    """Record agreement to the privacy policy."""
    context.draft.consent = True
    return await goto(update, context, context.draft.next_step())


# --- CONFIRM ---------------------------------------------------------------------------------


@button(Action)
async def change_answer(update: Update, context: BotContext, payload: Action) -> Next:
    """Forget one answer and ask for it again; the others are kept."""
    draft = context.draft
    if payload.name == "edittime":
        draft.start = None
    elif payload.name == "editname":
        draft.name = None
    else:
        draft.email, draft.email_suggestion = None, None
    return await goto(update, context, draft.next_step())


@button(Action)
async def confirm_booking(update: Update, context: BotContext, payload: Action) -> Next:
    """Book the chosen time on meetergo and confirm it in the chat."""
    draft = context.draft
    if draft.next_step() is not State.CONFIRM:
        return await goto(update, context, draft.next_step())
    ui = ui_for(update, context)
    start = draft.chosen_start()
    when = ui._("{date} at {time}, {zone}").format(
        date=escape(ui.fmt.full_date(ui.fmt.local(start).date())),
        time=escape(ui.fmt.time(start)),
        zone=escape(ui.fmt.zone_name()),
    )
    # Drop the buttons before the POST: a second tap then has nothing to press.
    await show(update, context, ui._("⏳ Booking {when}…").format(when=when), None)
    context.save()
    customer = Customer(
        name=draft.name or "",
        email=draft.email or "",
        language=ui.prefs.language,
        timezone=ui.prefs.timezone,
        telegram_user_id=update.effective_user.id if update.effective_user else 0,
    )
    try:
        confirmation = await context.services.bookings.book(start, customer)
    except SlotTakenError:
        log.info("slot taken at confirm", extra={"chat": chat_id_of(update), "event": "slot_taken"})
        draft.start = None
        draft.notice = ui._("Sorry, {time} was just taken. Here are the free times now:").format(
            time=escape(ui.fmt.time(start))
        )
        return await goto(update, context, State.SLOT)
    except MeetergoError as error:
        log.warning("booking failed: %s", type(error).__name__, extra={"chat": chat_id_of(update)})
        draft.new_menu()
        await show(update, context, failure_text(ui, error), keyboards.try_again(ui, draft.menu))
        context.save()
        return State.CONFIRM
    if confirmation.is_provisional:
        text = ui._(
            "📨 Almost done: {when} is reserved. Please confirm it with the link in the e-mail "
            "we just sent to {email}."
        )
    else:
        text = ui._("✅ You're booked: {when}. A confirmation e-mail is on its way to {email}.")
    await show(update, context, text.format(when=when, email=escape(customer.email)), None)
    log.info("booked", extra={"chat": chat_id_of(update), "event": "booked"})
    chat_data = context.chat_data if context.chat_data is not None else {}
    chat_data[BOOKED_KEY] = draft.menu_message_id
    # The booking is done: the customer's name and e-mail leave our storage.
    forget_draft(chat_data)
    return ConversationHandler.END


# --- outside a conversation ------------------------------------------------------------------


async def nothing_to_cancel(update: Update, context: BotContext) -> Next:
    """Say there is no booking in progress."""
    ui = ui_for(update, context)
    if update.effective_message:
        await update.effective_message.reply_text(
            ui._("There is no booking in progress. Send /start to book an appointment.")
        )
    return None


BUTTON_ONLY = filters.TEXT & ~filters.COMMAND


def build_booking_handler() -> ConversationHandler[BotContext]:
    """The whole booking graph as one literal (see booking.mmd)."""
    with warnings.catch_warnings():
        # PTB warns that CallbackQueryHandlers are tracked per chat, not per message:
        # that is what we want, one booking per customer, with stale menus detected by nonce.
        warnings.filterwarnings("ignore", category=PTBUserWarning, message=".*per_message.*")
        return ConversationHandler(
            name="booking",
            persistent=True,
            conversation_timeout=IDLE_TIMEOUT,
            entry_points=[
                CommandHandler("start", start),
                CommandHandler("language", choose_language),
                CommandHandler("timezone", choose_timezone),
                CallbackQueryHandler(set_language, pattern=LanguageChosen.matches),
                CallbackQueryHandler(refuse_stale_button),
                MessageHandler(BUTTON_ONLY, start),
            ],
            states={
                State.DAY: [
                    CallbackQueryHandler(choose_day, pattern=DayChosen.matches),
                    CallbackQueryHandler(turn_day_page, pattern=DayPage.matches),
                    MessageHandler(BUTTON_ONLY, type_day),
                ],
                State.SLOT: [
                    CallbackQueryHandler(choose_slot, pattern=SlotChosen.matches),
                    CallbackQueryHandler(turn_slot_page, pattern=SlotPage.matches),
                    CallbackQueryHandler(back_to_days, pattern=Action.named("otherday")),
                ],
                State.NAME: [
                    CallbackQueryHandler(use_telegram_name, pattern=Action.named("tgname")),
                    MessageHandler(BUTTON_ONLY, give_name),
                ],
                State.EMAIL: [
                    CallbackQueryHandler(settle_email, pattern=Action.named("fixmail")),
                    CallbackQueryHandler(settle_email, pattern=Action.named("keepmail")),
                    MessageHandler(BUTTON_ONLY, give_email),
                ],
                State.CONSENT: [
                    CallbackQueryHandler(give_consent, pattern=Action.named("agree")),
                ],
                State.CONFIRM: [
                    CallbackQueryHandler(confirm_booking, pattern=Action.named("confirm")),
                    CallbackQueryHandler(change_answer, pattern=Action.named("edittime")),
                    CallbackQueryHandler(change_answer, pattern=Action.named("editname")),
                    CallbackQueryHandler(change_answer, pattern=Action.named("editmail")),
                ],
                State.TIMEZONE: [
                    CallbackQueryHandler(set_zone, pattern=ZoneChosen.matches),
                    MessageHandler(filters.LOCATION, give_location),
                    MessageHandler(BUTTON_ONLY, give_zone_text),
                ],
                ConversationHandler.TIMEOUT: [TypeHandler(Update, end_idle_conversation)],
            },
            fallbacks=[
                CommandHandler("cancel", cancel),
                CallbackQueryHandler(cancel_by_button, pattern=Action.named("cancel")),
                CallbackQueryHandler(retry_step, pattern=Action.named("retry")),
                CommandHandler("start", start),
                CommandHandler("help", show_help),
                CommandHandler("language", choose_language),
                CommandHandler("timezone", choose_timezone),
                CallbackQueryHandler(set_language, pattern=LanguageChosen.matches),
                CallbackQueryHandler(refuse_stale_button),
                MessageHandler(BUTTON_ONLY, hint_tap),
            ],
        )


def build_outside_handlers() -> list[BaseHandler[Update, BotContext, Next]]:
    """What answers the commands that make sense when no booking is in progress."""
    return [
        CommandHandler("help", show_help),
        CommandHandler("cancel", nothing_to_cancel),
    ]
