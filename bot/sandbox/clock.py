"""One clock for an offline world: the sandbox's frozen "now", and the bot process started at it.

The bot has no test switch for time. A child process is put on the world's clock from outside,
with libfaketime preloaded (the `libfaketime` package from the dev extra ships the library):
its wall clock starts at the world's instant and runs on from there, while monotonic clocks
stay real so timeouts and the event loop behave as usual.
"""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

# Within this distance of the real clock the bot can run unshifted: nothing a script checks
# depends on a few seconds, and the demo then needs nothing beyond the runtime dependencies.
NEAR_ENOUGH = timedelta(seconds=30)

_CLOCK = re.compile(
    r"^\s*(?P<when>\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2})?)\s*(?P<zone>[A-Za-z_/+-]+)?\s*$"
)


class ClockUnavailableError(RuntimeError):
    """The world's clock is far from the real one and libfaketime is not installed."""


def parse_clock(text: str, default_zone: str = "UTC") -> datetime:
    """Read `2026-12-07T09:00 Europe/Berlin` (zone optional) as an aware instant in UTC."""
    match = _CLOCK.match(text)
    if match is None:
        raise ValueError(f"a clock is written like 2026-12-07T09:00 Europe/Berlin, not {text!r}")
    try:
        zone = ZoneInfo(match["zone"] or default_zone)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown time zone in clock {text!r}") from None
    local = datetime.fromisoformat(match["when"].replace(" ", "T"))
    return local.replace(tzinfo=zone).astimezone(UTC)


def frozen(at: datetime) -> datetime:
    """Check that `at` is aware and return it in UTC (the sandbox's clocks are aware)."""
    if at.tzinfo is None:
        raise ValueError("a world clock must be timezone-aware")
    return at.astimezone(UTC)


def process_clock_env(at: datetime, *, now: datetime | None = None) -> dict[str, str]:
    """Environment that starts a child's wall clock at `at` (empty when it is close to now)."""
    real = now or datetime.now(UTC)
    try:
        import libfaketime  # type: ignore[import-untyped]
    except ImportError:
        if abs(at - real) <= NEAR_ENOUGH:
            return {}
        raise ClockUnavailableError(
            "setting the clock of the bot process needs libfaketime: pip install -e '.[dev]'"
        ) from None
    _, preload = libfaketime.get_reload_information()
    return {
        **{key: str(value) for key, value in preload.items()},
        # Seconds since the epoch: no dependence on the child's TZ when the time is parsed.
        "FAKETIME_FMT": "%s",
        "FAKETIME": f"@{int(at.timestamp())}",
        "DONT_FAKE_MONOTONIC": "1",
        "FAKETIME_DONT_FAKE_MONOTONIC": "1",
        "FAKETIME_NO_CACHE": "1",
    }


class WorldClock:
    """A world's "now" that a script can move: fixed for the sandbox, and the instant the bot
    process starts at (running on from there) each time it is started."""

    def __init__(self, at: datetime) -> None:
        self._at = frozen(at)
        self._set = time.monotonic()

    def sandbox_now(self) -> datetime:
        """The sandbox's now: where the clock was last set."""
        return self._at

    def bot_now(self) -> datetime:
        """Where the bot process starts: the clock's instant plus the real time gone by."""
        return self._at + timedelta(seconds=time.monotonic() - self._set)

    def advance(self, by: timedelta) -> None:
        """Move the clock forward (the bot sees it once it is started again)."""
        self._at = self.bot_now() + by
        self._set = time.monotonic()


DURATION = re.compile(r"^\s*(\d{1,5})\s*([mhd])\s*$")
_UNITS = {"m": "minutes", "h": "hours", "d": "days"}


def parse_duration(text: str) -> timedelta:
    """Read "24h", "90m" or "2d"."""
    match = DURATION.match(text)
    if match is None:
        raise ValueError(f"a duration is written like 24h, 90m or 2d, not {text!r}")
    return timedelta(**{_UNITS[match[2]]: int(match[1])})
