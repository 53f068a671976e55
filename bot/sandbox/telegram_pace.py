"""Telegram's flood limits as the emulator enforces them: for the bot as a whole, in each
private chat and in each group; and whether the bot waited as long as a 429 told it to.

Telegram's Bot FAQ: about 30 messages a second for a bot, about one a second in a chat (short
bursts may pass, but the bot should not count on them), at most 20 a minute in a group. Past a
limit Telegram answers 429 with `retry_after`, the seconds to wait. Only requests to a chat
count (those with a `chat_id`), as python-telegram-bot's own limiter counts them; answering a
button press does not, and "typing…" counts for the bot but not in its chat.
"""

from __future__ import annotations

import collections
import math
from dataclasses import dataclass, field
from typing import Final

__all__ = ["TELEGRAM_LIMITS", "EarlySend", "Refusal", "TelegramLimits", "TelegramPace"]

# Whom a limit or a wait was for: the bot as a whole (chats use their own ids, never 0).
BOT: Final = 0
# A request this soon after a 429 was answered was on its way before the bot could have read
# it: refused, but not counted as coming early.
UNDER_WAY: Final = 0.1


@dataclass(frozen=True, slots=True)
class TelegramLimits:
    """Requests to chats Telegram takes from one bot: per second for the bot as a whole and in
    a private chat, per minute in a group."""

    per_bot: int = 30
    per_chat: int = 1
    per_group_per_minute: int = 20


TELEGRAM_LIMITS: Final = TelegramLimits()


@dataclass(frozen=True, slots=True)
class Refusal:
    """A 429: `retry_after` seconds to wait, and whom for ("bot", "chat" or "group")."""

    retry_after: int
    scope: str


@dataclass(frozen=True, slots=True)
class EarlySend:
    """A request that came before a wait Telegram had asked for was over."""

    method: str
    chat_id: int | None
    scope: str
    seconds_early: float


@dataclass(slots=True)
class _Window:
    most: int
    seconds: float
    admitted: collections.deque[float] = field(default_factory=collections.deque)

    def wait(self, now: float) -> float | None:
        """None when one more request at `now` keeps within the window; else the seconds
        until the oldest leaves it."""
        while self.admitted and now - self.admitted[0] >= self.seconds:
            self.admitted.popleft()
        if len(self.admitted) < self.most:
            return None
        return self.seconds - (now - self.admitted[0])


class TelegramPace:
    """The emulator's count of a bot's requests to chats (`limits` None: nothing is refused for
    pace), and the waits Telegram told the bot of (kept whether or not limits are enforced:
    an injected 429 asks for a wait too)."""

    def __init__(self, limits: TelegramLimits | None) -> None:
        self.limits = limits
        self._windows: dict[int, _Window] = {}
        self._told: dict[int, tuple[float, float]] = {}  # whom: (told at, until) (BOT or a chat)
        self.refused: collections.Counter[str] = collections.Counter()  # by scope
        self.early: list[EarlySend] = []

    def admit(self, now: float, method: str, chat_id: int | None) -> Refusal | None:
        """None when a request to `chat_id` at `now` is taken (it then counts); else the 429.
        A request before a wait Telegram asked for is over is refused again and noted."""
        early = self._early(now, chat_id)
        if early is not None:
            scope, left, under_way = early
            if not under_way:
                self.early.append(EarlySend(method, chat_id, scope, left))
            # What is left of the wait, which this request does not make longer.
            self.refused[scope] += 1
            return Refusal(max(1, math.ceil(left)), scope)
        if self.limits is None:
            return None
        checks = [(BOT, "bot", self._window(BOT))]
        # "typing…" is no message in the chat: only the bot's count has it.
        if chat_id is not None and method != "sendChatAction":
            scope = "group" if chat_id < 0 else "chat"
            checks.append((chat_id, scope, self._window(chat_id)))
        for _whom, scope, window in checks:
            wait = window.wait(now)
            if wait is not None:
                return self._refuse(now, scope, chat_id, wait)
        for _whom, _scope, window in checks:
            window.admitted.append(now)
        return None

    def told(self, now: float, seconds: int, chat_id: int | None = None) -> None:
        """Note a 429 given outside the count (an injected fault): wait `seconds` from `now`,
        the bot as a whole (or only `chat_id`)."""
        whom = BOT if chat_id is None else chat_id
        _at, until = self._told.get(whom, (0.0, 0.0))
        if now + seconds > until:
            self._told[whom] = (now, now + seconds)

    def _refuse(self, now: float, scope: str, chat_id: int | None, wait: float) -> Refusal:
        retry_after = max(1, math.ceil(wait))
        self.refused[scope] += 1
        self.told(now, retry_after, None if scope == "bot" else chat_id)
        return Refusal(retry_after, scope)

    def _early(self, now: float, chat_id: int | None) -> tuple[str, float, bool] | None:
        """Whom a wait still running at `now` was asked of, how much of it is left, and
        whether the request was already under way when it was asked for."""
        for whom, scope in ((BOT, "bot"), (chat_id, "chat")):
            if whom is None:
                continue
            told_at, until = self._told.get(whom, (0.0, 0.0))
            if until > now:
                if scope == "chat" and whom < 0:
                    scope = "group"
                return scope, until - now, now - told_at < UNDER_WAY
        return None

    def _window(self, whom: int) -> _Window:
        window = self._windows.get(whom)
        if window is None:
            window = self._windows[whom] = self._new_window(whom)
        return window

    def _new_window(self, whom: int) -> _Window:
        limits = self.limits
        assert limits is not None
        if whom == BOT:
            return _Window(limits.per_bot, 1.0)
        if whom < 0:
            return _Window(limits.per_group_per_minute, 60.0)
        return _Window(limits.per_chat, 1.0)
