"""The scripted-conversation runner's own errors, and the README's offline demo fed from a pipe."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from bot.sandbox.scripts import ScriptError, load_script, run_script

PROJECT_ROOT = Path(__file__).resolve().parents[2]


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "script.yaml"
    path.write_text(text)
    return path


@pytest.mark.parametrize(
    ("text", "where", "what"),
    [
        ("steps:\n  - send: /start\n  - tapp: 1\n", ":3:", "unknown step 'tapp'"),
        ("steps:\n  - tap: 0\n", ":2:", "tap: expected a button label"),
        ("steps:\n  - expect: {txt: hi}\n", ":2:", "expect: expected a mapping with some of"),
        ("customer: Ada\nsteps: []\n", ":1:", "customer: expected a mapping"),
        ("steps:\n  - send: /start\n    tap: 1\n", ":2:", "a step is one of"),
        ("name: x\n", ":1:", "a script needs 'steps'"),
        ("steps: [\n", "", "not valid YAML"),
        ("stepz: []\n", ":1:", "unknown section 'stepz'"),
        (
            "sandbox:\n  hosts:\n    - {name: A, hours: {moon: '09:00-10:00'}}\nsteps: []\n",
            ":2:",
            "unknown weekday 'moon'",
        ),
    ],
)
def test_malformed_script_names_file_line_and_expectation(
    tmp_path: Path, text: str, where: str, what: str
) -> None:
    path = write(tmp_path, text)
    with pytest.raises(ScriptError) as caught:
        load_script(path)
    message = str(caught.value)
    assert message.startswith(f"{path}{where}")
    assert what in message


def test_broken_expectation_fails_naming_the_step(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "steps:\n"
        "  - send: /start\n"
        "  - expect: {text: Pick a day}\n"
        "  - expect: {text: Something the bot never says}\n",
    )
    outcome = asyncio.run(run_script(path))
    assert not outcome.passed
    assert outcome.failure is not None
    assert outcome.failure.startswith("step 3 (expect, line 4)")
    assert "Something the bot never says" in outcome.failure
    assert "you: /start" in outcome.transcript


def test_script_command_prints_transcript_and_fail_line(tmp_path: Path) -> None:
    path = write(tmp_path, "steps:\n  - send: /start\n  - tap: No such button\n")
    result = subprocess.run(
        [sys.executable, "-m", "bot", "script", str(path)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env={**os.environ, "PYTHONPATH": str(PROJECT_ROOT)},
    )
    assert result.returncode == 1
    assert f"FAIL {path}: step 2 (tap, line 3): no button 'No such button'" in result.stdout
    assert "bot: Hello Ada!" in result.stdout


DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def test_demo_from_a_pipe_books_exits_0_and_records_a_script_that_runs(tmp_path: Path) -> None:
    # A typed day, its first time, the name; the Intro call's questions: Pricing, Yes, Skip;
    # e-mail, agree, confirm.
    customer = "/start\ntomorrow\n1\n1\n1\n1\n1\nada@example.org\n1\n1\n"
    recorded = tmp_path / "recorded.yaml"
    result = subprocess.run(
        [sys.executable, "-m", "bot", "demo", "--record", str(recorded)],
        input=customer,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        cwd=tmp_path,
        env={
            key: value
            for key, value in {**os.environ, "PYTHONPATH": str(PROJECT_ROOT)}.items()
            if not key.startswith(("TELEGRAM_", "MEETERGO_", "BOT_"))
        },
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "[1] I agree" in result.stdout
    assert "You're booked" in result.stdout
    assert "ada@example.org" in result.stdout
    for question in ("What would you like to discuss?", "Are you already a customer?"):
        assert question in result.stdout
    assert "Anything we should know beforehand?" in result.stdout
    assert "💬 What would you like to discuss?: Pricing" in result.stdout
    assert "Traceback" not in result.stdout + result.stderr

    # The recording runs green as it is, and fails once the sandbox's free times differ.
    outcome = asyncio.run(run_script(recorded))
    assert outcome.passed, f"{outcome.failure}\n{outcome.transcript}"
    assert [booking["attendee"]["email"] for booking in outcome.bookings] == ["ada@example.org"]
    script = yaml.safe_load(recorded.read_text(encoding="utf-8"))
    assert "{tomorrow}" in script["steps"][3]["expect"]["text"][0], "the typed day, by name"
    script["sandbox"] = {
        "hosts": [{"name": "Late Riser", "hours": {d: "15:00-18:00" for d in DAYS}}]
    }
    changed = tmp_path / "changed.yaml"
    changed.write_text(yaml.safe_dump(script, allow_unicode=True), encoding="utf-8")
    other = asyncio.run(run_script(changed))
    assert not other.passed
    assert other.failure is not None
    # The times differ on every day (step 4); from the afternoon on, today has none left
    # with those hours, so the day picker the recording expects (step 2) differs first.
    assert "step 4 (expect" in other.failure or "step 2 (expect" in other.failure, other.failure
