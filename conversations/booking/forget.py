"""/forget (also /delete and /stop): erasing everything the bot keeps about the customer.

/forget asks first. Yes erases the conversation, the draft (name and e-mail), the
preferences and any booking attempt of this customer, in memory and on disk, and ends the
conversation; in the customer's own chat with the bot and in their chats with agents'
accounts alike. The handlers are registered in every state of the booking graph, which is what
lets "yes" end a booking in progress.
"""

from __future__ import annotations

import logging

from telegram import Update

from bot.ptb.chat_turns import ChatStates
from bot.storage.business import is_business_key
from conversations.booking.draft import BookingContext
from conversations.booking.keyboards import forget_or_keep
from conversations.booking.payloads import ForgetMe, KeepMyData
from conversations.kit.buttons import live_payload, refuse_stale_button
from conversations.kit.chat import chat_id_of, present
from conversations.kit.context import App, Services
from conversations.kit.outcome import END, Again, Outcome

log = logging.getLogger(__name__)

FORGET_COMMANDS = ("forget", "delete", "stop")


async def ask_to_forget(update: Update, context: BookingContext) -> Outcome:
    """Ask whether to erase everything the bot stores about the customer."""
    ui = context.ui
    draft = context.draft
    draft.new_menu()
    text = ui._(
        "Shall I erase everything I store about you: your booking in progress, your name and "
        "e-mail address, your language and time zone? Bookings already made stay with our "
        "team; to change those, reply to their confirmation e-mail."
    )
    await present(update, context, (text, forget_or_keep(ui, draft.menu)), fresh=True)
    return None


async def forget_customer(update: Update, context: BookingContext) -> Outcome:
    """Erase everything stored about the customer and say so."""
    if await live_payload(update, context, ForgetMe) is None:
        return await refuse_stale_button(update, context)
    chat_id = chat_id_of(update)
    user_id = update.effective_user.id if update.effective_user else chat_id
    # Said in the customer's language, which is about to be erased with the rest.
    text = context.ui._("Done: I erased everything I stored about you. Send /start to book again.")
    await context.services.bookings.ledger.forget(chat_id)
    await context.services.waitlist.store.forget(chat_id)
    context.forget_view()
    if context.chat_data is not None:
        context.chat_data.clear()
    if context.user_data is not None:
        context.user_data.clear()
    context.application.drop_chat_data(chat_id)
    context.application.drop_user_data(user_id)
    log.info("customer data erased", extra={"chat": chat_id, "event": "forgotten"})
    await present(update, context, (text, None))
    await _erase_elsewhere(context, chat_id, user_id)
    return END


async def _erase_elsewhere(context: BookingContext, here: int, user_id: int) -> None:
    """The customer's other chats go too: their chats with agents' accounts, and (forgotten
    from an agent's chat) their own chat with the bot. Each is erased in its own turn."""
    business = context.services.business.store
    chats = [chat.key for chat in await business.chats_of_customer(user_id)]
    for key in chats:
        await business.forget_chat(key)
    if is_business_key(here):
        chats.append(user_id)
    for chat_id in chats:
        if chat_id != here:
            context.application.create_task(
                erase_chat(context.application, context.services, chat_id, user_id),
                name=f"erase-{chat_id}",
            )


async def erase_chat(app: App, services: Services, chat_id: int, user_id: int) -> None:
    """Erase one chat's conversation, draft and booking records, in that chat's turn."""
    await services.bookings.ledger.forget(chat_id)
    await services.waitlist.store.forget(chat_id)
    async with ChatStates.of(app).turn(chat_id, user_id):
        ChatStates.of(app).end_conversations(chat_id)
        app.chat_data.get(chat_id, {}).clear()
        app.drop_chat_data(chat_id)


async def keep_data(update: Update, context: BookingContext) -> Outcome:
    """Keep everything, and show the step the customer was at (if a booking is under way)."""
    if await live_payload(update, context, KeepMyData) is None:
        return await refuse_stale_button(update, context)
    draft = context.draft
    if draft.start is None and draft.day is None and context.state == context.flow.home:
        text = context.ui._("Nothing was erased.")
        await present(update, context, (text, None))
        return None
    draft.notice = context.ui._("Nothing was erased.")
    return Again()
