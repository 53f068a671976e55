"""A loopback Bot API server that behaves like Telegram, for driving the real bot in tests.

Point python-telegram-bot at it with ``base_url=f"{emulator.url}/bot"``; play the user with
``send_text``/``tap``; inspect ``calls``, ``violations`` and the chat transcript. This module
is the server (lifecycle, requests, waits); the users' side is telegram_users.py, and
telegram_business.py adds business accounts connected to the bot.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from aiohttp import web

from bot.sandbox.telegram_business import BusinessUsers
from bot.sandbox.telegram_methods import HANDLERS, check_polling_allowed
from bot.sandbox.telegram_pace import TELEGRAM_LIMITS, TelegramLimits, TelegramPace
from bot.sandbox.telegram_requests import (
    MAX_BODY,
    client_gone,
    failed_call,
    method_segment,
    read_raw_params,
    response_body,
)
from bot.sandbox.telegram_schema import (
    ApiError,
    ApiResult,
    UploadedFile,
    canonical_method,
    parse_params,
)
from bot.sandbox.telegram_state import (
    ChatMessage,
    EmulatorState,
    RecordedCall,
)
from bot.sandbox.telegram_updates import PollSupersededError, Signal
from bot.sandbox.webhook_delivery import WebhookDelivery

__all__ = [
    "TELEGRAM_LIMITS",
    "BotApiEmulator",
    "ChatMessage",
    "RecordedCall",
    "TelegramLimits",
    "UploadedFile",
]

_MAX_LIMIT = 100
_IDLE_CHECK = 0.02
# How often a finish line is read while waiting on it (a log file has no event to wait on).
_FINISH_CHECK = 0.005


class BotApiEmulator(BusinessUsers):
    """The emulated Telegram Bot API server plus the emulated users talking to the bot (and,
    through business accounts connected to it, to each other)."""

    def __init__(
        self,
        *,
        token: str = "123456:TEST-TOKEN",
        bot_username: str = "meetergo_test_bot",
        bot_first_name: str = "meetergo Booking",
        host: str = "127.0.0.1",
        port: int = 0,
        limits: TelegramLimits | None = TELEGRAM_LIMITS,
    ) -> None:
        """Set up an emulator for the bot with `token`; start() serves it. It refuses a bot
        that sends faster than Telegram's `limits` (None: never, for a bot the tests run
        unpaced)."""
        bot_id = token.split(":", 1)[0]
        self.token = token
        self.state = EmulatorState(
            int(bot_id) if bot_id.isdigit() else 1, bot_first_name, bot_username
        )
        self.host = host
        self.port = port
        self.calls: list[RecordedCall] = []
        self.violations: list[RecordedCall] = []
        self._runner: web.AppRunner | None = None
        self._url: str | None = None
        self._calls_changed = Signal()
        self._inflight = 0
        self._last_activity = 0.0
        # Network trouble to play on the next calls of a method: "reset" or "502".
        self._faults: dict[str, list[str]] = {}
        self.faults_played: list[tuple[str, str]] = []
        self.webhook_delivery: WebhookDelivery | None = None
        # Telegram's flood limits, and the waits its 429s asked for (telegram_pace.py).
        self.pace = TelegramPace(limits)
        # getUpdates requests that have arrived: a long poll is recorded in `calls` only once it
        # ends, but a bot that has opened one is polling.
        self.polls_opened = 0
        self.polls_closed = 0  # ... and have been answered, or dropped with their client gone
        # The id of the newest update a user caused (None: it was not for the bot).
        self.last_update_id: int | None = None
        # Where an offline world learns that the bot has finished an update (its answer sent,
        # its state committed): Telegram itself cannot tell, so these come from outside (the
        # bot process's log, bot/sandbox/world.py). Each says whether an update id is done.
        self.finish_lines: list[Callable[[int], bool]] = []

    # --- lifecycle -----------------------------------------------------------------------

    async def start(self) -> None:
        """Start serving on host:port (port 0 picks a free one)."""
        app = web.Application(client_max_size=MAX_BODY)
        app.router.add_route("*", "/{tail:.*}", self._handle)
        # Cancelling handlers whose client hung up ends abandoned long polls (PTB cancels its
        # pending getUpdates on shutdown) instead of letting them linger or look like conflicts.
        self._runner = web.AppRunner(
            app, handler_cancellation=True, shutdown_timeout=1.0, access_log=None
        )
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        await site.start()
        _, port = self._runner.addresses[0][:2]
        self._url = f"http://{self.host}:{port}"

    def deliver_webhooks_to(self, address: str) -> WebhookDelivery:
        """Push updates, once a webhook is set, to `address` (on loopback, standing in for the
        webhook URL's DNS name and TLS front), the way Telegram pushes them."""
        if self.webhook_delivery is None:
            self.webhook_delivery = WebhookDelivery(self.state, address)
            self.webhook_delivery.start()
        return self.webhook_delivery

    async def stop(self) -> None:
        """Release pending long polls and shut the server down."""
        if self.webhook_delivery is not None:
            await self.webhook_delivery.stop()
            self.webhook_delivery = None
        self.state.updates.close()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> BotApiEmulator:
        """Start the server for the duration of an async with block."""
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        """Stop the server."""
        await self.stop()

    @property
    def url(self) -> str:
        """Root URL of the server; the bot's base_url is f"{url}/bot"."""
        if self._url is None:
            raise RuntimeError("the emulator has not been started")
        return self._url

    @property
    def webhook_url(self) -> str | None:
        """The URL set via setWebhook, None while polling."""
        return self.state.webhook.url or None

    @property
    def commands(self) -> dict[str, list[dict[str, str]]]:
        """Command lists by "<scope>[:chat_id[:user_id]]/<language_code>", e.g. "default/"."""
        return self.state.commands

    def advance_clock(self, seconds: float) -> None:
        """Make `seconds` pass for Telegram at once: later message dates and the 24-hour reply
        window of business chats count from the moved clock (the event loop's is untouched).
        A negative value turns it back, to date what happens next in the past for a bot that
        runs on the real clock; advancing by as much again restores it."""
        self.state.clock_offset += seconds

    def fail_next(self, method: str, *, kind: str = "reset", times: int = 1) -> None:
        """Make the next `times` calls of `method` fail before Telegram does anything:
        "reset" drops the connection, "502" answers Bad Gateway, "429" Too Many Requests
        with a retry_after of one second."""
        if kind not in ("reset", "502", "429"):
            raise ValueError("kind is reset, 502 or 429")
        self._faults.setdefault(method, []).extend([kind] * times)

    # --- HTTP side -------------------------------------------------------------------------

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        """Entry point for every request: injected faults, poll counting, then the call."""
        method = canonical_method(method_segment(request.path))
        fault = self._faults.get(method or "", [])
        if fault:
            kind = fault.pop(0)
            self.faults_played.append((method or "", kind))
            if kind == "reset" and request.transport is not None:
                request.transport.abort()
                return web.Response(status=499)
            if kind == "429":
                self.pace.told(asyncio.get_running_loop().time(), 1)
                body = {
                    "ok": False,
                    "error_code": 429,
                    "description": "Too Many Requests: retry after 1",
                    "parameters": {"retry_after": 1},
                }
                return web.json_response(body, status=429)
            body = {"ok": False, "error_code": 502, "description": "Bad Gateway"}
            return web.json_response(body, status=502)
        polling = method == "getUpdates"
        if polling:
            self.polls_opened += 1
            self._calls_changed.fire()
        else:
            self._inflight += 1
            self._touch()
        try:
            call = await self._process(request)
        finally:
            if polling:
                self.polls_closed += 1
                self._calls_changed.fire()
            else:
                self._inflight -= 1
                self._touch()
        if call is None:
            return web.Response(status=499)  # nobody is listening any more
        self._record(call)
        return web.json_response(response_body(call), status=call.status)

    async def _process(self, request: web.Request) -> RecordedCall | None:
        """Authorize, read and check a call, answer it; None when its client has gone."""
        method = method_segment(request.path)
        params: dict[str, Any] = {}
        try:
            method = self._authorize(request.path)
            params = await read_raw_params(request)
            params = parse_params(method, params)
            self._keep_pace(method, params)
            result = await self._dispatch(method, params)
        except PollSupersededError as exc:
            if await client_gone(request):
                return None
            return failed_call(method, params, exc)
        except ApiError as exc:
            return failed_call(method, params, exc)
        if isinstance(result, ApiResult):
            return RecordedCall(method, params, True, 200, result.description, result.result)
        return RecordedCall(method, params, True, 200, None, result)

    def enforce_limits(self, limits: TelegramLimits | None) -> None:
        """From now on refuse a bot that sends faster than `limits` (None: never)."""
        self.pace.limits = limits

    def _keep_pace(self, method: str, params: dict[str, Any]) -> None:
        """Refuse a request to a chat beyond Telegram's limits, or before a wait it was told of
        is over: 429 with the seconds to wait."""
        if method == "getUpdates" or "chat_id" not in params:
            return
        chat = params["chat_id"]
        refusal = self.pace.admit(
            asyncio.get_running_loop().time(), method, chat if isinstance(chat, int) else None
        )
        if refusal is not None:
            wait = refusal.retry_after
            raise ApiError(429, f"Too Many Requests: retry after {wait}", retry_after=wait)

    def _authorize(self, path: str) -> str:
        """The canonical method name of a /bot<token>/<method> path, or Telegram's rejection."""
        if not path.startswith("/bot"):
            raise ApiError(404, "Not Found")
        token, _, name = path.removeprefix("/bot").partition("/")
        if token != self.token:
            raise ApiError(401, "Unauthorized")
        method = canonical_method(name)
        if method is None:
            raise ApiError(404, "Not Found")
        return method

    async def _dispatch(self, method: str, params: dict[str, Any]) -> Any:
        """Run a Bot API method: getUpdates waits for updates, the others answer at once."""
        if method == "getUpdates":
            return await self._get_updates(params)
        return HANDLERS[method](self.state, params)

    async def _get_updates(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        """getUpdates: updates after `offset`, long-polling up to `timeout` seconds."""
        check_polling_allowed(self.state)
        if "allowed_updates" in params:
            self.state.updates.allowed_updates = list(params["allowed_updates"])
        limit = min(max(params.get("limit", _MAX_LIMIT), 1), _MAX_LIMIT)
        timeout = max(params.get("timeout", 0), 0)
        updates = await self.state.updates.poll(params.get("offset"), limit, timeout)
        if updates:
            self._touch()
        return updates

    def _record(self, call: RecordedCall) -> None:
        """Keep a call (and a refused one as a violation) and wake those waiting on calls."""
        self.calls.append(call)
        if not call.ok:
            self.violations.append(call)
        self._calls_changed.fire()

    def _touch(self) -> None:
        """Note activity now, for wait_idle."""
        self._last_activity = asyncio.get_running_loop().time()

    # --- waiting for the bot ---------------------------------------------------------------

    async def wait_for_call(
        self,
        method: str | None,
        *,
        after: int = 0,
        predicate: Callable[[RecordedCall], bool] | None = None,
        timeout: float = 10.0,  # noqa: ASYNC109 - part of the documented emulator API
    ) -> RecordedCall:
        """The first call of method (None: any) with index >= after matching predicate; waits."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        index = after
        while True:
            for call in self.calls[index:]:
                if method in (None, call.method) and (predicate is None or predicate(call)):
                    return call
            index = len(self.calls)
            remaining = deadline - loop.time()
            if remaining <= 0:
                seen = [c.method for c in self.calls[after:] if c.method != "getUpdates"]
                raise TimeoutError(f"no matching {method} call within {timeout}s; saw {seen}")
            await self._calls_changed.wait(remaining)

    async def wait_for_poll(
        self,
        after: int,
        timeout: float = 10.0,  # noqa: ASYNC109 - part of the documented emulator API
    ) -> None:
        """Wait until more than `after` getUpdates requests have arrived (the bot polls)."""
        await self._until(
            lambda: self.polls_opened > after, timeout, f"the bot did not poll within {timeout}s"
        )

    async def wait_finished(
        self,
        update_id: int,
        timeout: float = 10.0,  # noqa: ASYNC109 - part of the documented emulator API
    ) -> bool:
        """Wait until a finish line says the bot has finished the update; False at once when
        there is no finish line to ask (then only the bot's calls can tell)."""
        if not self.finish_lines:
            return False
        await self._until(
            lambda: any(finished(update_id) for finished in self.finish_lines),
            timeout,
            f"the bot did not finish update {update_id} within {timeout}s",
            every=_FINISH_CHECK,  # a log file has no event to wait on
        )
        return True

    async def _until(
        self, holds: Callable[[], bool], seconds: float, failure: str, *, every: float = 0.0
    ) -> None:
        """Wait until `holds()`, looking again on every call (or `every` seconds); raise
        TimeoutError(failure) after `seconds`."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + seconds
        while not holds():
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise TimeoutError(failure)
            if every:
                await asyncio.sleep(min(every, remaining))
            else:
                await self._calls_changed.wait(remaining)

    async def wait_idle(
        self,
        quiet: float = 0.3,
        timeout: float = 10.0,  # noqa: ASYNC109 - part of the documented emulator API
    ) -> None:
        """Wait until all updates were fetched and no bot call arrived for `quiet` seconds."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            now = loop.time()
            busy = self._inflight > 0 or self.state.updates.undelivered
            if not busy and now - self._last_activity >= quiet:
                return
            if now >= deadline:
                raise TimeoutError(f"the bot did not go quiet for {quiet}s within {timeout}s")
            await asyncio.sleep(_IDLE_CHECK)
