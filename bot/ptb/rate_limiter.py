"""Telegram's pace, its 429s waited out, and a few retries of a request that did not arrive;
each request sent as its chat's turn has it sent (shown_screens), and a request to an agent's
chat addressed on the agent's behalf (business_chats)."""

from __future__ import annotations

import asyncio
import logging
import time
import warnings
from collections.abc import Callable, Coroutine
from datetime import timedelta
from typing import Any

from telegram.error import BadRequest, NetworkError, RetryAfter
from telegram.ext import AIORateLimiter

from bot.metrics import Metrics
from bot.ptb import shown_screens
from bot.ptb.business_chats import BusinessChats

__all__ = ["PatientRateLimiter"]

log = logging.getLogger(__name__)


class PatientRateLimiter(AIORateLimiter):
    """Telegram's pace, and its 429s waited out as often as Telegram asks (for up to
    RATE_LIMITED_PATIENCE), plus a few retries with backoff when the Bot API cannot be reached
    or answers 5xx: a customer's answer should not be lost to a busy moment or one reset
    connection."""

    ATTEMPTS = 3
    # A request Telegram keeps refusing with 429 is sent again after each `retry_after` for
    # this many seconds before it is given up: a customer's step is never dropped for the bot being
    # busy. Past it, the turn fails, and the customer's next tap or message (on a menu now
    # out of date) is answered with their current step drawn afresh.
    # Kept below how long another replica waits for the chat's lock (bot/storage/postgres.py,
    # LOCK_PATIENCE: 60 s), so the chat's next update there still finds its turn.
    RATE_LIMITED_PATIENCE = 45.0

    def __init__(
        self,
        *,
        messages_per_second: float,
        backoff: float,
        max_retries: int,
        metrics: Metrics | None = None,
    ) -> None:
        # 0 messages a second: no pace of our own (Telegram's 429s are still waited out).
        super().__init__(
            overall_max_rate=messages_per_second, overall_time_period=1, max_retries=max_retries
        )
        self._backoff = backoff  # seconds before the first retry; doubling
        # Requests to an agent's chat go to the real chat on the agent's behalf.
        self.business: BusinessChats | None = None
        # 429s by method, and every request sent again (bot/metrics.py).
        self.metrics = metrics or Metrics()

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
        retrying network failures (never refusals) a few times."""

        async def send() -> Any:
            return await self._send(callback, args, kwargs, endpoint, data, rate_limit_args)

        return await shown_screens.through(endpoint, data, send)

    async def _send(
        self,
        callback: Callable[..., Coroutine[Any, Any, Any]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> Any:
        if self.business is not None:
            endpoint = await self.business.route(endpoint, data)
            args = (endpoint, data)
        attempt = 0
        began = time.monotonic()
        while True:
            attempt += 1
            try:
                return await super().process_request(
                    self._counted(callback, endpoint), args, kwargs, endpoint, data, rate_limit_args
                )
            except RetryAfter as error:
                # AIORateLimiter waited out its own tries; the request is not given up yet.
                wait = _seconds(error)
                if time.monotonic() - began + wait > self.RATE_LIMITED_PATIENCE:
                    raise
                log.info("Bot API %s rate limited, sending again in %.0f s", endpoint, wait)
                self.metrics.telegram_retry("rate_limited")
                await asyncio.sleep(wait + RETRY_MARGIN)
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

    def _counted(
        self, callback: Callable[..., Coroutine[Any, Any, Any]], endpoint: str
    ) -> Callable[..., Coroutine[Any, Any, Any]]:
        """`callback`, counting Telegram's 429s and the tries AIORateLimiter makes after one."""
        tries = 0

        async def send(*args: Any, **kwargs: Any) -> Any:
            nonlocal tries
            tries += 1
            if tries > 1:  # AIORateLimiter waited out a 429's retry_after and tries again
                self.metrics.telegram_retry("rate_limited")
            try:
                return await callback(*args, **kwargs)
            except RetryAfter:
                self.metrics.telegram_429(endpoint)
                raise

        return send


# Sent again a little after the wait Telegram asked for, not at its edge.
RETRY_MARGIN = 0.1


def _seconds(error: RetryAfter) -> float:
    """How long Telegram asked to wait, in seconds (python-telegram-bot warns about the int
    form its attribute still has; either form is read)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        wait = error.retry_after
    return wait.total_seconds() if isinstance(wait, timedelta) else float(wait)
