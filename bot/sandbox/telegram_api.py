"""A loopback Bot API server that behaves like Telegram, for driving the real bot in tests.

Point python-telegram-bot at it with ``base_url=f"{emulator.url}/bot"``; play the user with
``send_text``/``tap``; inspect ``calls``, ``violations`` and the chat transcript.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import math
from collections.abc import Callable
from typing import Any

from aiohttp import web

from bot.sandbox.telegram_html import command_entities
from bot.sandbox.telegram_markup import button_rows, is_inline
from bot.sandbox.telegram_methods import HANDLERS, check_polling_allowed
from bot.sandbox.telegram_schema import (
    ApiError,
    ApiResult,
    UploadedFile,
    bad_request,
    canonical_method,
    parse_params,
)
from bot.sandbox.telegram_state import (
    CallbackQueryRecord,
    ChatMessage,
    EmulatorState,
    RecordedCall,
)
from bot.sandbox.telegram_updates import PollSupersededError, Signal
from bot.sandbox.webhook_delivery import WebhookDelivery

__all__ = ["BotApiEmulator", "ChatMessage", "RecordedCall", "UploadedFile"]

# Telegram accepts uploads up to 50 MB; leave room for the other multipart fields.
_MAX_BODY = 50 * 1024 * 1024 + 64 * 1024
_MAX_LIMIT = 100
# How long a superseded long poll waits to learn whether its client already hung up.
_DISCONNECT_GRACE = 0.05
_IDLE_CHECK = 0.02
# How often a finish line is read while waiting on it (a log file has no event to wait on).
_FINISH_CHECK = 0.005


class BotApiEmulator:
    """The emulated Telegram Bot API server plus the emulated users talking to the bot."""

    def __init__(
        self,
        *,
        token: str = "123456:TEST-TOKEN",
        bot_username: str = "meetergo_test_bot",
        bot_first_name: str = "meetergo Booking",
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
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
        self._pace: Pace | None = None  # Telegram's limit on the bot, once enforce_pace() is on
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
        app = web.Application(client_max_size=_MAX_BODY)
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

    def fail_next(self, method: str, *, kind: str = "reset", times: int = 1) -> None:
        """Make the next `times` calls of `method` fail before Telegram does anything:
        "reset" drops the connection, "502" answers Bad Gateway."""
        if kind not in ("reset", "502"):
            raise ValueError("kind is reset or 502")
        self._faults.setdefault(method, []).extend([kind] * times)

    # --- HTTP side -------------------------------------------------------------------------

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        method = canonical_method(_method_segment(request.path))
        fault = self._faults.get(method or "", [])
        if fault:
            kind = fault.pop(0)
            self.faults_played.append((method or "", kind))
            if kind == "reset" and request.transport is not None:
                request.transport.abort()
                return web.Response(status=499)
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
        return web.json_response(_response_body(call), status=call.status)

    async def _process(self, request: web.Request) -> RecordedCall | None:
        method = _method_segment(request.path)
        params: dict[str, Any] = {}
        try:
            method = self._authorize(request.path)
            params = await _read_raw_params(request)
            params = parse_params(method, params)
            self._keep_pace(method, params)
            result = await self._dispatch(method, params)
        except PollSupersededError as exc:
            if await _client_gone(request):
                return None
            return _failed(method, params, exc)
        except ApiError as exc:
            return _failed(method, params, exc)
        if isinstance(result, ApiResult):
            return RecordedCall(method, params, True, 200, result.description, result.result)
        return RecordedCall(method, params, True, 200, None, result)

    def enforce_pace(self, messages_per_second: float) -> None:
        """From now on refuse requests to chats beyond `messages_per_second` in any second, as
        Telegram refuses a bot that sends too fast: 429 with the seconds to wait."""
        self._pace = Pace(messages_per_second)

    def _keep_pace(self, method: str, params: dict[str, Any]) -> None:
        if self._pace is None or method == "getUpdates" or "chat_id" not in params:
            return
        wait = self._pace.admit(asyncio.get_running_loop().time())
        if wait is not None:
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
        if method == "getUpdates":
            return await self._get_updates(params)
        return HANDLERS[method](self.state, params)

    async def _get_updates(self, params: dict[str, Any]) -> list[dict[str, Any]]:
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
        self.calls.append(call)
        if not call.ok:
            self.violations.append(call)
        self._calls_changed.fire()

    def _touch(self) -> None:
        self._last_activity = asyncio.get_running_loop().time()

    # --- the emulated users ----------------------------------------------------------------

    def add_user(
        self,
        user_id: int,
        first_name: str,
        last_name: str | None = None,
        language_code: str | None = "en",
        username: str | None = None,
    ) -> None:
        """Create a Telegram user who can then write to the bot."""
        user: dict[str, Any] = {"id": user_id, "is_bot": False, "first_name": first_name}
        optional = {"last_name": last_name, "username": username, "language_code": language_code}
        user.update({key: value for key, value in optional.items() if value is not None})
        self.state.users[user_id] = user

    async def send_text(self, user_id: int, text: str) -> ChatMessage:
        """The user sends a text message; "/cmd args" carries a bot_command entity."""
        message = self.state.add_message(self.state.open_chat(user_id), from_bot=False, text=text)
        message.entities = command_entities(text)
        self._push("message", self.state.message_json(message))
        return message

    def add_group(self, chat_id: int, title: str, *, kind: str = "group") -> None:
        """Create a group or supergroup (negative id) that has the bot as a member."""
        self.state.open_group(chat_id, title, kind)

    async def send_group_text(self, chat_id: int, user_id: int, text: str) -> ChatMessage:
        """A member writes in a group; "/cmd args" carries a bot_command entity."""
        if user_id not in self.state.users:
            raise LookupError(f"unknown user {user_id}; call add_user() first")
        message = self.state.add_message(self.state.chats[chat_id], from_bot=False, text=text)
        message.sender_id = user_id
        message.entities = command_entities(text)
        self._push("message", self.state.message_json(message))
        return message

    async def press_in(self, chat_id: int, user_id: int, message_id: int, data: str) -> str:
        """`user_id` presses a button of a bot message in chat `chat_id` (a group, or someone
        else's private chat as with a forwarded message)."""
        chat = self.state.chats.get(chat_id)
        message = None if chat is None else self.state.find_message(chat, message_id)
        if message is None or not message.from_bot:
            raise LookupError(f"no bot message {message_id} in chat {chat_id}")
        query_id = self.state.next_query_id()
        self.state.queries[query_id] = CallbackQueryRecord(query_id, user_id, message_id, data)
        payload = {
            "id": query_id,
            "from": dict(self.state.users[user_id]),
            "message": self.state.message_json(message),
            "chat_instance": str(-(chat_id * 2654435761 % 10**18)),
            "data": data,
        }
        self._push("callback_query", payload)
        return query_id

    def enable_inline_mode(self) -> None:
        """What BotFather's /setinline does: the bot may now receive inline queries."""
        self.state.inline_mode = True

    async def send_inline_query(self, user_id: int, query: str) -> str:
        """The user types "@bot query" in any chat; returns the inline query's id."""
        if not self.state.inline_mode:
            raise LookupError("inline mode is off for this bot (BotFather /setinline)")
        query_id = self.state.next_query_id()
        self.state.inline_queries[query_id] = {}
        payload = {
            "id": query_id,
            "from": dict(self.state.users[user_id]),
            "query": query,
            "offset": "",
            "chat_type": "sender",
        }
        self._push("inline_query", payload)
        return query_id

    def inline_answer(self, query_id: str) -> dict[str, Any] | None:
        """The bot's answerInlineQuery for a query, once it came."""
        return self.state.inline_queries.get(query_id) or None

    async def send_location(self, user_id: int, latitude: float, longitude: float) -> ChatMessage:
        """The user shares a location (as the request_location keyboard button does)."""
        message = self.state.add_message(self.state.open_chat(user_id), from_bot=False)
        message.location = {"latitude": latitude, "longitude": longitude}
        self._push("message", self.state.message_json(message))
        return message

    async def press(self, user_id: int, message_id: int, callback_data: str) -> str:
        """The user presses a button of a bot message carrying callback_data (even forged)."""
        return await self.press_in(user_id, user_id, message_id, callback_data)

    async def tap(self, user_id: int, label: str, *, message_id: int | None = None) -> str:
        """Press the inline button whose text contains label; exact matches win."""
        message = self._keyboard_message(user_id, message_id)
        candidates = [button for row in self.buttons(message) for button in row]
        exact = [button for button in candidates if button[0] == label]
        matches = exact or [button for button in candidates if label in button[0]]
        if not matches:
            labels = [text for text, _ in candidates]
            raise LookupError(f"no button containing {label!r}; available: {labels}")
        text, data = matches[0]
        if data is None:
            raise LookupError(f"button {text!r} has no callback_data to press")
        return await self.press(user_id, message.message_id, data)

    def _keyboard_message(self, user_id: int, message_id: int | None) -> ChatMessage:
        for message in reversed(self.bot_messages(user_id)):
            if message.deleted or not is_inline(message.reply_markup):
                continue
            if message_id is None or message.message_id == message_id:
                return message
        wanted = "" if message_id is None else f" {message_id}"
        raise LookupError(f"no bot message{wanted} with an inline keyboard in chat {user_id}")

    def _push(self, kind: str, payload: dict[str, Any]) -> None:
        self.last_update_id = self.state.updates.push(kind, payload)
        self._touch()

    # --- inspection ------------------------------------------------------------------------

    def messages(self, chat_id: int) -> list[ChatMessage]:
        """Every message of the chat in order, user and bot, deleted ones flagged."""
        chat = self.state.chats.get(chat_id)
        return [] if chat is None else list(chat.messages)

    def bot_messages(self, chat_id: int) -> list[ChatMessage]:
        """The bot's messages in the chat, in order."""
        return [message for message in self.messages(chat_id) if message.from_bot]

    def last_bot_message(self, chat_id: int) -> ChatMessage | None:
        """The newest bot message that has not been deleted."""
        alive = [message for message in self.bot_messages(chat_id) if not message.deleted]
        return alive[-1] if alive else None

    def buttons(self, message: ChatMessage) -> list[list[tuple[str, str | None]]]:
        """(label, callback_data) rows of the message's keyboard."""
        return button_rows(message.reply_markup)

    def callback_answer(self, query_id: str) -> dict[str, Any] | None:
        """The answerCallbackQuery parameters for a press, None while unanswered."""
        query = self.state.queries.get(query_id)
        return None if query is None or query.answer is None else dict(query.answer)

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


class Pace:
    """Telegram's limit on a bot as a whole: at most `per_second` requests to chats in any
    second (a sliding window); beyond it, the whole seconds until the oldest leaves it."""

    WINDOW = 1.0

    def __init__(self, per_second: float) -> None:
        self._per_second = per_second
        self._admitted: collections.deque[float] = collections.deque()

    def admit(self, now: float) -> int | None:
        """None when a request at `now` is within the limit (it then counts); else how many
        seconds to wait (Telegram's retry_after, at least 1)."""
        while self._admitted and now - self._admitted[0] >= self.WINDOW:
            self._admitted.popleft()
        if len(self._admitted) >= self._per_second:
            return max(1, math.ceil(self.WINDOW - (now - self._admitted[0])))
        self._admitted.append(now)
        return None


def _method_segment(path: str) -> str:
    """The method part of /bot<token>/<method>, for labelling calls before authorization."""
    return path.rsplit("/", 1)[-1] if path.count("/") >= 2 else path.lstrip("/")


def _failed(method: str, params: dict[str, Any], error: ApiError) -> RecordedCall:
    return RecordedCall(
        method, params, False, error.status, error.description, None, error.retry_after
    )


def _response_body(call: RecordedCall) -> dict[str, Any]:
    body: dict[str, Any]
    if not call.ok:
        body = {"ok": False, "error_code": call.status, "description": call.description}
        if call.retry_after is not None:
            body["parameters"] = {"retry_after": call.retry_after}
        return body
    body = {"ok": True, "result": call.result}
    if call.description:
        body["description"] = call.description
    return body


async def _client_gone(request: web.Request) -> bool:
    """Whether the client of a request has disconnected (possibly only just now)."""
    await asyncio.sleep(_DISCONNECT_GRACE)
    transport = request.transport
    return transport is None or transport.is_closing()


async def _read_raw_params(request: web.Request) -> dict[str, Any]:
    """Query string merged with a JSON, url-encoded or multipart body, values undecoded."""
    raw: dict[str, Any] = dict(request.query)
    if not request.body_exists:
        return raw
    if request.content_type == "application/json":
        raw.update(await _json_body(request))
    elif request.content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
        raw.update(await _form_body(request))
    return raw


async def _json_body(request: web.Request) -> dict[str, Any]:
    try:
        body = await request.json()
    except ValueError as exc:
        raise bad_request("can't parse JSON encoded request body") from exc
    if not isinstance(body, dict):
        raise bad_request("JSON object expected as request body")
    return body


async def _form_body(request: web.Request) -> dict[str, Any]:
    try:
        form = await request.post()
    except web.HTTPRequestEntityTooLarge as exc:
        raise ApiError(413, "Request Entity Too Large") from exc
    values: dict[str, Any] = {}
    for name, value in form.items():
        if isinstance(value, web.FileField):
            with contextlib.closing(value.file):
                data = value.file.read()
            values[name] = UploadedFile(value.filename, value.content_type, data)
        else:
            values[name] = value if isinstance(value, str) else bytes(value).decode("utf-8")
    return values
