"""One exception class per way a meetergo call can fail, mapped from status and body here only."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

# Never wait longer than this for a Retry-After, whatever the server asks: a customer is waiting.
# meetergo's own clients cap it at 20 seconds.
MAX_RETRY_AFTER = 20.0
# How meetergo words a start that someone else took (its clients match these, not a code).
SLOT_TAKEN_WORDS = re.compile(
    r"slot[- _]occupied|no longer available|already booked|fully booked", re.IGNORECASE
)


class MeetergoError(Exception):
    """Base of every meetergo failure; `str()` is safe to log (no credentials, no attendee data)."""

    def __init__(self, message: str, *, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class AuthenticationError(MeetergoError):
    """The credential was refused (401) or lacks a permission (403)."""


class NotFoundError(MeetergoError):
    """The meeting type or another resource does not exist (404)."""


class SlotTakenError(MeetergoError):
    """The chosen start is no longer free (409, or 400 saying so in its message or code)."""


class BookingValidationError(MeetergoError):
    """meetergo refused the request's content (400); `fields` maps field -> message."""

    def __init__(
        self, message: str, *, status: int | None = 400, fields: Mapping[str, str] | None = None
    ) -> None:
        super().__init__(message, status=status)
        self.fields = dict(fields or {})


class RateLimitedError(MeetergoError):
    """Too many requests (429); `retry_after` is the server's wish in seconds, if it said one."""

    def __init__(self, message: str, *, retry_after: float | None = None) -> None:
        super().__init__(message, status=429)
        self.retry_after = retry_after


class UnavailableError(MeetergoError):
    """meetergo did not give a usable answer: 5xx, timeout, refused connection, garbled body."""


class BookingOutcomeUnknownError(UnavailableError):
    """A booking request was sent but no answer came: it may or may not have been created."""


def parse_retry_after(value: str | None, *, now: datetime | None = None) -> float | None:
    """Seconds from a Retry-After header (delta-seconds or HTTP date), capped; None if absent."""
    if not value:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        seconds = (when - (now or datetime.now(UTC))).total_seconds()
    return min(max(seconds, 0.0), MAX_RETRY_AFTER)


def _messages(body: Mapping[str, Any]) -> list[str]:
    raw = body.get("message")
    if isinstance(raw, list):
        return [str(item) for item in raw]
    return [str(raw)] if raw else []


def _field_messages(body: Mapping[str, Any]) -> dict[str, str]:
    fields: dict[str, str] = {}
    for item in body.get("errors") or []:
        if isinstance(item, Mapping) and "field" in item:
            fields[str(item["field"])] = str(item.get("message", "invalid"))
    return fields


def _is_slot_occupied(body: Mapping[str, Any]) -> bool:
    code = str(body.get("errorCode") or body.get("error_code") or "")
    texts = [code, *_messages(body), str(body.get("error") or "")]
    return any(SLOT_TAKEN_WORDS.search(text) for text in texts)


def error_from_response(
    status: int, body: Any, *, retry_after: str | None = None, what: str = "meetergo"
) -> MeetergoError:
    """Turn a non-2xx answer into the exception for its kind of failure."""
    data: Mapping[str, Any] = body if isinstance(body, Mapping) else {}
    detail = "; ".join(_messages(data)) or str(data.get("error") or "") or f"HTTP {status}"
    message = f"{what} answered {status}: {detail}"
    if status in (401, 403):
        return AuthenticationError(message, status=status)
    if status == 404:
        return NotFoundError(message, status=status)
    if status == 409 or (status == 400 and _is_slot_occupied(data)):
        return SlotTakenError(message, status=status)
    if status == 429:
        return RateLimitedError(message, retry_after=parse_retry_after(retry_after))
    if status >= 500:
        return UnavailableError(message, status=status)
    return BookingValidationError(message, status=status, fields=_field_messages(data))
