"""What a script file holds and how it is read: sections, steps and their checked values.

The format is documented in the README ("Scripted conversations"): a complete reference of
every section, step and key. A script names the customer, optionally sets the clock and shapes
the sandbox (team, failures), then lists steps; each step is one mapping with a single key
(STEP_KINDS). Scalars are read as they were written: `tap: 10:30` is the text "10:30", not
YAML 1.1's sexagesimal 630; only whole numbers (`tap: 2`) and true/false are read as values.

Two steps stand for the host changing the newest booking in meetergo's web app (not through the
bot): `host_cancels: true` or `{reason: "Host is ill", repeat: 1}`, and `host_moves: 1h` (a
duration like 90m, -30m or 2d; negative moves it earlier) or `{by: -30m, repeat: 1}`. meetergo
then tells every webhook subscribed to the event (booking_cancelled, booking_rescheduled);
`repeat: N` sends each of those deliveries N extra times, as meetergo may.

Buttons under a message (`tap`, `buttons`) and the chat's reply keyboard are told apart:
`keyboard: "📍 Share my location"` (or a position, or `{button: …, exact: true, location:
[lat, lon], phone: …}`) presses a reply keyboard's button, and `expect: {keyboard: [...]}`
checks it (`[]`: none shown). `exact: true` (in a tap's mapping, or beside `buttons`,
`no_buttons`, `keyboard`) asks for whole labels. `expect_document` takes `index: -2` (the file
before the newest) and `capture: {uid: UID}` (a calendar line's value, kept as `{uid}`).

An agent's own chats (Telegram Business): `business:` connects the agent's account before the
first step; `customer_writes_to_agent`, `agent_writes` and `business_connection` act there,
and `expect_silence` checks that the bot said nothing (script_business.py). Those three steps
need the section, and the section an `agent:`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import yaml

from bot.sandbox import script_business as business
from bot.sandbox.clock import DURATION, parse_clock, parse_duration
from bot.sandbox.follow import STOPS
from bot.sandbox.scheduling_model import Host
from bot.sandbox.script_checks import (
    EXPECT_KEYS,
    document_spec,
    expect_spec,
    keyboard_spec,
    number,
    target,
)
from bot.sandbox.script_sandbox import SandboxSpec, read_sandbox
from bot.sandbox.script_text import DEFAULT_ZONE, WEEKDAY_NAMES, field_path

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
    "contact",
    "capture",
    "expect_calls",
    "book",
    "host_cancels",
    "host_moves",
    "keyboard",
    *business.STEP_KINDS,  # customer_writes_to_agent, agent_writes, business_connection, …
)
BOOK_KEYS = (
    "day",
    "time",
    "name",
    "email",
    "meeting_type",
    "duration",
    "channel",
    "place",
    "host",
    "address",
    "guests",
    "questions",
    "until",
)
BUTTON_ANSWERS = ("day", "time", "meeting_type", "duration", "channel", "place", "host")
CAPTURE_KEYS = ("button", "match", "in")
CONTACT_KEYS = ("phone", "own", "first_name", "last_name", "user_id")
HOST_CANCEL_KEYS = ("reason", "repeat")
HOST_MOVE_KEYS = ("by", "repeat")


class ScriptError(Exception):
    """The script itself is malformed; the message names file, line and what was expected."""


@dataclass
class Step:
    """One step of a script: its kind (a STEP_KINDS key), its value as written, its line."""

    kind: str
    value: Any
    line: int


@dataclass
class Script:
    """A script as read: the customer, the agent, the sandbox's team, settings and steps."""

    path: Path
    name: str
    customer: dict[str, Any]
    sandbox: SandboxSpec
    bot_env: dict[str, str]
    steps: list[Step] = field(default_factory=list)
    clock: datetime | None = None
    agent: dict[str, Any] | None = None  # a support agent (another Telegram user), if any
    # The `questions:` section as YAML text: the bot's BOT_QUESTIONS file (the runner writes it).
    questions: str | None = None
    # The agent's Telegram Business account connected to the bot: {can_reply, enabled}.
    business: dict[str, bool] | None = None

    @property
    def hosts(self) -> list[Host] | None:
        """The sandbox's team, None for the default one."""
        return self.sandbox.hosts


# `business`: the agent's Telegram Business account connected to the bot (script_business.py).
SECTIONS: tuple[str, ...] = ("name", "clock", "customer", "agent", "business", "sandbox", "bot")
SECTIONS += ("questions", "steps")
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
    """The error for a script's node: file and line, then what is wrong."""
    return ScriptError(f"{path}:{node.start_mark.line + 1}: {message}")


def _mapping_items(node: yaml.Node) -> list[tuple[str, yaml.Node]]:
    """A mapping node's keys (as text) and value nodes, in the order written."""
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
    unknown = set(sections) - {*SECTIONS}
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
    steps = _load_steps(path, sections["steps"])
    rights = _load_business(path, sections, steps)
    return Script(
        path=path,
        name=str(_as_written(sections["name"])) if "name" in sections else path.stem,
        customer=customer,
        sandbox=_load_sandbox(path, sections["sandbox"])
        if "sandbox" in sections
        else SandboxSpec(),
        bot_env={str(k): str(v) for k, v in bot_env.items()},
        steps=steps,
        clock=_load_clock(path, sections["clock"], zone) if "clock" in sections else None,
        agent=agent,
        questions=_load_questions(path, sections.get("questions"), bot_env),
        business=rights,
    )


def _load_business(
    path: Path, sections: dict[str, yaml.Node], steps: list[Step]
) -> dict[str, bool] | None:
    """The `business:` section: the rights the agent's connection starts with (both true by
    default); it needs an agent, and the steps in an agent's chats need it."""
    node = sections.get("business")
    if node is None:
        needing = next((step for step in steps if step.kind in business.NEED_SECTION), None)
        if needing is not None:
            raise ScriptError(f"{path}:{needing.line}: {needing.kind}: {business.NO_SECTION}")
        return None
    given = _as_written(node)
    problem = business.rights_problem(given, "business", empty=True)
    if problem is not None or "agent" not in sections:
        raise _fail(path, node, problem or business.NO_AGENT)
    return {key: given.get(key, True) for key in business.RIGHTS}


def _load_questions(path: Path, node: yaml.Node | None, bot_env: dict[str, Any]) -> str | None:
    """The `questions:` section as the YAML text of a BOT_QUESTIONS file (the bot checks it
    when it starts)."""
    if node is None:
        return None
    if not isinstance(node, yaml.MappingNode):
        raise _fail(path, node, "questions: expected a mapping of meeting type ids to questions")
    if "BOT_QUESTIONS" in bot_env:
        raise _fail(path, node, "questions: the bot's BOT_QUESTIONS is set too; give one of them")
    return yaml.serialize(node, allow_unicode=True)


_WEEKDAY_CLOCK = re.compile(
    rf"(?P<day>{'|'.join(WEEKDAY_NAMES)}) (?P<time>[0-9]{{1,2}}:[0-9]{{2}})(?: (?P<zone>\S+))?",
    re.IGNORECASE,
)


def _load_clock(path: Path, node: yaml.Node, zone: str) -> datetime:
    """The `clock:` section as an aware instant: a date and time, or a weekday and time."""
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


# --- steps -----------------------------------------------------------------------------------


def _load_steps(path: Path, node: yaml.Node) -> list[Step]:
    """The `steps:` list, each step checked against what its kind expects."""
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
        if kind in ("send", "agent_send", "contact", *business.TYPED) and isinstance(written, int):
            written = str(value.value)  # `send: 15` types "15", a phone keeps its digits
        step = Step(kind, written, item.start_mark.line + 1)
        _check_step(path, item, step)
        steps.append(step)
    return steps


# What each kind of step expects, said when a value does not fit.
_HINTS = {
    "send": "the text to send",
    "tap": "a button label (text) or position (1, 2, …), or {button: …, exact: true, in: …}",
    "keyboard": "a label or position of the reply keyboard's buttons, or {button: …, exact: "
    "true, location: [latitude, longitude], phone: …}",
    "location": "[latitude, longitude], e.g. [52.52, 13.40]",
    "contact": 'a phone number ("+49 30 1234567": the customer\'s own), or '
    f"a mapping with phone and some of {', '.join(CONTACT_KEYS[1:])}",
    "capture": "names and what to keep: {slot: button 2} or {slot: {match: 'regex'}}",
    "expect_calls": "paths and counts, e.g. "
    '{"/booking-availability/v2": 2, "POST /v4/appointment/*/cancel": 1}',
    "press": "raw callback data to press on the newest menu",
    "expect": f"a mapping with some of {', '.join(EXPECT_KEYS)} (exact: true or false, "
    "with buttons, no_buttons or keyboard)",
    "expect_booking": "a mapping of booking fields (attendee.email, "
    'attendee.notes["What would you like to discuss?"]) to values',
    "expect_no_booking": "true",
    "restart": "true, kill or term",
    "fail": "a mapping with status (or kind), optional times and path",
    "rival_books_first": "true",
    "agent_send": "the text the agent sends",
    "agent_tap": "a button label (text) or position (1, 2, …) in the agent's chat",
    "agent_expect": f"a mapping with some of {', '.join(EXPECT_KEYS)} (exact: true or false, "
    "with buttons, no_buttons or keyboard)",
    "open_agent_link": "true",
    "expect_document": "a mapping with some of name, contains, index (-1: the newest file, "
    "-2 the one before, …) and capture ({uid: UID}: a calendar line's value as {uid})",
    "advance_clock": "a duration like 24h, 90m or 2d",
    "book": f"true, or a mapping with some of {', '.join(BOOK_KEYS)}; until is one of "
    f"{', '.join(STOPS)}",
    "host_cancels": "true, or a mapping with some of reason (a text) and repeat (0, 1, …), "
    'e.g. {reason: "Host is ill", repeat: 1}',
    "host_moves": "a duration like 1h, -30m or 2d (not 0), or {by: <duration>, repeat: 0, 1, …}",
}


def _check_step(path: Path, node: yaml.Node, step: Step) -> None:
    """Refuse a step whose value does not fit its kind, or whose checks could never pass."""
    value = step.value
    if step.kind in business.STEP_KINDS:
        problem = business.step_problem(step.kind, value)
        if problem is not None:
            raise _fail(path, node, problem)
        return
    problems = {
        "send": not isinstance(value, str) or not value,
        "tap": not target(value),
        "press": not isinstance(value, str) or not value,
        "expect": not expect_spec(value),
        "location": not (
            isinstance(value, list)
            and len(value) == 2
            and all(number(part) is not None for part in value)
        ),
        "capture": not isinstance(value, dict)
        or not value
        or not all(_capture_spec(spec) for spec in value.values()),
        "expect_calls": not isinstance(value, dict)
        or not value
        or not all(isinstance(count, int) for count in value.values()),
        "expect_booking": not isinstance(value, dict)
        or not value
        or not all(_is_path(key) for key in value),
        "contact": not _contact_spec(value),
        "expect_no_booking": value is not True,
        "restart": value not in (True, "kill", "term"),
        "fail": not isinstance(value, dict) or ("status" not in value and "kind" not in value),
        "rival_books_first": value is not True,
        "agent_send": not isinstance(value, str) or not value,
        "agent_tap": not target(value),
        "agent_expect": not expect_spec(value),
        "open_agent_link": value is not True,
        "expect_document": not document_spec(value),
        "advance_clock": not isinstance(value, str) or DURATION.match(value) is None,
        "book": not _book_spec(value),
        "host_cancels": not _host_cancel_spec(value),
        "host_moves": not _host_move_spec(value),
        "keyboard": not keyboard_spec(value),
    }
    if problems[step.kind]:
        raise _fail(path, node, f"{step.kind}: expected {_HINTS[step.kind]}")
    if step.kind in ("expect", "agent_expect"):
        both = set(as_list(value.get("buttons"))) & set(as_list(value.get("no_buttons")))
        if both:
            raise _fail(
                path,
                node,
                f"{step.kind}: {sorted(both)[0]!r} is under both buttons and "
                "no_buttons, so the check could never pass",
            )


def _book_spec(value: Any) -> bool:
    """`book:` true, or answers by step and where to stop."""
    if value is True:
        return True
    if not isinstance(value, dict) or not set(value) <= set(BOOK_KEYS):
        return False
    buttons_ok = all(value.get(key) is None or target(value[key]) for key in BUTTON_ANSWERS)
    questions = value.get("questions", {})
    guests = value.get("guests") or []
    return (
        buttons_ok
        and isinstance(guests, list)
        and all(isinstance(guest, str) for guest in guests)
        and value.get("until", "booked") in STOPS
        and isinstance(questions, dict)
        and all(isinstance(key, str) for key in questions)
    )


def _host_cancel_spec(value: Any) -> bool:
    """`host_cancels:` true, or {reason: text, repeat: 0, 1, …} (both optional)."""
    if value is True:
        return True
    return (
        isinstance(value, dict)
        and set(value) <= set(HOST_CANCEL_KEYS)
        and isinstance(value.get("reason", ""), str)
        and _repeat_spec(value)
    )


def _host_move_spec(value: Any) -> bool:
    """`host_moves:` a signed duration, or {by: duration, repeat: 0, 1, …}."""
    if isinstance(value, dict):
        return (
            set(value) <= set(HOST_MOVE_KEYS)
            and _host_move_spec(value.get("by"))
            and _repeat_spec(value)
        )
    try:
        return bool(parse_offset(value))
    except ValueError:
        return False


def _repeat_spec(value: dict[str, Any]) -> bool:
    """A mapping's `repeat:`, when given, is a whole number of extra deliveries."""
    repeat = value.get("repeat", 0)
    return isinstance(repeat, int) and not isinstance(repeat, bool) and repeat >= 0


_SIGN = re.compile(r"^\s*(?P<sign>[+-]?)(?P<size>.*)$")


def parse_offset(text: Any) -> timedelta:
    """Read a signed duration ("1h", "+90m", "-30m", "2d"); ValueError when it is none."""
    if not isinstance(text, str):
        raise ValueError(f"a duration is written like 1h, -30m or 2d, not {text!r}")
    found = _SIGN.match(text)
    size = parse_duration(found["size"] if found else text)
    return -size if found and found["sign"] == "-" else size


def _is_path(key: str) -> bool:
    """A booking field's path: dotted names, bracketed quoted keys and positions."""
    try:
        field_path(key)
    except ValueError:
        return False
    return True


def _contact_spec(value: Any) -> bool:
    """A phone number, or {phone: …, own: true/false, first_name, last_name, user_id}."""
    if isinstance(value, dict):
        phone = value.get("phone")
        return (
            set(value) <= set(CONTACT_KEYS)
            and isinstance(phone, str | int)
            and bool(str(phone).strip())
            and value.get("own", True) in (True, False)
            and (value.get("user_id") is None or isinstance(value.get("user_id"), int))
        )
    return isinstance(value, str) and bool(value.strip())


_BUTTON_SPEC = re.compile(r"button (\d+)")


def _capture_spec(spec: Any) -> bool:
    """ "button 2", or {button: 2 or label, in: …}, or {match: regex, in: …}."""
    if isinstance(spec, str):
        return _BUTTON_SPEC.fullmatch(spec.strip()) is not None
    if not isinstance(spec, dict) or not set(spec) <= set(CAPTURE_KEYS):
        return False
    return ("button" in spec) != ("match" in spec)


# --- the sandbox ----------------------------------------------------------------------------


def _load_sandbox(path: Path, node: yaml.Node) -> SandboxSpec:
    """The `sandbox:` section: team, data fields, meeting types' questions (script_sandbox.py)."""
    try:
        return read_sandbox(_as_written(node))
    except ValueError as error:
        raise _fail(path, node, str(error)) from None


def as_list(value: Any) -> list[str]:
    """A value that may be one text or a list of them, as a list of texts."""
    if value is None:
        return []
    return [str(item) for item in value] if isinstance(value, list) else [str(value)]
