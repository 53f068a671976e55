"""One clock per offline world: a script's outcome does not depend on when it runs.

The scripted conversation taps the first free day and the first free time and books it. Run
with the world's clock a moment before a :00 or :30 boundary (the first offered time is then
exactly at the sandbox's minimum notice) and late in the evening and just before midnight
(the first free day has one or two times left), it books the first time offered every time:
the sandbox's "now" stays where the world started, and the bot process runs on that clock.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.sandbox.scheduling import SandboxScheduling
from bot.sandbox.scheduling_defaults import INTRO_CALL_ID
from bot.sandbox.scripts import run_script

SCRIPT = Path(__file__).parents[1] / "scripts" / "happy_path_en.yaml"
BERLIN = ZoneInfo("Europe/Berlin")
MINIMUM_NOTICE = timedelta(hours=2)  # the default team's

CLOCKS = [
    datetime(2026, 12, 7, 9, 29, 58, tzinfo=BERLIN),  # Monday, before a :30 boundary
    datetime(2026, 12, 7, 15, 59, 58, tzinfo=BERLIN),  # before :00; 18:00 is the first time
    datetime(2026, 12, 7, 18, 59, 58, tzinfo=BERLIN),  # evening: two times left that day
    datetime(2026, 12, 7, 23, 59, 58, tzinfo=BERLIN),  # the day changes during the script
]


def first_free_start(at: datetime) -> datetime:
    """The earliest start the default team offers for the intro call when the clock is `at`."""
    sandbox = SandboxScheduling(clock=lambda: at.astimezone(UTC))
    low = at.astimezone(UTC)
    windows = sandbox.free_windows(INTRO_CALL_ID, low, low + timedelta(days=14))
    first_window = windows[0][0]
    # The bot offers starts on its 30-minute grid of Berlin's wall clock.
    local = first_window.astimezone(BERLIN)
    past_grid = (local.minute % 30) * 60 + local.second + local.microsecond / 1e6
    start = local + timedelta(seconds=(1800 - past_grid) % 1800)
    return start.astimezone(UTC)


@pytest.mark.parametrize("clock", CLOCKS, ids=lambda clock: clock.strftime("%a-%H%M%S"))
async def test_first_time_is_booked_whatever_the_clock(clock: datetime) -> None:
    outcome = await run_script(SCRIPT, clock=clock)
    assert outcome.passed, f"{outcome.failure}\n{outcome.transcript}"
    assert "just taken" not in outcome.transcript
    [booking] = outcome.bookings
    start = datetime.fromisoformat(booking["start"].replace("Z", "+00:00"))
    assert start == first_free_start(clock)
    assert start - clock >= MINIMUM_NOTICE
