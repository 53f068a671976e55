"""What the bot counts, in Prometheus' text format (`GET /metrics`, bot/health.py).

One `Metrics` per Application (build_application), each with a registry of its own rather than
prometheus_client's process-wide default, so several bots in one process (the tests) never
count into each other. It also keeps when meetergo and Telegram last answered, for /readyz.

No label ever holds a chat id, user id, name, e-mail address, phone number or appointment id:
the labels are fixed words (outcomes, results, reasons), meetergo's path templates with every
id replaced (`endpoint_of`), HTTP statuses, Bot API method names, update kinds and the
reminders' names from BOT_REMINDERS.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    disable_created_metrics,
    generate_latest,
)
from prometheus_client.exposition import CONTENT_TYPE_LATEST

__all__ = [
    "BOOKING_OUTCOMES",
    "CONTENT_TYPE",
    "Metrics",
    "endpoint_of",
]

CONTENT_TYPE = CONTENT_TYPE_LATEST  # text/plain; version=0.0.4
# No `_created` twin beside each counter and histogram: a scrape half as long, nothing lost.
# (prometheus_client's switch is process-wide; nothing else in the process counts.)
disable_created_metrics()  # type: ignore[no-untyped-call]
PREFIX = "meetergo_bot_"

# How a customer's confirmation ended: booked; the slot was gone; booked but waiting for a
# confirmation (double opt-in, or the host's); a lost answer found booked afterwards; nothing
# booked (refused, unreachable, or a lost answer with no booking behind it).
BOOKING_OUTCOMES = ("booked", "taken", "pending", "found", "failed")
CACHE_RESULTS = ("hit", "miss")
RETRY_REASONS = ("rate_limited", "network")

# Seconds. A turn may wait on a booking (30 s by default); meetergo's reads time out at 10 s.
UPDATE_BUCKETS = (0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)
MEETERGO_BUCKETS = (0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)

# The words of meetergo's paths the client calls; any other segment is an id.
_PATH_WORDS = frozenset(
    {
        "v2",
        "v4",
        "appointment",
        "booking",
        "booking-availability",
        "cancel",
        "data-field",
        "meeting-type",
        "paginated",
        "queue",
        "reschedule",
        "webhooks",
    }
)


def endpoint_of(path: str) -> str:
    """A meetergo path as a label: every segment that is not one of the API's own words is an
    id, `{id}` (`/v4/appointment/{id}/cancel`); the query is dropped."""
    segments = path.split("?", 1)[0].strip("/").split("/")
    named = [part if part in _PATH_WORDS else "{id}" for part in segments if part]
    return "/" + "/".join(named)


class Metrics:
    """The bot's counters, gauges and histograms, in a registry of its own."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.registry = CollectorRegistry()
        self._clock = clock
        # When meetergo last answered a call with a 2xx, and Telegram last handed over updates
        # (a getUpdates answered, or an update handled); monotonic seconds, None: not yet.
        self.meetergo_answered_at: float | None = None
        self.telegram_heard_at: float | None = None
        self._telegram_metrics()
        self._meetergo_metrics()
        # Every fixed label value shows from the start (at 0), so a rate never starts from
        # a missing series.
        for outcome in BOOKING_OUTCOMES:
            self.bookings.labels(outcome)
        for result in CACHE_RESULTS:
            self.availability_cache.labels(result)
        for reason in RETRY_REASONS:
            self.telegram_retries.labels(reason)

    def _telegram_metrics(self) -> None:
        """What the bot counts of its updates, its chats and the Bot API."""
        counter, histogram = self._counter, self._histogram
        self.updates = counter(
            "updates_handled",
            "Telegram updates handled, by kind (message, callback_query, ...)",
            "kind",
        )
        self.update_seconds = histogram(
            "update_handling_seconds",
            "How long an update took, from its turn's start to its answer sent and committed",
            UPDATE_BUCKETS,
            "kind",
        )
        self.updates_in_flight = Gauge(
            f"{PREFIX}updates_in_flight", "Updates being handled right now", registry=self.registry
        )
        self.telegram_rate_limited = counter(
            "telegram_rate_limited",
            "Bot API requests Telegram answered with 429 Too Many Requests, by method",
            "method",
        )
        self.telegram_retries = counter(
            "telegram_retries",
            "Bot API requests sent again: after a 429 (rate_limited) or a network failure or 5xx",
            "reason",
        )
        self.conversations_open = Gauge(
            f"{PREFIX}conversations_open",
            "Bookings in progress (a draft in the store), read from the store at each scrape",
            registry=self.registry,
        )
        self.reminders_sent = counter(
            "reminders_sent",
            "Reminders sent before appointments, by reminder (BOT_REMINDERS' names: 24h, 1h)",
            "reminder",
        )

    def _meetergo_metrics(self) -> None:
        """What the bot counts of its bookings and its calls to meetergo."""
        counter, histogram = self._counter, self._histogram
        self.bookings = counter(
            "bookings",
            "Customers' confirmations by how they ended: booked, taken, pending, found, failed",
            "outcome",
        )
        self.meetergo_requests = counter(
            "meetergo_requests",
            "Requests to meetergo by method, path template and HTTP status "
            "(timeout or network where none came)",
            "method",
            "endpoint",
            "status",
        )
        self.meetergo_seconds = histogram(
            "meetergo_request_seconds",
            "How long meetergo took to answer (or to fail), by method and path template",
            MEETERGO_BUCKETS,
            "method",
            "endpoint",
        )
        self.availability_cache = counter(
            "availability_cache_lookups",
            "Free-time questions answered from the cache or a request already on its way (hit) "
            "or by a new request to meetergo (miss)",
            "result",
        )

    def _counter(self, name: str, doc: str, *labels: str) -> Counter:
        return Counter(f"{PREFIX}{name}", doc, labels, registry=self.registry)

    def _histogram(
        self, name: str, doc: str, buckets: tuple[float, ...], *labels: str
    ) -> Histogram:
        return Histogram(f"{PREFIX}{name}", doc, labels, buckets=buckets, registry=self.registry)

    def now(self) -> float:
        """The clock the ages below are measured on (monotonic seconds)."""
        return self._clock()

    def update_handled(self, kind: str, seconds: float) -> None:
        """An update of `kind` was handled in `seconds`."""
        self.updates.labels(kind).inc()
        self.update_seconds.labels(kind).observe(seconds)
        self.telegram_heard()

    def booking(self, outcome: str) -> None:
        """A confirmation ended with `outcome` (one of BOOKING_OUTCOMES)."""
        if outcome not in BOOKING_OUTCOMES:
            raise ValueError(f"unknown booking outcome {outcome!r}")
        self.bookings.labels(outcome).inc()

    def meetergo_call(self, method: str, path: str, status: int | str, seconds: float) -> None:
        """meetergo answered `method path` with `status` (or failed: "timeout", "network")
        after `seconds`; a 2xx counts as meetergo answering."""
        endpoint = endpoint_of(path)
        self.meetergo_requests.labels(method, endpoint, str(status)).inc()
        self.meetergo_seconds.labels(method, endpoint).observe(seconds)
        if isinstance(status, int) and 200 <= status < 300:
            self.meetergo_answered_at = self.now()

    def availability_lookup(self, *, hit: bool) -> None:
        """A free-time question was answered without a new request (hit) or with one."""
        self.availability_cache.labels("hit" if hit else "miss").inc()

    def telegram_429(self, method: str) -> None:
        """Telegram answered a Bot API request with 429."""
        self.telegram_rate_limited.labels(method).inc()

    def telegram_retry(self, reason: str) -> None:
        """A Bot API request is sent again (one of RETRY_REASONS)."""
        if reason not in RETRY_REASONS:
            raise ValueError(f"unknown retry reason {reason!r}")
        self.telegram_retries.labels(reason).inc()

    def telegram_heard(self) -> None:
        """Telegram handed updates over (or answered getUpdates, perhaps with none)."""
        self.telegram_heard_at = self.now()

    def reminder_sent(self, reminder: str) -> None:
        """A reminder (`24h`, `1h`, ... as BOT_REMINDERS names it) was sent."""
        self.reminders_sent.labels(reminder).inc()

    def age(self, moment: float | None) -> float | None:
        """Seconds since `moment` (one of the `..._at` above), None when it never was."""
        return None if moment is None else self.now() - moment

    def render(self) -> bytes:
        """Every metric in Prometheus' text exposition format."""
        return generate_latest(self.registry)
