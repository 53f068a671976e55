"""Scripts in a support agent's own chats (Telegram Business): the `business:` section, the
steps that act there, and which of the customer's two chats the customer's steps address.

`business: {can_reply: true, enabled: true}` (both optional, both true by default; it needs
an `agent:`): before the first step the emulator's Business Mode is switched on, Telegram's
clock is set to the world's (the bot measures Telegram's 24-hour reply window against its own
clock), and the agent connects their account with those rights; the section is done once the
bot has handled the connection, so the agent's chat with the bot holds what it said then.

The customer has two chats: their own with the bot, and their chat with the agent, where the
bot writes on the agent's behalf. One of them is *current*; `tap`, `press`, `book`, `expect`,
`expect_silence`, `capture`, `keyboard` and `expect_document` act in the current one.

* `customer_writes_to_agent: text`: the customer writes in their chat with the agent (which
  becomes current); the step ends once the bot has handled the message (it may stay silent).
* `agent_writes: text`: the agent types in that chat (`/book`, `/book Intro call`, `/stop`, or
  anything else: they take over); it becomes current; ends once handled.
* `business_connection: {can_reply: false}` / `{enabled: false}`: the agent changes the bot's
  rights or switches the connection off (or on again); ends once handled. The current chat
  stays.
* `send`, `location`, `contact` and `open_agent_link` are the customer's messages in their
  own chat with the bot, which becomes current again. A script starts there.
* `expect_silence: true`: the bot sent, edited or deleted nothing in the current chat since
  the previous step began (put it right after the step whose answer should be none).

While the agent's chat is current, placeholders are filled in the language the customer asked
in there, where the bot keeps one.
"""

from __future__ import annotations

import contextlib
import json
import sqlite3
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.sandbox.business_driver import AgentInBusinessChat, BusinessChatDriver
from bot.sandbox.script_checks import StepFailed
from bot.sandbox.telegram_state import RecordedCall
from bot.sandbox.world import VISIBLE, ChatDriver, OfflineWorld, WorldError

if TYPE_CHECKING:
    from bot.sandbox.script_format import Script
    from bot.sandbox.script_transcript import Transcript

RIGHTS = ("can_reply", "enabled")  # the connection's rights, as `business:` sets them
# The steps this module adds to the format, and what each expects (said when a value does not
# fit); the first three act in the agent's chats, so a script needs `business:` for them.
HINTS = {
    "customer_writes_to_agent": "the text the customer writes in their chat with the agent",
    "agent_writes": "the text the agent types in their chat with the customer (/book, /stop, …)",
    "business_connection": f"a mapping with some of {', '.join(RIGHTS)} (true or false)",
    "expect_silence": "true (the bot wrote nothing in the current chat since the previous step "
    "began)",
}
STEP_KINDS = tuple(HINTS)
NEED_SECTION = STEP_KINDS[:3]
TYPED = STEP_KINDS[:2]  # text typed: `agent_writes: 15` is the text "15"
# The customer's messages to the bot's own chat: it is current again from them on.
OWN_CHAT_STEPS = ("send", "location", "contact", "open_agent_link")
NO_SECTION = (
    "the script has no business: section (add `business: {}` beside the agent: whose "
    "account the bot is connected to)"
)
NO_AGENT = "business: connects the agent's account: add an agent: section"
# Where the bot keeps the business chats' keys (bot/storage/business_sqlite.py) and chats'
# data (bot/storage/chat_store_sqlite.py) under BOT_DATA_DIR, when it keeps them in SQLite.
BUSINESS_FILE = "business.sqlite3"


def step_problem(kind: str, value: Any) -> str | None:
    """What is wrong with the value of one of this module's steps; None when nothing is."""
    if kind == "business_connection":
        return rights_problem(value, kind, empty=False)
    fits = value is True if kind == "expect_silence" else isinstance(value, str) and bool(value)
    return None if fits else f"{kind}: expected {HINTS[kind]}"


def rights_problem(value: Any, where: str, *, empty: bool) -> str | None:
    """What is wrong with a connection's rights as written (`business:` may be `{}`, a
    `business_connection:` step changes at least one); None when nothing is."""
    hint = HINTS["business_connection"]
    if not isinstance(value, dict) or (not value and not empty):
        example = "{} (both true)" if empty else "{can_reply: false}"
        return f"{where}: expected {hint}, e.g. {where}: {example}"
    unknown = sorted(set(value) - set(RIGHTS))
    if unknown:
        return f"{where}: unknown key {unknown[0]!r}; expected {hint}"
    wrong = [key for key, given in value.items() if given not in (True, False)]
    if wrong:
        return f"{where}: {wrong[0]}: expected true or false, not {value[wrong[0]]!r}"
    return None


def _read_one(path: Path, query: str, *args: Any) -> Any:
    """The first row of a query on a SQLite file, read without writing; None where there is
    no such file (the bot keeps its state in PostgreSQL) or row."""
    if not path.is_file():
        return None
    with contextlib.suppress(sqlite3.Error):
        connection = sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True, timeout=2)
        try:
            return connection.execute(query, args).fetchone()
        finally:
            connection.close()
    return None


def business_chat_key(data_dir: Path, agent_id: int, customer_id: int) -> int | None:
    """The key the bot keeps the customer's chat with the agent under (its chat id in the
    bot's log), None before the bot has seen that chat."""
    query = "SELECT chat_key FROM business_chats WHERE agent_id = ? AND customer_id = ?"
    row = _read_one(data_dir / BUSINESS_FILE, query, agent_id, customer_id)
    return None if row is None else int(row[0])


def language_asked_in(state_file: Path, key: int) -> str | None:
    """The language a customer asked for an appointment in, in the agent's chat `key`, as
    the bot keeps it in the chat's data (conversations/kit/agent_chat.py)."""
    row = _read_one(state_file, "SELECT data FROM chat_data WHERE chat_id = ?", key)
    try:
        language = json.loads(row[0])["agent_chat"]["language"] if row else None
    except (ValueError, KeyError, TypeError):
        return None
    return language if isinstance(language, str) else None


class BusinessSteps:
    """The Runner's steps in the agent's chats, and which of the customer's chats is current."""

    script: Script
    world: OfflineWorld
    driver: ChatDriver  # the customer's own chat with the bot
    agent: ChatDriver | None
    transcript: Transcript
    business: BusinessChatDriver | None = None  # the customer's chat with the agent
    in_business = False  # whether that chat is the current one
    step_began = 0  # the emulator's calls before the step under way, and before the one before
    previous_began = 0
    _key: int | None = None

    @property
    def chat(self) -> ChatDriver:
        """The customer's current chat: their own with the bot, or theirs with the agent."""
        return self.business if self.in_business and self.business is not None else self.driver

    def _enter_step(self, kind: str) -> None:
        """Before each step: which chat is current, and where its calls begin."""
        if kind in OWN_CHAT_STEPS:
            self.in_business = False
        self.previous_began, self.step_began = self.step_began, len(self.driver.emulator.calls)

    def _who(self, driver: ChatDriver) -> str:
        """Who acts, as the transcript names them: "you" in the customer's own chat, "agent"
        in the agent's, "Ada → Grace" for the customer in their chat with the agent."""
        if driver is self.agent:
            return "agent"
        return self._arrow() if driver is self.business else "you"

    def _names(self) -> tuple[str, str]:
        customer = str(self.script.customer.get("first_name") or "Ada")
        return customer, str((self.script.agent or {}).get("first_name") or "Sam")

    def _arrow(self) -> str:
        customer, agent = self._names()
        return f"{customer} → {agent}"

    async def _connect_business(self) -> None:
        """`business:` the agent connects their account before the first step."""
        rights = self.script.business
        if rights is None:
            return
        if self.agent is None:
            raise StepFailed(NO_AGENT)
        _, agent = self._names()
        granted = ", ".join(f"{key}: {str(value).lower()}" for key, value in rights.items())
        self.transcript.write(f"\n[{agent} connects the bot to their account: {granted}]\n")
        try:
            connection = await self.world.connect_business(self.agent.user_id, **rights)
        except (TimeoutError, WorldError, LookupError) as error:
            raise StepFailed(f"business: {error}") from None
        finally:
            self.transcript.print_new()
        self.business = BusinessChatDriver(self.world.emulator, connection, self.driver.user_id)
        self.business.step_reader = self._business_step
        self.transcript.follow_business(connection, self.driver.user_id, agent)

    def _business_chat(self) -> BusinessChatDriver:
        if self.business is None or self.agent is None:
            raise StepFailed(NO_SECTION)
        return self.business

    def _data_dir(self) -> Path | None:
        """The bot's BOT_DATA_DIR, where the world keeps it."""
        workdir = getattr(self.world, "workdir", None)
        data_dir = self.script.bot_env.get("BOT_DATA_DIR") or (
            None if workdir is None else Path(workdir) / "data"
        )
        return None if data_dir is None else Path(data_dir)

    def _business_key(self) -> int | None:
        data_dir, chat = self._data_dir(), self.business
        if self._key is None and data_dir is not None and chat is not None and self.agent:
            self._key = business_chat_key(data_dir, self.agent.user_id, chat.user_id)
        return self._key

    def _business_step(self, chat_id: int) -> str:
        """The step the customer's chat with the agent (`chat_id` is theirs with the bot) is
        at, as the bot logged it."""
        key = self._business_key()
        for finished in self.world.emulator.finish_lines if key is not None else ():
            reader = getattr(finished, "step_of", None)
            if reader is not None and (step := reader(key)) is not None:
                return str(step)
        _, agent = self._names()
        raise StepFailed(f"the bot has started no booking in the customer's chat with {agent}")

    def _business_language(self, state_file: Path) -> str | None:
        """The language the customer asked in, in their chat with the agent, while it is
        current."""
        key = self._business_key() if self.in_business else None
        return None if key is None else language_asked_in(state_file, key)

    def _telegram_follows_the_clock(self) -> None:
        """After the world's clock moved: Telegram's too, where the agent's chats count it."""
        if self.business is not None:
            self.world.align_telegram_clock()

    async def _customer_writes_to_agent(self, text: str) -> None:
        """`customer_writes_to_agent:` the customer writes in their chat with the agent."""
        chat = self._business_chat()
        self.in_business = True
        self.transcript.did(self._arrow(), text)
        await chat.send(text)

    async def _agent_writes(self, text: str) -> None:
        """`agent_writes:` the agent types in their chat with the customer."""
        chat = self._business_chat()
        self.in_business = True
        _, agent = self._names()
        self.transcript.did(agent, text)
        await AgentInBusinessChat(chat, self.agent.user_id if self.agent else 0).write(text)

    async def _business_connection(self, rights: dict[str, bool]) -> None:
        """`business_connection:` the agent changes the bot's rights, or switches it off."""
        chat = self._business_chat()
        _, agent = self._names()
        changed = ", ".join(f"{key}: {str(value).lower()}" for key, value in rights.items())
        self.transcript.write(f"\n[{agent} changes the bot's connection: {changed}]\n")
        await self.world.emulator.update_business_connection(chat.connection_id, **rights)
        await self.world.update_handled()

    async def _expect_silence(self, _: bool) -> None:
        """`expect_silence:` the bot did nothing in the current chat since the previous step
        began."""
        calls = self.driver.emulator.calls[self.previous_began :]
        said = [call for call in calls if self._in_current_chat(call)]
        if said:
            text = said[0].params.get("text")
            shown = f": {text!r}" if text else ""
            raise StepFailed(
                f"expected the bot to say nothing here, it called {said[0].method}{shown}"
            )

    def _in_current_chat(self, call: RecordedCall) -> bool:
        """Whether a call of the bot sent, changed or deleted something in the current chat."""
        connection = call.params.get("business_connection_id")
        here = self.business.connection_id if self.in_business and self.business else None
        if call.method == "deleteBusinessMessages":  # names no chat: any of the account's
            return here is not None and connection == here
        chat = call.params.get("chat_id")
        return call.method in VISIBLE and str(chat) == str(self.chat.user_id) and connection == here
