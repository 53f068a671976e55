"""How a scripted conversation is played: each step's action or check, against the offline world.

A Runner has one method per step kind (`_send` for `send:`, ...); `play` calls them in order
with the step's value, its placeholders filled in, and stops at the first expectation that does
not hold (StepFailed), naming the step and its line.

No step waits for a message the bot sends on its own: a customer's action (send, tap, …) waits
until the bot has finished that update, and `expect` then reads the chat as it is at once.
`host_cancels` and `host_moves` change the newest appointment on the host's side, as meetergo's
web app would, and wait only until meetergo's deliveries to the registered webhooks (if any)
have been answered; they write `[host cancels the booking]` or `[host moves the booking by 1h]`
into the transcript, and the deliveries' answers after it.

Before each step its placeholders are filled in the language and zone the chat is in now (the
customer's, or the agent's for `agent_…` steps), as the bot keeps them; after each step the
transcript gets whatever the bot wrote meanwhile, in every chat (script_transcript.py). What
buttons a step finds, and how a label names one, is in script_checks.py.

With `business:` the customer also has a chat with the agent, where the bot writes on the
agent's behalf: the steps there, and which chat the customer's steps act in, are in
script_business.py (BusinessSteps).
"""

from __future__ import annotations

import contextlib
import re
import signal
from collections.abc import Awaitable, Callable
from typing import Any

from bot.language.i18n import negotiate_language
from bot.sandbox.clock import parse_duration
from bot.sandbox.console import DEMO_PHONE
from bot.sandbox.follow import STOPS, Answers, answer_until
from bot.sandbox.scheduling_model import Booking
from bot.sandbox.script_business import BusinessSteps
from bot.sandbox.script_checks import (
    ABSENT,
    ExactTaps,
    StepFailed,
    check_keyboard,
    check_labels,
    count_calls,
    field,
    find,
    ics_value,
    inline_buttons,
    newest_menu,
    reply_keyboard,
    same_start,
    sent_file,
    unfolded,
)
from bot.sandbox.script_format import Script, as_list, parse_offset
from bot.sandbox.script_text import (
    DEFAULT_ZONE,
    PlaceholderError,
    Placeholders,
    chat_preferences,
    spaced,
)
from bot.sandbox.script_transcript import Transcript
from bot.sandbox.telegram_state import ChatMessage, RecordedCall
from bot.sandbox.world import VISIBLE, ChatDriver, OfflineWorld, WorldError

__all__ = ["Runner", "StepFailed"]

AGENT_LINK = re.compile(r"https://t\.me/\S+\?start=([A-Za-z0-9_-]{1,64})")
# How late `fail: {kind: slow}` answers by default: past "still booking", within the offline
# world's meetergo timeouts (bot/sandbox/world.py, OFFLINE_WAITS), so the answer still counts.
SLOW_SECONDS = 1.5
# How long a host's change waits for the bot to tell the customer (it checks meetergo every
# second in a script's world: see scripts.py).
HOST_CHANGE_PATIENCE = 10.0
# Where a `keyboard:` step's "share my location" button is, unless it says `location:`.
DEFAULT_LOCATION = (52.52, 13.40)
# The language and zone the bot keeps per user, in its SQLite state store under BOT_DATA_DIR.
STATE_FILE = "state.sqlite3"


class Runner(BusinessSteps):
    """Plays one script against a fresh offline world."""

    def __init__(
        self,
        script: Script,
        world: OfflineWorld,
        driver: ChatDriver,
        agent: ChatDriver | None = None,
    ) -> None:
        """Get ready to play `script` in `world` as `driver` (and `agent`, if any)."""
        self.script = script
        self.world = world
        self.driver = driver
        # How long a host's change waits for the bot to tell the customer.
        self.host_change_patience = HOST_CHANGE_PATIENCE
        self.agent = agent
        default = script.bot_env.get("BOT_DEFAULT_LANGUAGE", "en")
        # The language the bot speaks to a user it keeps none for: Telegram's, if meetergo has it.
        self.languages = {
            driver.user_id: negotiate_language(str(script.customer.get("language") or ""), default)
        }
        if agent is not None:
            spoken = str((script.agent or {}).get("language") or "en")
            self.languages[agent.user_id] = negotiate_language(spoken, default)
        self.zone = script.bot_env.get("BOT_DEFAULT_TIMEZONE", DEFAULT_ZONE)
        self.placeholders = Placeholders(
            world.sandbox.now, self.languages[driver.user_id], self.zone
        )
        chats = {driver.user_id: ""} | ({agent.user_id: "agent"} if agent is not None else {})
        self.transcript = Transcript(driver.emulator, chats)
        self.last_query: str | None = None

    async def play(self) -> None:
        """Run every step in order; raises StepFailed at the first broken expectation."""
        await self._connect_business()
        for number, step in enumerate(self.script.steps, start=1):
            try:
                self._enter_step(step.kind)
                self._follow_the_chat(self.agent if step.kind.startswith("agent_") else None)
                value = self._filled(step.value, regex=False)
                await getattr(self, f"_{step.kind}")(value)
            except (StepFailed, LookupError, WorldError, TimeoutError, PlaceholderError) as error:
                raise StepFailed(
                    f"step {number} ({step.kind}, line {step.line}): {error}"
                ) from None
            finally:
                self.transcript.print_new()

    def _follow_the_chat(self, agent: ChatDriver | None) -> None:
        """Fill placeholders in the language and zone the bot keeps for the customer (or the
        agent) now; where it keeps none, Telegram's language and the bot's default zone."""
        user = (agent or self.driver).user_id
        data_dir = self._data_dir()
        language, zone = (None, None)
        if data_dir is not None:
            language, zone = chat_preferences(data_dir / STATE_FILE, user)
            if agent is None:  # in the agent's chat: the language the customer asked in
                language = self._business_language(data_dir / STATE_FILE) or language
        self.placeholders.language = language or self.languages[user]
        self.placeholders.zone = zone or self.zone

    def _filled(self, value: Any, *, regex: bool) -> Any:
        """The step's value with {placeholders} filled in; regular expressions get them
        escaped."""
        if isinstance(value, str):
            return self.placeholders.fill(value, escape=re.escape if regex else None)
        if isinstance(value, list):
            return [self._filled(item, regex=regex) for item in value]
        if isinstance(value, dict):
            return {
                k: self._filled(v, regex=regex or k in ("matches", "match"))
                for k, v in value.items()
            }
        return value

    def _message(self, driver: ChatDriver, where: Any, *, buttons: bool) -> ChatMessage:
        """The message a step addresses: `in: 2` is the second newest, `in: "text"` the newest
        containing that text; without `in`, the newest (with inline buttons, for a tap)."""
        messages = [m for m in driver.bot_messages() if not m.deleted]
        if where is None:
            return newest_menu(messages) if buttons else driver.last()
        if isinstance(where, int) and not isinstance(where, bool):
            if not 0 < where <= len(messages):
                raise StepFailed(f"in: {where}: the chat has {len(messages)} messages")
            return messages[-where]
        wanted = spaced(str(where))
        for message in reversed(messages):
            if wanted in spaced(message.text or ""):
                return message
        raise StepFailed(f"in: no message contains {str(where)!r}")

    def _say(self, text: str, driver: ChatDriver | None = None) -> None:
        """Write what the customer (in the current chat, or `driver`'s) or the agent does into
        the transcript."""
        self.transcript.did(self._who(driver or self.chat), text)

    async def _send(self, text: str) -> None:
        """`send:` the customer types a text."""
        self._say(text)
        await self.driver.send(text)

    def _agent(self) -> ChatDriver:
        """The agent's chat; a script without an agent cannot use agent steps."""
        if self.agent is None:
            raise StepFailed("the script has no agent: add an agent: section")
        return self.agent

    async def _agent_send(self, text: str) -> None:
        """`agent_send:` the agent types a text."""
        agent = self._agent()
        self._say(text, agent)
        await agent.send(text)

    async def _agent_tap(self, target: str | int) -> None:
        """`agent_tap:` the agent taps a button in their chat."""
        await self._tap(target, self._agent())

    async def _agent_expect(self, expected: dict[str, Any]) -> None:
        """`agent_expect:` what the agent's chat shows."""
        await self._expect(expected, self._agent())

    async def _expect_document(self, expected: dict[str, Any]) -> None:
        """`expect_document:` a file the bot sent (`index: -1`, the newest, by default): its
        name and content; `capture` keeps the values of its calendar lines for placeholders."""
        document = sent_file(self._chat(self.chat), int(str(expected.get("index", -1))))
        name = expected.get("name")
        if name is not None and document.get("file_name") != str(name):
            raise StepFailed(
                f"expected a document named {name!r}, got {document.get('file_name')!r}"
            )
        content = unfolded(document.get("data") or b"")
        for text in as_list(expected.get("contains")):
            if text not in content:
                raise StepFailed(f"expected the document to contain {text!r}")
        for key, line in (expected.get("capture") or {}).items():
            value = ics_value(content, str(line))
            if value is None:
                raise StepFailed(f"capture {key}: the document has no {line} line")
            self.placeholders.captured[str(key).lower()] = value
            self._say(f"[keeps {key} = {value!r}]")

    async def _advance_clock(self, spec: str) -> None:
        """`advance_clock:` time passes; the bot restarts on the moved clock."""
        if self.world.world_clock is None:
            raise StepFailed("this world's clock cannot be moved")
        self._say(f"[{spec} pass; the bot restarts on the new clock]", self.driver)
        self.world.world_clock.advance(parse_duration(spec))
        self._telegram_follows_the_clock()
        # What fell due meanwhile (a reminder, an idle booking closed) is done before the bot
        # takes messages again, so it is in the chat once the restart returns.
        await self.world.restart(signal.SIGTERM)

    async def _open_agent_link(self, _: bool) -> None:
        """`open_agent_link:` the customer opens the newest t.me link given to the agent."""
        agent = self._agent()
        texts = [message.text for message in agent.emulator.bot_messages(agent.user_id)]
        links = [found for text in texts for found in AGENT_LINK.findall(text)]
        if not links:
            raise StepFailed("the agent has been given no t.me link yet")
        await self._send(f"/start {links[-1]}")

    async def _tap(self, target: Any, driver: ChatDriver | None = None) -> None:
        """`tap:` press an inline button by label or position, in the newest menu or the one
        named."""
        driver = driver or self.chat
        given = target if isinstance(target, dict) else {"button": target}
        message = self._message(driver, given.get("in"), buttons=True)
        exact = given.get("exact") is True
        label, data = find(inline_buttons(message), given["button"], exact=exact)
        if not data:
            raise StepFailed(f"the button {label!r} opens a link: a tap sends the bot nothing")
        self._say(f"[taps {label}]", driver)
        self.last_query = await driver.press(message.message_id, data)

    async def _keyboard(self, spec: Any) -> None:
        """`keyboard:` press a button of the chat's reply keyboard: its text is sent, or the
        location or the customer's own contact it asks for is shared."""
        given, chat = (spec if isinstance(spec, dict) else {"button": spec}), self.chat
        keys = [(str(b.get("text", "")), b) for b in reply_keyboard(self._chat(chat))]
        if not keys:
            raise StepFailed("the chat shows no reply keyboard")
        exact = given.get("exact") is True
        label, button = find(keys, given["button"], exact=exact, step="keyboard")
        if button.get("request_location"):
            latitude, longitude = (float(part) for part in given.get("location", DEFAULT_LOCATION))
            self._say(f"[keyboard: {label}: shares the location {latitude}, {longitude}]")
            await chat.share_location(latitude, longitude)
        elif button.get("request_contact"):
            phone = str(given.get("phone", DEMO_PHONE))
            self._say(f"[keyboard: {label}: shares their own contact: {phone}]")
            await chat.share_contact(phone)
        elif asks := [key for key in button if key.startswith("request_") or key == "web_app"]:
            raise StepFailed(f"keyboard {label!r}: the customer here cannot answer {asks[0]}")
        else:
            self._say(f"[keyboard: {label}]")
            await chat.send(label)

    @staticmethod
    def _chat(driver: ChatDriver) -> list[ChatMessage]:
        return driver.bot_messages()

    async def _book(self, spec: bool | dict[str, Any]) -> None:
        """`book:` answer whatever step is shown, from the answers given, until `until`."""
        given = spec if isinstance(spec, dict) else {}
        questions = {
            str(key): None if v is None else str(v) for key, v in given.get("questions", {}).items()
        }
        answers = Answers(
            email=str(given.get("email", "ada@example.org")),
            name=None if given.get("name") is None else str(given["name"]),
            day=given.get("day"),
            time=given.get("time"),
            meeting_type=given.get("meeting_type"),
            duration=given.get("duration"),
            channel=given.get("channel"),
            place=given.get("place"),
            host=given.get("host"),
            address=str(given.get("address", Answers.address)),
            guests=tuple(str(guest) for guest in given.get("guests") or ()),
            questions=questions,
        )

        def answered(step: str) -> None:
            self._say(f"[book: answers {step}]")
            self.transcript.print_new()

        stop = STOPS[str(given.get("until", "booked"))]
        await answer_until(ExactTaps.of(self.chat), stop, answers, answered=answered)

    async def _location(self, position: list[Any]) -> None:
        """`location:` the customer shares a position."""
        latitude, longitude = (float(part) for part in position)
        self._say(f"[shares the location {latitude}, {longitude}]")
        await self.driver.share_location(latitude, longitude)

    async def _contact(self, spec: str | dict[str, Any]) -> None:
        """`contact:` the customer shares their own contact, or someone else's."""
        given: dict[str, Any] = spec if isinstance(spec, dict) else {"phone": spec}
        phone, own = str(given["phone"]), given.get("own", True) is not False
        self._say(f"[shares {'their own' if own else 'a'} contact: {phone}]")
        await self.driver.share_contact(
            phone,
            own=own,
            user_id=given.get("user_id"),
            first_name=None if given.get("first_name") is None else str(given["first_name"]),
            last_name=None if given.get("last_name") is None else str(given["last_name"]),
        )

    async def _capture(self, specs: dict[str, Any]) -> None:
        """`capture:` keep a button's label or a matched text for later placeholders."""
        for name, spec in specs.items():
            if isinstance(spec, str):
                spec = {"button": int(spec.split()[1])}
            message = self._message(self.chat, spec.get("in"), buttons="button" in spec)
            if "button" in spec:
                value = spaced(find(inline_buttons(message), spec["button"])[0])
            else:
                found = re.search(str(spec["match"]), spaced(message.text or ""))
                if found is None:
                    raise StepFailed(
                        f"capture {name}: {spec['match']!r} is not in {message.text!r}"
                    )
                value = found[1] if found.groups() else found[0]
            self.placeholders.captured[str(name).lower()] = value
            self._say(f"[keeps {name} = {value!r}]")

    async def _expect_calls(self, counts: dict[str, int]) -> None:
        """`expect_calls:` how often meetergo received each path (optionally a method; `*` is
        any one path segment)."""
        for route, wanted in counts.items():
            calls = count_calls(self.world.sandbox.calls, route)
            if len(calls) != wanted:
                seen = f" ({', '.join(sorted(set(calls)))})" if calls else ""
                raise StepFailed(
                    f"expected {wanted} calls of {route}, meetergo received {len(calls)}{seen}"
                )

    async def _press(self, data: str) -> None:
        """`press:` press raw callback data on the newest menu, as a forged button would."""
        message = newest_menu(self._chat(self.chat))
        self._say(f"[presses raw {data!r}]")
        self.last_query = await self.chat.press(message.message_id, data)

    async def _expect(self, expected: dict[str, Any], driver: ChatDriver | None = None) -> None:
        """`expect:` the message's text, inline buttons, the chat's reply keyboard and the
        tap's answer."""
        driver = driver or self.chat
        message = self._message(driver, expected.get("in"), buttons=False)
        shown = spaced(message.text or "")
        for text in as_list(expected.get("text")):
            if spaced(text) not in shown:
                raise StepFailed(f"expected text containing {text!r}, got {message.text!r}")
        for text in as_list(expected.get("no_text")):
            if spaced(text) in shown:
                raise StepFailed(f"expected no {text!r} in the message, got {message.text!r}")
        for pattern in as_list(expected.get("matches")):
            if not re.search(pattern, shown):
                raise StepFailed(f"expected text matching {pattern!r}, got {message.text!r}")
        exact = expected.get("exact") is True
        labels = [label for label, _ in inline_buttons(message)]
        present, absent = as_list(expected.get("buttons")), as_list(expected.get("no_buttons"))
        check_labels(labels, present, absent, exact=exact)
        if "keyboard" in expected:
            keys = [str(button.get("text", "")) for button in reply_keyboard(self._chat(driver))]
            check_keyboard(keys, as_list(expected["keyboard"]), exact=exact)
        for text in as_list(expected.get("answer")):
            answer = driver.emulator.callback_answer(self.last_query or "") or {}
            if text not in str(answer.get("text", "")):
                raise StepFailed(f"expected the tap to be answered with {text!r}, got {answer}")

    async def _expect_booking(self, fields: dict[str, Any]) -> None:
        """`expect_booking:` fields of the newest booking meetergo received."""
        bookings = [b for b in self.world.sandbox.bookings if b.body]
        if not bookings:
            raise StepFailed("expected a booking, meetergo received none")
        body = bookings[-1].body
        for path, value in fields.items():
            actual = field(body, path)
            if value is None:  # `null`: the booking has no such field, or it is null
                if actual is not ABSENT and actual is not None:
                    raise StepFailed(f"booking {path}: expected none, got {actual!r}")
                continue
            if actual is ABSENT:
                raise StepFailed(f"the booking has no field {path!r}")
            if path == "start" and isinstance(value, str) and same_start(actual, value, body):
                continue
            if actual != value and str(actual) != str(value):
                raise StepFailed(f"booking {path}: expected {value!r}, got {actual!r}")

    async def _expect_no_booking(self, _: bool) -> None:
        """`expect_no_booking:` meetergo received no booking."""
        received = [b for b in self.world.sandbox.bookings if b.body]
        if received:
            raise StepFailed(f"expected no booking, meetergo received {len(received)}")

    async def _restart(self, how: bool | str) -> None:
        """`restart:` the bot process is killed (or terminated) and started again."""
        self._say(f"[the bot restarts: {'SIGTERM' if how == 'term' else 'SIGKILL'}]", self.driver)
        # The last step returned once the bot had finished its answer (state committed): a
        # kill now must lose nothing.
        await self.world.restart(signal.SIGTERM if how == "term" else signal.SIGKILL)

    async def _fail(self, spec: dict[str, Any]) -> None:
        """`fail:` meetergo's next calls fail the way the spec says."""
        retry_after = spec.get("retry_after")
        self.world.sandbox.fail_next(
            int(spec.get("times", 1)),
            status=spec.get("status"),
            kind=str(spec.get("kind", "status")),
            path=spec.get("path"),
            retry_after=None if retry_after is None else float(retry_after),
            seconds=float(spec.get("seconds", SLOW_SECONDS)),
        )

    async def _rival_books_first(self, _: bool) -> None:
        """`rival_books_first:` another customer takes the next booking's start first."""
        self.world.sandbox.rival_books_first()

    async def _host_cancels(self, spec: bool | dict[str, Any]) -> None:
        """`host_cancels:` the host cancels the newest appointment in meetergo's web app."""
        given = spec if isinstance(spec, dict) else {}
        reason = None if given.get("reason") is None else str(given["reason"])
        booking = self._newest_appointment()
        said = "[host cancels the booking" + (f": {reason}]" if reason else "]")
        await self._host_change(
            said,
            given,
            "booking_cancelled",
            lambda: self.world.sandbox.host_cancel(booking.appointment_id, reason),
        )

    async def _host_moves(self, spec: str | dict[str, Any]) -> None:
        """`host_moves:` the host moves the newest appointment by a (signed) duration."""
        given = spec if isinstance(spec, dict) else {"by": spec}
        by = parse_offset(given["by"])
        booking = self._newest_appointment()
        await self._host_change(
            f"[host moves the booking by {str(given['by']).strip()}]",
            given,
            "booking_rescheduled",
            lambda: self.world.sandbox.host_move(booking.appointment_id, booking.start + by),
        )

    def _newest_appointment(self) -> Booking:
        """The newest booking made in the script that is an appointment (one still waiting for
        a confirmation is none yet)."""
        made = [b for b in self.world.sandbox.bookings if b.body and not b.pending]
        if not made:
            raise StepFailed("the host has no appointment to change: meetergo received none")
        return made[-1]

    async def _host_change(
        self,
        said: str,
        given: dict[str, Any],
        event: str,
        change: Callable[[], Awaitable[Booking]],
    ) -> None:
        """Make the host's change with each delivery sent `repeat` extra times, then wait for
        the deliveries' answers; the bot hears of it through its webhook or its own checks."""
        sandbox = self.world.sandbox
        self.transcript.write(f"\n{said}\n")
        calls = len(self.driver.emulator.calls)
        before, repeat = len(sandbox.deliveries), sandbox.repeat_deliveries
        sandbox.repeat_deliveries = int(given.get("repeat", repeat))
        try:
            booking = await change()
        except ValueError as error:  # e.g. the appointment is cancelled already
            raise StepFailed(str(error)) from None
        finally:
            sandbox.repeat_deliveries = repeat
        await sandbox.deliveries_settled()
        answers = [
            "no answer" if delivery.status is None else str(delivery.status)
            for delivery in sandbox.deliveries[before:]
            if delivery.payload.get("webhookType") == event
            and delivery.payload.get("id") == booking.appointment_id
        ]
        if answers:
            self.transcript.write(f"[meetergo delivers {event}: {', '.join(answers)}]\n")
        await self._bot_tells_the_customer(calls)

    async def _bot_tells_the_customer(self, since: int) -> None:
        """Wait (up to HOST_CHANGE_PATIENCE) until the bot writes in the customer's chat after
        call `since`: it hears of the team's change by itself (webhook or its own checks), so
        the steps after this one see what it said. Nothing said is left to them to find."""
        chat = self.driver.user_id

        def to_the_customer(call: RecordedCall) -> bool:
            return call.method in VISIBLE and call.params.get("chat_id") in (chat, str(chat))

        with contextlib.suppress(TimeoutError):
            await self.driver.emulator.wait_for_call(
                None, after=since, predicate=to_the_customer, timeout=self.host_change_patience
            )
