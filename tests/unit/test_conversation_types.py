"""Several meeting types and lengths, and customers who come through an agent's link."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest_asyncio

from bot.booking.links import AgentLink, LinkSigner
from bot.sandbox.follow import answer_until
from bot.sandbox.scheduling import SandboxScheduling
from bot.sandbox.scheduling_defaults import INTRO_CALL_ID, PRODUCT_DEMO_ID
from bot.sandbox.telegram_api import BotApiEmulator
from tests.support.storage import files_holding
from tests.unit.conftest import SCREEN, Launcher, StepCustomer, running

SECRET = "a link secret for the tests, long enough"
AGENT = 777
BOTH = {
    "MEETERGO_MEETING_TYPE_IDS": f"{INTRO_CALL_ID},{PRODUCT_DEMO_ID}",
    "BOT_LINK_SECRET": SECRET,
    "BOT_AGENT_IDS": str(AGENT),
}
CHOOSE_TYPE = "What would you like to book?"
HOW_LONG = "How long should it be?"


@pytest_asyncio.fixture
async def team() -> AsyncIterator[SandboxScheduling]:
    """The default sandbox: a round-robin intro call and a single-host demo of 30/45/60."""
    async with SandboxScheduling() as sandbox:
        yield sandbox


def signed(link: AgentLink) -> str:
    return LinkSigner(SECRET.encode()).payload(link)


PERSON = "💬 Talk to a person"


async def book_first_time(ada: StepCustomer) -> None:
    """The first free day, its first time, the Telegram name, until the card."""
    await answer_until(ada, "CONFIRM")


async def test_the_customer_chooses_the_type_then_its_length(
    launch: Launcher, emulator: BotApiEmulator, team: SandboxScheduling
) -> None:
    ada = StepCustomer(emulator, await launch(meetergo=team, **BOTH))
    picker = await ada.send("/start")
    assert CHOOSE_TYPE in picker.text
    # The bot has an agent: "Talk to a person" is under every step.
    assert ada.labels() == ["Intro call · 30 min", "Product demo · 30/45/60 min", PERSON]
    await ada.tap("Product demo")
    assert HOW_LONG in ada.last().text
    assert ada.labels() == ["30 min", "45 min", "60 min", PERSON]
    await ada.tap("60 min")
    assert SCREEN["day"] in ada.last().text
    assert "Product demo · 60 min" in ada.last().text
    await book_first_time(ada)
    assert "📝 Product demo · 60 min" in ada.menu().text
    await ada.tap("Confirm")
    assert "You're booked" in ada.last().text
    body = team.bookings[-1].body
    assert (body["meetingTypeId"], body["duration"]) == (PRODUCT_DEMO_ID, 60)
    assert body["hostIds"] == [team.meeting_types[PRODUCT_DEMO_ID].user_id]
    assert "agentTelegramId" not in body["attendee"]["notes"]
    assert emulator.violations == []


async def test_a_type_with_one_length_goes_straight_to_the_days(
    launch: Launcher, emulator: BotApiEmulator, team: SandboxScheduling
) -> None:
    ada = StepCustomer(emulator, await launch(meetergo=team, **BOTH))
    await ada.send("/start")
    await ada.tap("Intro call")
    assert SCREEN["day"] in ada.last().text
    assert "Intro call · 30 min" in ada.last().text
    await book_first_time(ada)
    await ada.tap("Confirm")
    body = team.bookings[-1].body
    assert (body["meetingTypeId"], body["duration"]) == (INTRO_CALL_ID, 30)
    assert "queueId" in body


async def test_an_agents_link_chooses_type_and_language_and_attributes_the_booking(
    launch: Launcher, emulator: BotApiEmulator, team: SandboxScheduling
) -> None:
    ada = StepCustomer(emulator, await launch(meetergo=team, **BOTH))
    question = await ada.send(f"/start {signed(AgentLink(AGENT, PRODUCT_DEMO_ID, 'de'))}")
    assert "Hallo Ada!" in question.text, "greeted in the link's language"
    assert CHOOSE_TYPE not in question.text
    assert ada.labels() == ["30 Min.", "45 Min.", "60 Min.", "💬 Mit einer Person sprechen"]
    await ada.tap("45 Min.")
    await ada.tap(ada.labels()[0])
    await ada.tap(ada.labels()[0])
    await ada.tap("Ada Lovelace")
    await ada.send("ada@example.org")
    await ada.tap("Ich stimme zu")
    await ada.tap("Bestätigen")
    notes = team.bookings[-1].body["attendee"]["notes"]
    assert notes["agentTelegramId"] == str(AGENT)
    assert notes["source"] == "telegram"
    assert team.bookings[-1].body["attendee"]["language"] == "de"


async def test_an_altered_link_is_ignored_without_a_word(
    launch: Launcher, emulator: BotApiEmulator, team: SandboxScheduling
) -> None:
    ada = StepCustomer(emulator, await launch(meetergo=team, **BOTH))
    payload = signed(AgentLink(AGENT, PRODUCT_DEMO_ID, "de"))
    altered = payload[:-1] + ("A" if payload[-1] != "A" else "B")
    picker = await ada.send(f"/start {altered}")
    assert CHOOSE_TYPE in picker.text, "the usual start"
    assert "Hello Ada!" in picker.text, "no language taken from it either"
    await ada.tap("Intro call")
    await book_first_time(ada)
    await ada.tap("Confirm")
    assert "agentTelegramId" not in team.bookings[-1].body["attendee"]["notes"]
    assert emulator.violations == []


async def test_agent_commands_appear_only_in_agents_menus(
    launch: Launcher, emulator: BotApiEmulator, team: SandboxScheduling
) -> None:
    emulator.add_user(AGENT, "Sam", "Agent", "en")
    agent = StepCustomer(emulator, await launch(meetergo=team, **BOTH), AGENT, first_name="Sam")
    await agent.send("/link")  # the agent's chat exists now; their menu is published
    menus = emulator.commands
    agent_menu = [entry["command"] for entry in menus[f"chat:{AGENT}/"]]
    assert {"link", "stats"} <= set(agent_menu)
    for scope, commands in menus.items():
        if not scope.startswith("chat:"):
            assert "link" not in [entry["command"] for entry in commands], scope
    assert emulator.violations == []


async def test_stats_count_the_bookings_an_agents_links_brought_in(
    launch: Launcher, emulator: BotApiEmulator, team: SandboxScheduling, tmp_path: Path
) -> None:
    bot = await launch(meetergo=team, **BOTH)
    emulator.add_user(AGENT, "Sam", "Agent", "en")
    sam = StepCustomer(emulator, bot, AGENT, first_name="Sam")
    assert "0 in the last 7 days, 0 in the last 30 days" in (await sam.send("/stats")).text
    ada = StepCustomer(emulator, bot)
    await ada.send(f"/start {signed(AgentLink(AGENT, INTRO_CALL_ID, None))}")
    await book_first_time(ada)
    await ada.tap("Confirm")
    told = emulator.bot_messages(AGENT)[-1].text
    assert told.startswith("📅 New booking through your link: Intro call · 30 min")
    assert "Ada Lovelace" in told
    assert "ada@example.org" not in told
    assert "1 in the last 7 days, 1 in the last 30 days" in (await sam.send("/stats")).text
    await running(bot).update_persistence()
    for personal in ("ada@example.org", "Lovelace"):  # the record keeps neither
        assert files_holding(tmp_path / "data", personal) == [], personal
    plain = StepCustomer(emulator, bot, 4343, first_name="Bo")
    assert "I book appointments for you." in (await plain.send("/stats")).text
    assert emulator.violations == []
