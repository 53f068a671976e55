"""Buttons: every press answered once; old, foreign and forged buttons refused with a fresh menu."""

from __future__ import annotations

import pytest

from tests.unit.conftest import (
    ADA,
    SCREEN,
    STEPS,
    Chat,
    data_of,
    day_label,
    menu_of,
    posts,
    tomorrow,
    walk,
)

EXPIRED = "This menu has expired. Here is a fresh one."
# Shaped like ours or not at all, never from a menu the bot showed.
FORGED = [
    "s:zzzzzz:0",
    "garbage",
    "a:zzzzzz:confirm",
    "d:zzzzzz:20991231",
    "dp:zzzzzz:1",
    "l:zzzzzz:de",
    "z:zzzzzz:0",
]


async def test_a_full_booking_answers_every_press_exactly_once(chat: Chat) -> None:
    ada = chat.ada
    await ada.send("/start")
    await ada.tap("later ›")
    await ada.tap("‹ earlier")
    await ada.tap(day_label(tomorrow()))
    await ada.tap("◀ other day")
    await ada.tap(day_label(tomorrow()))
    await ada.tap(ada.labels()[0])
    await ada.tap("Ada Lovelace")
    await ada.send("ada@gmial.com")
    await ada.tap("ada@gmail.com")
    await ada.tap("I agree")
    await ada.tap("Change time")
    await ada.tap(ada.labels()[1])
    await ada.tap("Change name")
    await ada.send("Ada King")
    await ada.tap("Change email")
    await ada.send("ada@gmial.com")
    await ada.tap("Keep ada@gmial.com")
    await ada.tap("Confirm")
    assert "You're booked" in ada.last().text
    queries = chat.emulator.state.queries
    answers = [call for call in chat.emulator.calls if call.method == "answerCallbackQuery"]
    assert len(queries) == 15
    assert all(query.answer is not None for query in queries.values())
    assert sorted(call.params["callback_query_id"] for call in answers) == sorted(queries)
    assert all(call.ok for call in answers)
    assert len(chat.sandbox.bookings) == 1
    assert chat.emulator.violations == []


async def test_button_of_an_old_picker_is_refused_with_a_fresh_menu(chat: Chat) -> None:
    ada = chat.ada
    old = await ada.send("/start")
    newer = await ada.send("/start")
    query = await ada.press(old.message_id, data_of(chat.emulator, old, day_label(tomorrow())))
    assert ada.answer(query).get("text") == EXPIRED
    fresh = ada.last()
    assert fresh.message_id > newer.message_id, "a fresh menu is sent"
    assert SCREEN["day"] in fresh.text
    await ada.tap(day_label(tomorrow()))
    assert SCREEN["slot"] in ada.last().text, "the fresh menu works"
    assert chat.sandbox.bookings == []
    assert chat.emulator.violations == []


@pytest.mark.parametrize("step", [*STEPS, "timezone"])
async def test_forged_buttons_are_refused_at_every_step(chat: Chat, step: str) -> None:
    ada = chat.ada
    await walk(ada, step)
    for data in FORGED:
        shown = ada.last()
        query = await ada.press(shown.message_id, data)
        assert ada.answer(query).get("text") == EXPIRED, data
        fresh = ada.last()
        assert fresh.message_id > shown.message_id, f"a fresh menu after {data!r}"
        assert SCREEN[step] in fresh.text, f"still at {step} after {data!r}"
        assert fresh.reply_markup or step == "email", "with its buttons"
    assert posts(chat.sandbox) == 0
    assert chat.sandbox.bookings == []
    assert chat.emulator.violations == []


@pytest.mark.parametrize(
    ("step", "payload"),
    [("day", "d:{menu}:20991231"), ("slot", "s:{menu}:999"), ("timezone", "z:{menu}:99")],
    ids=["day-never-offered", "time-never-offered", "zone-never-offered"],
)
async def test_live_menu_payload_for_something_never_offered_is_refused(
    chat: Chat, step: str, payload: str
) -> None:
    ada = chat.ada
    await walk(ada, step)
    shown = ada.menu()
    query = await ada.press(shown.message_id, payload.format(menu=menu_of(chat.emulator, shown)))
    assert "expired" in ada.answer(query).get("text", "")
    assert SCREEN[step] in ada.menu().text
    assert ada.menu().message_id > shown.message_id
    assert chat.sandbox.bookings == []
    assert chat.emulator.violations == []


async def test_second_tap_on_a_menu_just_redrawn_is_answered_quietly(chat: Chat) -> None:
    ada = chat.ada
    picker = await ada.send("/start")
    later = data_of(chat.emulator, picker, "later ›")
    await ada.press(picker.message_id, later)
    second_page = ada.labels()
    sent = len(chat.emulator.bot_messages(ADA))
    query = await ada.press(picker.message_id, later)  # the same button, tapped twice
    assert "text" not in ada.answer(query)
    assert len(chat.emulator.bot_messages(ADA)) == sent, "no fresh menu"
    assert ada.labels() == second_page
    assert chat.emulator.violations == []


async def test_confirm_again_on_the_booked_message_says_it_is_booked(chat: Chat) -> None:
    ada = chat.ada
    await walk(ada, "confirm")
    card = ada.last()
    confirm = data_of(chat.emulator, card, "✅ Confirm")
    await ada.tap("Confirm")
    booked = ada.last()
    assert "You're booked" in booked.text
    # The card made way for the confirmation with its calendar file: nothing left to press.
    with pytest.raises(LookupError):
        await ada.press(card.message_id, confirm)
    assert all(data is None for row in chat.emulator.buttons(booked) for _, data in row)
    assert ada.last().text == booked.text
    assert posts(chat.sandbox) == 1
    assert chat.emulator.violations == []
