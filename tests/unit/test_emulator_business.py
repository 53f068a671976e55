"""The Bot API emulator's Telegram Business: connections, business chats apart from the bot's
own, the bot writing on an account's behalf, and every refusal Telegram answers there."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
import pytest_asyncio
from telegram import Bot

from bot.sandbox.telegram_api import BotApiEmulator

AGENT = 5001  # the business account's owner
CUSTOMER = 4242
OTHER = 777
DAY_AND_AN_HOUR = 25 * 60 * 60


@pytest_asyncio.fixture
async def emulator() -> AsyncIterator[BotApiEmulator]:
    server = BotApiEmulator(limits=None)
    await server.start()
    server.add_user(AGENT, "Anna", "Berger", username="anna_berger")
    server.add_user(CUSTOMER, "Ada", "Lovelace", username="ada")
    server.add_user(OTHER, "Otto")
    server.enable_business_mode()
    yield server
    await server.stop()


@pytest_asyncio.fixture
async def http(emulator: BotApiEmulator) -> AsyncIterator[httpx.AsyncClient]:
    base = f"{emulator.url}/bot{emulator.token}/"
    async with httpx.AsyncClient(base_url=base, timeout=15) as client:
        yield client


@pytest_asyncio.fixture
async def connection(emulator: BotApiEmulator) -> str:
    """Anna's account connected with the right to reply; Ada has just written to her."""
    connection_id = await emulator.connect_business(AGENT)
    await emulator.customer_writes_to_agent(connection_id, CUSTOMER, "Hello, a meeting?")
    return connection_id


async def call(http: httpx.AsyncClient, method: str, **params: Any) -> tuple[int, dict[str, Any]]:
    response = await http.post(method, json=params)
    return response.status_code, response.json()


async def ok(http: httpx.AsyncClient, method: str, **params: Any) -> Any:
    status, body = await call(http, method, **params)
    assert (status, body["ok"]) == (200, True), body
    return body["result"]


async def rejected(http: httpx.AsyncClient, method: str, **params: Any) -> tuple[int, str]:
    status, body = await call(http, method, **params)
    assert body["ok"] is False
    assert body["error_code"] == status
    return status, body["description"]


async def updates(http: httpx.AsyncClient) -> list[dict[str, Any]]:
    """The pending updates, confirmed once read."""
    got = await ok(http, "getUpdates", timeout=0)
    if got:
        await ok(http, "getUpdates", offset=got[-1]["update_id"] + 1, timeout=0)
    return list(got)


def keyboard(*buttons: dict[str, Any]) -> dict[str, Any]:
    return {"inline_keyboard": [list(buttons)]}


CHAT = {
    "id": CUSTOMER,
    "first_name": "Ada",
    "last_name": "Lovelace",
    "username": "ada",
    "type": "private",
}


# --- connections -----------------------------------------------------------------------------


async def test_a_connection_reaches_the_bot_and_can_be_looked_up(
    emulator: BotApiEmulator, http: httpx.AsyncClient
) -> None:
    assert (await ok(http, "getMe"))["can_connect_to_business"] is True
    connection_id = await emulator.connect_business(AGENT)

    (update,) = await updates(http)
    expected = {
        "id": connection_id,
        "user": emulator.state.users[AGENT],
        "user_chat_id": AGENT,
        "date": update["business_connection"]["date"],
        "rights": {"can_reply": True},
        "is_enabled": True,
    }
    assert update["business_connection"] == expected
    assert len(connection_id) >= 16
    assert connection_id.replace("-", "").replace("_", "").isalnum()
    found = await ok(http, "getBusinessConnection", business_connection_id=connection_id)
    assert found == expected

    await emulator.update_business_connection(
        connection_id, can_reply=False, can_delete_sent_messages=True
    )
    (changed,) = await updates(http)
    assert changed["business_connection"]["rights"] == {"can_delete_sent_messages": True}
    assert await rejected(http, "getBusinessConnection", business_connection_id="nope") == (
        400,
        "Bad Request: BUSINESS_CONNECTION_INVALID",
    )
    assert [v.description for v in emulator.violations] == [
        "Bad Request: BUSINESS_CONNECTION_INVALID"
    ]


async def test_a_bot_without_business_mode_cannot_be_connected() -> None:
    emulator = BotApiEmulator(limits=None)
    emulator.add_user(AGENT, "Anna")
    with pytest.raises(LookupError, match="Business Mode"):
        await emulator.connect_business(AGENT)


# --- business chats ------------------------------------------------------------------------


async def test_the_customer_and_the_agent_both_reach_the_bot_as_business_messages(
    emulator: BotApiEmulator, http: httpx.AsyncClient
) -> None:
    connection_id = await emulator.connect_business(AGENT)
    await emulator.send_text(CUSTOMER, "hi bot")  # the bot's own chat with Ada
    await emulator.customer_writes_to_agent(connection_id, CUSTOMER, "/book tomorrow")
    await emulator.agent_writes(connection_id, CUSTOMER, "Sure, one moment")

    _, own, customer, agent = await updates(http)
    assert own["message"]["text"] == "hi bot"
    assert "business_connection_id" not in own["message"]
    assert customer["business_message"] == {
        "message_id": 1,
        "from": emulator.state.users[CUSTOMER],
        "chat": CHAT,
        "date": customer["business_message"]["date"],
        "business_connection_id": connection_id,
        "text": "/book tomorrow",
        "entities": [{"type": "bot_command", "offset": 0, "length": 5}],
    }
    assert agent["business_message"]["message_id"] == 2
    assert agent["business_message"]["from"] == emulator.state.users[AGENT]
    assert agent["business_message"]["chat"] == CHAT
    assert agent["business_message"]["business_connection_id"] == connection_id
    # One account numbers the messages of all its chats in one sequence.
    other = await emulator.customer_writes_to_agent(connection_id, OTHER, "Hi Anna")
    assert (other.chat_id, other.message_id) == (OTHER, 3)
    assert [m.text for m in emulator.messages(CUSTOMER)] == ["hi bot"]
    assert [m.text for m in emulator.business_messages(connection_id, CUSTOMER)] == [
        "/book tomorrow",
        "Sure, one moment",
    ]


async def test_a_disabled_connection_delivers_nothing_until_enabled_again(
    emulator: BotApiEmulator, http: httpx.AsyncClient, connection: str
) -> None:
    menu = keyboard({"text": "Monday", "callback_data": "day:mon"})
    target = {"business_connection_id": connection, "chat_id": CUSTOMER}
    await ok(http, "sendMessage", text="Pick", reply_markup=menu, **target)
    await updates(http)
    await emulator.update_business_connection(connection, enabled=False)
    (off,) = await updates(http)
    assert off["business_connection"]["is_enabled"] is False

    written = await emulator.customer_writes_to_agent(connection, CUSTOMER, "anyone there?")
    assert emulator.last_update_id is None
    await emulator.agent_writes(connection, CUSTOMER, "I am")
    await emulator.tap_business(connection, CUSTOMER, "Monday")
    assert emulator.last_update_id is None
    assert await updates(http) == []
    assert emulator.business_messages(connection, CUSTOMER)[-2] == written
    assert await rejected(http, "sendMessage", text="x", **target) == (
        400,
        "Bad Request: BUSINESS_CONNECTION_NOT_ALLOWED",
    )

    await emulator.update_business_connection(connection, enabled=True)
    await emulator.customer_writes_to_agent(connection, CUSTOMER, "hello again")
    kinds = [[key for key in update if key != "update_id"] for update in await updates(http)]
    assert kinds == [["business_connection"], ["business_message"]]


async def test_business_updates_follow_allowed_updates(
    emulator: BotApiEmulator, http: httpx.AsyncClient, connection: str
) -> None:
    assert [list(u)[1] for u in await updates(http)] == ["business_connection", "business_message"]
    await ok(http, "getUpdates", timeout=0, allowed_updates=["message", "callback_query"])
    await emulator.customer_writes_to_agent(connection, CUSTOMER, "filtered out")
    await emulator.send_text(CUSTOMER, "kept")
    assert [list(u)[1] for u in await updates(http)] == ["message"]
    await ok(http, "getUpdates", timeout=0, allowed_updates=[])  # the default: all but three
    await emulator.customer_writes_to_agent(connection, CUSTOMER, "delivered")
    assert [list(u)[1] for u in await updates(http)] == ["business_message"]


# --- the bot writing on the account's behalf -------------------------------------------------


async def test_a_reply_on_the_accounts_behalf_lands_in_the_business_chat(
    emulator: BotApiEmulator, http: httpx.AsyncClient, connection: str
) -> None:
    await emulator.send_text(CUSTOMER, "/start")  # the bot's own chat: message 1 there too
    await updates(http)
    sent = await ok(
        http,
        "sendMessage",
        business_connection_id=connection,
        chat_id=CUSTOMER,
        text="Pick a day",
        reply_markup=keyboard({"text": "Monday", "callback_data": "day:mon"}),
        reply_parameters={"message_id": 99},  # always sent without the reply on behalf
    )
    assert sent["message_id"] == 2  # after Ada's message 1 in Anna's account
    assert sent["from"] == emulator.state.users[AGENT]
    assert sent["sender_business_bot"] == emulator.state.bot_user
    assert sent["chat"] == CHAT
    assert sent["business_connection_id"] == connection
    (echo,) = await updates(http)
    assert echo["business_message"] == sent

    assert [m.text for m in emulator.messages(CUSTOMER)] == ["/start"]
    assert emulator.bot_messages(CUSTOMER) == []
    last = emulator.last_business_bot_message(connection, CUSTOMER)
    assert last is not None
    assert (last.message_id, last.text) == (2, "Pick a day")
    assert await ok(
        http, "sendChatAction", business_connection_id=connection, chat_id=CUSTOMER, action="typing"
    )
    document = await ok(
        http,
        "sendDocument",
        business_connection_id=connection,
        chat_id=CUSTOMER,
        document="https://example.org/booking.ics",
    )
    assert document["sender_business_bot"]["id"] == emulator.state.bot_user["id"]
    assert emulator.violations == []


@pytest.mark.parametrize(
    ("setup", "status", "description"),
    [
        ("unknown", 400, "Bad Request: BUSINESS_CONNECTION_INVALID"),
        ("disabled", 400, "Bad Request: BUSINESS_CONNECTION_NOT_ALLOWED"),
        ("read only", 403, "Forbidden: BOT_ACCESS_FORBIDDEN"),
        ("never wrote", 403, "Forbidden: BUSINESS_PEER_USAGE_MISSING"),
        ("a day ago", 403, "Forbidden: BUSINESS_PEER_USAGE_MISSING"),
    ],
)
async def test_sending_is_refused_where_the_bot_may_not_reply(
    emulator: BotApiEmulator,
    http: httpx.AsyncClient,
    connection: str,
    setup: str,
    status: int,
    description: str,
) -> None:
    chat, connection_id = CUSTOMER, connection
    if setup == "unknown":
        connection_id = "AAAAAAAAAAAAAAAAAAAAAAAA"
    elif setup == "disabled":
        await emulator.update_business_connection(connection, enabled=False)
    elif setup == "read only":
        await emulator.update_business_connection(connection, can_reply=False)
    elif setup == "never wrote":
        await emulator.agent_writes(connection, OTHER, "Otto, your booking?")  # not incoming
        chat = OTHER
    else:
        emulator.advance_clock(DAY_AND_AN_HOUR)
    target = {"business_connection_id": connection_id, "chat_id": chat}

    assert await rejected(http, "sendMessage", text="Hi", **target) == (status, description)
    assert await rejected(http, "sendChatAction", action="typing", **target) == (
        status,
        description,
    )
    assert [(v.method, v.status, v.description) for v in emulator.violations] == [
        ("sendMessage", status, description),
        ("sendChatAction", status, description),
    ]
    assert emulator.business_bot_messages(connection, chat) == []


async def test_the_window_opens_again_when_the_customer_writes(
    emulator: BotApiEmulator, http: httpx.AsyncClient, connection: str
) -> None:
    target = {"business_connection_id": connection, "chat_id": CUSTOMER}
    sent = await ok(http, "sendMessage", text="Which day?", **target)
    emulator.advance_clock(DAY_AND_AN_HOUR)
    assert await rejected(
        http, "editMessageText", message_id=sent["message_id"], text="Which day, Ada?", **target
    ) == (403, "Forbidden: BUSINESS_PEER_USAGE_MISSING")

    written = await emulator.customer_writes_to_agent(connection, CUSTOMER, "Monday")
    assert written.date >= sent["date"] + DAY_AND_AN_HOUR
    assert (await ok(http, "sendMessage", text="Monday it is", **target))["message_id"] == 4
    assert len(emulator.violations) == 1

    # Turned back, the clock dates a message in the past: it opens no window now.
    emulator.advance_clock(-2 * DAY_AND_AN_HOUR)
    late = await emulator.customer_writes_to_agent(connection, CUSTOMER, "Tuesday?")
    emulator.advance_clock(2 * DAY_AND_AN_HOUR)
    assert late.date <= written.date - DAY_AND_AN_HOUR
    assert await rejected(http, "sendChatAction", action="typing", **target) == (
        403,
        "Forbidden: BUSINESS_PEER_USAGE_MISSING",
    )


@pytest.mark.parametrize(
    "button",
    [
        {"web_app": {"url": "https://example.org/app"}},
        {"login_url": {"url": "https://example.org/login"}},
        {"switch_inline_query": "book"},
        {"switch_inline_query_current_chat": "book"},
    ],
)
async def test_buttons_a_business_message_may_not_carry_are_refused(
    emulator: BotApiEmulator, http: httpx.AsyncClient, connection: str, button: dict[str, Any]
) -> None:
    markup = keyboard({"text": "Open", **button})
    await emulator.send_text(CUSTOMER, "/start")
    target = {"business_connection_id": connection, "chat_id": CUSTOMER}
    assert await rejected(http, "sendMessage", text="Go", reply_markup=markup, **target) == (
        400,
        "Bad Request: BUTTON_TYPE_INVALID",
    )
    plain = await ok(http, "sendMessage", text="Go", **target)
    edit = {"message_id": plain["message_id"], "reply_markup": markup, **target}
    assert await rejected(http, "editMessageReplyMarkup", **edit) == (
        400,
        "Bad Request: BUTTON_TYPE_INVALID",
    )
    assert len(emulator.violations) == 2
    # In the bot's own chat the same keyboard is fine.
    await ok(http, "sendMessage", chat_id=CUSTOMER, text="Go", reply_markup=markup)
    contact = {"keyboard": [[{"text": "Share", "request_contact": True}]]}
    await ok(http, "sendMessage", text="Your phone?", reply_markup=contact, **target)


async def test_editing_on_behalf_and_the_own_chat_stay_apart(
    emulator: BotApiEmulator, http: httpx.AsyncClient, connection: str
) -> None:
    target = {"business_connection_id": connection, "chat_id": CUSTOMER}
    sent = await ok(
        http,
        "sendMessage",
        text="Pick",
        reply_markup=keyboard({"text": "Monday", "callback_data": "day:mon"}),
        **target,
    )
    await updates(http)
    edited = await ok(
        http, "editMessageText", message_id=sent["message_id"], text="Monday, 10:00", **target
    )
    assert (edited["text"], edited["business_connection_id"]) == ("Monday, 10:00", connection)
    assert "reply_markup" not in edited
    (echo,) = await updates(http)
    assert echo["edited_business_message"] == edited
    # Without business_connection_id the same ids address the bot's own chat with Ada, which
    # she never opened: the bot knows her from Anna's account only.
    forgot = {"chat_id": CUSTOMER, "message_id": sent["message_id"], "text": "x"}
    assert await rejected(http, "editMessageText", **forgot) == (
        403,
        "Forbidden: bot can't initiate conversation with a user",
    )
    assert await rejected(http, "sendMessage", chat_id=CUSTOMER, text="Hello") == (
        403,
        "Forbidden: bot can't initiate conversation with a user",
    )
    assert await rejected(http, "sendMessage", chat_id=OTHER, text="Hello") == (
        400,
        "Bad Request: chat not found",
    )
    message = emulator.business_bot_messages(connection, CUSTOMER)[0]
    assert (message.text, message.edits) == ("Monday, 10:00", 1)


async def test_a_press_on_a_business_message_carries_the_connection(
    emulator: BotApiEmulator, http: httpx.AsyncClient, connection: str
) -> None:
    target = {"business_connection_id": connection, "chat_id": CUSTOMER}
    sent = await ok(
        http,
        "sendMessage",
        text="Pick",
        reply_markup=keyboard(
            {"text": "Monday", "callback_data": "day:mon"},
            {"text": "Tuesday", "callback_data": "day:tue"},
        ),
        **target,
    )
    await updates(http)
    with pytest.raises(LookupError, match="no bot message"):
        await emulator.tap(CUSTOMER, "Tuesday")  # nothing of the bot's in its own chat
    query_id = await emulator.tap_business(connection, CUSTOMER, "Tuesday")

    (update,) = await updates(http)
    press = update["callback_query"]
    assert (press["id"], press["data"], press["from"]["id"]) == (query_id, "day:tue", CUSTOMER)
    assert press["message"]["message_id"] == sent["message_id"]
    assert press["message"]["business_connection_id"] == connection
    assert press["message"]["sender_business_bot"] == emulator.state.bot_user
    assert press["chat_instance"]
    await ok(http, "answerCallbackQuery", callback_query_id=query_id, text="Tuesday")
    assert emulator.callback_answer(query_id) == {"callback_query_id": query_id, "text": "Tuesday"}


async def test_deleting_business_messages_needs_the_right(
    emulator: BotApiEmulator, http: httpx.AsyncClient, connection: str
) -> None:
    own = await emulator.send_text(CUSTOMER, "/start")
    mine = await ok(http, "sendMessage", chat_id=CUSTOMER, text="Welcome")  # own chat, id 2
    target = {"business_connection_id": connection, "chat_id": CUSTOMER}
    sent = await ok(http, "sendMessage", text="Pick a day", **target)  # business chat, id 2
    assert sent["message_id"] == mine["message_id"] == 2
    await updates(http)
    delete = {"business_connection_id": connection, "message_ids": [sent["message_id"]]}

    assert await rejected(http, "deleteBusinessMessages", **delete) == (
        403,
        "Forbidden: BOT_ACCESS_FORBIDDEN",
    )
    await emulator.update_business_connection(connection, can_delete_sent_messages=True)
    await updates(http)
    assert await rejected(
        http, "deleteBusinessMessages", business_connection_id=connection, message_ids=[1]
    ) == (403, "Forbidden: BOT_ACCESS_FORBIDDEN")  # Ada's message is not the bot's
    assert await rejected(
        http, "deleteBusinessMessages", business_connection_id=connection, message_ids=[]
    ) == (400, "Bad Request: message identifiers are not specified")
    assert await ok(http, "deleteBusinessMessages", **delete) is True

    (update,) = await updates(http)
    assert update["deleted_business_messages"] == {
        "business_connection_id": connection,
        "chat": CHAT,
        "message_ids": [2],
    }
    assert emulator.last_business_bot_message(connection, CUSTOMER) is None
    assert not own.deleted
    assert len(emulator.violations) == 3
    # deleteMessage knows no business connection: the same id hits the bot's own chat.
    assert await ok(http, "deleteMessage", chat_id=CUSTOMER, message_id=2) is True
    assert emulator.bot_messages(CUSTOMER)[0].deleted


async def test_ptb_reads_the_business_updates_and_sends_on_behalf(
    emulator: BotApiEmulator, connection: str
) -> None:
    async with Bot(emulator.token, base_url=f"{emulator.url}/bot") as bot:
        linked, incoming = await bot.get_updates(timeout=0)
        assert linked.business_connection is not None
        assert linked.business_connection.user.id == AGENT
        assert linked.business_connection.rights is not None
        assert linked.business_connection.rights.can_reply is True
        assert incoming.business_message is not None
        assert incoming.business_message.business_connection_id == connection
        sent = await bot.send_message(CUSTOMER, "Hello Ada", business_connection_id=connection)
        await bot.send_chat_action(CUSTOMER, "typing", business_connection_id=connection)
    assert sent.sender_business_bot is not None
    assert sent.sender_business_bot.id == emulator.state.bot_user["id"]
    assert sent.from_user is not None
    assert sent.from_user.id == AGENT
    assert emulator.violations == []
