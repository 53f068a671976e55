"""getUpdates' own connection, noting each time Telegram answers it: in polling mode an idle bot
hears nothing else from Telegram, and /readyz asks whether updates could come (bot/health.py).

It also keeps each update's JSON as Telegram sent it (`ReceivedUpdates`), for the turn that
keeps its update (bot/ptb/update_processor.py): written out again from python-telegram-bot's
objects (`to_dict`), a press on a big keyboard costs as much as drawing the next screen.

And it notes how far Telegram has been told the updates were received: a polled update is
acknowledged by the next getUpdates, which asks from past it. A turn that answered before that
and was then killed would find its update delivered again after the restart, and show its
screen a second time; so a polled update's turn waits until the acknowledging getUpdates has
been asked (`ReceivedUpdates.acknowledged`), which python-telegram-bot does at once.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import OrderedDict
from typing import Any

from telegram.request import BaseRequest, HTTPXRequest, RequestData

from bot.metrics import Metrics
from bot.ptb import ptb_internals
from bot.ptb.ptb_internals import App
from bot.tls import tls_context

__all__ = ["HeardRequest", "ReceivedUpdates", "received_of"]

JsonDict = dict[str, Any]


class ReceivedUpdates:
    """Updates as Telegram sent them, by update id, until their turn takes them (the oldest
    are dropped past `KEPT`: such an update is written out from its object instead)."""

    KEPT = 1000  # ten full getUpdates answers
    # Seconds a polled update's turn waits for its acknowledgement at most (python-telegram-bot
    # asks again at once; at the end of polling it acknowledges what it fetched).
    ACK_PATIENCE = 2.0

    def __init__(self) -> None:
        self._json: OrderedDict[int, JsonDict] = OrderedDict()
        self._polled_through = 0  # the newest update getUpdates brought (0: none, webhook)
        self._asked_from = 0  # the offset of the last getUpdates asked: below it, acknowledged
        self._asked = asyncio.Event()

    def polled(self, update_id: int) -> None:
        """An update came through getUpdates (not a webhook)."""
        self._polled_through = max(self._polled_through, update_id)

    def asking(self, offset: int) -> None:
        """getUpdates is asked from `offset`: Telegram takes every update below it as received."""
        if offset > self._asked_from:
            self._asked_from = offset
            self._asked.set()
            self._asked = asyncio.Event()

    async def acknowledged(self, update_id: int) -> None:
        """Return once a polled update has been acknowledged to Telegram (at once for one
        that came by webhook: answering its delivery did that), or after ACK_PATIENCE."""
        if update_id > self._polled_through or update_id < self._asked_from:
            return
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(self.ACK_PATIENCE):
                while self._asked_from <= update_id:
                    await self._asked.wait()

    def keep(self, update: object) -> None:
        """Keep one update (a dict with an int update_id; anything else is left alone).
        python-telegram-bot decodes updates without changing the dicts it is given."""
        if isinstance(update, dict) and isinstance(update.get("update_id"), int):
            self._json[update["update_id"]] = update
            while len(self._json) > self.KEPT:
                self._json.popitem(last=False)

    def take(self, update_id: int) -> JsonDict | None:
        """The update's JSON, once (None: not kept)."""
        return self._json.pop(update_id, None)


class HeardRequest(HTTPXRequest):
    """The connection PTB's builder would make for getUpdates (one connection, its default
    timeouts), telling `metrics` whenever Telegram answers 200 and keeping what it sent in
    `received`."""

    def __init__(self, metrics: Metrics) -> None:
        super().__init__(connection_pool_size=1, httpx_kwargs={"verify": tls_context()})
        self._metrics = metrics
        self.received = ReceivedUpdates()

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = BaseRequest.DEFAULT_NONE,
        write_timeout: Any = BaseRequest.DEFAULT_NONE,
        connect_timeout: Any = BaseRequest.DEFAULT_NONE,
        pool_timeout: Any = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        """Send as HTTPXRequest does, and note an answer."""
        offset = request_data.parameters.get("offset") if request_data else None
        if url.endswith("/getUpdates") and isinstance(offset, int):
            self.received.asking(offset)
        status, payload = await super().do_request(
            url, method, request_data, read_timeout, write_timeout, connect_timeout, pool_timeout
        )
        if status == 200:
            self._metrics.telegram_heard()
        return status, payload

    def parse_json_payload(self, payload: bytes) -> JsonDict:  # type: ignore[override]
        """Parse as PTB does, keeping the updates it carries (PTB's documented hook for
        parsing; declared static there, it is called on the request)."""
        data = BaseRequest.parse_json_payload(payload)
        result = data.get("result") if isinstance(data, dict) else None
        if isinstance(result, list):
            for update in result:
                self.received.keep(update)
                if isinstance(update, dict) and isinstance(update.get("update_id"), int):
                    self.received.polled(update["update_id"])
        return data


def received_of(app: App) -> ReceivedUpdates | None:
    """Where the application keeps updates as Telegram sent them: its getUpdates request's
    store (a webhook's updates are kept there too, bot/web.py); None for a bot built without
    a HeardRequest."""
    polling = ptb_internals.get_updates_request(app)
    return polling.received if isinstance(polling, HeardRequest) else None
