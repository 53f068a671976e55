"""Scripts in an agent's own chats (Telegram Business): `business:` and its steps are checked
when a script is read, the customer's steps act in the current chat (their own with the bot,
or theirs with the agent), `expect_silence` sees what the bot did in that chat only, and the
transcript tells the chats apart.

Checked without a bot process: the emulator's state stands for the chats, and the bot's
messages are written into it by hand. tests/scripts/business_*.yaml run a real world."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace
from typing import cast

import pytest

from bot.sandbox.business_driver import BusinessChatDriver
from bot.sandbox.clock import WorldClock
from bot.sandbox.script_checks import StepFailed
from bot.sandbox.script_runner import Runner
from bot.sandbox.script_transcript import Transcript
from bot.sandbox.scripts import ScriptError, load_script
from bot.sandbox.telegram_api import BotApiEmulator
from bot.sandbox.telegram_state import ChatMessage, RecordedCall
from bot.sandbox.world import ChatDriver, OfflineWorld

ADA, GRACE = 1001, 777
MONDAY_9 = datetime(2026, 12, 7, 8, 0, tzinfo=UTC)
HEAD = "customer: {first_name: Ada}\nagent: {id: 777, first_name: Grace}\n"


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "script.yaml"
    path.write_text(text, encoding="utf-8")
    return path


# --- reading ------------------------------------------------------------------------------------


def test_the_section_sets_the_connections_rights_true_unless_said(tmp_path: Path) -> None:
    steps = (
        "steps:\n"
        "  - customer_writes_to_agent: 15\n"
        "  - agent_writes: /book Intro call\n"
        "  - business_connection: {enabled: false}\n"
        "  - expect_silence: true\n"
        "  - expect: {text: Hello, no_text: ada@example.org}\n"
    )
    script = load_script(write(tmp_path, f"{HEAD}business: {{}}\n{steps}"))
    assert script.business == {"can_reply": True, "enabled": True}
    assert [step.value for step in script.steps[:3]] == [
        "15",  # typed, as `send: 15`
        "/book Intro call",
        {"enabled": False},
    ]
    without = load_script(write(tmp_path, f"{HEAD}business: {{can_reply: false}}\nsteps: []\n"))
    assert without.business == {"can_reply": False, "enabled": True}
    assert load_script(write(tmp_path, f"{HEAD}steps: []\n")).business is None


@pytest.mark.parametrize(
    ("text", "where", "what"),
    [
        (
            f"{HEAD}business: {{can_delete: true}}\nsteps: []\n",
            ":3:",
            "business: unknown key 'can_delete'; expected a mapping with some of can_reply, "
            "enabled (true or false)",
        ),
        (f"{HEAD}business: {{enabled: maybe}}\nsteps: []\n", ":3:", "enabled: expected true"),
        (f"{HEAD}business: yes\nsteps: []\n", ":3:", "business: expected a mapping"),
        (f"{HEAD}business:\nsteps: []\n", ":3:", "e.g. business: {} (both true)"),
        (
            "customer: {first_name: Ada}\nbusiness: {}\nsteps: []\n",
            ":2:",
            "business: connects the agent's account: add an agent: section",
        ),
        (
            f"{HEAD}steps:\n  - send: /start\n  - customer_writes_to_agent: Hi\n",
            ":5:",
            "customer_writes_to_agent: the script has no business: section",
        ),
        (f"{HEAD}steps:\n  - agent_writes: /stop\n", ":4:", "agent_writes: the script has no"),
        (
            f"{HEAD}steps:\n  - business_connection: {{can_reply: false}}\n",
            ":4:",
            "business_connection: the script has no business: section",
        ),
        (
            f"{HEAD}business: {{}}\nsteps:\n  - business_connection: {{}}\n",
            ":5:",
            "business_connection: expected a mapping with some of can_reply, enabled",
        ),
        (
            f"{HEAD}business: {{}}\nsteps:\n  - business_connection: {{reply: false}}\n",
            ":5:",
            "business_connection: unknown key 'reply'",
        ),
        (
            f"{HEAD}business: {{}}\nsteps:\n  - customer_writes_to_agent: ''\n",
            ":5:",
            "customer_writes_to_agent: expected the text the customer writes",
        ),
        ("steps:\n  - expect_silence: false\n", ":2:", "expect_silence: expected true"),
    ],
)
def test_a_malformed_business_script_names_file_line_and_expectation(
    tmp_path: Path, text: str, where: str, what: str
) -> None:
    path = write(tmp_path, text)
    with pytest.raises(ScriptError) as caught:
        load_script(path)
    assert str(caught.value).startswith(f"{path}{where}")
    assert what in str(caught.value)


# --- playing, without a bot ---------------------------------------------------------------------


def _bot_writes(emulator: BotApiEmulator, text: str, connection: str | None = None) -> None:
    """The bot sends `text` to Ada: in her chat with Grace through `connection`, else in her
    own chat with the bot; recorded as the call it would have made."""
    state = emulator.state
    chat = state.business_chats[(connection, ADA)] if connection else state.open_chat(ADA)
    message = state.add_message(chat, from_bot=True, text=text)
    params = {"chat_id": ADA, "text": text}
    if connection:
        params["business_connection_id"] = connection
    result = {"message_id": message.message_id}
    emulator.calls.append(RecordedCall("sendMessage", params, True, 200, None, result))


def _runner(tmp_path: Path, steps: str) -> tuple[Runner, BotApiEmulator]:
    """A runner whose world is the emulator alone: the bot answers what the customer writes to
    Grace when it begins with "answer", and a `send:` in Ada's own chat with "Own chat"."""
    emulator = BotApiEmulator(limits=None)
    driver = ChatDriver(emulator, ADA)
    agent = ChatDriver(emulator, GRACE, first_name="Grace")
    script = load_script(write(tmp_path, f"{HEAD}business: {{}}\nsteps:\n{steps}"))

    async def connect_business(owner_id: int, **rights: bool) -> str:
        emulator.enable_business_mode()
        return await emulator.connect_business(owner_id, **rights)

    writes = emulator.customer_writes_to_agent

    async def customer_writes(connection_id: str, customer_id: int, text: str) -> ChatMessage:
        message = await writes(connection_id, customer_id, text)
        if text.startswith("answer"):
            _bot_writes(emulator, "Hello from the bot", connection_id)
        return message

    async def send(text: str) -> ChatMessage:
        _bot_writes(emulator, "Own chat")
        return driver.last()

    emulator.customer_writes_to_agent = customer_writes  # type: ignore[method-assign]
    driver.send = send  # type: ignore[method-assign]

    async def update_handled() -> None:
        """Nothing to wait for: no bot."""

    fake = SimpleNamespace(
        sandbox=SimpleNamespace(now=lambda: MONDAY_9),
        emulator=emulator,
        connect_business=connect_business,
        update_handled=update_handled,
    )
    return Runner(script, cast(OfflineWorld, fake), driver, agent), emulator


def test_the_customers_steps_act_in_the_current_chat_and_send_goes_back_to_their_own(
    tmp_path: Path,
) -> None:
    steps = (
        "  - customer_writes_to_agent: Hello Grace\n"
        "  - expect_silence: true\n"
        "  - customer_writes_to_agent: answer me\n"
        "  - expect: {text: Hello from the bot, no_text: Own chat}\n"
        "  - send: /start\n"
        "  - expect: {text: Own chat}\n"
        "  - expect_silence: true\n"  # the step before (an expect) did nothing
        "  - agent_writes: /stop\n"
        "  - business_connection: {can_reply: false}\n"
        "  - expect: {text: Hello from the bot}\n"  # the agent's chat is current again
    )
    runner, emulator = _runner(tmp_path, steps)
    asyncio.run(runner.play())
    assert runner.business is not None
    connection = runner.business.connection_id
    assert [m.text for m in emulator.business_messages(connection, ADA)] == [
        "Hello Grace",
        "answer me",
        "Hello from the bot",
        "/stop",
    ]
    assert emulator.business_messages(connection, ADA)[-1].sender_id == GRACE
    assert not emulator.state.business_connections[connection].can_reply
    assert runner.transcript.getvalue().endswith(
        "\n[Grace connects the bot to their account: can_reply: true, enabled: true]\n"
        "\nAda → Grace: Hello Grace\n"
        "\nAda → Grace: answer me\n"
        "\nbot for Grace: Hello from the bot\n"
        "\nyou: /start\n"
        "\nbot: Own chat\n"
        "\nGrace: /stop\n"
        "\n[Grace changes the bot's connection: can_reply: false]\n"
    )


@pytest.mark.parametrize(
    ("steps", "failure"),
    [
        (
            "  - customer_writes_to_agent: answer me\n  - expect_silence: true\n",
            "step 2 (expect_silence, line 6): expected the bot to say nothing here, it called "
            "sendMessage: 'Hello from the bot'",
        ),
        (
            "  - send: /start\n  - expect_silence: true\n",
            "step 2 (expect_silence, line 6): expected the bot to say nothing here",
        ),
        (
            "  - customer_writes_to_agent: answer me\n  - expect: {no_text: from the bot}\n",
            "step 2 (expect, line 6): expected no 'from the bot' in the message, got 'Hello from",
        ),
        (
            "  - customer_writes_to_agent: Hi\n  - expect: {text: Hi}\n",
            "step 2 (expect, line 6): the bot has not written in this business chat yet",
        ),
        (
            "  - customer_writes_to_agent: Hi\n  - book: true\n",
            "step 2 (book, line 6): the bot has started no booking in the customer's chat with "
            "Grace",
        ),
    ],
)
def test_checks_in_the_agents_chat_fail_naming_what_the_bot_did_there(
    tmp_path: Path, steps: str, failure: str
) -> None:
    runner, _ = _runner(tmp_path, steps)
    with pytest.raises(StepFailed) as caught:
        asyncio.run(runner.play())
    assert str(caught.value).startswith(failure)


def test_silence_is_the_current_chats_only(tmp_path: Path) -> None:
    runner, emulator = _runner(tmp_path, "  - customer_writes_to_agent: Hi\n")
    asyncio.run(runner.play())
    assert runner.business is not None
    assert runner.in_business, "her chat with Grace is the current one"
    _bot_writes(emulator, "In Ada's own chat")
    _bot_writes(emulator, "In her chat with Grace", runner.business.connection_id)
    own, business = emulator.calls[-2:]
    assert (runner._in_current_chat(own), runner._in_current_chat(business)) == (False, True)
    runner.in_business = False
    assert (runner._in_current_chat(own), runner._in_current_chat(business)) == (True, False)


# --- the transcript -----------------------------------------------------------------------------


def test_the_transcript_names_the_business_chat_apart_from_the_bots_own() -> None:
    emulator = BotApiEmulator(limits=None)
    for user in (ADA, GRACE):
        emulator.add_user(user, "Someone")
    emulator.enable_business_mode()
    connection = asyncio.run(emulator.connect_business(GRACE))
    asyncio.run(emulator.customer_writes_to_agent(connection, ADA, "Hi"))
    transcript = Transcript(emulator, {ADA: "", GRACE: "agent"})
    transcript.follow_business(connection, ADA, "Grace")
    _bot_writes(emulator, "Own chat, message 1")
    _bot_writes(emulator, "Grace's chat, message 2", connection)  # Ada's "Hi" was 1
    transcript.print_new()
    chat = BusinessChatDriver(emulator, connection, ADA)
    edited = chat.last()
    edited.text = "Grace's chat, edited"
    params = {"chat_id": ADA, "business_connection_id": connection}
    params |= {"message_id": edited.message_id, "text": edited.text}
    emulator.calls.append(RecordedCall("editMessageText", params, True, 200, None, {}))
    transcript.print_new()
    assert transcript.getvalue() == (
        "\nbot: Own chat, message 1\n"
        "\nbot for Grace: Grace's chat, message 2\n"
        "\nbot for Grace (edited): Grace's chat, edited\n"
    )


def test_the_world_sets_telegrams_clock_to_its_own(tmp_path: Path) -> None:
    """The bot measures Telegram's 24-hour reply window in an agent's chat by its own clock
    against the customer's message date, Telegram's: in a world on a dated clock the two must
    agree, or the bot would never answer there on any other day."""
    far = datetime(2031, 3, 3, 8, 0, tzinfo=UTC)
    world = OfflineWorld(tmp_path, world_clock=WorldClock(far))
    world.align_telegram_clock()
    assert abs(world.emulator.state.now() - far.timestamp()) < 5
    world.world_clock = None  # a world without one leaves Telegram's as it is
    world.align_telegram_clock()
    assert abs(world.emulator.state.now() - far.timestamp()) < 5
