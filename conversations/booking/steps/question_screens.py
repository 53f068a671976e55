"""How a question of the meeting type looks in the chat: choices as buttons, yes and no as
two, several answers as buttons that toggle with a Done, typed answers with a Skip where the
question may be left out, and a phone number with Telegram's "share my phone number"."""

from __future__ import annotations

from html import escape

from telegram import (
    InlineKeyboardMarkup,
    KeyboardButton,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
    Update,
)

from bot.booking.questions import BOOLEAN_TYPES, CHOICE_TYPES, Question, label_in, option_label
from bot.meetergo.models import OptionValue
from conversations.booking.draft import Draft
from conversations.booking.payloads import OptionChosen, OptionsDone, OptionToggled, SkipQuestion
from conversations.kit.chat import Screen
from conversations.kit.context import BotContext, Ui
from conversations.kit.keyboards import Rows, button, rows

NUMBERS_PER_ROW = 5  # a rating's or a scale's numbers side by side
PICKED = "✓ "


def several(question: Question) -> bool:
    """Whether the question takes several of its options."""
    return question.field_type == "checkbox-multi"


def offered(question: Question, ui: Ui) -> list[tuple[OptionValue, str]]:
    """The answers a question offers as buttons: (the value sent, the label shown)."""
    if question.field_type in BOOLEAN_TYPES:
        return [(True, ui._("Yes")), (False, ui._("No"))]
    if question.field_type in CHOICE_TYPES:
        language = ui.prefs.language
        return [
            (choice.value, option_label(question, choice.value, language) or choice.label)
            for choice in question.options
        ]
    return []


def asks_phone(question: Question) -> bool:
    """Whether the answer is a phone number (Telegram can share the customer's own)."""
    return question.field_type == "phone" or question.target == "phone"


def question_text(question: Question, ui: Ui) -> str:
    """The question in the customer's language, with its help text."""
    text = f"<b>{escape(label_in(question, ui.prefs.language))}</b>"
    if question.help_text:
        text += f"\n<i>{escape(question.help_text)}</i>"
    if asks_phone(question):
        text += "\n" + ui._("Type your number, or share it with the button below.")
    elif several(question):
        text += "\n" + ui._("Tap all that apply, then Done.")
    return text


def _option_rows(question: Question, draft: Draft, ui: Ui) -> Rows:
    answers = offered(question, ui)
    if several(question):
        buttons = [
            button(
                (PICKED if index in draft.picked else "") + label, OptionToggled(draft.menu, index)
            )
            for index, (_, label) in enumerate(answers)
        ]
        return [*rows(buttons, 1), [button(ui._("Done"), OptionsDone(draft.menu))]]
    buttons = [
        button(label, OptionChosen(draft.menu, index)) for index, (_, label) in enumerate(answers)
    ]
    numbered = question.field_type in ("rating", "scale") or question.field_type in BOOLEAN_TYPES
    return rows(buttons, NUMBERS_PER_ROW if numbered else 1)


def share_phone_keyboard(ui: Ui, *others: str) -> ReplyKeyboardMarkup:
    """Telegram's "share my phone number" button, then a row for each of `others`."""
    share = KeyboardButton(ui._("📱 Share my phone number"), request_contact=True)
    keys = [[share], *([KeyboardButton(other)] for other in others)]
    return ReplyKeyboardMarkup(keys, resize_keyboard=True, one_time_keyboard=True)


def own_shared_phone(update: Update) -> str | None:
    """The phone number of a contact the customer shared, if it is their own (as the "share
    my phone number" button sends it); None for someone else's contact."""
    message = update.effective_message
    contact = message.contact if message else None
    user = update.effective_user
    if contact is None or user is None or contact.user_id != user.id:
        return None
    return contact.phone_number


async def phone_taken(update: Update, context: BotContext, shown: str) -> None:
    """Say which number was taken, in a plain message: the only way to take the "share my
    phone number" keyboard away."""
    if update.effective_chat is not None:
        await context.bot.send_message(
            update.effective_chat.id, f"✓ {shown}", reply_markup=ReplyKeyboardRemove()
        )


def question_screen(question: Question, draft: Draft, ui: Ui) -> Screen:
    """The question with the buttons that answer it (Skip last, where it may be left out)."""
    text = question_text(question, ui)
    if asks_phone(question):
        return text, share_phone_keyboard(ui, *(() if question.required else (ui._("Skip"),)))
    markup = _option_rows(question, draft, ui)
    if not question.required:
        markup.append([button(ui._("Skip"), SkipQuestion(draft.menu))])
    return text, InlineKeyboardMarkup(markup) if markup else None
