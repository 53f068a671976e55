"""Support agents' own chats (Telegram Business): the bot books for the agent's customers in
the agent's chats, the agent can take over, Telegram's rules hold, and the agent sees whom
they brought.

The real Application against the Bot API emulator (which refuses what Telegram refuses in
business chats) and the sandbox."""

from __future__ import annotations

import asyncio
import sqlite3
from contextlib import closing
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from telegram import BusinessConnection

from bot.booking.links import AgentLink, LinkSigner
from bot.language.i18n import translations
from bot.ptb.business_chats import connection_of
from bot.sandbox.business_driver import AgentInBusinessChat, BusinessChatDriver
from bot.sandbox.follow import Answers, answer_until
from bot.sandbox.scheduling import SandboxScheduling
from bot.sandbox.scheduling_defaults import INTRO_CALL_ID, PRODUCT_DEMO_ID
from bot.sandbox.telegram_api import BotApiEmulator
from conversations.after_booking.reminders import send_reminder
from conversations.kit.view import VIEW_KEY
from tests.support.harness import InProcessBot
from tests.support.waiting import until
from tests.unit.conftest import (
    ADA,
    SCREEN,
    SETTLE_SECONDS,
    Launcher,
    StepCustomer,
    running,
    services,
)

GRACE = 777  # the support agent
MALLORY = 666  # connects the bot too, but is no agent
BOB = 4343  # another customer
HENRY = 778  # another agent
SCREEN_DAY = SCREEN["day"]

GERMAN_GREETING = (
    translations("de")
    .gettext("Hello {name}! Let's find a time for your appointment.")
    .format(name="Ada")
)


class InProcessBusinessChat(BusinessChatDriver):
    """A business chat driven against a bot running in this process."""

    def __init__(
        self, emulator: BotApiEmulator, bot: InProcessBot, connection: str, user_id: int = ADA
    ) -> None:
        names = {ADA: "Ada", BOB: "Bob"}
        super().__init__(emulator, connection, user_id, first_name=names[user_id])
        self.bot = bot
        self.key: int | None = None
        self.step_reader = lambda _: self.bot.steps.step_of(self.key or 0)

    async def settle(self, since: int | None = None, update: int | None = None) -> None:
        async with asyncio.timeout(SETTLE_SECONDS):
            while self.emulator.state.updates.pending_count:  # noqa: ASYNC110 - no event
                await asyncio.sleep(0.002)
            await running(self.bot).update_queue.join()
        chats = await services(self.bot).business.store.chats_of_customer(self.user_id)
        self.key = chats[0].key if chats else None


async def connected(
    launch: Launcher, emulator: BotApiEmulator, sandbox: SandboxScheduling, **env: Any
) -> tuple[StepCustomer, InProcessBusinessChat, str]:
    """Grace (an agent) connects the bot to her business account; Ada's chat with her."""
    emulator.enable_business_mode()
    bot = await launch(BOT_AGENT_IDS=str(GRACE), **env)
    grace = StepCustomer(emulator, bot, GRACE, first_name="Grace", language_code="en")
    await grace.send("/help")
    connection = await emulator.connect_business(GRACE)
    await grace.settle()
    return grace, InProcessBusinessChat(emulator, bot, connection), connection


async def test_a_customer_asking_in_german_is_booked_in_the_agents_chat(
    launch: Launcher, emulator: BotApiEmulator, sandbox: SandboxScheduling
) -> None:
    grace, ada, _ = await connected(launch, emulator, sandbox)
    assert "Telegram Business" in grace.last().text, "the agent is told what the bot does"
    assert "/book" in grace.last().text

    answer = await ada.send("Hallo, ich hätte gern einen Termin")
    assert GERMAN_GREETING in answer.text, "in German, on the agent's behalf"
    assert answer.from_bot
    assert emulator.bot_messages(ADA) == [], "nothing in the customer's own chat with the bot"
    await answer_until(ada, "CONSENT")
    consent = ada.last().text
    assert (
        translations("de").gettext(
            "You are writing with a member of our team: they see your answers in this chat."
        )
        in consent
    )
    await answer_until(ada, "END")

    booking = sandbox.bookings[-1]
    assert booking.attendee["notes"]["agentTelegramId"] == str(GRACE)
    told = grace.last().text
    assert told.startswith("📅 New booking in your chat"), told
    listed = await grace.send("/mycustomers")
    assert "Ada Lovelace" in listed.text
    assert "ada@example.org" not in listed.text
    assert "💬" in listed.text
    stats = await grace.send("/stats")
    assert "in your own chats: 1 in the last 7 days" in stats.text
    assert "Bookings through your links: 0 in the last 7 days" in stats.text
    assert emulator.violations == []


async def test_the_agent_takes_over_and_book_brings_the_bot_back(
    launch: Launcher, emulator: BotApiEmulator, sandbox: SandboxScheduling
) -> None:
    _, ada, connection = await connected(launch, emulator, sandbox)
    grace = AgentInBusinessChat(ada, GRACE)
    await ada.send("Can I book an appointment?")
    await answer_until(ada, "SLOT")
    shown = len(emulator.business_bot_messages(connection, ADA))

    await grace.write("Hi Ada, I'll find you a time myself.")
    await ada.send("Thanks! Tuesday morning?")
    await ada.send("tomorrow")
    assert len(emulator.business_bot_messages(connection, ADA)) == shown, "the bot is silent"

    await ada.send("Can I book an appointment?")
    assert len(emulator.business_bot_messages(connection, ADA)) == shown, "only Grace's /book"
    assert VIEW_KEY not in running(ada.bot).chat_data[ada.key or 0], "the booking was closed"

    await grace.write("/book")
    assert "Let's find a time" in ada.last().text, "the bot answers there again"
    await answer_until(ada, "END")
    assert len(sandbox.bookings) == 1
    assert emulator.violations == []


async def test_without_reply_right_disabled_other_peoples_and_old_chats_nothing_is_sent(
    launch: Launcher, emulator: BotApiEmulator, sandbox: SandboxScheduling
) -> None:
    grace, ada, connection = await connected(launch, emulator, sandbox)
    sent = len(emulator.business_bot_messages(connection, ADA))

    await emulator.update_business_connection(connection, can_reply=False)
    await grace.settle()
    assert "Reply to messages" in grace.last().text
    await ada.send("I would like an appointment")
    await grace_writes(ada, "/book")
    assert "Reply to messages" in grace.last().text, "the agent hears why the bot is silent"

    await emulator.update_business_connection(connection, can_reply=True, enabled=False)
    await grace.settle()
    await ada.send("I would like an appointment")
    assert len(emulator.business_bot_messages(connection, ADA)) == sent

    emulator.add_user(MALLORY, "Mallory", language_code="en")
    other = await emulator.connect_business(MALLORY)
    mallorys = InProcessBusinessChat(emulator, ada.bot, other)
    await mallorys.send("I would like an appointment")
    assert emulator.business_bot_messages(other, ADA) == []
    assert emulator.bot_messages(MALLORY) == [], "someone else's connection is not answered"

    await emulator.update_business_connection(connection, enabled=True)
    await grace.settle()
    await ada.send("Hello")  # not a booking request: left to the agent
    assert len(emulator.business_bot_messages(connection, ADA)) == sent
    bob = InProcessBusinessChat(emulator, ada.bot, connection, BOB)
    await bob.send("Hello Grace!")
    emulator.advance_clock(25 * 3600)  # and not since
    await grace_writes(bob, "/book")
    assert emulator.business_bot_messages(connection, BOB) == []
    assert "24 hours" in grace.last().text
    assert emulator.violations == [], "the bot never tried what Telegram refuses"


def silent_for_a_day(emulator: BotApiEmulator, tmp_path: Path) -> None:
    """25 hours pass without a word from the customer, for Telegram and for what the bot
    knows of them (its own clock cannot move in this process): the chat is closed to it."""
    emulator.advance_clock(25 * 3600)
    with closing(sqlite3.connect(tmp_path / "data" / "business.sqlite3")) as db, db:
        before = (datetime.now(UTC) - timedelta(hours=25)).isoformat()
        db.execute("UPDATE business_chats SET customer_wrote_at = ?", (before,))


async def grace_writes(chat: InProcessBusinessChat, text: str) -> None:
    await AgentInBusinessChat(chat, GRACE).write(text)


async def test_forget_in_the_bots_chat_erases_the_agents_chat_too(
    launch: Launcher, emulator: BotApiEmulator, sandbox: SandboxScheduling
) -> None:
    _, ada, _ = await connected(launch, emulator, sandbox)
    await ada.send("Can I book an appointment?")
    await answer_until(ada, "CONSENT", Answers(email="ada@example.org"))
    key = ada.key
    assert key is not None
    own = StepCustomer(emulator, ada.bot, ADA)
    await own.send("/forget")
    await own.tap("Yes")
    store = services(ada.bot).business.store

    async def erased() -> bool:
        return not await store.chats_of_customer(ADA) and key not in running(ada.bot).chat_data

    async with asyncio.timeout(5):
        while not await erased():  # noqa: ASYNC110 - erased in the chat's own turn
            await asyncio.sleep(0.01)
    await until(lambda: "ada@example.org" not in str(running(ada.bot).chat_data), seconds=5)
    assert emulator.violations == []


async def test_talk_to_a_person_reaches_the_agent_who_brought_the_customer_else_every_agent(
    launch: Launcher, emulator: BotApiEmulator
) -> None:
    secret = "a link secret for the tests, long enough"
    bot = await launch(BOT_AGENT_IDS=f"{GRACE},{HENRY}", BOT_LINK_SECRET=secret)
    agents = [StepCustomer(emulator, bot, agent, first_name="Agent") for agent in (GRACE, HENRY)]
    for agent in agents:
        await agent.send("/help")
    ada = StepCustomer(emulator, bot, ADA, first_name="Ada", username="ada_l")
    day = await ada.send("/start")
    assert ada.labels(day)[-1] == "💬 Talk to a person", "under every step"
    await ada.tap("Talk to a person")
    assert "Someone from our team will write to you on Telegram soon." in ada.last().text
    assert SCREEN_DAY in ada.last().text, "the customer stays at the step"
    for agent in agents:
        told = agent.last()
        assert told.text == (
            "🙋 Ada Lovelace would like to talk to a person. Language: English. Booking step: day."
        )
        assert told.reply_markup is not None
        assert told.reply_markup["inline_keyboard"][0][0]["url"] == "https://t.me/ada_l"

    bob = StepCustomer(emulator, bot, BOB, first_name="Bob")
    link = LinkSigner(secret.encode()).payload(AgentLink(GRACE, INTRO_CALL_ID, None))
    await bob.send(f"/start {link}")
    before = [len(emulator.bot_messages(agent)) for agent in (GRACE, HENRY)]
    await bob.tap("Talk to a person")
    after = [len(emulator.bot_messages(agent)) for agent in (GRACE, HENRY)]
    assert after == [before[0] + 1, before[1]], "only the agent whose link brought Bob"
    url = agents[0].last().reply_markup["inline_keyboard"][0][0]["url"]  # type: ignore[index]
    assert url == f"tg://user?id={BOB}"
    assert emulator.violations == []


async def test_a_tap_after_24_hours_gets_a_pop_up_and_nothing_is_sent(
    launch: Launcher, emulator: BotApiEmulator, sandbox: SandboxScheduling, tmp_path: Path
) -> None:
    _, ada, connection = await connected(launch, emulator, sandbox)
    await ada.send("Can I book an appointment?")
    sent = len(emulator.business_bot_messages(connection, ADA))
    silent_for_a_day(emulator, tmp_path)
    query = await ada.tap(ada.labels()[0])
    answer = emulator.callback_answer(query)
    assert answer is not None
    assert answer.get("text") == "Please send a message in this chat first, then tap again."
    assert len(emulator.business_bot_messages(connection, ADA)) == sent
    assert emulator.violations == []


async def test_book_with_a_meeting_type_starts_at_it_and_a_word_of_none_is_told(
    launch: Launcher, emulator: BotApiEmulator, sandbox: SandboxScheduling
) -> None:
    types = f"{INTRO_CALL_ID},{PRODUCT_DEMO_ID}"
    async with SandboxScheduling() as team:  # both meeting types, as the sandbox has them
        grace, ada, _ = await connected(
            launch, emulator, sandbox, meetergo=team, MEETERGO_MEETING_TYPE_IDS=types
        )
        await book_by_name(grace, ada, emulator)


async def book_by_name(
    grace: StepCustomer, ada: InProcessBusinessChat, emulator: BotApiEmulator
) -> None:
    await ada.send("Hello Grace!")
    await grace_writes(ada, "/book demo")
    assert "How long should it be?" in ada.last().text, "the Product demo's lengths"
    await grace_writes(ada, "/book webinar")
    assert grace.last().text == "No meeting type matches “webinar”: the customer chooses one."
    assert "What would you like to book?" in ada.last().text
    assert emulator.violations == []


async def test_a_reminder_the_agents_chat_cannot_take_is_passed_on_to_the_agent(
    launch: Launcher, emulator: BotApiEmulator, sandbox: SandboxScheduling, tmp_path: Path
) -> None:
    grace, ada, connection = await connected(launch, emulator, sandbox)
    await ada.send("Can I book an appointment?")
    await answer_until(ada, "END")
    booking = sandbox.bookings[-1]
    sent = len(emulator.business_bot_messages(connection, ADA))
    silent_for_a_day(emulator, tmp_path)
    await send_reminder(running(ada.bot), booking.appointment_id, "1h", booking.start)
    assert len(emulator.business_bot_messages(connection, ADA)) == sent
    asked = grace.last().text
    assert asked.startswith("I could not write to your customer in your chat"), asked
    assert "Will you be there?" in asked, "the reminder itself, to pass on"
    assert emulator.violations == []


def test_a_connections_reply_right_is_read_from_rights_or_where_older_apis_put_it() -> None:
    owner = {"id": GRACE, "is_bot": False, "first_name": "Grace"}
    common = {"id": "c-1", "user": owner, "user_chat_id": GRACE, "date": 0, "is_enabled": True}
    current = BusinessConnection.de_json({**common, "rights": {"can_reply": True}}, None)
    before_9 = BusinessConnection.de_json({**common, "can_reply": True}, None)
    without = BusinessConnection.de_json({**common, "rights": {}}, None)
    assert connection_of(current).can_reply
    assert connection_of(before_9).can_reply
    assert not connection_of(without).can_reply
