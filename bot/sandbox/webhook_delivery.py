"""Telegram's side of a webhook: updates POSTed to the bot's URL, one chat's in order.

Telegram sends each update to the URL set with setWebhook, with the secret token in the
`X-Telegram-Bot-Api-Secret-Token` header, and forgets it once the answer is a 2xx; any other
answer (or no connection) is retried later. Updates of different chats go out side by side (up
to the webhook's max_connections); a chat's next update waits for its previous one's answer.

On loopback there is no DNS and no TLS: `address` stands in for both, taking the requests
that Telegram would send to the public HTTPS URL (an operator's TLS front does the same).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

import aiohttp

from bot.sandbox.telegram_state import EmulatorState
from bot.sandbox.telegram_updates import Signal

log = logging.getLogger(__name__)

RETRY_AFTER = 0.2  # seconds before an update that was not taken is offered again
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


def chat_of(update: dict[str, Any]) -> int | None:
    """The chat an update belongs to (for inline queries: the user), as Telegram orders them."""
    for kind, payload in update.items():
        if kind == "update_id" or not isinstance(payload, dict):
            continue
        chat = payload.get("chat") or (payload.get("message") or {}).get("chat")
        if isinstance(chat, dict) and isinstance(chat.get("id"), int):
            return int(chat["id"])
        sender = payload.get("from")
        if isinstance(sender, dict) and isinstance(sender.get("id"), int):
            return int(sender["id"])
    return None


class WebhookDelivery:
    """Pushes the emulator's pending updates to `address` while a webhook is set."""

    def __init__(self, state: EmulatorState, address: str) -> None:
        self._state = state
        self._address = address
        self._busy_chats: set[int | None] = set()
        self._in_flight: set[int] = set()
        self._tasks: set[asyncio.Task[None]] = set()
        self._runner: asyncio.Task[None] | None = None
        self._session: aiohttp.ClientSession | None = None
        self.delivered = 0
        self.refused = 0
        self._progress = Signal()

    def start(self) -> None:
        """Begin delivering in the background."""
        self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30))
        self._runner = asyncio.create_task(self._run())

    async def stop(self) -> None:
        """Stop delivering; updates not taken stay queued."""
        if self._runner is not None:
            self._runner.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._runner
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        if self._session is not None:
            await self._session.close()

    async def until_delivered(self, count: int) -> None:
        """Wait until `count` updates in all were taken by the webhook."""
        while self.delivered < count:
            await self._progress.wait(1.0)

    async def _run(self) -> None:
        queue = self._state.updates
        while True:
            webhook = self._state.webhook
            if webhook.url:
                for update in queue.pending():
                    chat = chat_of(update)
                    busy = len(self._in_flight) >= webhook.max_connections
                    if update["update_id"] in self._in_flight or chat in self._busy_chats:
                        continue
                    if busy:
                        break
                    self._busy_chats.add(chat)
                    self._in_flight.add(update["update_id"])
                    task = asyncio.create_task(self._deliver(update, chat, webhook.secret_token))
                    self._tasks.add(task)
                    task.add_done_callback(self._tasks.discard)
            await queue.changed(RETRY_AFTER)

    async def _deliver(self, update: dict[str, Any], chat: int | None, secret: str | None) -> None:
        assert self._session is not None
        headers = {SECRET_HEADER: secret} if secret else {}
        taken = False
        try:
            async with self._session.post(self._address, json=update, headers=headers) as reply:
                taken = 200 <= reply.status < 300
        except (aiohttp.ClientError, TimeoutError) as error:
            log.debug("webhook delivery failed: %s", type(error).__name__)
        if taken:
            self.delivered += 1
            self._state.updates.remove(update["update_id"])
            self._progress.fire()
        else:
            self.refused += 1
            await asyncio.sleep(RETRY_AFTER)
        self._in_flight.discard(update["update_id"])
        self._busy_chats.discard(chat)
        self._state.updates.nudge()
