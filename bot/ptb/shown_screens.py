"""What a chat's turn shows the customer: written down before it is sent, recognised when the
turn is cut short and its update is handled again.

A turn commits its chat's state once its update is handled. A kill between a screen reaching
Telegram and that commit leaves the customer looking at a step the stored state has not
reached; their next answer would be read against the step before, and they would be asked
again. On a store that records it (SQLite, `StateStore.records_shown`), every Bot API request
of the turn that changes its chat is therefore written down first, as a digest (`Recorder`).
The chat's next update finds the update unfinished and handles it again first (`Replay`),
and what its first run already did is not done twice:

* the replayed press is not answered again (its spinner stopped, or it is too old by now);
* a screen the customer then pressed a button of is drawn on that very message (a new
  message becomes an edit of it), and the press is moved to the same button of the redrawn
  screen, whose payload carries the new menu;
* a request its first run made exactly so is not repeated: an edit or deletion is already
  done (but on the message the customer pressed, which evidently shows something else); a
  message without buttons is already there (its id was lost with the process, and with
  nothing to press on it nothing will need it: the stand-in's id is 0, which no message has);
* anything past what its first run reached is done as usual.

The requests pass through `through`, called for each of them by the bot's rate limiter.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
from collections.abc import Awaitable, Callable, Iterator
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Final

from telegram import InlineKeyboardMarkup, InputFile, Message, TelegramObject, Update
from telegram.ext import ExtBot

from bot.ptb.plain import plain_object
from bot.storage.chat_store import StateStore

__all__ = ["Recorder", "Replay", "moved_press", "recording", "replaying", "through"]

Result = Any  # what a Bot API request returns: True, or the result object's JSON
Send = Callable[[], Awaitable[Result]]
Keyboard = tuple[tuple[str, ...], ...]

_ANSWER: Final = "answerCallbackQuery"
# Requests that put something in the chat, change it or take it away.
_SHOWING: Final = ("send", "edit", "delete", "copy", "forward")
_ADDING: Final = ("send", "copy", "forward")


def shows(endpoint: str) -> bool:
    """Whether a Bot API method changes what a chat shows."""
    return endpoint.startswith(_SHOWING) and endpoint != "sendChatAction"


def digest(endpoint: str, data: dict[str, Any]) -> str:
    """A request's identity: the method and every parameter, as sent."""
    text = json.dumps([endpoint, _plain(data)], sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def _plain(value: object) -> object:
    if isinstance(value, TelegramObject):
        return plain_object(value)
    if isinstance(value, InputFile):
        content = value.input_file_content
        if not isinstance(content, bytes):  # a stream: read once by the request, not here
            return {"file": value.filename}
        return {"file": value.filename, "sha256": hashlib.sha256(content).hexdigest()}
    if isinstance(value, dict):
        return {str(key): _plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    if isinstance(value, datetime):
        return value.isoformat()
    return value


def _keyboard(markup: object) -> Keyboard:
    """The button labels of an inline keyboard, row by row (empty: none)."""
    if not isinstance(markup, InlineKeyboardMarkup):
        return ()
    return tuple(tuple(button.text for button in row) for row in markup.inline_keyboard)


def _presses(markup: object) -> bool:
    """Whether a keyboard has a button that sends the bot a press."""
    return isinstance(markup, InlineKeyboardMarkup) and any(
        button.callback_data is not None for row in markup.inline_keyboard for button in row
    )


class _Screens:
    """What the requests of one turn pass through."""

    chat_id: int
    done = False  # the turn is over (a task it left behind may still send)

    def concerns(self, data: dict[str, Any]) -> bool:
        return not self.done and str(data.get("chat_id")) == str(self.chat_id)

    async def request(self, endpoint: str, data: dict[str, Any], send: Send) -> Result:
        raise NotImplementedError


@dataclass(eq=False)
class Recorder(_Screens):
    """An update's turn on a store that records what it shows: each request that changes the
    chat is written down (with the update) before it is sent."""

    store: StateStore
    chat_id: int
    update_id: int
    payload: str
    shown: list[str] = field(default_factory=list)
    # One write at a time, so the row ends with every request written, in the order made.
    _writing: asyncio.Lock = field(default_factory=asyncio.Lock, init=False)

    async def request(self, endpoint: str, data: dict[str, Any], send: Send) -> Result:
        if shows(endpoint) and self.concerns(data):
            async with self._writing:
                self.shown.append(digest(endpoint, data))
                shown = tuple(self.shown)
                await self.store.showing(self.chat_id, self.update_id, self.payload, shown)
        return await send()


@dataclass(eq=False)
class Replay(_Screens):
    """An update handled again after its turn was cut short, having shown `shown`."""

    bot: ExtBot[Any]
    chat_id: int
    shown: tuple[str, ...]
    answered: str | None = None  # the replayed press, already answered
    pressed: Message | None = None  # the message the customer has pressed since
    pressed_data: str | None = None
    moved_data: str | None = None  # the press, moved onto the redrawn screen
    chat_type: str = "private"
    _seen: int = field(default=0, init=False)  # requests that change the chat, so far
    _redirecting: bool = field(default=False, init=False)

    async def request(self, endpoint: str, data: dict[str, Any], send: Send) -> Result:
        answer = data.get("callback_query_id") if endpoint == _ANSWER else None
        if answer is not None and answer == self.answered:
            return True
        if self._redirecting or not shows(endpoint) or not self.concerns(data):
            return await send()
        position, self._seen = self._seen, self._seen + 1
        if position >= len(self.shown):
            return await send()  # its first run never got this far
        if self._lands_on_pressed(endpoint, data):
            return await self._onto_pressed(endpoint, data, send)
        if endpoint.startswith(("edit", "delete")) and self._targets_pressed(data):
            return await send()  # the pressed message shows something else: not done yet
        if digest(endpoint, data) == self.shown[position]:
            if not endpoint.startswith(_ADDING):
                return True  # edited or deleted exactly so already
            if endpoint == "sendMessage" and not _presses(data.get("reply_markup")):
                return self._stand_in(data)
        return await send()

    def _targets_pressed(self, data: dict[str, Any]) -> bool:
        pressed = self.pressed
        return pressed is not None and str(data.get("message_id")) == str(pressed.message_id)

    def _lands_on_pressed(self, endpoint: str, data: dict[str, Any]) -> bool:
        """Whether the request shows the screen the customer pressed a button of."""
        if self.pressed is None or self.pressed_data is None:
            return False
        keyboard = _keyboard(data.get("reply_markup"))
        if not keyboard or keyboard != _keyboard(self.pressed.reply_markup):
            return False
        return endpoint == "sendMessage" or (
            endpoint == "editMessageText" and self._targets_pressed(data)
        )

    async def _onto_pressed(self, endpoint: str, data: dict[str, Any], send: Send) -> Result:
        pressed = self.pressed
        assert pressed is not None
        self._move_press(data["reply_markup"])
        if endpoint != "sendMessage":
            return await send()
        self._redirecting = True  # the edit below is this request, not the replay's next
        try:
            edited = await self.bot.edit_message_text(
                data["text"],
                chat_id=self.chat_id,
                message_id=pressed.message_id,
                parse_mode=data.get("parse_mode"),
                entities=data.get("entities"),
                link_preview_options=data.get("link_preview_options"),
                reply_markup=data["reply_markup"],
            )
        finally:
            self._redirecting = False
        return edited.to_dict() if isinstance(edited, Message) else edited

    def _move_press(self, markup: InlineKeyboardMarkup) -> None:
        """Find the pressed button's place on the old screen; take the new one's payload."""
        pressed = self.pressed
        assert pressed is not None
        assert isinstance(pressed.reply_markup, InlineKeyboardMarkup)
        for row, buttons in enumerate(pressed.reply_markup.inline_keyboard):
            for column, button in enumerate(buttons):
                if button.callback_data == self.pressed_data:
                    moved = markup.inline_keyboard[row][column].callback_data
                    self.moved_data = moved if isinstance(moved, str) else None
                    return

    def _stand_in(self, data: dict[str, Any]) -> Result:
        """The message its first run sent exactly so, as far as the bot can know it."""
        return {
            "message_id": 0,
            "date": int(datetime.now(UTC).timestamp()),
            "chat": {"id": self.chat_id, "type": self.chat_type},
            "text": str(data.get("text", "")),
        }


_SCREENS: ContextVar[_Screens | None] = ContextVar("shown_screens", default=None)


async def through(endpoint: str, data: dict[str, Any], send: Send) -> Result:
    """Make a Bot API request as the turn it belongs to (if any) has it made."""
    screens = _SCREENS.get()
    if screens is None:
        return await send()
    return await screens.request(endpoint, data, send)


@contextlib.contextmanager
def _within(screens: _Screens | None) -> Iterator[None]:
    token = _SCREENS.set(screens)
    try:
        yield
    finally:
        if screens is not None:
            screens.done = True
        _SCREENS.reset(token)


def recording(screens: Recorder | None) -> contextlib.AbstractContextManager[None]:
    """Let the requests made in the block be written down by `screens` (None: not at all)."""
    return _within(screens)


def replaying(screens: Replay | None) -> contextlib.AbstractContextManager[None]:
    """Let the requests made in the block be recognised by `screens` (None: made as usual)."""
    return _within(screens)


def pressed_in(update: Update | None) -> tuple[Message | None, str | None]:
    """The message whose button the update presses, with the button's payload."""
    query = update.callback_query if update is not None else None
    if query is None or not isinstance(query.message, Message) or query.data is None:
        return None, None
    return query.message, query.data


def moved_press(update: Update, replay: Replay | None) -> Update:
    """The update, its press moved to the same button of the screen the replay redrew."""
    query = update.callback_query
    if replay is None or replay.moved_data is None or query is None:
        return update
    if query.data != replay.pressed_data:
        return update
    moved = update.to_dict()
    moved["callback_query"]["data"] = replay.moved_data
    return Update.de_json(moved, replay.bot)
