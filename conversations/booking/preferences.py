"""/language at any step: the customer's language, kept for later bookings; the step the
customer was at is drawn again in it. (/timezone is a step of its own: steps/zone.py.)"""

from __future__ import annotations

from html import escape

from telegram import Update

from bot.language.i18n import negotiate_language
from conversations.booking.draft import BookingContext
from conversations.booking.keyboards import language_picker
from conversations.booking.payloads import LanguageChosen
from conversations.kit.buttons import live_payload, refuse_stale_button
from conversations.kit.chat import present, reply
from conversations.kit.outcome import Ask, Outcome
from conversations.kit.phrases import language_names


async def choose_language(update: Update, context: BookingContext) -> Outcome:
    """Show the language picker, or switch at once for `/language de`."""
    wanted = " ".join(context.args or []).strip().lower()
    if wanted:
        return await _switch_language(update, context, wanted)
    draft = context.draft
    draft.new_menu()
    picker = language_picker(draft.menu, language_names())
    await present(
        update, context, (context.ui._("Which language would you like?"), picker), fresh=True
    )
    # The state stays: a tap on the picker redraws whatever step the customer was at.
    return None


async def set_language(update: Update, context: BookingContext) -> Outcome:
    """Switch to the tapped language and redraw the current step in it."""
    payload = await live_payload(update, context, LanguageChosen)
    if payload is None:
        return await refuse_stale_button(update, context)
    return await _switch_language(update, context, payload.code)


async def _switch_language(update: Update, context: BookingContext, code: str) -> Outcome:
    code = negotiate_language(code, default="")
    if not code:
        text = context.ui._("I can speak: {languages}.").format(
            languages=", ".join(name for _, name in language_names())
        )
        await reply(update, escape(text))
        return None
    context.remember(context.ui.prefs.model_copy(update={"language": code}))
    context.draft.notice = context.ui._("✓ I will write in English from now on.")
    # The zone picker was opened from a step: that step is what the customer returns to.
    at = context.state
    if at == "TIMEZONE":
        at = context.draft.resume_step or context.flow.home
    return Ask(at, fresh=True)
