"""Telegram's pace, its 429s waited out, and a few retries of a request that did not arrive;
each request sent as its chat's turn has it sent (shown_screens), and a request to an agent's
chat addressed on the agent's behalf (business_chats)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import warnings
from collections.abc import AsyncIterator, Callable, Coroutine
from datetime import timedelta
from typing import Any, Final

from telegram.error import BadRequest, NetworkError, RetryAfter
from telegram.ext import BaseRateLimiter

from bot.metrics import Metrics
from bot.ptb import shown_screens
from bot.ptb.business_chats import BusinessChats
from bot.ptb.keyed_locks import KeyedLocks
from bot.storage.send_budget import LocalSendBudget, SendBudget, wait_for

__all__ = ["PatientRateLimiter", "bot_spacing"]

log = logging.getLogger(__name__)

# Telegram's limits (its Bot FAQ): about 30 messages a second for a bot as a whole (the
# setting), about one a second in a chat, 20 a minute in a group; each a spacing between two
# sends (bot/storage/send_budget.py), kept wider than Telegram's: a busy process sends somewhat
# later than its place, and sends late by different amounts arrive closer together. A tenth
# wider still drew a 429 for the bot now and then, two replicas under a 200-customer burst on
# two cores; a fifth did not.
SPACING_MARGIN: Final = 1.2
CHAT_SPACING: Final = 1.0 * SPACING_MARGIN
GROUP_SPACING: Final = 60.0 / 20 * SPACING_MARGIN


def bot_spacing(messages_per_second: float) -> float | None:
    """Seconds between two of the bot's sends at `messages_per_second` (None: 0, unpaced)."""
    if messages_per_second <= 0:
        return None
    return SPACING_MARGIN / messages_per_second


class PatientRateLimiter(BaseRateLimiter[int]):
    """Telegram's pace for the bot as a whole and for each chat, counted with every replica
    (`sends`), and its 429s waited out as often as Telegram asks (for up to
    RATE_LIMITED_PATIENCE), plus a few retries with backoff when the Bot API cannot be reached
    or answers 5xx: a customer's answer should not be lost to a busy moment or one reset
    connection."""

    ATTEMPTS = 3
    # A request Telegram keeps refusing with 429 is sent again after each `retry_after` for
    # this many seconds from its first 429 before it is given up: a customer's step is never
    # dropped for the bot being busy. Past it, the turn fails, and the customer's next tap or
    # message (on a menu now out of date) is answered with their current step drawn afresh.
    # Kept below how long another replica waits for the chat's lock (bot/storage/postgres.py,
    # LOCK_PATIENCE: 60 s), so the chat's next update there still finds its turn.
    RATE_LIMITED_PATIENCE = 45.0

    def __init__(
        self,
        *,
        messages_per_second: float,
        backoff: float,
        sends: SendBudget | None = None,
        metrics: Metrics | None = None,
    ) -> None:
        # 0 messages a second: no pace of our own (Telegram's 429s are still waited out).
        self._bot_spacing = bot_spacing(messages_per_second)
        self._sends = sends or LocalSendBudget()
        self._backoff = backoff  # seconds before the first retry; doubling
        # Requests to an agent's chat go to the real chat on the agent's behalf.
        self.business: BusinessChats | None = None
        # 429s by method, and every request sent again (bot/metrics.py).
        self.metrics = metrics or Metrics()
        # Chats with requests under way here: one at a time, first come first served, so a
        # chat's requests keep the order they were made in.
        self._queues: KeyedLocks[int] = KeyedLocks()

    async def initialize(self) -> None:
        """Nothing to start: the budget opens with the storage."""

    async def shutdown(self) -> None:
        """Nothing to stop."""

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, Any]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> Any:
        """Send one Bot API request as the chat's turn has it sent (bot/ptb/shown_screens.py),
        in its place in the bot's and the chat's pace, waiting out 429s and retrying network
        failures (never refusals) a few times."""

        async def send() -> Any:
            return await self._send(callback, args, kwargs, endpoint, data)

        return await shown_screens.through(endpoint, data, send)

    async def _send(
        self,
        callback: Callable[..., Coroutine[Any, Any, Any]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
    ) -> Any:
        # A chat's requests one at a time, each with its retries, in the order they were made:
        # one that waits out a 429 or a failed connection is not overtaken by the next.
        async with self._in_order(_chat_of(data)):
            if self.business is not None:
                endpoint = await self.business.route(endpoint, data)
                args = (endpoint, data)
            return await self._send_in_turn(callback, args, kwargs, endpoint, data)

    async def _send_in_turn(
        self,
        callback: Callable[..., Coroutine[Any, Any, Any]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
    ) -> Any:
        paced = self._bot_spacing is not None and "chat_id" in data
        chat = _chat_of(data)
        # Telegram's "typing…" is no message: it keeps the bot's pace, not the chat's.
        spaced = endpoint != "sendChatAction"
        attempt = 0
        refused_since: float | None = None
        while True:
            attempt += 1
            await self._take_turn(paced, chat if spaced else None)
            try:
                return await callback(*args, **kwargs)
            except RetryAfter as error:
                # Telegram does not say whether the bot or the chat was too fast: every
                # replica holds back for the wait (the bot's and each chat's pace keep the
                # next 429 away).
                wait = _seconds(error)
                self.metrics.telegram_429(endpoint)
                await self._sends.pause(wait + RETRY_MARGIN)
                refused_since = refused_since or time.monotonic()
                if time.monotonic() - refused_since + wait > self.RATE_LIMITED_PATIENCE:
                    raise
                log.info("Bot API %s rate limited, sending again in %.0f s", endpoint, wait)
                self.metrics.telegram_retry("rate_limited")
            except BadRequest as error:
                late = "query is too old" in error.message.lower()
                if endpoint == "answerCallbackQuery" and late:
                    # Only the spinner on the button: a press handled late (or handled again
                    # after a replica died) still does its step.
                    log.info("button press answered too late for its spinner")
                    return True
                raise  # Telegram understood and refused: repeating cannot help
            except NetworkError as error:
                if endpoint == "getUpdates" or attempt >= self.ATTEMPTS:
                    raise
                log.warning("Bot API %s failed (%s), trying again", endpoint, type(error).__name__)
                self.metrics.telegram_retry("network")
                await asyncio.sleep(self._backoff * 2 ** (attempt - 1))

    @contextlib.asynccontextmanager
    async def _in_order(self, chat: int | None) -> AsyncIterator[None]:
        """Hold the chat's queue (nothing for a request to no chat)."""
        if chat is None:
            yield
            return
        async with self._queues.held(chat):
            yield

    async def _take_turn(self, paced: bool, chat: int | None) -> None:
        """Wait for this request's place: in the bot's pace and after the chat's last send (a
        request to a chat, when paced), and after any pause Telegram asked for (every request)."""
        while True:
            if paced and self._bot_spacing is not None:
                spacing = GROUP_SPACING if chat is not None and chat < 0 else CHAT_SPACING
                while not (
                    place := await self._sends.take(self._bot_spacing, chat, spacing)
                ).placed:
                    await wait_for(place)
                await wait_for(place)
            paused = self._sends.paused_for()
            if paused <= 0:
                return
            # Asked for after this place was taken (here or by another replica): the place
            # is given up, and a new one taken once the pause is over.
            await asyncio.sleep(paused)


def _chat_of(data: dict[str, Any]) -> int | None:
    """The chat a request writes to (None: none, as for answering a button press)."""
    chat = data.get("chat_id")
    if isinstance(chat, int):
        return chat
    try:
        return int(chat) if chat is not None else None
    except (TypeError, ValueError):
        return None  # a channel's @username: counted for the bot only


# Sent again a little after the wait Telegram asked for, not at its edge.
RETRY_MARGIN = 0.1


def _seconds(error: RetryAfter) -> float:
    """How long Telegram asked to wait, in seconds (python-telegram-bot warns about the int
    form its attribute still has; either form is read)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        wait = error.retry_after
    return wait.total_seconds() if isinstance(wait, timedelta) else float(wait)
