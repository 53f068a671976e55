"""The script steps for the host's own changes: `host_cancels` and `host_moves` are read as
written and refused with the line when wrong; played, they change the newest appointment in the
sandbox, let its webhooks be told, and say so in the transcript. What the bot makes of the change
is not checked here."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any, cast

import pytest
import pytest_asyncio
from aiohttp import web

from bot.sandbox.scheduling import Booking, SandboxScheduling
from bot.sandbox.scheduling_defaults import INTRO_CALL_ID
from bot.sandbox.scheduling_webhooks import new_webhook
from bot.sandbox.script_format import parse_offset
from bot.sandbox.script_runner import Runner, StepFailed
from bot.sandbox.scripts import ScriptError, load_script
from bot.sandbox.telegram_api import BotApiEmulator
from bot.sandbox.world import ChatDriver, OfflineWorld

NOW = datetime(2026, 12, 7, 7, 0, tzinfo=UTC)


def write(tmp_path: Path, steps: str) -> Path:
    path = tmp_path / "script.yaml"
    path.write_text("steps:\n  - send: /start\n" + steps, encoding="utf-8")
    return path


# --- reading ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("written", "value"),
    [
        ("host_cancels: true", True),
        ('host_cancels: {reason: "The host is ill"}', {"reason": "The host is ill"}),
        ("host_cancels: {reason: Ill, repeat: 2}", {"reason": "Ill", "repeat": 2}),
        ("host_cancels: {repeat: 0}", {"repeat": 0}),
        ("host_moves: 1h", "1h"),
        ("host_moves: -30m", "-30m"),
        ("host_moves: +90m", "+90m"),
        ("host_moves: 2d", "2d"),
        ("host_moves: {by: -30m, repeat: 1}", {"by": "-30m", "repeat": 1}),
        ("host_moves: {by: 1h}", {"by": "1h"}),
    ],
)
def test_host_steps_are_read_as_written(tmp_path: Path, written: str, value: Any) -> None:
    script = load_script(write(tmp_path, f"  - {written}\n"))
    step = script.steps[-1]
    assert (step.kind, step.value, step.line) == (written.split(":")[0], value, 3)


@pytest.mark.parametrize(
    "written",
    [
        "host_cancels: false",
        "host_cancels: yes",
        "host_cancels: 1",
        "host_cancels: {reason: 3}",
        "host_cancels: {repeat: -1}",
        "host_cancels: {repeat: true}",
        "host_cancels: {repeat: twice}",
        "host_cancels: {reason: Ill, by: 1h}",
        "host_moves: true",
        "host_moves: 90",
        "host_moves: 0m",
        "host_moves: -0h",
        "host_moves: 1.5h",
        "host_moves: 1 hour",
        "host_moves: --1h",
        "host_moves: 1w",
        "host_moves: ''",
        "host_moves: {repeat: 1}",
        "host_moves: {by: 1h, repeat: -1}",
        "host_moves: {by: 1h, reason: Ill}",
        "host_moves: [1h]",
    ],
)
def test_a_wrong_host_step_is_refused_naming_its_line(tmp_path: Path, written: str) -> None:
    path = write(tmp_path, f"  - {written}\n")
    with pytest.raises(ScriptError) as caught:
        load_script(path)
    kind = written.split(":")[0]
    assert f"{path}:3: {kind}: expected " in str(caught.value)


@pytest.mark.parametrize(
    ("text", "offset"),
    [
        ("1h", timedelta(hours=1)),
        ("-30m", timedelta(minutes=-30)),
        ("+90m", timedelta(minutes=90)),
        (" - 2d ", timedelta(days=-2)),
    ],
)
def test_a_move_is_a_signed_duration(text: str, offset: timedelta) -> None:
    assert parse_offset(text) == offset


# --- playing, without a bot ----------------------------------------------------------------------


@pytest_asyncio.fixture
async def sandbox() -> AsyncIterator[SandboxScheduling]:
    async with SandboxScheduling(clock=lambda: NOW) as server:
        yield server


@pytest_asyncio.fixture
async def receiver() -> AsyncIterator[tuple[str, list[dict[str, Any]]]]:
    """A webhook's receiving end on loopback: its URL and the bodies it was sent."""
    bodies: list[dict[str, Any]] = []

    async def handle(request: web.Request) -> web.Response:
        bodies.append(await request.json())
        return web.json_response({})

    app = web.Application()
    app.router.add_post("/hook", handle)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    yield f"http://127.0.0.1:{runner.addresses[0][1]}/hook", bodies
    await runner.cleanup()


def booked(sandbox: SandboxScheduling) -> Booking:
    """An appointment as if made through the API (it has a body)."""
    start = sandbox.spots(INTRO_CALL_ID, NOW, NOW + timedelta(days=7))[0]
    host = sandbox.free_hosts(INTRO_CALL_ID, start, 30)[0]
    booking = sandbox.add_booking(INTRO_CALL_ID, host, start, attendee={"email": "a@b.org"})
    booking.body = {"meetingTypeId": INTRO_CALL_ID, "start": start.isoformat()}
    return booking


def runner_for(path: Path, sandbox: SandboxScheduling) -> Runner:
    """A runner whose world is only the sandbox: the host steps need no bot."""
    emulator = BotApiEmulator(limits=None)
    world = cast(OfflineWorld, SimpleNamespace(sandbox=sandbox, world_clock=None))
    runner = Runner(load_script(path), world, ChatDriver(emulator, 1001))
    runner.host_change_patience = 0  # no bot here to tell the customer anything
    return runner


async def test_the_host_moves_then_cancels_the_newest_appointment(
    tmp_path: Path,
    sandbox: SandboxScheduling,
    receiver: tuple[str, list[dict[str, Any]]],
) -> None:
    url, bodies = receiver
    events = ["booking_rescheduled", "booking_cancelled"]
    sandbox.webhooks.append(new_webhook({"endpoint": url, "event_types": events}))
    older, newest = booked(sandbox), booked(sandbox)
    start = newest.start
    path = tmp_path / "host.yaml"
    path.write_text(
        'steps:\n  - host_moves: -30m\n  - host_cancels: {reason: "The host is ill", repeat: 1}\n',
        encoding="utf-8",
    )
    runner = runner_for(path, sandbox)
    await runner.play()
    assert newest.start == start - timedelta(minutes=30)
    assert newest.cancelled
    assert newest.cancel is not None
    assert newest.cancel["reason"] == "The host is ill"
    assert not older.cancelled
    assert older.reschedule_count == 0
    # Both steps waited for their deliveries: nothing is still under way.
    assert [body["webhookType"] for body in bodies] == ["booking_rescheduled"] + [
        "booking_cancelled"
    ] * 2
    assert sandbox.repeat_deliveries == 0  # the step's repeat was for its own deliveries
    transcript = runner.transcript.getvalue()
    assert "[host moves the booking by -30m]\n[meetergo delivers booking_rescheduled: 200]" in (
        transcript
    )
    assert (
        "[host cancels the booking: The host is ill]\n"
        "[meetergo delivers booking_cancelled: 200, 200]"
    ) in transcript


async def test_without_webhooks_the_step_only_changes_the_appointment(
    tmp_path: Path, sandbox: SandboxScheduling
) -> None:
    booking = booked(sandbox)
    path = tmp_path / "host.yaml"
    path.write_text("steps:\n  - host_cancels: true\n", encoding="utf-8")
    runner = runner_for(path, sandbox)
    await runner.play()
    assert booking.cancelled
    assert runner.transcript.getvalue().strip() == "[host cancels the booking]"
    assert sandbox.deliveries == []


@pytest.mark.parametrize(
    ("steps", "failure"),
    [
        ("  - host_cancels: true\n", "no appointment to change"),
        ("  - host_moves: 1h\n", "no appointment to change"),
    ],
)
async def test_a_host_step_without_an_appointment_fails_naming_the_step(
    tmp_path: Path, sandbox: SandboxScheduling, steps: str, failure: str
) -> None:
    path = tmp_path / "host.yaml"
    path.write_text("steps:\n" + steps, encoding="utf-8")
    with pytest.raises(StepFailed, match=f"step 1 .*line 2.*{failure}"):
        await runner_for(path, sandbox).play()


async def test_a_cancelled_appointment_cannot_be_changed_again(
    tmp_path: Path, sandbox: SandboxScheduling
) -> None:
    booked(sandbox)
    path = tmp_path / "host.yaml"
    path.write_text("steps:\n  - host_cancels: true\n  - host_moves: {by: 2d}\n", encoding="utf-8")
    with pytest.raises(StepFailed, match=r"step 2 \(host_moves, line 3\).*already cancelled"):
        await runner_for(path, sandbox).play()
