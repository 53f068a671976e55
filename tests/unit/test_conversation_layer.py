"""The conversation layer takes new flows: drafts save themselves, other flows' buttons and
commands reach their handlers, and the booking's own stale buttons are still refused."""

from __future__ import annotations

import dataclasses
from typing import ClassVar

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import CallbackQueryHandler, CommandHandler

from bot.app import add_flow
from bot.sandbox.telegram_api import BotApiEmulator
from conversations.booking.draft import BookingContext
from conversations.kit.payloads import Callback
from tests.unit.conftest import (
    SCREEN,
    Chat,
    Launcher,
    StepCustomer,
    data_of,
    running,
    stored_text,
    walk,
)


@dataclasses.dataclass(frozen=True)
class ShareLink(Callback):
    """A button kind of a flow that is not the booking (as an agent tool would add)."""

    prefix: ClassVar[str] = "testshare"
    flow: ClassVar[str] = "testagents"
    code: str


async def rename_to_grace(update: Update, context: BookingContext) -> None:
    """A new handler that changes the draft and saves nothing by hand."""
    context.draft.name = "Grace Hopper"
    assert update.effective_message is not None
    await update.effective_message.reply_text("renamed")


async def test_a_draft_change_without_an_explicit_save_survives_a_restart(
    launch: Launcher, emulator: BotApiEmulator
) -> None:
    first = await launch()
    add_flow(running(first), CommandHandler("rename", rename_to_grace))
    ada = StepCustomer(emulator, first)
    await walk(ada, "consent")
    assert (await ada.send("/rename")).text == "renamed"
    await running(first).update_persistence()
    assert "Grace Hopper" in stored_text(first), "the change reached the file"
    await first.stop()
    ada.bot = await launch()  # same data directory: the booking continues where it was
    await ada.tap("I agree")
    card = ada.menu().text  # the consent message became the card; "renamed" came after it
    assert SCREEN["confirm"] in card
    assert "👤 Grace Hopper" in card
    assert emulator.violations == []


async def test_a_new_command_and_button_kind_beside_the_booking_are_reached(chat: Chat) -> None:
    ada, app = chat.ada, running(chat.bot)
    reached: list[str] = []

    async def report(update: Update, context: BookingContext) -> None:
        reached.append("command")
        assert update.effective_message is not None
        markup = InlineKeyboardMarkup(
            [[InlineKeyboardButton("Share", callback_data=ShareLink("abc123", "intro").pack())]]
        )
        await update.effective_message.reply_text("your link", reply_markup=markup)

    async def share(update: Update, context: BookingContext) -> None:
        assert update.callback_query is not None
        payload = ShareLink.unpack(update.callback_query.data or "")
        reached.append(f"button {payload.code}")
        await update.callback_query.answer("shared")

    # Added after the booking flow, as a newcomer adds a flow (before the catch-alls).
    add_flow(
        app,
        CommandHandler("report", report),
        CallbackQueryHandler(share, pattern=ShareLink.matches),
    )

    await walk(ada, "slot")
    times = ada.last()
    old_time = data_of(chat.emulator, times, ada.labels(times)[0])
    assert (await ada.send("/report")).text == "your link"
    query = await ada.tap("Share")
    assert ada.answer(query).get("text") == "shared"
    assert reached == ["command", "button intro"]

    # The booking still refuses its own stale buttons politely and shows a fresh menu.
    await ada.send("/start")
    stale = await ada.press(times.message_id, old_time)
    assert "expired" in ada.answer(stale).get("text", "")
    assert SCREEN["day"] in ada.last().text
    assert reached == ["command", "button intro"], "the stale press reached no other flow"
    assert chat.emulator.violations == []


async def test_a_forged_payload_nobody_owns_is_still_refused(chat: Chat) -> None:
    ada = chat.ada
    await walk(ada, "name")
    menu = ada.menu()
    query = await ada.press(menu.message_id, "nobody:abc123:1")
    assert "expired" in ada.answer(query).get("text", "")
    assert SCREEN["name"] in ada.last().text
    assert chat.emulator.violations == []
