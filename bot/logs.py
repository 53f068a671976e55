"""Structured, privacy-safe logging for the bot process."""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Iterable
from datetime import UTC, datetime

# httpx logs every request URL at INFO, and Telegram puts the bot token in the URL path.
_QUIET_LOGGERS = ("httpx", "httpcore", "aiohttp.access", "apscheduler")
# python-telegram-bot logs whole updates (names, typed e-mail addresses) at DEBUG.
_PERSONAL_DATA_LOGGERS = ("telegram",)


class JsonFormatter(logging.Formatter):
    """One JSON object per line, with every known secret masked wherever it turns up."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        super().__init__()
        self._secrets = [secret for secret in secrets if secret]

    def _mask(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, "***")
        return text

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": self._mask(record.getMessage()),
        }
        for key in ("chat", "step", "event", "update", "ms"):
            if hasattr(record, key):
                entry[key] = getattr(record, key)
        if record.exc_info:
            # Library exceptions can quote request URLs, which carry the bot token.
            entry["traceback"] = self._mask(self.formatException(record.exc_info))
        return json.dumps(entry, ensure_ascii=False)


def configure_logging(level: int, *, secrets: Iterable[str] = ()) -> None:
    """Send JSON logs to stderr at `level`, keeping token-bearing libraries quiet."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter(secrets))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for name in _QUIET_LOGGERS:
        logging.getLogger(name).setLevel(max(level, logging.WARNING))
    for name in _PERSONAL_DATA_LOGGERS:
        logging.getLogger(name).setLevel(max(level, logging.INFO))
