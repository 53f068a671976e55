"""Support agents against the real `python -m bot`: /link with its QR code, a customer who
books through it, the agent told in their language, altered links, inline sharing."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest_asyncio

from bot.booking.links import AgentLink, LinkSigner
from bot.language.i18n import translations
from bot.sandbox.scheduling import SandboxScheduling
from bot.sandbox.scheduling_defaults import INTRO_CALL_ID, PRODUCT_DEMO_ID
from bot.sandbox.telegram_api import BotApiEmulator
from bot.sandbox.world import follow
from tests.support.harness import BotProcess, Customer, bot_environment

AGENT = 777
SECRET = "the link secret of this deployment, long enough"
LINK = "https://t.me/meetergo_test_bot?start="


@pytest_asyncio.fixture
async def agents_bot(
    emulator: BotApiEmulator, sandbox: SandboxScheduling, tmp_path: Path
) -> AsyncIterator[BotProcess]:
    env = bot_environment(
        emulator,
        sandbox,
        tmp_path / "data",
        MEETERGO_MEETING_TYPE_IDS=f"{INTRO_CALL_ID},{PRODUCT_DEMO_ID}",
        BOT_AGENT_IDS=str(AGENT),
        BOT_LINK_SECRET=SECRET,
    )
    process = BotProcess(env, tmp_path / "bot.log", clock=follow(sandbox))
    emulator.enable_inline_mode()
    await process.start(emulator)
    yield process
    assert await process.stop() == 0, process.log()


async def agents_link(sam: Customer, meeting: str, language: str) -> str:
    """What an agent does to get a link: /link, the type, the language."""
    await sam.send("/link")
    await sam.tap(meeting)
    await sam.tap(language, message_id=sam.last_with_buttons().message_id)
    messages = sam.emulator.bot_messages(sam.user_id)
    [text] = [m.text for m in messages if LINK in m.text and m.document is None]
    return next(word for word in text.split() if word.startswith(LINK))


async def test_an_agent_shares_a_link_and_hears_about_the_booking(
    agents_bot: BotProcess, emulator: BotApiEmulator, sandbox: SandboxScheduling
) -> None:
    sam = Customer(emulator, AGENT, first_name="Sam", last_name="Agent", language_code="de")
    await sam.send("/language de")  # the agent's own language, for the notification
    link = await agents_link(sam, "Product demo", "Français")
    photo = emulator.bot_messages(AGENT)[-1]
    assert photo.document is not None, "a QR code as a photo"
    assert photo.text == link
    payload = parse_qs(urlsplit(link).query)["start"][0]
    assert len(payload) <= 64
    assert LinkSigner(SECRET.encode()).read(payload, [INTRO_CALL_ID, PRODUCT_DEMO_ID]) == (
        AgentLink(AGENT, PRODUCT_DEMO_ID, "fr")
    )
    camille = Customer(emulator, 31, first_name="Camille", last_name="Martin", language_code="en")
    greeting = await camille.send(f"/start {payload}")
    assert "Bonjour Camille" in greeting.text, "the link's language"
    await camille.tap(camille.labels()[1])  # the second length the demo allows
    await camille.tap(camille.labels()[0])
    await camille.tap(camille.labels()[0])
    await camille.tap("Camille Martin")
    await camille.send("camille@example.fr")
    await camille.tap(camille.labels()[0])  # J'accepte
    await camille.tap(camille.labels()[0])  # Confirmer
    body = sandbox.bookings[-1].body
    assert body["attendee"]["notes"]["agentTelegramId"] == str(AGENT)
    assert body["meetingTypeId"] == PRODUCT_DEMO_ID
    told = emulator.bot_messages(AGENT)[-1].text
    assert "Camille Martin" in told
    assert "camille@example.fr" not in told, "the agent gets the name, not the e-mail"
    assert "Product demo" in told
    notice = translations("de").gettext(
        "📅 New booking through your link: {meeting}, {when}, for {name}."
    )
    assert notice.split("{")[0] in told, "in the agent's language (German)"
    assert notice != "📅 New booking through your link: {meeting}, {when}, for {name}."
    assert emulator.violations == []


async def test_a_link_altered_by_one_character_books_without_attribution(
    agents_bot: BotProcess, emulator: BotApiEmulator, sandbox: SandboxScheduling
) -> None:
    payload = LinkSigner(SECRET.encode()).payload(AgentLink(AGENT, INTRO_CALL_ID, None))
    altered = ("1" if payload[0] != "1" else "2") + payload[1:]
    ada = Customer(emulator, 42, first_name="Ada", last_name="Lovelace", language_code="en")
    picker = await ada.send(f"/start {altered}")
    assert "What would you like to book?" in picker.text
    await ada.tap("Intro call")
    await ada.tap(ada.labels()[0])
    await ada.tap(ada.labels()[0])
    await ada.tap("Ada Lovelace")
    await ada.send("ada@example.org")
    await ada.tap("I agree")
    await ada.tap("Confirm")
    assert "You're booked" in ada.last().text
    assert "agentTelegramId" not in sandbox.bookings[-1].body["attendee"]["notes"]
    assert emulator.violations == []


async def test_someone_who_is_no_agent_gets_no_link(
    agents_bot: BotProcess, emulator: BotApiEmulator
) -> None:
    ada = Customer(emulator, 42, first_name="Ada", language_code="en")
    reply = await ada.send("/link")
    assert "I book appointments for you." in reply.text
    assert LINK not in " ".join(m.text for m in emulator.bot_messages(42))
    assert emulator.violations == []


async def test_an_agents_inline_query_gets_cards_carrying_their_link(
    agents_bot: BotProcess, emulator: BotApiEmulator
) -> None:
    emulator.add_user(AGENT, "Sam", language_code="en")
    emulator.add_user(42, "Ada", language_code="en")
    signer = LinkSigner(SECRET.encode())
    for user, expected_agent in ((AGENT, AGENT), (42, 0)):
        before = len(emulator.calls)
        query = await emulator.send_inline_query(user, "")
        await emulator.wait_for_call("answerInlineQuery", after=before, timeout=10)
        answer = emulator.inline_answer(query)
        assert answer is not None
        results = answer["results"]
        assert [r["title"] for r in results] == [
            "Book “Intro call” with meetergo Booking",
            "Book “Product demo” with meetergo Booking",
        ]
        for result, type_id in zip(results, (INTRO_CALL_ID, PRODUCT_DEMO_ID), strict=True):
            url = result["reply_markup"]["inline_keyboard"][0][0]["url"]
            payload = parse_qs(urlsplit(url).query)["start"][0]
            link = signer.read(payload, [INTRO_CALL_ID, PRODUCT_DEMO_ID])
            assert link == AgentLink(expected_agent, type_id), (user, link)
    assert emulator.violations == []
