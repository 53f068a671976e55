"""Scripted conversations: a YAML file of customer steps and expectations, run in the offline world.

The format is documented in the README ("Scripted conversations"): a complete reference of
every section, step and key. A script names the customer, optionally sets the clock and shapes
the sandbox (team, failures), then lists steps; each step is one mapping with a single key
(STEP_KINDS). Scalars are read as they were written: `tap: 10:30` is the text "10:30", not
YAML 1.1's sexagesimal 630; only whole numbers (`tap: 2`) and true/false are read as values.
"""

from __future__ import annotations

import io
import re
import signal
import tempfile
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import yaml

from bot.language.i18n import Formatter, negotiate_language
from bot.sandbox.clock import DURATION, WorldClock, parse_clock, parse_duration
from bot.sandbox.console import Console
from bot.sandbox.scheduling import Host, SandboxScheduling
from bot.sandbox.scheduling_defaults import default_meeting_types
from bot.sandbox.script_text import WEEKDAY_NAMES, PlaceholderError, Placeholders, spaced
from bot.sandbox.telegram_state import ChatMessage
from bot.sandbox.world import ChatDriver, OfflineWorld, WorldError

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
STEP_KINDS = (
    "send",
    "tap",
    "press",
    "expect",
    "expect_booking",
    "expect_no_booking",
    "restart",
    "fail",
    "rival_books_first",
    "agent_send",
    "agent_tap",
    "agent_expect",
    "open_agent_link",
    "expect_document",
    "advance_clock",
    "location",
    "capture",
    "expect_calls",
)
AGENT_LINK = re.compile(r"https://t\.me/\S+\?start=([A-Za-z0-9_-]{1,64})")
# How late `fail: {kind: slow}` answers by default: past "still booking", within the offline
# world's meetergo timeouts (bot/sandbox/world.py, OFFLINE_WAITS), so the answer still counts.
SLOW_SECONDS = 1.5
EXPECT_KEYS = ("text", "matches", "buttons", "no_buttons", "answer", "in")
TAP_KEYS = ("button", "in")
CAPTURE_KEYS = ("button", "match", "in")
DEFAULT_ZONE = "Europe/Berlin"  # the bot's BOT_DEFAULT_TIMEZONE when a script sets none


class ScriptError(Exception):
    """The script itself is malformed; the message names file, line and what was expected."""


class StepFailed(AssertionError):
    """An expectation did not hold."""


@dataclass
class Step:
    kind: str
    value: Any
    line: int


@dataclass
class Script:
    path: Path
    name: str
    customer: dict[str, Any]
    hosts: list[Host] | None
    bot_env: dict[str, str]
    steps: list[Step] = field(default_factory=list)
    clock: datetime | None = None
    agent: dict[str, Any] | None = None  # a support agent (another Telegram user), if any


@dataclass
class Outcome:
    path: Path
    passed: bool
    transcript: str
    failure: str | None = None
    bookings: list[dict[str, Any]] = field(default_factory=list)


# --- loading ---------------------------------------------------------------------------------


_WHOLE_NUMBER = re.compile(r"0|[1-9][0-9]*")  # "09" stays text, as written


def _as_written(node: yaml.Node) -> Any:
    """A step's value with every scalar as it was written: whole numbers and true/false are
    values; everything else ("10:30", "1.5", "no") is text."""
    if isinstance(node, yaml.SequenceNode):
        return [_as_written(item) for item in node.value]
    if isinstance(node, yaml.MappingNode):
        return {str(key.value): _as_written(value) for key, value in node.value}
    text = str(node.value)
    if isinstance(node, yaml.ScalarNode) and node.style is not None:  # quoted: always text
        return text
    if _WHOLE_NUMBER.fullmatch(text):
        return int(text)
    if text in ("true", "True", "TRUE"):
        return True
    if text in ("false", "False", "FALSE"):
        return False
    if text in ("", "~", "null", "Null", "NULL"):
        return None
    return text


def _fail(path: Path, node: yaml.Node, message: str) -> ScriptError:
    return ScriptError(f"{path}:{node.start_mark.line + 1}: {message}")


def _mapping_items(node: yaml.Node) -> list[tuple[str, yaml.Node]]:
    if not isinstance(node, yaml.MappingNode):
        raise TypeError("not a mapping")
    return [(str(key.value), value) for key, value in node.value]


def load_script(path: Path) -> Script:
    """Read and check a script; ScriptError says where and what is wrong."""
    try:
        root = yaml.compose(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as error:
        raise ScriptError(f"{path}: not valid YAML: {error}") from None
    if not isinstance(root, yaml.MappingNode):
        raise ScriptError(f"{path}:1: expected a mapping with 'customer' and 'steps'")
    sections = dict(_mapping_items(root))
    unknown = set(sections) - {"name", "clock", "customer", "agent", "sandbox", "bot", "steps"}
    if unknown:
        key = sorted(unknown)[0]
        raise _fail(path, sections[key], f"unknown section {key!r}")
    if "steps" not in sections:
        raise ScriptError(f"{path}:1: a script needs 'steps'")
    # Read as written too: Norwegian's `language: no` is "no", not YAML 1.1's false.
    customer = _as_written(sections["customer"]) if "customer" in sections else {}
    if not isinstance(customer, dict):
        raise _fail(path, sections["customer"], "customer: expected a mapping")
    bot_env = _as_written(sections["bot"]) if "bot" in sections else {}
    if not isinstance(bot_env, dict):
        raise _fail(path, sections["bot"], "bot: expected a mapping of settings")
    zone = str(bot_env.get("BOT_DEFAULT_TIMEZONE", DEFAULT_ZONE))
    agent = _as_written(sections["agent"]) if "agent" in sections else None
    if agent is not None and not (isinstance(agent, dict) and isinstance(agent.get("id"), int)):
        raise _fail(path, sections["agent"], "agent: expected a mapping with a numeric id")
    return Script(
        path=path,
        name=str(_as_written(sections["name"])) if "name" in sections else path.stem,
        customer=customer,
        hosts=_load_hosts(path, sections["sandbox"]) if "sandbox" in sections else None,
        bot_env={str(k): str(v) for k, v in bot_env.items()},
        steps=_load_steps(path, sections["steps"]),
        clock=_load_clock(path, sections["clock"], zone) if "clock" in sections else None,
        agent=agent,
    )


_WEEKDAY_CLOCK = re.compile(
    rf"(?P<day>{'|'.join(WEEKDAY_NAMES)}) (?P<time>[0-9]{{1,2}}:[0-9]{{2}})(?: (?P<zone>\S+))?",
    re.IGNORECASE,
)


def _load_clock(path: Path, node: yaml.Node, zone: str) -> datetime:
    # The scalar as written: YAML would turn a bare 2026-12-07T09:00:00 into a naive datetime.
    if not isinstance(node, yaml.ScalarNode):
        raise _fail(path, node, "clock: expected a time like 2026-12-07T09:00 Europe/Berlin")
    text = str(node.value).strip()
    try:
        if match := _WEEKDAY_CLOCK.fullmatch(text):
            return _next_weekday_clock(match, zone)
        return parse_clock(text, zone)
    except ValueError as error:
        raise _fail(path, node, f"clock: {error}") from None


def _next_weekday_clock(match: re.Match[str], zone: str) -> datetime:
    """ "monday 09:00 Europe/Berlin": that time on the next such day (today if it is still to
    come), so the script always starts on a Monday morning whatever day it runs."""
    place = ZoneInfo(match["zone"] or zone)
    now = datetime.now(UTC).astimezone(place)
    hour, minute = (int(part) for part in match["time"].split(":"))
    ahead = (WEEKDAY_NAMES.index(match["day"].lower()) - now.weekday()) % 7
    candidate = datetime.combine(now.date() + timedelta(days=ahead), time(hour, minute), place)
    if candidate < now:
        candidate += timedelta(days=7)
    return candidate.astimezone(UTC)


def _load_steps(path: Path, node: yaml.Node) -> list[Step]:
    if not isinstance(node, yaml.SequenceNode):
        raise _fail(path, node, "steps: expected a list")
    steps = []
    for item in node.value:
        if not isinstance(item, yaml.MappingNode) or len(item.value) != 1:
            raise _fail(path, item, f"a step is one of {', '.join(STEP_KINDS)} with its value")
        [(kind, value)] = _mapping_items(item)
        if kind not in STEP_KINDS:
            raise _fail(
                path, item, f"unknown step {kind!r}; expected one of {', '.join(STEP_KINDS)}"
            )
        written = _as_written(value)
        if kind in ("send", "agent_send") and isinstance(written, int):
            written = str(value.value)  # `send: 15` types "15"
        step = Step(kind, written, item.start_mark.line + 1)
        _check_step(path, item, step)
        steps.append(step)
    return steps


def _check_step(path: Path, node: yaml.Node, step: Step) -> None:
    value = step.value
    problems = {
        "send": not isinstance(value, str) or not value,
        "tap": not _target(value),
        "press": not isinstance(value, str) or not value,
        "expect": not isinstance(value, dict) or not value or not set(value) <= set(EXPECT_KEYS),
        "location": not (
            isinstance(value, list)
            and len(value) == 2
            and all(_number(part) is not None for part in value)
        ),
        "capture": not isinstance(value, dict)
        or not value
        or not all(_capture_spec(spec) for spec in value.values()),
        "expect_calls": not isinstance(value, dict)
        or not value
        or not all(isinstance(count, int) for count in value.values()),
        "expect_booking": not isinstance(value, dict) or not value,
        "expect_no_booking": value is not True,
        "restart": value not in (True, "kill", "term"),
        "fail": not isinstance(value, dict) or ("status" not in value and "kind" not in value),
        "rival_books_first": value is not True,
        "agent_send": not isinstance(value, str) or not value,
        "agent_tap": not _target(value),
        "agent_expect": not isinstance(value, dict)
        or not value
        or not set(value) <= set(EXPECT_KEYS),
        "open_agent_link": value is not True,
        "expect_document": not isinstance(value, dict) or not set(value) <= {"name", "contains"},
        "advance_clock": not isinstance(value, str) or DURATION.match(value) is None,
    }
    hints = {
        "send": "the text to send",
        "tap": "a button label (text) or position (1, 2, …), or {button: …, in: …}",
        "location": "[latitude, longitude], e.g. [52.52, 13.40]",
        "capture": "names and what to keep: {slot: button 2} or {slot: {match: 'regex'}}",
        "expect_calls": 'paths and counts, e.g. {"/booking-availability/v2": 2}',
        "press": "raw callback data to press on the newest menu",
        "expect": f"a mapping with some of {', '.join(EXPECT_KEYS)}",
        "expect_booking": "a mapping of booking fields (e.g. attendee.email) to values",
        "expect_no_booking": "true",
        "restart": "true, kill or term",
        "fail": "a mapping with status (or kind), optional times and path",
        "rival_books_first": "true",
        "agent_send": "the text the agent sends",
        "agent_tap": "a button label (text) or position (1, 2, …) in the agent's chat",
        "agent_expect": f"a mapping with some of {', '.join(EXPECT_KEYS)}",
        "open_agent_link": "true",
        "expect_document": "a mapping with name and/or contains",
        "advance_clock": "a duration like 24h, 90m or 2d",
    }
    if problems[step.kind]:
        raise _fail(path, node, f"{step.kind}: expected {hints[step.kind]}")
    if step.kind in ("expect", "agent_expect"):
        both = set(_as_list(value.get("buttons"))) & set(_as_list(value.get("no_buttons")))
        if both:
            raise _fail(
                path,
                node,
                f"{step.kind}: {sorted(both)[0]!r} is under both buttons and "
                "no_buttons, so the check could never pass",
            )


def _target(value: Any) -> bool:
    """A button to tap: a label, a position, or {button: label or position, in: message}."""
    if isinstance(value, dict):
        return set(value) <= set(TAP_KEYS) and "button" in value and _target(value["button"])
    return (isinstance(value, str) and bool(value)) or (
        isinstance(value, int) and not isinstance(value, bool) and value > 0
    )


def _number(value: Any) -> float | None:
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


_BUTTON_SPEC = re.compile(r"button (\d+)")


def _capture_spec(spec: Any) -> bool:
    """ "button 2", or {button: 2 or label, in: …}, or {match: regex, in: …}."""
    if isinstance(spec, str):
        return _BUTTON_SPEC.fullmatch(spec.strip()) is not None
    if not isinstance(spec, dict) or not set(spec) <= set(CAPTURE_KEYS):
        return False
    return ("button" in spec) != ("match" in spec)


def _load_hosts(path: Path, node: yaml.Node) -> list[Host] | None:
    sandbox = _as_written(node)
    if not isinstance(sandbox, dict) or set(sandbox) - {"hosts"}:
        raise _fail(path, node, "sandbox: expected a mapping with 'hosts'")
    hosts = sandbox.get("hosts")
    if not isinstance(hosts, list) or not hosts:
        raise _fail(path, node, "sandbox.hosts: expected a list of hosts")
    try:
        return [_host(index, raw) for index, raw in enumerate(hosts)]
    except (KeyError, TypeError, ValueError) as error:
        raise _fail(path, node, f"sandbox.hosts: {error}") from None


def _host(index: int, raw: dict[str, Any]) -> Host:
    hours: dict[int, list[tuple[time, time]]] = {}
    for day, spans in (raw.get("hours") or {}).items():
        if day not in WEEKDAYS:
            raise ValueError(f"unknown weekday {day!r}; use {', '.join(WEEKDAYS)}")
        hours[WEEKDAYS.index(day)] = [_span(span) for span in str(spans).split(",")]
    return Host(
        id=str(raw.get("id") or f"host-{index + 1}"),
        name=str(raw["name"]),
        timezone=str(raw.get("timezone") or "Europe/Berlin"),
        weekly_hours=hours,
        holidays={date.fromisoformat(str(day)) for day in raw.get("holidays") or []},
    )


def _span(text: str) -> tuple[time, time]:
    start, _, end = text.strip().partition("-")
    return time.fromisoformat(start.strip()), time.fromisoformat(end.strip())


# --- running ---------------------------------------------------------------------------------


def _sandbox_for(script: Script, clock: WorldClock) -> SandboxScheduling:
    frozen = clock.sandbox_now
    if script.hosts is None:
        return SandboxScheduling(clock=frozen)
    types = default_meeting_types()
    for meeting_type in types:
        meeting_type.host_ids = [host.id for host in script.hosts]
        if meeting_type.user_id:
            meeting_type.user_id = script.hosts[0].id
    return SandboxScheduling(hosts=script.hosts, meeting_types=types, clock=frozen)


def _field(body: dict[str, Any], dotted: str) -> Any:
    value: Any = body
    for part in dotted.split("."):
        if not isinstance(value, dict) or part not in value:
            raise StepFailed(f"the booking has no field {dotted!r}")
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
        self.script = script
        self.world = world
        self.driver = driver
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
        self.transcript.write(f"\nyou: {text}\n")

    async def _send(self, text: str) -> None:
        self._say(text)
        await self.driver.send(text)
        self.console.print_new()

    def _agent(self) -> tuple[ChatDriver, Console]:
        if self.agent is None or self.agent_console is None:
            raise StepFailed("the script has no agent: add an agent: section")
        return self.agent, self.agent_console

    async def _agent_send(self, text: str) -> None:
        agent, console = self._agent()
        self.transcript.write(f"\nagent: {text}\n")
        await agent.send(text)
        console.print_new()

    async def _agent_tap(self, target: str | int) -> None:
        agent, console = self._agent()
        await self._tap(target, agent)
        console.print_new()

    async def _agent_expect(self, expected: dict[str, Any]) -> None:
        await self._expect(expected, self._agent()[0])

    async def _expect_document(self, expected: dict[str, Any]) -> None:
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
        for text in _as_list(expected.get("contains")):
            if text not in unfolded:
                raise StepFailed(f"expected the document to contain {text!r}")

    async def _advance_clock(self, spec: str) -> None:
        if self.world.world_clock is None:
            raise StepFailed("this world's clock cannot be moved")
        self._say(f"[{spec} pass; the bot restarts on the new clock]")
        self.world.world_clock.advance(parse_duration(spec))
        # What fell due meanwhile (a reminder, an idle booking closed) is done before the bot
        # takes messages again, so it is in the chat once the restart returns.
        await self.world.restart(signal.SIGTERM)
        self.console.print_new()

    async def _open_agent_link(self, _: bool) -> None:
        agent, _console = self._agent()
        texts = [message.text for message in agent.emulator.bot_messages(agent.user_id)]
        links = [found for text in texts for found in AGENT_LINK.findall(text)]
        if not links:
            raise StepFailed("the agent has been given no t.me link yet")
        await self._send(f"/start {links[-1]}")

    async def _tap(self, target: Any, driver: ChatDriver | None = None) -> None:
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

    async def _location(self, position: list[Any]) -> None:
        latitude, longitude = (float(part) for part in position)
        self._say(f"[shares the location {latitude}, {longitude}]")
        await self.driver.share_location(latitude, longitude)
        self.console.print_new()

    async def _capture(self, specs: dict[str, Any]) -> None:
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
        message = self.driver.last_with_buttons()
        self._say(f"[presses raw {data!r}]")
        self.last_query = await self.driver.press(message.message_id, data)
        self.console.print_new()

    async def _expect(self, expected: dict[str, Any], driver: ChatDriver | None = None) -> None:
        driver = driver or self.driver
        message = self._message(driver, expected.get("in"), buttons=False)
        labels = [spaced(label) for label in driver.labels(message)]
        shown = spaced(message.text or "")
        for text in _as_list(expected.get("text")):
            if spaced(text) not in shown:
                raise StepFailed(f"expected text containing {text!r}, got {message.text!r}")
        for pattern in _as_list(expected.get("matches")):
            if not re.search(pattern, shown):
                raise StepFailed(f"expected text matching {pattern!r}, got {message.text!r}")
        for label in _as_list(expected.get("buttons")):
            if not any(spaced(label) in present for present in labels):
                raise StepFailed(f"expected a button {label!r}, buttons: {labels}")
        for label in _as_list(expected.get("no_buttons")):
            if any(spaced(label) in present for present in labels):
                raise StepFailed(f"expected no button {label!r}, buttons: {labels}")
        for text in _as_list(expected.get("answer")):
            answer = driver.emulator.callback_answer(self.last_query or "") or {}
            if text not in str(answer.get("text", "")):
                raise StepFailed(f"expected the tap to be answered with {text!r}, got {answer}")

    async def _expect_booking(self, fields: dict[str, Any]) -> None:
        bookings = [b for b in self.world.sandbox.bookings if b.body]
        if not bookings:
            raise StepFailed("expected a booking, meetergo received none")
        body = bookings[-1].body
        for dotted, value in fields.items():
            actual = _field(body, dotted)
            if dotted == "start" and isinstance(value, str) and _same_start(actual, value, body):
                continue
            if actual != value and str(actual) != str(value):
                raise StepFailed(f"booking {dotted}: expected {value!r}, got {actual!r}")

    async def _expect_no_booking(self, _: bool) -> None:
        received = [b for b in self.world.sandbox.bookings if b.body]
        if received:
            raise StepFailed(f"expected no booking, meetergo received {len(received)}")

    async def _restart(self, how: bool | str) -> None:
        self._say(f"[the bot restarts: {'SIGTERM' if how == 'term' else 'SIGKILL'}]")
        # The last step returned once the bot had finished its answer (state committed): a
        # kill now must lose nothing.
        await self.world.restart(signal.SIGTERM if how == "term" else signal.SIGKILL)

    async def _fail(self, spec: dict[str, Any]) -> None:
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
        self.world.sandbox.rival_books_first()


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


def _as_list(value: Any) -> list[str]:
    if value is None:
        return []
    return [str(item) for item in value] if isinstance(value, list) else [str(value)]


async def run_script(path: Path, *, clock: datetime | None = None) -> Outcome:
    """Run one script in a fresh offline world and report pass or fail with a transcript.

    `clock` (aware) overrides the script's own `clock:`; without either, the world's clock
    is fixed when it starts.
    """
    script = load_script(path)
    profile = {
        "first_name": script.customer.get("first_name", "Ada"),
        "last_name": script.customer.get("last_name"),
        "language_code": script.customer.get("language", "en"),
    }
    with tempfile.TemporaryDirectory(prefix="meetergo-bot-script-") as workdir:
        world_clock = WorldClock(clock or script.clock or datetime.now(UTC))
        sandbox = _sandbox_for(script, world_clock)
        bot_env = dict(script.bot_env)
        if script.agent is not None:
            agents = [part for part in bot_env.get("BOT_AGENT_IDS", "").split(",") if part]
            bot_env["BOT_AGENT_IDS"] = ",".join([*agents, str(script.agent["id"])])
        world = OfflineWorld(
            Path(workdir), sandbox=sandbox, bot_env=bot_env, world_clock=world_clock
        )
        async with world:
            driver = ChatDriver(world.emulator, int(script.customer.get("id", 1001)), **profile)
            agent = None
            if script.agent is not None:
                agent = ChatDriver(
                    world.emulator,
                    int(script.agent["id"]),
                    first_name=script.agent.get("first_name", "Sam"),
                    last_name=script.agent.get("last_name"),
                    language_code=script.agent.get("language", "en"),
                )
            runner = Runner(script, world, driver, agent)
            failure: str | None = None
            try:
                await runner.play()
            except StepFailed as error:
                failure = str(error)
            violations = world.emulator.violations
            if failure is None and violations:
                failure = f"Telegram would have rejected: {violations[0].description}"
            bookings = [booking.body for booking in world.sandbox.bookings if booking.body]
            return Outcome(path, failure is None, runner.transcript.getvalue(), failure, bookings)
