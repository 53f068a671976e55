"""getUpdates' own connection, noting each time Telegram answers it: in polling mode an idle bot
hears nothing else from Telegram, and /readyz asks whether updates could come (bot/health.py).
"""

from __future__ import annotations

from typing import Any

from telegram.request import BaseRequest, HTTPXRequest, RequestData

from bot.metrics import Metrics

__all__ = ["HeardRequest"]


class HeardRequest(HTTPXRequest):
    """The connection PTB's builder would make for getUpdates (one connection, its default
    timeouts), telling `metrics` whenever Telegram answers 200."""

    def __init__(self, metrics: Metrics) -> None:
        super().__init__(connection_pool_size=1)
        self._metrics = metrics

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
        status, payload = await super().do_request(
            url, method, request_data, read_timeout, write_timeout, connect_timeout, pool_timeout
        )
        if status == 200:
            self._metrics.telegram_heard()
        return status, payload
