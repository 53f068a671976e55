"""The script format means what it says: spaces, YAML's numbers, a fixed clock, dates relative
to it, captured values, messages addressed by position or text, calls counted, pytest
anywhere (issue 15). Scripts that run a real world are kept few: the shipped scripts in
tests/scripts/ run every feature end to end."""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import sys
from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.sandbox.script_text import Placeholders, spaced
from bot.sandbox.scripts import ScriptError, load_script, run_script

PROJECT_ROOT = Path(__file__).resolve().parents[2]
SCRIPTS = PROJECT_ROOT / "tests" / "scripts"
MONDAY_9 = datetime(2026, 12, 7, 8, 0, tzinfo=UTC)  # 09:00 in Berlin


def write(tmp_path: Path, text: str, name: str = "script.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


# --- reading ------------------------------------------------------------------------------------


def test_unquoted_times_are_read_as_written_not_as_sexagesimal_numbers(tmp_path: Path) -> None:
    script = load_script(
        write(
            tmp_path,
            "steps:\n"
            "  - tap: 10:30\n"
            "  - expect: {buttons: [10:30, 9:00], no_buttons: [12:00]}\n"
            "  - tap: 2\n"
            "  - send: 1.5\n",
        )
    )
    tap, expect, position, send = (step.value for step in script.steps)
    assert tap == "10:30"  # YAML 1.1 would read 630
    assert expect == {"buttons": ["10:30", "9:00"], "no_buttons": ["12:00"]}
    assert position == 2  # a whole number is a position
    assert send == "1.5"


def test_a_label_under_both_buttons_and_no_buttons_is_refused(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "steps:\n  - send: /start\n  - expect: {buttons: [later ›], no_buttons: later ›}\n",
    )
    with pytest.raises(ScriptError) as caught:
        load_script(path)
    assert str(caught.value).startswith(f"{path}:3:")
    assert "under both buttons and no_buttons" in str(caught.value)


@pytest.mark.parametrize(
    ("step", "what"),
    [
        ("location: 52.5", "location: expected [latitude, longitude]"),
        ("location: [52.5, east]", "location: expected [latitude, longitude]"),
        ("capture: {slot: the second one}", "capture: expected names and what to keep"),
        ("capture: {slot: {button: 2, match: x}}", "capture: expected names"),
        ("expect_calls: {/booking: two}", "expect_calls: expected paths and counts"),
        ("tap: {in: 2}", "tap: expected a button label"),
        ("expect: {in: 2, txt: x}", "expect: expected a mapping with some of"),
        ("book: {until: payment}", "book: expected true, or a mapping with some of"),
        ("book: {day: 0}", "book: expected true, or a mapping"),
        ("book: {mail: a@b.c}", "book: expected true, or a mapping"),
    ],
)
def test_new_steps_are_checked_when_the_script_is_read(
    tmp_path: Path, step: str, what: str
) -> None:
    with pytest.raises(ScriptError) as caught:
        load_script(write(tmp_path, f"steps:\n  - {step}\n"))
    assert ":2:" in str(caught.value)
    assert what in str(caught.value)


def test_a_clock_may_be_a_weekday_and_a_time(tmp_path: Path) -> None:
    script = load_script(write(tmp_path, "clock: monday 09:00 Europe/Berlin\nsteps: []\n"))
    assert script.clock is not None
    local = script.clock.astimezone(ZoneInfo("Europe/Berlin"))
    assert (local.weekday(), local.hour, local.minute) == (0, 9, 0)
    assert script.clock >= datetime.now(UTC)


# --- matching and placeholders ------------------------------------------------------------------


def test_every_kind_of_space_matches_a_plain_one() -> None:
    assert spaced("10:00\u202fAM") == "10:00 AM"
    assert spaced("Mo.,\u00a07.\u2009Dez.") == "Mo., 7. Dez."
    assert spaced("a  \u00a0 b") == "a b"


def test_dates_are_written_relative_to_the_worlds_clock_in_the_customers_language() -> None:
    english = Placeholders(lambda: MONDAY_9, "en", "Europe/Berlin")
    assert english.fill("{today}") == "Monday, December 7, 2026"
    assert english.fill("{tomorrow}") == "Tuesday, December 8, 2026"
    assert english.fill("{monday}") == "Monday, December 7, 2026"  # today is a Monday
    assert english.fill("{next monday}") == "Monday, December 14, 2026"
    assert english.fill("{friday:iso}") == "2026-12-11"
    assert english.fill("{in 3 days:iso}") == "2026-12-10"
    german = Placeholders(lambda: MONDAY_9, "de", "Europe/Berlin")
    assert german.fill("{tomorrow}") == "Dienstag, 8. Dezember 2026"
    assert spaced(german.fill("{tomorrow:button}")) == "Di., 8."
    assert german.day("tomorrow") == date(2026, 12, 8)


def test_braces_that_are_no_placeholder_are_left_alone() -> None:
    words = Placeholders(lambda: MONDAY_9, "en", "Europe/Berlin")
    assert words.fill(r"^\d{1,2}:\d\d {unknown}") == r"^\d{1,2}:\d\d {unknown}"
    words.captured["slot"] = "10:30 AM"
    assert words.fill("at {slot}") == "at 10:30 AM"


# --- whole runs ---------------------------------------------------------------------------------

ALWAYS_OPEN = (
    "clock: 2026-12-07T09:00 Europe/Berlin\n"
    "customer: {first_name: Ada, language: en}\n"
    "sandbox:\n  hosts:\n    - name: Noon\n      timezone: Europe/Berlin\n"
    "      hours: {tue: '11:00-14:00'}\n"
)


def test_a_no_buttons_check_fails_when_the_button_is_there_despite_its_narrow_space(
    tmp_path: Path,
) -> None:
    # Before, "12:00 PM" (plain space) never matched the bot's "12:00\u202fPM": a false PASS.
    path = write(
        tmp_path,
        ALWAYS_OPEN + "steps:\n  - send: /start\n  - tap: '{tomorrow:button}'\n"
        "  - expect: {no_buttons: ['12:00 PM']}\n",
    )
    outcome = asyncio.run(run_script(path))
    assert not outcome.passed
    assert outcome.failure is not None
    assert "step 3 (expect, line 11): expected no button '12:00 PM'" in outcome.failure


def test_a_fixed_clock_gives_the_same_transcript_every_time() -> None:
    first = asyncio.run(run_script(SCRIPTS / "fixed_clock_monday.yaml"))
    second = asyncio.run(run_script(SCRIPTS / "fixed_clock_monday.yaml"))
    assert first.passed, first.failure
    assert first.transcript == second.transcript
    assert "Monday, December 7, 2026" in first.transcript


def test_scripts_outside_tests_scripts_are_collected_by_pytest(tmp_path: Path) -> None:
    team = tmp_path / "our_team_scripts"
    team.mkdir()
    shutil.copy(SCRIPTS / "fixed_clock_monday.yaml", team / "monday.yaml")
    (team / "not_a_script.yaml").write_text("hosts: []\n", encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(team)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(PROJECT_ROOT)},
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 passed" in result.stdout
    assert "Warning" not in result.stdout + result.stderr, "no warning in a team's folder"
