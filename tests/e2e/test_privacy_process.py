"""A customer's data stays theirs, against the real `python -m bot`: groups, /forget, idle
drafts across a restart, look-alike addresses, names as written, Telegram's failures, and a
webhook nobody else can post to."""

from __future__ import annotations

import asyncio
import json
import signal
from datetime import timedelta
from pathlib import Path

import httpx
import pytest

from bot.language.i18n import translations
from bot.sandbox.scheduling import SandboxScheduling
from bot.sandbox.telegram_api import BotApiEmulator
from bot.sandbox.world import follow, free_port
from tests.e2e.test_booking_process import reach_confirm_card
from tests.support.harness import BotProcess, Customer, bot_environment
from tests.support.storage import files_holding

GROUP = -100123
FIRST_MEMBER, SECOND_MEMBER = 501, 502
PRIVATE_CHAT = "I take bookings in a private chat"


async def post_when_listening(
    client: httpx.AsyncClient, url: str, update: dict[str, object]
) -> httpx.Response:
    """POST the update once the webhook server listens (it starts just after setWebhook)."""
    async with asyncio.timeout(10):
        while True:
            try:
                return await client.post(url, json=update)
            except httpx.ConnectError:
                await asyncio.sleep(0.02)


async def group_answers(emulator: BotApiEmulator, user_id: int, text: str) -> list[str]:
    """What the bot posts in the group after a member's message."""
    before = len(emulator.calls)
    await emulator.send_group_text(GROUP, user_id, text)
    assert emulator.last_update_id is not None
    await emulator.wait_finished(emulator.last_update_id)
    return [
        str(call.params.get("text"))
        for call in emulator.calls[before:]
        if call.method == "sendMessage" and call.params.get("chat_id") == GROUP
    ]


@pytest.mark.parametrize("kind", ["group", "supergroup"])
async def test_a_group_gets_a_private_chat_button_and_no_booking(
    kind: str, bot: BotProcess, emulator: BotApiEmulator, sandbox: SandboxScheduling
) -> None:
    emulator.add_group(GROUP, "Our team chat", kind=kind)
    emulator.add_user(FIRST_MEMBER, "Ada", "Lovelace", "en")
    emulator.add_user(SECOND_MEMBER, "Grace", "Hopper", "en")
    [answer] = await group_answers(emulator, FIRST_MEMBER, "/start")
    assert PRIVATE_CHAT in answer
    link = emulator.buttons(emulator.bot_messages(GROUP)[-1])
    assert link == [[("Book in a private chat", None)]]
    markup = emulator.bot_messages(GROUP)[-1].reply_markup or {}
    assert markup["inline_keyboard"][0][0]["url"] == "https://t.me/meetergo_test_bot"
    [with_payload] = await group_answers(
        emulator, FIRST_MEMBER, "/start@meetergo_test_bot agent-7_intro"
    )
    assert PRIVATE_CHAT in with_payload
    markup = emulator.bot_messages(GROUP)[-1].reply_markup or {}
    assert markup["inline_keyboard"][0][0]["url"].endswith("?start=agent-7_intro")
    assert (
        PRIVATE_CHAT in (await group_answers(emulator, SECOND_MEMBER, "@meetergo_test_bot hi"))[0]
    )
    for text in ("tomorrow", "ada@example.org", "/timezone", "/cancel"):
        assert await group_answers(emulator, FIRST_MEMBER, text) == [], text
    group_texts = " ".join(message.text for message in emulator.bot_messages(GROUP))
    for private in ("e-mail", "Please check your booking", "Pick a day", "What name"):
        assert private not in group_texts
    assert sandbox.bookings == []
    assert emulator.violations == []


async def test_a_second_person_pressing_the_first_ones_buttons_changes_nothing(
    bot: BotProcess, ada: Customer, emulator: BotApiEmulator, sandbox: SandboxScheduling
) -> None:
    await reach_confirm_card(ada)
    card = ada.last()
    emulator.add_user(SECOND_MEMBER, "Grace", "Hopper", "en")
    data = next(data for label, data in ada.emulator.buttons(card)[0] if "Confirm" in label)
    query = await emulator.press_in(ada.user_id, SECOND_MEMBER, card.message_id, data or "")
    await ada.settle(update=emulator.last_update_id)
    answer = emulator.callback_answer(query) or {}
    assert "someone else" in str(answer.get("text"))
    assert ada.last().text == card.text, "the card is untouched"
    assert sandbox.bookings == []
    await ada.tap("Confirm")
    assert "You're booked" in ada.last().text, "its owner can still book"
    assert emulator.violations == []


@pytest.mark.parametrize("in_progress", [True, False], ids=["mid-booking", "no-booking"])
async def test_forget_erases_everything_about_the_customer(
    in_progress: bool,
    bot: BotProcess,
    ada: Customer,
    emulator: BotApiEmulator,
    tmp_path: Path,
) -> None:
    german = translations("de")
    if in_progress:
        await reach_confirm_card(ada)
        said = translations("en")
    else:
        await ada.send("/language de")  # a preference is all there is to erase
        said = german
    question = await ada.send("/forget")
    assert said.gettext("Yes, erase my data") in ada.labels(question)
    await ada.tap(said.gettext("Yes, erase my data"))
    done = said.gettext("Done: I erased everything I stored about you. Send /start to book again.")
    assert ada.last().text == done  # and committed: the answer is finished
    for personal in ("ada@example.org", "Lovelace"):
        assert files_holding(tmp_path / "data", personal) == [], personal
    reply = await ada.send("/start")
    assert "Let's find a time" in reply.text, "English again: the language choice is gone too"
    assert emulator.violations == []


async def test_an_abandoned_draft_is_closed_after_a_restart_and_its_data_erased(
    emulator: BotApiEmulator, sandbox: SandboxScheduling, tmp_path: Path
) -> None:
    env = bot_environment(emulator, sandbox, tmp_path / "data", BOT_IDLE_TIMEOUT_MINUTES="1")
    down = timedelta()  # how long the bot has been down, on the world's clock
    world_clock = follow(sandbox)
    process = BotProcess(env, tmp_path / "bot.log", clock=lambda: world_clock() + down)
    await process.start(emulator)
    ada = Customer(emulator, 4242, first_name="Ada", last_name="Lovelace", language_code="en")
    await reach_confirm_card(ada)
    assert files_holding(tmp_path / "data", "ada@example.org"), "kept while the booking is open"
    await process.stop(signal.SIGKILL)
    down = timedelta(minutes=2)  # longer than the idle timeout
    await process.start(emulator)
    try:
        # Closed before the bot takes messages again: there once the start returns.
        [closing] = [m for m in emulator.bot_messages(4242) if "I closed this booking" in m.text]
        assert "after 1 minute" in closing.text
        for personal in ("ada@example.org", "Lovelace"):
            assert files_holding(tmp_path / "data", personal) == [], personal
    finally:
        assert await process.stop() == 0
    assert emulator.violations == []


async def test_a_look_alike_domain_is_asked_about_with_its_ascii_form(
    bot: BotProcess, ada: Customer, emulator: BotApiEmulator, sandbox: SandboxScheduling
) -> None:
    await ada.send("/start")
    await ada.tap(ada.labels()[0])
    await ada.tap(ada.labels()[0])
    await ada.tap("Ada Lovelace")
    question = await ada.send("user@xn--80ak6aa92e.com")
    assert "user@аррӏе.com" in question.text
    assert "xn--80ak6aa92e.com" in question.text
    assert "privacy policy" not in question.text, "not used before the customer says so"
    await ada.tap("Keep")
    await ada.tap("I agree")
    card = ada.last().text
    assert "user@аррӏе.com (xn--80ak6aa92e.com)" in card
    await ada.tap("Confirm")
    assert sandbox.bookings[0].body["attendee"]["email"] == "user@аррӏе.com"
    assert emulator.violations == []


async def test_a_name_with_emoji_joiners_is_booked_exactly_as_shown(
    bot: BotProcess, emulator: BotApiEmulator, sandbox: SandboxScheduling
) -> None:
    anna = Customer(emulator, 99, first_name="Anna", last_name=None, language_code="de")
    name = "Anna 👩\u200d💻 Mül\u00adler"
    await anna.send("/start")
    await anna.tap(anna.labels()[0])
    await anna.tap(anna.labels()[0])
    await anna.send(name)
    await anna.send("anna@example.de")
    await anna.tap("Ich stimme zu")
    assert f"👤 {name}" in anna.last().text
    await anna.tap("Bestätigen")
    assert sandbox.bookings[0].body["attendee"]["fullname"] == name
    assert emulator.violations == []


async def test_a_reset_connection_to_telegram_is_retried_and_the_answer_arrives(
    bot: BotProcess, ada: Customer, emulator: BotApiEmulator
) -> None:
    emulator.fail_next("sendMessage", kind="reset")
    emulator.fail_next("editMessageText", kind="502")
    reply = await ada.send("/start")
    assert "Pick a day" in reply.text
    await ada.tap(ada.labels()[0])
    assert "free time" in ada.last().text
    assert ("sendMessage", "reset") in emulator.faults_played
    assert ("editMessageText", "502") in emulator.faults_played
    assert "unhandled error" not in bot.log()
    assert emulator.violations == []


async def test_the_webhook_refuses_requests_without_its_secret(
    emulator: BotApiEmulator, sandbox: SandboxScheduling, tmp_path: Path
) -> None:
    port = free_port()
    env = bot_environment(
        emulator,
        sandbox,
        tmp_path / "data",
        BOT_WEBHOOK_URL="https://bot.example.org",  # public; a proxy forwards to the port
        BOT_WEBHOOK_LISTEN="127.0.0.1",
        BOT_WEBHOOK_PORT=str(port),
    )
    process = BotProcess(env, tmp_path / "bot.log", clock=follow(sandbox))
    await process.start(emulator, ready="setWebhook")
    try:
        secret = emulator.state.webhook.secret_token
        assert secret, "a secret was registered with Telegram"
        assert (tmp_path / "data" / "webhook_secret").read_text().strip() == secret
        emulator.add_user(4242, "Ada")
        update = {
            "update_id": 1,
            "message": {
                "message_id": 1,
                "date": 0,
                "chat": {"id": 4242, "type": "private", "first_name": "Ada"},
                "from": {"id": 4242, "is_bot": False, "first_name": "Ada"},
                "text": "/help",
            },
        }
        url = f"http://127.0.0.1:{port}/telegram"
        async with httpx.AsyncClient() as client:
            none = await post_when_listening(client, url, update)
            wrong = await client.post(
                url, json=update, headers={"X-Telegram-Bot-Api-Secret-Token": "guess"}
            )
            right = await client.post(
                url,
                content=json.dumps(update),
                headers={
                    "X-Telegram-Bot-Api-Secret-Token": secret,
                    "Content-Type": "application/json",
                },
            )
        assert none.status_code == 403
        assert wrong.status_code == 403
        assert right.status_code == 200
    finally:
        assert await process.stop() == 0
