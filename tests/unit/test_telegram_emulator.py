"""The Bot API emulator answers like Telegram: raw HTTP checks plus a real PTB round trip."""

from __future__ import annotations

import asyncio
import io
import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
import pytest_asyncio
from telegram import (
    Bot,
    BotCommand,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputFile,
    KeyboardButton,
    LinkPreviewOptions,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
    Update,
)
from telegram.constants import ChatAction, ParseMode
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
)

from bot.sandbox.telegram_api import BotApiEmulator
from bot.sandbox.telegram_pace import TelegramLimits, TelegramPace
from tests.support.waiting import until

USER = 4242
STRANGER = 777
PNG_1x1 = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d4944415478da63f8cfc0f01f0005000201a1d5c0f40000000049454e44ae426082"
)
NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup "
    "are exactly the same as a current content and reply markup of the message"
)
QUERY_INVALID = "Bad Request: query is too old and response timeout expired or query ID is invalid"


@pytest_asyncio.fixture
async def emulator() -> AsyncIterator[BotApiEmulator]:
    server = BotApiEmulator(limits=None)
    await server.start()
    server.add_user(USER, "Ada", "Lovelace", username="ada")
    server.add_user(STRANGER, "Never", "Wrote")
    yield server
    await server.stop()


@pytest_asyncio.fixture
async def http(emulator: BotApiEmulator) -> AsyncIterator[httpx.AsyncClient]:
    base = f"{emulator.url}/bot{emulator.token}/"
    async with httpx.AsyncClient(base_url=base, timeout=15) as client:
        yield client


@pytest_asyncio.fixture
async def chat(emulator: BotApiEmulator) -> int:
    """A chat the user opened by writing to the bot, so the bot may answer there."""
    await emulator.send_text(USER, "/start")
    return USER


async def call(http: httpx.AsyncClient, method: str, **params: Any) -> tuple[int, dict[str, Any]]:
    response = await http.post(method, json=params)
    return response.status_code, response.json()


async def rejected(http: httpx.AsyncClient, method: str, **params: Any) -> tuple[int, str]:
    status, body = await call(http, method, **params)
    assert body["ok"] is False
    assert body["error_code"] == status
    return status, body["description"]


def keyboard(*rows: list[tuple[str, str]]) -> dict[str, Any]:
    return {"inline_keyboard": [[{"text": t, "callback_data": d} for t, d in row] for row in rows]}


# --- transport and routing -------------------------------------------------------------------


async def test_form_json_query_and_case_insensitive_method_names_are_accepted(
    emulator: BotApiEmulator, http: httpx.AsyncClient, chat: int
) -> None:
    markup = json.dumps(keyboard([("Yes", "y")]))
    form = await http.post(
        "sendMessage", data={"chat_id": str(chat), "text": "form", "reply_markup": markup}
    )
    body = await http.post("sendMessage", json={"chat_id": chat, "text": "json"})
    query = await http.get("sendmessage", params={"chat_id": chat, "text": "query"})

    results = [r.json()["result"] for r in (form, body, query)]
    assert [r["text"] for r in results] == ["form", "json", "query"]
    assert [r["message_id"] for r in results] == [2, 3, 4]  # the user's /start was message 1
    assert results[0]["from"] == {
        "id": 123456,
        "is_bot": True,
        "first_name": "meetergo Booking",
        "username": "meetergo_test_bot",
    }
    assert results[0]["chat"] == {
        "id": USER,
        "first_name": "Ada",
        "last_name": "Lovelace",
        "username": "ada",
        "type": "private",
    }
    assert results[0]["reply_markup"] == keyboard([("Yes", "y")])
    assert emulator.calls[-1].method == "sendMessage"
    assert emulator.violations == []


async def test_wrong_token_and_unknown_method(emulator: BotApiEmulator) -> None:
    async with httpx.AsyncClient(base_url=emulator.url) as client:
        unauthorized = await client.post("/bot999:WRONG/getMe")
        not_found = await client.post(f"/bot{emulator.token}/sendTelepathy")
        me = await client.post(f"/bot{emulator.token}/getMe")

    assert unauthorized.status_code == 401
    assert unauthorized.json() == {"ok": False, "error_code": 401, "description": "Unauthorized"}
    assert not_found.status_code == 404
    assert not_found.json() == {"ok": False, "error_code": 404, "description": "Not Found"}
    assert me.json()["result"]["username"] == "meetergo_test_bot"
    assert [v.status for v in emulator.violations] == [401, 404]


@pytest.mark.parametrize(
    ("method", "params", "description"),
    [
        ("sendMessage", {"text": "hi"}, "Bad Request: chat_id is empty"),
        ("sendMessage", {"chat_id": USER}, "Bad Request: message text is empty"),
        ("sendMessage", {"chat_id": USER, "text": ""}, "Bad Request: message text is empty"),
        ("sendMessage", {"chat_id": USER, "text": "  \n "}, "Bad Request: message text is empty"),
        (
            "sendMessage",
            {"chat_id": USER, "text": "<b></b>", "parse_mode": "HTML"},
            "Bad Request: message text is empty",
        ),
        (
            "sendMessage",
            {"chat_id": USER, "text": "x", "colour": "red"},
            "Bad Request: unknown parameter colour",
        ),
        ("answerCallbackQuery", {}, "Bad Request: callback_query_id is required"),
        (
            "deleteMessage",
            {"chat_id": USER, "message_id": "abc"},
            'Bad Request: field "message_id" must be of type Integer',
        ),
        ("deleteMessage", {"chat_id": USER}, "Bad Request: message identifier is not specified"),
        ("sendDocument", {"chat_id": USER}, "Bad Request: there is no document in the request"),
        (
            "sendChatAction",
            {"chat_id": USER, "action": "dancing"},
            "Bad Request: wrong parameter action in request",
        ),
        (
            "sendMessage",
            {"chat_id": USER, "text": "x", "parse_mode": "Shouting"},
            "Bad Request: unsupported parse_mode",
        ),
        (
            "sendMessage",
            {"chat_id": USER, "text": "x", "reply_markup": "{not json"},
            "Bad Request: can't parse reply keyboard markup JSON object",
        ),
    ],
)
async def test_missing_unknown_and_malformed_parameters(
    http: httpx.AsyncClient, chat: int, method: str, params: dict[str, Any], description: str
) -> None:
    assert await rejected(http, method, **params) == (400, description)


async def test_chat_not_found_until_the_user_writes(
    emulator: BotApiEmulator, http: httpx.AsyncClient
) -> None:
    for chat_id in (STRANGER, 1, "@ada"):
        assert await rejected(http, "sendMessage", chat_id=chat_id, text="hello") == (
            400,
            "Bad Request: chat not found",
        )
    await emulator.send_text(STRANGER, "hi")
    status, body = await call(http, "sendMessage", chat_id=STRANGER, text="hello")
    assert status == 200
    assert body["result"]["chat"]["id"] == STRANGER


# --- text, entities and limits ----------------------------------------------------------------


async def test_length_is_counted_in_utf16_units_after_entity_parsing(
    http: httpx.AsyncClient, chat: int
) -> None:
    emoji = "😀"  # outside the BMP: two UTF-16 code units
    fits = [
        "a" * 4096,
        emoji * 2048,
        "<b>" + "a" * 4096 + "</b>",
        "&amp;" * 4096,
        "  " + "a" * 4096 + "\n",
    ]
    too_long = ["a" * 4095 + emoji, emoji * 2049, "a" * 4097]
    for text in fits:
        status, _ = await call(http, "sendMessage", chat_id=chat, text=text, parse_mode="HTML")
        assert status == 200, text[:20]
    for text in too_long:
        assert await rejected(http, "sendMessage", chat_id=chat, text=text) == (
            400,
            "Bad Request: message is too long",
        )


async def test_html_is_stored_as_plain_text_and_utf16_entities(
    emulator: BotApiEmulator, http: httpx.AsyncClient, chat: int
) -> None:
    html = (
        '😀 <b>Bold <i>both</i></b> &lt;3 &amp; <a href="https://meetergo.com">link</a>\n'
        '<pre><code class="language-python">x = 1</code></pre>'
        '<tg-spoiler>s</tg-spoiler><span class="tg-spoiler">t</span>'
        "<blockquote expandable>q</blockquote>&#65;&#x42;"
    )
    status, body = await call(http, "sendMessage", chat_id=chat, text=html, parse_mode="HTML")

    assert status == 200
    plain = "😀 Bold both <3 & link\nx = 1stqAB"
    entities = [
        {"type": "bold", "offset": 3, "length": 9},
        {"type": "italic", "offset": 8, "length": 4},
        {"type": "text_link", "offset": 18, "length": 4, "url": "https://meetergo.com/"},
        {"type": "pre", "offset": 23, "length": 5, "language": "python"},
        {"type": "spoiler", "offset": 28, "length": 1},
        {"type": "spoiler", "offset": 29, "length": 1},
        {"type": "expandable_blockquote", "offset": 30, "length": 1},
    ]
    assert body["result"]["text"] == plain
    assert body["result"]["entities"] == entities
    stored = emulator.last_bot_message(chat)
    assert stored is not None
    assert (stored.text, stored.html, stored.entities) == (plain, html, entities)


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("Hello <foo>x</foo>", 'Unsupported start tag "foo" at byte offset 6'),
        ("<b>never closed", 'Can\'t find end tag corresponding to start tag "b"'),
        ("<b>x</i>", 'Unmatched end tag at byte offset 4, expected "</b>", found "</i>"'),
        ("x</b>", "Unexpected end tag at byte offset 1"),
        ("1 < 2", 'Unsupported start tag "" at byte offset 2'),
        ("ends with <", "Unclosed start tag at byte offset 10"),
        ("Q&A &foo; ok", 'Unsupported HTML entity "&foo;" at byte offset 4'),
        ("<span>x</span>", 'Tag "span" must have class "tg-spoiler" at byte offset 0'),
        ("😀<u>", 'Can\'t find end tag corresponding to start tag "u"'),
        ("😀 <x>", 'Unsupported start tag "x" at byte offset 5'),
    ],
)
async def test_html_errors_use_telegrams_wording(
    http: httpx.AsyncClient, chat: int, text: str, reason: str
) -> None:
    assert await rejected(http, "sendMessage", chat_id=chat, text=text, parse_mode="HTML") == (
        400,
        f"Bad Request: can't parse entities: {reason}",
    )


# --- keyboards --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("markup", "description"),
    [
        (keyboard([("Long", "ü" * 33)]), "Bad Request: BUTTON_DATA_INVALID"),
        (keyboard([(str(i), str(i)) for i in range(9)]), "Bad Request: BUTTONS_TOO_MUCH"),
        (
            keyboard(*[[(str(r), str(c)) for c in range(5)] for r in range(21)]),
            "Bad Request: BUTTONS_TOO_MUCH",
        ),
        (keyboard([("", "empty")]), "Bad Request: BUTTON_TEXT_INVALID"),
        (
            {"inline_keyboard": [[{"text": "plain"}]]},
            "Bad Request: can't parse inline keyboard button: "
            "Text buttons are unallowed in the inline keyboard",
        ),
        (
            {"inline_keyboard": [[{"text": "both", "callback_data": "x", "url": "https://a.io"}]]},
            "Bad Request: can't parse inline keyboard button: "
            "exactly one of the optional fields must be used, got url, callback_data",
        ),
        (
            {"inline_keyboard": [[{"text": "dev", "url": "http://localhost:8080/x"}]]},
            "Bad Request: inline keyboard button URL 'http://localhost:8080/x' is invalid: "
            "Wrong HTTP URL",
        ),
    ],
)
async def test_inline_keyboard_limits(
    http: httpx.AsyncClient, chat: int, markup: dict[str, Any], description: str
) -> None:
    assert await rejected(http, "sendMessage", chat_id=chat, text="x", reply_markup=markup) == (
        400,
        description,
    )


async def test_callback_data_limit_is_64_utf8_bytes(http: httpx.AsyncClient, chat: int) -> None:
    markup = keyboard([("Max", "ü" * 32), ("Ascii", "x" * 64)])
    status, _ = await call(http, "sendMessage", chat_id=chat, text="x", reply_markup=markup)
    assert status == 200


async def test_reply_keyboards_are_accepted_but_not_echoed(
    emulator: BotApiEmulator, http: httpx.AsyncClient, chat: int
) -> None:
    share = {
        "keyboard": [[{"text": "📍 Share location", "request_location": True}], ["Cancel"]],
        "resize_keyboard": True,
        "one_time_keyboard": True,
    }
    status, body = await call(http, "sendMessage", chat_id=chat, text="Where?", reply_markup=share)
    assert status == 200
    assert "reply_markup" not in body["result"]  # Message only carries inline keyboards
    sent = emulator.last_bot_message(chat)
    assert sent is not None
    assert emulator.buttons(sent) == [[("📍 Share location", None)], [("Cancel", None)]]

    remove = {"remove_keyboard": True}
    status, _ = await call(http, "sendMessage", chat_id=chat, text="Thanks", reply_markup=remove)
    assert status == 200


# --- editing, deleting, callback queries ------------------------------------------------------


async def test_edit_rules(emulator: BotApiEmulator, http: httpx.AsyncClient, chat: int) -> None:
    markup = keyboard([("A", "a")])
    _, sent = await call(
        http, "sendMessage", chat_id=chat, text="<b>Hi</b>", parse_mode="HTML", reply_markup=markup
    )
    message_id = sent["result"]["message_id"]

    assert await rejected(http, "editMessageText", chat_id=chat, message_id=999, text="x") == (
        400,
        "Bad Request: message to edit not found",
    )
    assert await rejected(
        http,
        "editMessageText",
        chat_id=chat,
        message_id=message_id,
        text="<b>Hi</b>",
        parse_mode="HTML",
        reply_markup=markup,
    ) == (400, NOT_MODIFIED)
    assert await rejected(
        http, "editMessageReplyMarkup", chat_id=chat, message_id=message_id, reply_markup=markup
    ) == (400, NOT_MODIFIED)
    assert await rejected(http, "editMessageText", chat_id=chat, message_id=1, text="x") == (
        400,
        "Bad Request: message can't be edited",  # message 1 is the user's /start
    )

    # Same text but no reply_markup removes the keyboard, which counts as a change.
    status, edited = await call(
        http,
        "editMessageText",
        chat_id=chat,
        message_id=message_id,
        text="<b>Hi</b>",
        parse_mode="HTML",
    )
    assert status == 200
    assert "reply_markup" not in edited["result"]
    assert "edit_date" in edited["result"]
    status, _ = await call(
        http, "editMessageReplyMarkup", chat_id=chat, message_id=message_id, reply_markup=markup
    )
    assert status == 200
    stored = emulator.last_bot_message(chat)
    assert stored is not None
    assert (stored.edits, stored.reply_markup) == (2, markup)


async def test_delete_message(emulator: BotApiEmulator, http: httpx.AsyncClient, chat: int) -> None:
    _, sent = await call(http, "sendMessage", chat_id=chat, text="bye")
    message_id = sent["result"]["message_id"]

    assert await call(http, "deleteMessage", chat_id=chat, message_id=message_id) == (
        200,
        {"ok": True, "result": True},
    )
    assert await rejected(http, "deleteMessage", chat_id=chat, message_id=message_id) == (
        400,
        "Bad Request: message to delete not found",
    )
    assert emulator.messages(chat)[-1].deleted is True
    assert emulator.last_bot_message(chat) is None
    assert await rejected(
        http, "editMessageText", chat_id=chat, message_id=message_id, text="again"
    ) == (400, "Bad Request: message to edit not found")


async def test_callback_queries_are_answered_once(
    emulator: BotApiEmulator, http: httpx.AsyncClient, chat: int
) -> None:
    await call(
        http,
        "sendMessage",
        chat_id=chat,
        text="Pick",
        reply_markup=keyboard([("Monday 10:00", "slot:mon"), ("Tuesday 11:00", "slot:tue")]),
    )
    with pytest.raises(LookupError, match="Monday 10:00"):
        await emulator.tap(chat, "Friday")
    query_id = await emulator.tap(chat, "Tuesday")
    forged = await emulator.press(chat, 2, "slot:forged")

    _, polled = await call(http, "getUpdates", offset=2)  # skip the /start update
    presses = [u["callback_query"] for u in polled["result"]]
    assert [(p["id"], p["data"]) for p in presses] == [
        (query_id, "slot:tue"),
        (forged, "slot:forged"),
    ]
    assert presses[0]["from"]["id"] == USER
    assert (
        presses[0]["message"]["reply_markup"]["inline_keyboard"][0][1]["callback_data"]
        == "slot:tue"
    )

    assert await rejected(
        http, "answerCallbackQuery", callback_query_id=query_id, text="x" * 201
    ) == (400, "Bad Request: MESSAGE_TOO_LONG")
    assert emulator.callback_answer(query_id) is None
    status, _ = await call(http, "answerCallbackQuery", callback_query_id=query_id, text="Booked")
    assert status == 200
    assert emulator.callback_answer(query_id) == {"callback_query_id": query_id, "text": "Booked"}
    for query in (query_id, "123"):
        assert await rejected(http, "answerCallbackQuery", callback_query_id=query) == (
            400,
            QUERY_INVALID,
        )


# --- getUpdates ---------------------------------------------------------------------------------


async def test_updates_offset_limit_and_confirmation(
    emulator: BotApiEmulator, http: httpx.AsyncClient
) -> None:
    await emulator.send_text(USER, "/book tomorrow")
    await emulator.send_location(USER, 52.52, 13.405)
    await emulator.send_text(USER, "third")

    _, first = await call(http, "getUpdates", limit=2)
    ids = [u["update_id"] for u in first["result"]]
    assert ids == [1, 2]
    command = first["result"][0]["message"]
    assert command["text"] == "/book tomorrow"
    assert command["entities"] == [{"type": "bot_command", "offset": 0, "length": 5}]
    assert first["result"][1]["message"]["location"] == {"latitude": 52.52, "longitude": 13.405}

    _, again = await call(http, "getUpdates")  # nothing confirmed yet
    assert [u["update_id"] for u in again["result"]] == [1, 2, 3]
    _, confirmed = await call(http, "getUpdates", offset=3)
    assert [u["update_id"] for u in confirmed["result"]] == [3]
    _, info = await call(http, "getWebhookInfo")
    assert info["result"] == {"url": "", "has_custom_certificate": False, "pending_update_count": 1}
    _, empty = await call(http, "getUpdates", offset=4)
    assert empty["result"] == []


async def test_negative_offset_keeps_only_the_newest(
    emulator: BotApiEmulator, http: httpx.AsyncClient
) -> None:
    for text in ("one", "two", "three"):
        await emulator.send_text(USER, text)
    _, body = await call(http, "getUpdates", offset=-1)
    assert [u["message"]["text"] for u in body["result"]] == ["three"]
    _, body = await call(http, "getUpdates")
    assert [u["update_id"] for u in body["result"]] == [3]


async def test_allowed_updates_filter_new_updates(
    emulator: BotApiEmulator, http: httpx.AsyncClient, chat: int
) -> None:
    await call(http, "sendMessage", chat_id=chat, text="Pick", reply_markup=keyboard([("A", "a")]))
    _, body = await call(http, "getUpdates", offset=2, allowed_updates=["callback_query"])
    assert body["result"] == []
    await emulator.send_text(USER, "filtered out")
    await emulator.tap(USER, "A")
    _, body = await call(http, "getUpdates", offset=2)
    assert [list(u) for u in body["result"]] == [["update_id", "callback_query"]]


async def test_abandoned_poll_is_not_a_violation(
    emulator: BotApiEmulator, http: httpx.AsyncClient
) -> None:
    abandoned = asyncio.create_task(call(http, "getUpdates", timeout=10))
    await emulator.wait_for_poll(0)
    abandoned.cancel()  # the client hangs up, like PTB does when it stops polling
    with pytest.raises(asyncio.CancelledError):
        await abandoned
    assert (await call(http, "getUpdates", timeout=0))[0] == 200
    # The abandoned poll's end, which records nothing.
    await until(lambda: emulator.polls_closed == emulator.polls_opened, seconds=5)
    assert emulator.violations == []


async def test_long_poll_wakes_up_when_an_update_arrives(
    emulator: BotApiEmulator, http: httpx.AsyncClient
) -> None:
    loop = asyncio.get_running_loop()
    started = loop.time()
    poll = asyncio.create_task(call(http, "getUpdates", timeout=10))
    await emulator.wait_for_poll(0)
    assert not poll.done()
    await emulator.send_text(USER, "wake up")

    status, body = await poll
    assert status == 200
    assert [u["message"]["text"] for u in body["result"]] == ["wake up"]
    assert loop.time() - started < 3


async def test_long_poll_times_out_empty(http: httpx.AsyncClient) -> None:
    loop = asyncio.get_running_loop()
    started = loop.time()
    assert await call(http, "getUpdates", timeout=1) == (200, {"ok": True, "result": []})
    assert loop.time() - started >= 0.9


async def test_second_poller_terminates_the_first(
    emulator: BotApiEmulator, http: httpx.AsyncClient
) -> None:
    first = asyncio.create_task(call(http, "getUpdates", timeout=10))
    await emulator.wait_for_poll(0)
    second = asyncio.create_task(call(http, "getUpdates", timeout=1))

    assert await first == (
        409,
        {
            "ok": False,
            "error_code": 409,
            "description": "Conflict: terminated by other getUpdates request; "
            "make sure that only one bot instance is running",
        },
    )
    assert (await second)[0] == 200
    assert [v.status for v in emulator.violations] == [409]


async def test_webhook_blocks_get_updates(
    emulator: BotApiEmulator, http: httpx.AsyncClient
) -> None:
    assert await rejected(http, "setWebhook", url="http://example.com/hook") == (
        400,
        "Bad Request: bad webhook: An HTTPS URL must be provided for webhook",
    )
    _, body = await call(http, "setWebhook", url="https://example.com/hook", secret_token="s3cr3t")
    assert body == {"ok": True, "result": True, "description": "Webhook was set"}
    assert emulator.webhook_url == "https://example.com/hook"
    assert await rejected(http, "getUpdates") == (
        409,
        "Conflict: can't use getUpdates method while webhook is active; "
        "use deleteWebhook to delete the webhook first",
    )
    _, info = await call(http, "getWebhookInfo")
    assert info["result"]["url"] == "https://example.com/hook"

    _, body = await call(http, "deleteWebhook")
    assert body == {"ok": True, "result": True, "description": "Webhook was deleted"}
    assert emulator.webhook_url is None
    assert (await call(http, "getUpdates"))[0] == 200


# --- files, commands ------------------------------------------------------------------------


async def test_documents_and_photos(
    emulator: BotApiEmulator, http: httpx.AsyncClient, chat: int
) -> None:
    ics = b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n"
    upload = await http.post(
        "sendDocument",
        data={"chat_id": str(chat), "caption": "Your <b>booking</b>", "parse_mode": "HTML"},
        files={"document": ("booking.ics", ics, "text/calendar")},
    )
    document = upload.json()["result"]
    assert document["caption"] == "Your booking"
    assert document["caption_entities"] == [{"type": "bold", "offset": 5, "length": 7}]
    assert document["document"]["file_name"] == "booking.ics"
    stored = emulator.last_bot_message(chat)
    assert stored is not None
    assert stored.document is not None
    assert (stored.document["data"], stored.document["mime_type"]) == (ics, "text/calendar")

    file_id = document["document"]["file_id"]
    status, again = await call(http, "sendDocument", chat_id=chat, document=file_id)
    assert (status, again["result"]["document"]["file_id"]) == (200, file_id)
    assert await rejected(http, "sendDocument", chat_id=chat, document="no-such-file") == (
        400,
        "Bad Request: wrong file identifier/HTTP URL specified",
    )
    too_long = await rejected(
        http, "sendDocument", chat_id=chat, document=file_id, caption="c" * 1025
    )
    assert too_long == (400, "Bad Request: message caption is too long")

    photo = await http.post(
        "sendPhoto", data={"chat_id": str(chat)}, files={"photo": ("map.png", PNG_1x1, "image/png")}
    )
    assert photo.json()["result"]["photo"][0]["width"] == 1
    broken = await http.post(
        "sendPhoto", data={"chat_id": str(chat)}, files={"photo": ("map.png", b"nope", "image/png")}
    )
    assert broken.json()["description"] == "Bad Request: IMAGE_PROCESS_FAILED"


async def test_commands_per_scope_and_language(
    emulator: BotApiEmulator, http: httpx.AsyncClient
) -> None:
    english = [{"command": "book", "description": "Book a meeting"}]
    german = [{"command": "book", "description": "Termin buchen"}]
    assert (await call(http, "setMyCommands", commands=english))[0] == 200
    assert (await call(http, "setMyCommands", commands=german, language_code="de"))[0] == 200

    assert emulator.commands == {"default/": english, "default/de": german}
    assert (await call(http, "getMyCommands", language_code="de"))[1]["result"] == german
    private = {"type": "all_private_chats"}
    assert (await call(http, "getMyCommands", scope=private))[1]["result"] == []
    uppercase = [{"command": "Book", "description": "x"}]
    assert await rejected(http, "setMyCommands", commands=uppercase) == (
        400,
        "Bad Request: BOT_COMMAND_INVALID",
    )

    assert (await call(http, "deleteMyCommands", language_code="de"))[0] == 200
    assert emulator.commands == {"default/": english}


# --- a real python-telegram-bot application ----------------------------------------------------


async def _start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.effective_message is not None
    choices = InlineKeyboardMarkup(
        [[InlineKeyboardButton("Monday 10:00 ✅", callback_data="slot:mon")]]
    )
    await update.effective_message.reply_text(
        "Hello <b>Ada</b> 👋 pick a slot", parse_mode=ParseMode.HTML, reply_markup=choices
    )


async def _picked(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    assert query is not None
    await query.answer("Booked!")
    await query.edit_message_text(f"Booked <i>{query.data}</i>", parse_mode=ParseMode.HTML)


def _application(emulator: BotApiEmulator) -> Application[Any, Any, Any, Any, Any, Any]:
    app = (
        ApplicationBuilder()
        .token(emulator.token)
        .base_url(f"{emulator.url}/bot")
        .base_file_url(f"{emulator.url}/file/bot")
        .build()
    )
    app.add_handler(CommandHandler("start", _start))
    app.add_handler(CallbackQueryHandler(_picked))
    return app


async def test_real_ptb_application_round_trip(emulator: BotApiEmulator) -> None:
    app = _application(emulator)
    async with app:
        await app.updater.start_polling(poll_interval=0, timeout=1)  # type: ignore[union-attr]
        await app.start()
        try:
            before = len(emulator.calls)
            await emulator.send_text(USER, "/start")
            sent = await emulator.wait_for_call("sendMessage", after=before)
            assert sent.ok

            query_id = await emulator.tap(USER, "Monday")
            edited = await emulator.wait_for_call("editMessageText", after=before)
            await emulator.wait_idle()
        finally:
            await app.updater.stop()  # type: ignore[union-attr]
            await app.stop()

    assert edited.ok
    assert emulator.callback_answer(query_id) == {"callback_query_id": query_id, "text": "Booked!"}
    user_message, bot_message = emulator.messages(USER)
    assert user_message.text == "/start"
    assert (bot_message.text, bot_message.edits, bot_message.reply_markup) == (
        "Booked slot:mon",
        1,
        None,
    )
    assert bot_message.entities == [{"type": "italic", "offset": 7, "length": 8}]
    methods = [c.method for c in emulator.calls if c.method != "getUpdates"]
    assert methods == [
        "getMe",
        "deleteWebhook",
        "sendMessage",
        "answerCallbackQuery",
        "editMessageText",
    ]
    assert emulator.violations == []


async def test_ptb_requests_for_files_keyboards_and_commands_are_accepted(
    emulator: BotApiEmulator,
) -> None:
    await emulator.send_text(USER, "hi")
    bot = Bot(emulator.token, base_url=f"{emulator.url}/bot")
    location = KeyboardButton("📍 Share", request_location=True)
    async with bot:
        sent = await bot.send_message(
            USER,
            "Where <b>are</b> you?",
            parse_mode=ParseMode.HTML,
            reply_markup=ReplyKeyboardMarkup([[location]], resize_keyboard=True),
            link_preview_options=LinkPreviewOptions(is_disabled=True),
        )
        await bot.send_message(USER, "Thanks", reply_markup=ReplyKeyboardRemove())
        await bot.send_chat_action(USER, ChatAction.UPLOAD_DOCUMENT)
        # PTB uploads the thumbnail as an extra multipart part referenced via attach://
        document = await bot.send_document(
            USER,
            io.BytesIO(b"BEGIN:VCALENDAR"),
            filename="booking.ics",
            thumbnail=InputFile(PNG_1x1, filename="thumb.png"),
        )
        await bot.send_photo(USER, PNG_1x1, caption="<i>map</i>", parse_mode=ParseMode.HTML)
        await bot.set_my_commands([BotCommand("book", "Book a meeting")], language_code="en")
        commands = await bot.get_my_commands(language_code="en")
        await bot.delete_message(USER, sent.message_id)

    assert document.document is not None
    assert document.document.file_name == "booking.ics"
    assert [c.command for c in commands] == ["book"]
    assert emulator.commands == {
        "default/en": [{"command": "book", "description": "Book a meeting"}]
    }
    files = [m.document for m in emulator.bot_messages(USER) if m.document is not None]
    assert [(f["kind"], f["data"][:4]) for f in files] == [
        ("document", b"BEGI"),
        ("photo", PNG_1x1[:4]),
    ]
    assert emulator.violations == []


def test_the_bot_as_a_whole_gets_so_many_requests_in_any_second_and_is_told_how_long_to_wait() -> (
    None
):
    pace = TelegramPace(TelegramLimits(per_bot=3, per_chat=5))
    assert [pace.admit(t, "sendMessage", 100 + n) for n, t in enumerate((0.0, 0.1, 0.2))] == [
        None
    ] * 3
    refusal = pace.admit(0.5, "sendMessage", 200)
    assert refusal is not None
    assert (refusal.retry_after, refusal.scope) == (1, "bot")
    assert pace.refused == {"bot": 1}
    under_way = pace.admit(0.55, "sendMessage", 201)
    assert under_way is not None
    assert pace.early == [], "sent before the bot could read the 429"
    # Told to wait a second from 0.5: a request at 1.2, though the window has room, is early.
    early = pace.admit(1.2, "editMessageText", 101)
    assert early is not None
    assert early.scope == "bot"
    assert [(e.method, e.chat_id, e.scope) for e in pace.early] == [("editMessageText", 101, "bot")]
    assert pace.admit(2.6, "sendMessage", 102) is None, "the wait is over and the window free"


def test_a_private_chat_gets_one_a_second_and_a_group_twenty_a_minute() -> None:
    pace = TelegramPace(TelegramLimits())
    assert pace.admit(0.0, "sendMessage", 7) is None
    refusal = pace.admit(0.3, "editMessageText", 7)
    assert refusal is not None
    assert (refusal.retry_after, refusal.scope) == (1, "chat")
    assert pace.admit(0.35, "sendMessage", 8) is None, "another chat is not held up"
    assert pace.admit(1.31, "sendMessage", 7) is None
    assert pace.early == []
    for n in range(20):
        assert pace.admit(2.0 + n * 0.5, "sendMessage", -100) is None
    refusal = pace.admit(20.0, "sendMessage", -100)
    assert refusal is not None
    assert (refusal.retry_after, refusal.scope) == (42, "group")
    assert pace.refused == {"chat": 1, "group": 1}


def test_without_limits_nothing_is_refused_but_a_told_wait_still_counts() -> None:
    pace = TelegramPace(None)
    assert all(pace.admit(0.001 * n, "sendMessage", 7) is None for n in range(100))
    pace.told(1.0, 1)  # an injected 429
    assert pace.admit(1.05, "sendMessage", 9) is not None, "under way: refused, not early"
    assert pace.admit(1.5, "sendMessage", 8) is not None
    assert pace.admit(1.9, "sendMessage", 8) is not None, "the early one did not renew the wait"
    assert pace.admit(2.0, "sendMessage", 8) is None
    assert [(e.chat_id, e.scope) for e in pace.early] == [(8, "bot"), (8, "bot")]


def test_typing_counts_for_the_bot_but_not_in_its_chat() -> None:
    pace = TelegramPace(TelegramLimits())
    assert pace.admit(0.0, "sendChatAction", 7) is None
    assert pace.admit(0.1, "sendMessage", 7) is None
