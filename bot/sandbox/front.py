"""A small load-balancing front for replicas in webhook mode, standing in for an operator's own.

It forwards each webhook request to one of the replicas and hands back the replica's answer.
`alternate` sends each chat's updates to the replicas in turn (one chat's first update to the
first replica, its second to the second, ...), the hardest case for per-chat order; `random`
picks one at random. A replica that cannot be reached is skipped for the next one, as a proxy's
"next upstream" does, so killing a replica moves its traffic to the others.
"""

from __future__ import annotations

import json
import random
from collections import Counter
from collections.abc import Sequence
from typing import Literal

import aiohttp
from aiohttp import web

from bot.sandbox.webhook_delivery import SECRET_HEADER, chat_of

Mode = Literal["alternate", "random"]


class Front:
    """An HTTP front on loopback spreading webhook requests over `backends`."""

    def __init__(self, backends: Sequence[str], mode: Mode = "alternate") -> None:
        self.backends = list(backends)
        self.mode = mode
        self.sent: Counter[str] = Counter()  # requests each backend answered
        self.skipped: Counter[str] = Counter()  # requests a backend could not take
        self._turns: Counter[int | None] = Counter()
        self._runner: web.AppRunner | None = None
        self._session: aiohttp.ClientSession | None = None
        self.url = ""

    async def start(self) -> None:
        """Listen on a free loopback port."""
        app = web.Application()
        app.router.add_post("/{tail:.*}", self._forward)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = self._runner.addresses[0][1]
        self.url = f"http://127.0.0.1:{port}"
        self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30))

    async def stop(self) -> None:
        """Stop listening."""
        if self._session is not None:
            await self._session.close()
        if self._runner is not None:
            await self._runner.cleanup()

    def next_backend(self, chat: int) -> int:
        """Which backend (its index) the chat's next update goes to first, alternating."""
        return self._turns[chat] % len(self.backends)

    def _order(self, chat: int | None) -> list[str]:
        if self.mode == "random":
            first = random.randrange(len(self.backends))
        else:
            first = self._turns[chat] % len(self.backends)
            self._turns[chat] += 1
        return self.backends[first:] + self.backends[:first]

    async def _forward(self, request: web.Request) -> web.Response:
        assert self._session is not None
        body = await request.read()
        try:
            chat = chat_of(json.loads(body))
        except ValueError:
            chat = None
        headers = {"Content-Type": request.headers.get("Content-Type", "application/json")}
        if SECRET_HEADER in request.headers:
            headers[SECRET_HEADER] = request.headers[SECRET_HEADER]
        for backend in self._order(chat):
            try:
                async with self._session.post(
                    f"{backend}{request.path}", data=body, headers=headers
                ) as reply:
                    answer = await reply.read()
                    self.sent[backend] += 1
                    return web.Response(status=reply.status, body=answer)
            except aiohttp.ClientError:
                self.skipped[backend] += 1
        return web.Response(status=502, text="no replica answered")
