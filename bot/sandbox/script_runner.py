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
"""

from __future__ import annotations

import contextlib
import io
import re
import signal
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

from bot.language.i18n import Formatter, negotiate_language
from bot.sandbox.clock import parse_duration
from bot.sandbox.console import Console
from bot.sandbox.follow import STOPS, Answers, answer_until
from bot.sandbox.scheduling_model import Booking
from bot.sandbox.script_format import DEFAULT_ZONE, Script, as_list, parse_offset
from bot.sandbox.script_text import PlaceholderError, Placeholders, field_path, spaced
from bot.sandbox.telegram_state import ChatMessage, RecordedCall
from bot.sandbox.world import VISIBLE, ChatDriver, OfflineWorld, WorldError

AGENT_LINK = re.compile(r"https://t\.me/\S+\?start=([A-Za-z0-9_-]{1,64})")
# How late `fail: {kind: slow}` answers by default: past "still booking", within the offline
# world's meetergo timeouts (bot/sandbox/world.py, OFFLINE_WAITS), so the answer still counts.
SLOW_SECONDS = 1.5
# How long a host's change waits for the bot to tell the customer (it checks meetergo every
# second in a script's world: see scripts.py).
HOST_CHANGE_PATIENCE = 10.0


class StepFailed(AssertionError):
    """An expectation did not hold."""


_ABSENT = object()


def _field(body: dict[str, Any], path: str) -> Any:
    """The booking body's value at a path ("attendee.email", "hostIds[0]",
    'attendee.notes["Company size (approx.)"]'); _ABSENT where there is none."""
    value: Any = body
    for part in field_path(path):
        in_list = isinstance(part, int) and isinstance(value, list) and part < len(value)
        if not in_list and not (isinstance(value, dict) and part in value):
            return _ABSENT
        value = value[part]
    return value


class Runner:
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
        # The language the bot speaks to this customer: Telegram's, if meetergo has it.
        language = negotiate_language(
            str(script.customer.get("language") or ""),
            script.bot_env.get("BOT_DEFAULT_LANGUAGE", "en"),
        )
        self.placeholders = Placeholders(
            world.sandbox.now, language, script.bot_env.get("BOT_DEFAULT_TIMEZONE", DEFAULT_ZONE)
        )
        self.transcript = io.StringIO()
        self.console = Console(driver, self.transcript, color=False)
        self.agent_console = (
            Console(agent, self.transcript, color=False) if agent is not None else None
        )
        self.last_query: str | None = None

    async def play(self) -> None:
        """Run every step in order; raises StepFailed at the first broken expectation."""
        for number, step in enumerate(self.script.steps, start=1):
            try:
                value = self._filled(step.value, regex=False)
                await getattr(self, f"_{step.kind}")(value)
            except (StepFailed, LookupError, WorldError, TimeoutError, PlaceholderError) as error:
                raise StepFailed(
                    f"step {number} ({step.kind}, line {step.line}): {error}"
                ) from None

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
        containing that text; without `in`, the newest (with buttons, for a tap)."""
        messages = [m for m in driver.emulator.bot_messages(driver.user_id) if not m.deleted]
        if where is None:
            return driver.last_with_buttons() if buttons else driver.last()
        if isinstance(where, int) and not isinstance(where, bool):
            if not 0 < where <= len(messages):
                raise StepFailed(f"in: {where}: the chat has {len(messages)} messages")
            return messages[-where]
        wanted = spaced(str(where))
        for message in reversed(messages):
            if wanted in spaced(message.text or ""):
                return message
        raise StepFailed(f"in: no message contains {str(where)!r}")

    def _say(self, text: str) -> None:
        """Write what the customer does into the transcript."""
        self.transcript.write(f"\nyou: {text}\n")

    async def _send(self, text: str) -> None:
        """`send:` the customer types a text."""
        self._say(text)
        await self.driver.send(text)
        self.console.print_new()

    def _agent(self) -> tuple[ChatDriver, Console]:
        """The agent's chat and console; a script without an agent cannot use agent steps."""
        if self.agent is None or self.agent_console is None:
            raise StepFailed("the script has no agent: add an agent: section")
        return self.agent, self.agent_console

    async def _agent_send(self, text: str) -> None:
        """`agent_send:` the agent types a text."""
        agent, console = self._agent()
        self.transcript.write(f"\nagent: {text}\n")
        await agent.send(text)
        console.print_new()

    async def _agent_tap(self, target: str | int) -> None:
        """`agent_tap:` the agent taps a button in their chat."""
        agent, console = self._agent()
        await self._tap(target, agent)
        console.print_new()

    async def _agent_expect(self, expected: dict[str, Any]) -> None:
        """`agent_expect:` what the agent's chat shows."""
        await self._expect(expected, self._agent()[0])

    async def _expect_document(self, expected: dict[str, Any]) -> None:
        """`expect_document:` the newest file the bot sent, by name and content."""
        sent = [m for m in self.driver.emulator.bot_messages(self.driver.user_id) if m.document]
        if not sent:
            raise StepFailed("expected a document, the bot sent none")
        document = sent[-1].document or {}
        name = expected.get("name")
        if name is not None and document.get("file_name") != str(name):
            raise StepFailed(
                f"expected a document named {name!r}, got {document.get('file_name')!r}"
            )
        content = (document.get("data") or b"").decode("utf-8", errors="replace")
        unfolded = content.replace("\r\n ", "").replace("\r\n", "\n")
        for text in as_list(expected.get("contains")):
            if text not in unfolded:
                raise StepFailed(f"expected the document to contain {text!r}")

    async def _advance_clock(self, spec: str) -> None:
        """`advance_clock:` time passes; the bot restarts on the moved clock."""
        if self.world.world_clock is None:
            raise StepFailed("this world's clock cannot be moved")
        self._say(f"[{spec} pass; the bot restarts on the new clock]")
        self.world.world_clock.advance(parse_duration(spec))
        # What fell due meanwhile (a reminder, an idle booking closed) is done before the bot
        # takes messages again, so it is in the chat once the restart returns.
        await self.world.restart(signal.SIGTERM)
        self.console.print_new()

    async def _open_agent_link(self, _: bool) -> None:
        """`open_agent_link:` the customer opens the newest t.me link given to the agent."""
        agent, _console = self._agent()
        texts = [message.text for message in agent.emulator.bot_messages(agent.user_id)]
        links = [found for text in texts for found in AGENT_LINK.findall(text)]
        if not links:
            raise StepFailed("the agent has been given no t.me link yet")
        await self._send(f"/start {links[-1]}")

    async def _tap(self, target: Any, driver: ChatDriver | None = None) -> None:
        """`tap:` press a button by label or position, in the newest menu or the one named."""
        driver = driver or self.driver
        where = target.get("in") if isinstance(target, dict) else None
        target = target["button"] if isinstance(target, dict) else target
        message = self._message(driver, where, buttons=True)
        label, data = self._button(driver, message, target)
        self._say(f"[taps {label}]")
        self.last_query = await driver.press(message.message_id, data or "")
        if driver is self.driver:
            self.console.print_new()

    def _button(self, driver: ChatDriver, message: ChatMessage, target: Any) -> tuple[str, str]:
        """The first button of the message whose label contains `target` (or the `target`-th)."""
        buttons = [(label, data) for row in driver.emulator.buttons(message) for label, data in row]
        if isinstance(target, int) and not isinstance(target, bool):
            if target > len(buttons):
                raise StepFailed(f"there is no button {target}; the menu has {len(buttons)}")
            label, data = buttons[target - 1]
            return label, data or ""
        wanted = spaced(str(target))
        matches = [(label, data) for label, data in buttons if wanted in spaced(label)]
        if not matches:
            raise StepFailed(f"no button {str(target)!r}; buttons: {[b[0] for b in buttons]}")
        label, data = matches[0]
        return label, data or ""

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
            self.console.print_new()

        stop = STOPS[str(given.get("until", "booked"))]
        await answer_until(self.driver, stop, answers, answered=answered)

    async def _location(self, position: list[Any]) -> None:
        """`location:` the customer shares a position."""
        latitude, longitude = (float(part) for part in position)
        self._say(f"[shares the location {latitude}, {longitude}]")
        await self.driver.share_location(latitude, longitude)
        self.console.print_new()

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
        self.console.print_new()

    async def _capture(self, specs: dict[str, Any]) -> None:
        """`capture:` keep a button's label or a matched text for later placeholders."""
        for name, spec in specs.items():
            if isinstance(spec, str):
                spec = {"button": int(spec.split()[1])}
            message = self._message(self.driver, spec.get("in"), buttons="button" in spec)
            if "button" in spec:
                value = spaced(self._button(self.driver, message, spec["button"])[0])
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
        """`expect_calls:` how often meetergo received each path (optionally a method)."""
        for route, wanted in counts.items():
            method, _, path = route.rpartition(" ")
            calls = [
                call
                for call in self.world.sandbox.calls
                if call.path == path and (not method or call.method == method.upper())
            ]
            if len(calls) != wanted:
                raise StepFailed(
                    f"expected {wanted} calls of {route}, meetergo received {len(calls)}"
                )

    async def _press(self, data: str) -> None:
        """`press:` press raw callback data on the newest menu, as a forged button would."""
        message = self.driver.last_with_buttons()
        self._say(f"[presses raw {data!r}]")
        self.last_query = await self.driver.press(message.message_id, data)
        self.console.print_new()

    async def _expect(self, expected: dict[str, Any], driver: ChatDriver | None = None) -> None:
        """`expect:` the message's text, buttons and the tap's answer."""
        driver = driver or self.driver
        message = self._message(driver, expected.get("in"), buttons=False)
        labels = [spaced(label) for label in driver.labels(message)]
        shown = spaced(message.text or "")
        for text in as_list(expected.get("text")):
            if spaced(text) not in shown:
                raise StepFailed(f"expected text containing {text!r}, got {message.text!r}")
        for pattern in as_list(expected.get("matches")):
            if not re.search(pattern, shown):
                raise StepFailed(f"expected text matching {pattern!r}, got {message.text!r}")
        for label in as_list(expected.get("buttons")):
            if not any(spaced(label) in present for present in labels):
                raise StepFailed(f"expected a button {label!r}, buttons: {labels}")
        for label in as_list(expected.get("no_buttons")):
            if any(spaced(label) in present for present in labels):
                raise StepFailed(f"expected no button {label!r}, buttons: {labels}")
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
            actual = _field(body, path)
            if value is None:  # `null`: the booking has no such field, or it is null
                if actual is not _ABSENT and actual is not None:
                    raise StepFailed(f"booking {path}: expected none, got {actual!r}")
                continue
            if actual is _ABSENT:
                raise StepFailed(f"the booking has no field {path!r}")
            if path == "start" and isinstance(value, str) and _same_start(actual, value, body):
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
        self._say(f"[the bot restarts: {'SIGTERM' if how == 'term' else 'SIGKILL'}]")
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
        self.console.print_new()

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


def _same_start(actual: Any, expected: str, body: dict[str, Any]) -> bool:
    """Whether the booked start is `expected`: the same instant (ISO), or the same time as the
    customer read it on a button ("10:30 AM"), with or before it the date as the bot writes
    it ("Tuesday, December 8, 2026 10:30 AM"), in the attendee's zone and language."""
    try:
        start = datetime.fromisoformat(str(actual).replace("Z", "+00:00"))
    except ValueError:
        return False
    try:
        wanted = datetime.fromisoformat(expected.replace("Z", "+00:00"))
    except ValueError:
        attendee = body.get("attendee") or {}
        formatter = Formatter(
            str(attendee.get("language") or "en"), str(attendee.get("timezone") or DEFAULT_ZONE)
        )
        clock = spaced(formatter.time(start))
        day = spaced(formatter.full_date(formatter.local(start).date()))
        return spaced(expected).replace(",", "") in {
            clock,
            f"{day} {clock}".replace(",", ""),
        }
    return wanted.tzinfo is not None and wanted == start
