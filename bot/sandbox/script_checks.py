"""What a script's steps look at, and the rules they compare by: buttons, reply keyboards,
meetergo's calls, calendar files, booking fields.

**Buttons.** A label given in a script (`tap`, `buttons`, `no_buttons`, `keyboard`, `capture`)
is compared after `spaced` (every kind of space a plain one). A button whose whole label is the
text wins; otherwise exactly one button's label must contain it: where several do (and none is
the text), the step fails naming them all, so "2:00 PM" never taps "12:00 PM". `exact: true`
asks for the whole label. `no_buttons` holds only where no label is or contains the text (with
`exact: true`: where none is it).

**Inline buttons and the reply keyboard.** Taps, `press`, `capture` and `buttons:` look at inline
buttons (under a message) only. The reply keyboard (Telegram's `keyboard`, under the input field:
"📍 Share my location") belongs to the chat: the one the bot's newest message that set a
keyboard or removed it left there (a one-time keyboard the customer used is still there, as in
Telegram, behind its button).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any, TypeVar

from bot.language.i18n import Formatter
from bot.sandbox.business_driver import BusinessChatDriver
from bot.sandbox.script_text import DEFAULT_ZONE, field_path, spaced
from bot.sandbox.telegram_markup import is_inline
from bot.sandbox.telegram_state import ChatMessage
from bot.sandbox.world import ChatDriver

T = TypeVar("T")

EXPECT_KEYS = (
    "text",
    "no_text",
    "matches",
    "buttons",
    "no_buttons",
    "keyboard",
    "exact",
    "answer",
    "in",
)
TAP_KEYS = ("button", "exact", "in")
KEYBOARD_KEYS = ("button", "exact", "location", "phone")
DOCUMENT_KEYS = ("name", "contains", "index", "capture")


class StepFailed(AssertionError):
    """An expectation did not hold."""


# --- buttons ------------------------------------------------------------------------------------


def inline_buttons(message: ChatMessage) -> list[tuple[str, str]]:
    """(label, callback data) of the message's inline buttons, row by row (a URL button's
    data is empty); none for a message with a reply keyboard."""
    markup = message.reply_markup
    if markup is None or not is_inline(markup):
        return []
    return [
        (str(button.get("text", "")), str(button.get("callback_data") or ""))
        for row in markup["inline_keyboard"]
        for button in row
    ]


def newest_menu(messages: Iterable[ChatMessage]) -> ChatMessage:
    """The newest message (not deleted) with inline buttons."""
    for message in reversed(list(messages)):
        if not message.deleted and inline_buttons(message):
            return message
    raise StepFailed("no message with inline buttons in this chat")


def _quoted(labels: Iterable[str]) -> str:
    return ", ".join(f'"{label}"' for label in labels)


def _named(labels: Sequence[str], wanted: str, *, exact: bool) -> list[int]:
    """The positions of the labels `wanted` names: the first equal to it; else (not with
    `exact`) every one containing it."""
    text = spaced(wanted)
    equal = [index for index, label in enumerate(labels) if spaced(label) == text]
    if equal or exact:
        return equal[:1]
    return [index for index, label in enumerate(labels) if text in spaced(label)]


def _ambiguous(step: str, wanted: str, labels: Iterable[str]) -> StepFailed:
    found = list(labels)
    return StepFailed(
        f'{step} "{wanted}": {len(found)} buttons contain it and none is exactly it: '
        f"{_quoted(found)}; write the whole label"
    )


def pick(
    buttons: Sequence[tuple[str, T]], wanted: str, *, exact: bool = False, step: str = "tap"
) -> tuple[str, T]:
    """The button `wanted` names: the one whose label is it, else the only one containing it
    (not with `exact`). StepFailed names the buttons when there is none, or several."""
    labels = [label for label, _ in buttons]
    found = _named(labels, wanted, exact=exact)
    if not found:
        raise StepFailed(f"no button {'exactly ' if exact else ''}{wanted!r}; buttons: {labels}")
    if len(found) > 1:
        raise _ambiguous(step, wanted, (labels[index] for index in found))
    return buttons[found[0]]


def find(
    buttons: Sequence[tuple[str, T]], given: Any, *, exact: bool = False, step: str = "tap"
) -> tuple[str, T]:
    """The button a step names: by position (a whole number) or by label (see pick)."""
    if isinstance(given, int) and not isinstance(given, bool):
        if not 0 < given <= len(buttons):
            raise StepFailed(f"there is no button {given}; the menu has {len(buttons)}")
        return buttons[given - 1]
    return pick(buttons, str(given), exact=exact, step=step)


def check_labels(
    labels: Sequence[str],
    present: Iterable[str],
    absent: Iterable[str],
    *,
    exact: bool = False,
    what: str = "button",
) -> None:
    """Each of `present` names one label (see pick); none of `absent` is a label or in one
    (with `exact`: is one)."""
    for label in present:
        found = _named(labels, label, exact=exact)
        if not found:
            raise StepFailed(f"expected a {what} {label!r}, {what}s: {list(labels)}")
        if len(found) > 1:
            raise _ambiguous(f"{what}s", label, (labels[index] for index in found))
    for label in absent:
        text = spaced(label)
        hits = [
            shown
            for shown in labels
            if spaced(shown) == text or (not exact and text in spaced(shown))
        ]
        if hits:
            raise StepFailed(f"expected no {what} {label!r}, found {_quoted(hits)}")


class ExactTaps(ChatDriver):
    """The customer's chat as `book:` drives it, its taps by label following the rules above
    (bot/sandbox/follow.py taps the labels it is given, or the n-th label of the menu)."""

    def __init__(self, driver: ChatDriver) -> None:  # the same chat: no user is added
        self.__dict__.update(vars(driver))

    @staticmethod
    def of(driver: ChatDriver) -> ChatDriver:
        """`driver`'s chat as `book:` drives it: the bot's own, or one with an agent."""
        if isinstance(driver, BusinessChatDriver):
            return BusinessExactTaps(driver)
        return ExactTaps(driver)

    async def tap(self, label: str, *, message_id: int | None = None) -> str:
        """Tap the button `label` names on the newest menu (or message `message_id`)."""
        messages = self.bot_messages()
        menu = newest_menu(m for m in messages if message_id in (None, m.message_id))
        _, data = pick(inline_buttons(menu), label, step="book")
        return await self.press(menu.message_id, data)


class BusinessExactTaps(ExactTaps, BusinessChatDriver):
    """The customer's chat with an agent as `book:` drives it (script_business.py)."""


# --- the reply keyboard -------------------------------------------------------------------------


def reply_keyboard(messages: Iterable[ChatMessage]) -> list[dict[str, Any]]:
    """The buttons of the chat's reply keyboard (none when there is none)."""
    keyboard: list[dict[str, Any]] = []
    for message in messages:
        markup = message.reply_markup or {}
        if "keyboard" in markup:
            keyboard = [
                button if isinstance(button, dict) else {"text": str(button)}
                for row in markup["keyboard"]
                for button in row
            ]
        elif markup.get("remove_keyboard") is True:
            keyboard = []
    return keyboard


def check_keyboard(keys: Sequence[str], wanted: Sequence[str], *, exact: bool) -> None:
    """The chat's reply keyboard has the buttons `wanted` names; `[]`: there is none."""
    if not wanted and keys:
        raise StepFailed(f"expected no reply keyboard, the chat shows {list(keys)}")
    if wanted and not keys:
        raise StepFailed(f"expected a reply keyboard with {list(wanted)}, the chat shows none")
    check_labels(keys, wanted, [], exact=exact, what="keyboard button")


# --- meetergo's calls ---------------------------------------------------------------------------


def route_matcher(route: str) -> tuple[str, re.Pattern[str]]:
    """The method (upper case, "" for any) and a pattern for the path of an `expect_calls`
    key: "POST /v4/appointment/*/cancel", where `*` stands for any text within one segment."""
    method, _, path = route.strip().rpartition(" ")
    parts = (re.escape(part) for part in path.split("*"))
    return method.upper(), re.compile("[^/]+".join(parts))


def count_calls(calls: Iterable[Any], route: str) -> list[str]:
    """The calls (as "METHOD path") of `calls` that `route` names."""
    method, pattern = route_matcher(route)
    return [
        f"{call.method} {call.path}"
        for call in calls
        if pattern.fullmatch(call.path) and (not method or call.method == method)
    ]


# --- calendar files -----------------------------------------------------------------------------


def sent_file(messages: Sequence[ChatMessage], index: int) -> dict[str, Any]:
    """The file the bot sent at `index` among its files in the chat (-1: the newest)."""
    files = [message.document for message in messages if message.document]
    if not files:
        raise StepFailed("expected a document, the bot sent none")
    if not -len(files) <= index < 0:
        raise StepFailed(f"index: {index}: the bot sent {len(files)} documents")
    return files[index] or {}


def unfolded(data: bytes) -> str:
    """A text file's content with iCalendar's folded lines joined, and plain newlines."""
    content = data.decode("utf-8", errors="replace")
    return content.replace("\r\n ", "").replace("\r\n", "\n")


def ics_value(content: str, name: str) -> str | None:
    """The value of an iCalendar property ("UID", "DTSTART"), its first line; None where the
    file has none. Parameters (";TZID=…") are skipped."""
    wanted = name.strip().upper()
    for line in content.split("\n"):
        key, colon, value = line.partition(":")
        if colon and key.split(";")[0].strip().upper() == wanted:
            return value.strip()
    return None


# --- booking fields -----------------------------------------------------------------------------

ABSENT = object()


def field(body: dict[str, Any], path: str) -> Any:
    """The booking body's value at a path ("attendee.email", "hostIds[0]",
    'attendee.notes["Company size (approx.)"]'); ABSENT where there is none."""
    value: Any = body
    for part in field_path(path):
        in_list = isinstance(part, int) and isinstance(value, list) and part < len(value)
        if not in_list and not (isinstance(value, dict) and part in value):
            return ABSENT
        value = value[part]
    return value


def same_start(actual: Any, expected: str, body: dict[str, Any]) -> bool:
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


# --- step values (script_format.py refuses a step whose value does not fit) --------------------


def target(value: Any, keys: tuple[str, ...] = TAP_KEYS) -> bool:
    """A button to tap: a label, a position, or {button: label or position, exact: true,
    in: message}."""
    if isinstance(value, dict):
        return (
            set(value) <= set(keys)
            and "button" in value
            and target(value["button"])
            and value.get("exact", False) in (True, False)
        )
    return (isinstance(value, str) and bool(value)) or (
        isinstance(value, int) and not isinstance(value, bool) and value > 0
    )


def number(value: Any) -> float | None:
    """The value as a number, None when it is none (a location's latitude or longitude)."""
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def expect_spec(value: Any) -> bool:
    """`expect:` what to check; `exact:` (true or false) goes with labels to compare."""
    if not isinstance(value, dict) or not value or not set(value) <= set(EXPECT_KEYS):
        return False
    labels = any(key in value for key in ("buttons", "no_buttons", "keyboard"))
    return "exact" not in value or (value["exact"] in (True, False) and labels)


def keyboard_spec(value: Any) -> bool:
    """`keyboard:` a reply keyboard's button, where a location is shared from, which number."""
    if not target(value, KEYBOARD_KEYS):
        return False
    given = value if isinstance(value, dict) else {}
    where, phone = given.get("location", [0, 0]), given.get("phone", "+")
    return (
        isinstance(where, list)
        and len(where) == 2
        and all(number(part) is not None for part in where)
        and isinstance(phone, str | int)
    )


_CAPTURE_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_NEGATIVE = re.compile(r"-[1-9][0-9]*")


def document_spec(value: Any) -> bool:
    """`expect_document:` name, contains, index (-1, -2, …), capture ({name: PROPERTY})."""
    if not isinstance(value, dict) or not set(value) <= set(DOCUMENT_KEYS):
        return False
    capture = value.get("capture", {})
    return (
        _NEGATIVE.fullmatch(str(value.get("index", -1))) is not None
        and isinstance(capture, dict)
        and all(
            _CAPTURE_NAME.fullmatch(name) is not None and isinstance(line, str) and line.strip()
            for name, line in capture.items()
        )
    )
