"""Shared contacts in the Bot API emulator: a user shares their own phone number or someone
else's contact, and reply keyboards ask for it only where Telegram lets them."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
import pytest_asyncio
from telegram import Bot, KeyboardButton, ReplyKeyboardMarkup, Update
from telegram.ext import Application, ApplicationBuilder, ContextTypes, MessageHandler, filters

from bot.sandbox.console import DEMO_PHONE, Console
from bot.sandbox.telegram_api import BotApiEmulator
from bot.sandbox.world import ChatDriver

USER = 4242
FRIEND = 777
GROUP = -100200
SHARE = {"keyboard": [[{"text": "📱 Share my phone number", "request_contact": True}]]}


@pytest_asyncio.fixture
async def emulator() -> AsyncIterator[BotApiEmulator]:
    server = BotApiEmulator(limits=None)
    await server.start()
    server.add_user(USER, "Ada", "Lovelace", username="ada")
    server.add_user(FRIEND, "Grace", "Hopper")
    yield server
    await server.stop()


@pytest_asyncio.fixture
async def http(emulator: BotApiEmulator) -> AsyncIterator[httpx.AsyncClient]:
    base = f"{emulator.url}/bot{emulator.token}/"
    async with httpx.AsyncClient(base_url=base, timeout=15) as client:
        yield client


async def send(http: httpx.AsyncClient, **params: Any) -> tuple[int, dict[str, Any]]:
    response = await http.post("sendMessage", json={"text": "x", **params})
    return response.status_code, response.json()


async def delivered(http: httpx.AsyncClient) -> list[dict[str, Any]]:
    """The messages of the pending updates, oldest first."""
    response = await http.post("getUpdates", json={})
    return [update["message"] for update in response.json()["result"]]


async def test_a_user_shares_their_own_contact(
    emulator: BotApiEmulator, http: httpx.AsyncClient
) -> None:
    shared = await emulator.send_contact(USER, "+49 30 1234567")
    [message] = await delivered(http)
    assert message["contact"] == {
        "phone_number": "+49 30 1234567",
        "first_name": "Ada",
        "last_name": "Lovelace",
        "user_id": USER,
    }
    assert message["from"]["id"] == USER
    assert (message["chat"]["id"], message["chat"]["type"]) == (USER, "private")
    assert "text" not in message
    assert shared.contact is not None
    assert emulator.messages(USER)[-1].contact == message["contact"]


async def test_a_user_shares_someone_elses_contact(
    emulator: BotApiEmulator, http: httpx.AsyncClient
) -> None:
    await emulator.send_contact(USER, "4915112345678", contact_user_id=FRIEND)
    await emulator.send_contact(USER, "+1 555 0100", contact_user_id=None, first_name="Alan")
    friend, stranger = await delivered(http)
    assert friend["contact"] == {
        "phone_number": "4915112345678",
        "first_name": "Grace",
        "last_name": "Hopper",
        "user_id": FRIEND,
    }
    assert stranger["contact"] == {"phone_number": "+1 555 0100", "first_name": "Alan"}


async def test_request_contact_keyboards_in_private_chats_only(
    emulator: BotApiEmulator, http: httpx.AsyncClient
) -> None:
    await emulator.send_text(USER, "hi")
    emulator.add_group(GROUP, "Team", kind="supergroup")
    status, body = await send(http, chat_id=USER, reply_markup=SHARE)
    assert status == 200, body
    sent = emulator.last_bot_message(USER)
    assert sent is not None
    assert sent.reply_markup is not None
    assert sent.reply_markup["keyboard"][0][0]["request_contact"] is True
    assert emulator.buttons(sent) == [[("📱 Share my phone number", None)]]

    status, body = await send(http, chat_id=GROUP, reply_markup=SHARE)
    assert (status, body["description"]) == (
        400,
        "Bad Request: Phone number can be requested in private chats only",
    )
    where = {"keyboard": [[{"text": "📍", "request_location": True}]]}
    status, body = await send(http, chat_id=GROUP, reply_markup=where)
    assert body["description"] == "Bad Request: Location can be requested in private chats only"
    plain = {"keyboard": [[{"text": "Yes", "request_contact": False}, "No"]]}
    status, body = await send(http, chat_id=GROUP, reply_markup=plain)
    assert status == 200, body


@pytest.mark.parametrize("value", ["yes", 1, {"x": 1}])
async def test_request_contact_must_be_a_boolean(
    emulator: BotApiEmulator, http: httpx.AsyncClient, value: Any
) -> None:
    await emulator.send_text(USER, "hi")
    markup = {"keyboard": [[{"text": "Share", "request_contact": value}]]}
    status, body = await send(http, chat_id=USER, reply_markup=markup)
    assert (status, body["description"]) == (
        400,
        'Bad Request: can\'t parse keyboard button: Field "request_contact" must be of type '
        "Boolean",
    )


async def test_request_contact_is_no_inline_button(
    emulator: BotApiEmulator, http: httpx.AsyncClient
) -> None:
    await emulator.send_text(USER, "hi")
    alone = {"inline_keyboard": [[{"text": "Share", "request_contact": True}]]}
    status, body = await send(http, chat_id=USER, reply_markup=alone)
    assert (status, body["description"]) == (
        400,
        "Bad Request: can't parse inline keyboard button: Text buttons are unallowed in the "
        "inline keyboard",
    )
    # Beside a real action it is a field inline buttons do not have: ignored, not echoed.
    beside = {"inline_keyboard": [[{"text": "Go", "callback_data": "go", "request_contact": True}]]}
    status, body = await send(http, chat_id=USER, reply_markup=beside)
    assert status == 200, body
    assert body["result"]["reply_markup"] == {
        "inline_keyboard": [[{"text": "Go", "callback_data": "go"}]]
    }


async def _echo_contact(update: Update, _: ContextTypes.DEFAULT_TYPE) -> None:
    message = update.effective_message
    assert message is not None
    assert message.contact is not None
    own = message.contact.user_id == update.effective_user.id if update.effective_user else False
    await message.reply_text(f"{'own' if own else 'other'} {message.contact.phone_number}")


def _application(emulator: BotApiEmulator) -> Application[Any, Any, Any, Any, Any, Any]:
    app = ApplicationBuilder().token(emulator.token).base_url(f"{emulator.url}/bot").build()
    app.add_handler(MessageHandler(filters.CONTACT, _echo_contact))
    return app


async def test_a_chat_driver_shares_a_contact_with_a_real_ptb_bot(
    emulator: BotApiEmulator,
) -> None:
    driver = ChatDriver(emulator, 5151, first_name="Jonas")
    bot = Bot(emulator.token, base_url=f"{emulator.url}/bot")
    app = _application(emulator)
    async with app:
        await app.updater.start_polling(poll_interval=0, timeout=1)  # type: ignore[union-attr]
        await app.start()
        try:
            own = await driver.share_contact("+49 30 1234567")
            other = await driver.share_contact("+1 555 0100", own=False, first_name="Alan")
            async with bot:
                await bot.send_message(
                    driver.user_id,
                    "Phone?",
                    reply_markup=ReplyKeyboardMarkup(
                        [[KeyboardButton("📱 Share", request_contact=True)]],
                        one_time_keyboard=True,
                    ),
                )
        finally:
            await app.updater.stop()  # type: ignore[union-attr]
            await app.stop()
    assert own.text == "own +49 30 1234567"
    assert other.text == "other +1 555 0100"
    assert driver.labels() == ["📱 Share"]
    assert emulator.violations == []


async def test_the_terminal_shares_a_phone_number_by_command_or_button(
    emulator: BotApiEmulator,
) -> None:
    driver = ChatDriver(emulator, 5151, first_name="Jonas")
    out = io.StringIO()
    console = Console(driver, out, color=False)
    app = _application(emulator)
    bot = Bot(emulator.token, base_url=f"{emulator.url}/bot")
    async with app:
        await app.updater.start_polling(poll_interval=0, timeout=1)  # type: ignore[union-attr]
        await app.start()
        try:
            await console.handle(":contact")
            await console.handle(":contact +1 555 0100")
            async with bot:
                await bot.send_message(
                    driver.user_id,
                    "Phone?",
                    reply_markup=ReplyKeyboardMarkup(
                        [[KeyboardButton("📱 Share", request_contact=True)]]
                    ),
                )
            console.print_new()
            await console.handle("1")
        finally:
            await app.updater.stop()  # type: ignore[union-attr]
            await app.stop()
    shown = out.getvalue()
    assert f"bot: own {DEMO_PHONE}" in shown
    assert "bot: own +1 555 0100" in shown
    assert "[1] 📱 Share" in shown
    assert driver.last().text == f"own {DEMO_PHONE}"
