"""Scripts say exactly what they mean (the newcomers' issue): a tap or a `buttons:` check names
one button or fails naming the candidates ("2:00 PM" is not "12:00 PM"); the reply keyboard is
addressed on purpose (`keyboard:`); placeholders are filled in the language the chat is in now;
`expect_calls` counts by path pattern; a calendar file's UID is kept and compared; and the
transcript reads as the chats do (deleted messages, the agent's chat, in arrival order).

Two scripts run a real world end to end (a few seconds each); the rest is checked without one."""

from __future__ import annotations

import asyncio
import json
import sqlite3
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace
from typing import Any, cast

import pytest

from bot.sandbox.script_checks import StepFailed, check_labels, count_calls, ics_value, pick
from bot.sandbox.script_runner import Runner
from bot.sandbox.script_transcript import Transcript
from bot.sandbox.scripts import ScriptError, load_script, run_script
from bot.sandbox.telegram_api import BotApiEmulator
from bot.sandbox.telegram_state import RecordedCall
from bot.sandbox.world import ChatDriver, OfflineWorld

MONDAY_9 = datetime(2026, 12, 7, 8, 0, tzinfo=UTC)  # 09:00 in Berlin, 03:00 in New York
NNBSP = "\u202f"  # as babel writes "2:00 PM"
TIMES = [
    (f"{time}{NNBSP}{half}", f"slot:{time}")
    for time, half in [
        ("11:30", "AM"),
        ("12:00", "PM"),
        ("12:30", "PM"),
        ("2:00", "PM"),
        ("2:30", "PM"),
    ]
]


def write(tmp_path: Path, text: str, name: str = "script.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


# --- the rules, without a world -----------------------------------------------------------------


def test_a_whole_label_wins_and_a_part_must_name_one_button() -> None:
    assert pick(TIMES, "2:00 PM") == (f"2:00{NNBSP}PM", "slot:2:00")
    assert pick(TIMES, "12:00 PM")[1] == "slot:12:00"
    assert pick(TIMES, "11:30")[1] == "slot:11:30"  # the only label containing it
    with pytest.raises(StepFailed) as caught:
        pick(TIMES, "2:00")
    assert str(caught.value) == (
        'tap "2:00": 2 buttons contain it and none is exactly it: '
        f'"12:00{NNBSP}PM", "2:00{NNBSP}PM"; write the whole label'
    )
    with pytest.raises(StepFailed, match="no button exactly '11:30'"):
        pick(TIMES, "11:30", exact=True)
    with pytest.raises(StepFailed, match="no button '4:00 PM'"):
        pick(TIMES, "4:00 PM")


def test_buttons_and_no_buttons_follow_the_same_rules() -> None:
    labels = [label for label, _ in TIMES]
    check_labels(labels, ["2:00 PM", "12:00 PM", "11:30"], ["3:00 PM"])
    with pytest.raises(StepFailed) as caught:
        check_labels(labels, ["2:30"], [])
    assert '"12:30\u202fPM", "2:30\u202fPM"' in str(caught.value)
    # No label may be or contain what `no_buttons` names; `exact` asks only for no equal one.
    without_two = [label for label in labels if not label.startswith("2:00")]
    with pytest.raises(StepFailed, match="expected no button '2:00 PM', found \"12:00"):
        check_labels(without_two, [], ["2:00 PM"])
    check_labels(without_two, [], ["2:00 PM"], exact=True)
    with pytest.raises(StepFailed, match="expected a button '12:00'"):
        check_labels(labels, ["12:00"], [], exact=True)


def test_the_new_syntax_is_read_and_what_cannot_work_is_refused(tmp_path: Path) -> None:
    script = load_script(
        write(
            tmp_path,
            "steps:\n"
            "  - tap: {button: 2:00 PM, exact: true}\n"
            "  - expect: {buttons: [2:00 PM], no_buttons: [2:00], exact: true}\n"
            "  - expect: {keyboard: [Share my location]}\n"
            "  - expect: {keyboard: []}\n"
            "  - keyboard: Skip\n"
            "  - keyboard: {button: Share my location, location: [40.71, -74.01]}\n"
            "  - keyboard: {button: 1, phone: '+1 555 0100'}\n"
            "  - expect_document: {index: -2, capture: {uid: UID}}\n"
            '  - expect_calls: {"POST /v4/appointment/*/cancel": 1}\n',
        )
    )
    values = [step.value for step in script.steps]
    assert values[0] == {"button": "2:00 PM", "exact": True}
    assert values[3] == {"keyboard": []}
    assert values[7] == {"index": "-2", "capture": {"uid": "UID"}}
    wrong = {
        "  - tap: {button: x, exact: yes}\n": "tap: expected",
        "  - expect: {text: x, exact: true}\n": "with buttons, no_buttons or keyboard",
        "  - keyboard: {button: x, location: [north, 1]}\n": "keyboard: expected",
        "  - expect_document: {index: 1}\n": "index (-1: the newest file",
        "  - expect_document: {capture: {my uid: UID}}\n": "expect_document: expected",
    }
    for step, hint in wrong.items():
        with pytest.raises(ScriptError, match=r":2: ") as caught:
            load_script(write(tmp_path, f"steps:\n{step}", "wrong.yaml"))
        assert hint in str(caught.value)


def test_call_patterns_stand_for_one_path_segment() -> None:
    calls = [
        SimpleNamespace(method="POST", path="/v4/appointment/a1/cancel"),
        SimpleNamespace(method="POST", path="/v4/appointment/b2/reschedule"),
        SimpleNamespace(method="GET", path="/v4/appointment/a1"),
        SimpleNamespace(method="GET", path="/v4/appointment/a1/cancel/extra"),
    ]
    assert count_calls(calls, "POST /v4/appointment/*/cancel") == ["POST /v4/appointment/a1/cancel"]
    assert len(count_calls(calls, "/v4/appointment/*")) == 1  # one segment, any method
    assert len(count_calls(calls, "/v4/appointment/*/*")) == 2
    assert count_calls(calls, "GET /v4/appointment/a1") == ["GET /v4/appointment/a1"]
    assert count_calls(calls, "DELETE /v4/appointment/*") == []


def _ics(uid: str, sequence: int) -> bytes:
    lines = [
        "BEGIN:VCALENDAR",
        "BEGIN:VEVENT",
        f"UID:{uid}",
        "DTSTART;VALUE=DATE-TIME:20261208T090000Z",
        f"SEQUENCE:{sequence}",
        "DESCRIPTION:a long line folded",
        "  in two",  # folded: the line's own space after the fold's
        "END:VEVENT",
        "END:VCALENDAR",
    ]
    return "\r\n".join(lines).encode()


def _runner(tmp_path: Path, steps: str, **world: Any) -> tuple[Runner, BotApiEmulator]:
    """A runner without a bot: its chat is the emulator's state, its world what is given."""
    emulator = BotApiEmulator(limits=None)
    driver = ChatDriver(emulator, 1001)
    script = load_script(write(tmp_path, f"steps:\n{steps}", "runner.yaml"))
    fake = cast(
        OfflineWorld, SimpleNamespace(sandbox=SimpleNamespace(now=lambda: MONDAY_9), **world)
    )
    return Runner(script, fake, driver), emulator


def _file(emulator: BotApiEmulator, data: bytes) -> None:
    message = emulator.state.add_message(emulator.state.open_chat(1001), from_bot=True)
    message.document = {"file_name": "appointment.ics", "data": data}


def test_a_captured_uid_is_compared_with_a_later_file(tmp_path: Path) -> None:
    assert ics_value("DTSTART;VALUE=DATE-TIME:20261208T090000Z", "dtstart") == "20261208T090000Z"
    steps = (
        "  - expect_document: {name: appointment.ics, capture: {uid: UID}}\n"
        '  - expect_document: {contains: ["UID:{uid}", SEQUENCE:1, long line folded in two]}\n'
        '  - expect_document: {index: -2, contains: ["UID:{uid}", SEQUENCE:0]}\n'
    )
    runner, emulator = _runner(tmp_path, steps)
    _file(emulator, _ics("same@bot", 0))
    _file(emulator, _ics("same@bot", 1))
    asyncio.run(runner.play())
    assert runner.placeholders.captured["uid"] == "same@bot"

    steps = "  - expect_document: {index: -2, capture: {uid: UID}}\n"
    steps += '  - expect_document: {contains: "UID:{uid}"}\n'
    runner, emulator = _runner(tmp_path, steps)
    _file(emulator, _ics("first@bot", 0))
    _file(emulator, _ics("other@bot", 1))
    with pytest.raises(StepFailed, match=r"step 2 .*UID:first@bot"):
        asyncio.run(runner.play())
    runner, _ = _runner(tmp_path, "  - expect_document: {index: -3}\n")
    _file(runner.driver.emulator, _ics("x", 0))
    with pytest.raises(StepFailed, match="index: -3: the bot sent 1 documents"):
        asyncio.run(runner.play())


def test_placeholders_follow_the_language_and_zone_the_bot_keeps(tmp_path: Path) -> None:
    runner, _ = _runner(tmp_path, "  - send: x\n", workdir=tmp_path)
    runner._follow_the_chat(None)
    assert runner.placeholders.fill("{tomorrow:button}") == "8 Tue"  # none kept yet: Telegram's
    (tmp_path / "data").mkdir()
    with sqlite3.connect(tmp_path / "data" / "state.sqlite3") as state:
        state.execute("CREATE TABLE user_data (user_id INTEGER PRIMARY KEY, data TEXT NOT NULL)")
        prefs = {"prefs": {"language": "de", "timezone": "Pacific/Auckland"}}
        state.execute("INSERT INTO user_data VALUES (1001, ?)", (json.dumps(prefs),))
    state.close()
    runner._follow_the_chat(None)
    # Monday 08:00 UTC is Monday 21:00 in Auckland: tomorrow is Tuesday there too.
    assert (
        runner.placeholders.fill("{tomorrow:button}|{today}") == "Di., 8.|Montag, 7. Dezember 2026"
    )
    assert runner.placeholders.zone == "Pacific/Auckland"


def test_the_reply_keyboard_is_pressed_by_keyboard_steps_and_never_by_taps(
    tmp_path: Path,
) -> None:
    steps = (
        "  - expect: {keyboard: [Share my phone number, Skip], exact: false}\n"
        "  - keyboard: Skip\n"
        "  - keyboard: {button: 1, phone: '+1 555 0100'}\n"
        "  - tap: Skip\n"
    )
    runner, emulator = _runner(tmp_path, steps)
    chat = emulator.state.open_chat(1001)
    share = {"text": "📱 Share my phone number", "request_contact": True}
    asked = emulator.state.add_message(chat, from_bot=True, text="Your phone number?")
    asked.reply_markup = {"keyboard": [[share], [{"text": "Skip"}]], "one_time_keyboard": True}
    done: list[str] = []

    async def send(text: str) -> None:
        done.append(f"send {text}")

    async def share_contact(phone: str, **_: Any) -> None:
        done.append(f"contact {phone}")

    runner.driver.send = send  # type: ignore[method-assign,assignment]
    runner.driver.share_contact = share_contact  # type: ignore[method-assign,assignment]
    with pytest.raises(StepFailed, match=r"step 4 .*no message with inline buttons"):
        asyncio.run(runner.play())
    assert done == ["send Skip", "contact +1 555 0100"]
    removed = emulator.state.add_message(chat, from_bot=True, text="✓ +15550100")
    removed.reply_markup = {"remove_keyboard": True}
    runner, _ = _runner(tmp_path, "  - expect: {keyboard: []}\n")
    runner.driver = ChatDriver(emulator, 1001)
    asyncio.run(runner.play())


def test_the_transcript_shows_deleted_messages_and_names_the_agents_chat() -> None:
    emulator = BotApiEmulator(limits=None)
    for user in (1001, 777):
        emulator.add_user(user, "Someone")
    transcript = Transcript(emulator, {1001: "", 777: "agent"})

    def bot_writes(chat: int, text: str) -> Any:
        message = emulator.state.add_message(
            emulator.state.open_chat(chat), from_bot=True, text=text
        )
        result = {"message_id": message.message_id}
        emulator.calls.append(
            RecordedCall("sendMessage", {"chat_id": chat}, True, 200, None, result)
        )
        return message

    card = bot_writes(1001, "⏳ Booking…")
    transcript.print_new()
    bot_writes(1001, "✅ You're booked")
    bot_writes(777, "📅 New booking through your link")
    card.deleted = True
    emulator.calls.append(
        RecordedCall(
            "deleteMessage", {"chat_id": 1001, "message_id": card.message_id}, True, 200, None, True
        )
    )
    gone = bot_writes(1001, "typing…")
    gone.deleted = True
    transcript.print_new()
    transcript.print_new()  # nothing new: nothing twice
    assert transcript.getvalue() == (
        "\nbot: ⏳ Booking…\n"
        "\nbot: ✅ You're booked\n"
        "\nbot → agent: 📅 New booking through your link\n"
        "\nbot (deleted): ⏳ Booking…\n"
        "\nbot (deleted): typing…\n"
    )


# --- end to end ---------------------------------------------------------------------------------

EXACT_TAPS = """\
name: '"2:00 PM" taps 2:00 PM beside 12:00 PM; the reply keyboard is pressed on purpose'
clock: 2026-12-07T09:00 Europe/Berlin
customer: {first_name: Ada, last_name: Lovelace, language: en}
steps:
  - send: /start
  - send: /timezone
  - tap: New York                       # the only inline button containing it
  - expect: {text: Times are shown in Eastern Time (New York)}
  - send: /timezone
  - expect: {keyboard: ["📍 Share my location"], in: 2, buttons: [New York (Eastern Time)]}
  - keyboard: {button: Share my location, location: [40.71, -74.01]}
  - expect: {keyboard: []}
  - tap: "{tomorrow:button}"
  - expect: {text: "{tomorrow}", buttons: ["12:00 PM", "2:00 PM"]}
  - tap: "2:00 PM"
  - book: true
  - expect_booking: {start: "{tomorrow} 2:00 PM", attendee.timezone: America/New_York}
  - send: /start
  - tap: "{tomorrow:button}"
  - expect: {no_buttons: ["2:00 PM"], exact: true}
  - tap: {button: "12:00 PM", exact: true}
  - send: /start
  - tap: "{tomorrow:button}"
  - expect: {buttons: ["2:30"]}
"""


def test_a_script_taps_the_time_it_names_and_an_ambiguous_check_fails(tmp_path: Path) -> None:
    outcome = asyncio.run(run_script(write(tmp_path, EXACT_TAPS)))
    assert outcome.failure == (
        'step 20 (expect, line 24): buttons "2:30": 2 buttons contain it and none is exactly '
        'it: "12:30\u202fPM", "2:30\u202fPM"; write the whole label'
    ), outcome.transcript
    # 2:00 PM in New York, not 12:00 PM (what the first label containing "2:00 PM" was).
    assert [booking["start"] for booking in outcome.bookings] == ["2026-12-08T19:00:00Z"]
    assert "\nyou: [taps 2:00\u202fPM]\n" in outcome.transcript
    assert "\nyou: [taps 12:00\u202fPM]\n" in outcome.transcript
    assert "  keyboard: [📍 Share my location]\n" in outcome.transcript
    assert "[keyboard: 📍 Share my location: shares the location 40.71, -74.01]" in (
        outcome.transcript
    )
    assert "  (keyboard removed)\n" in outcome.transcript


LANGUAGE_AND_CALENDAR = """\
name: Placeholders follow the chat's language; the moved calendar file keeps its UID
clock: 2026-12-07T09:00 Europe/Berlin
bot:
  MEETERGO_MEETING_TYPE_IDS: "46a93e44-f7ec-468a-adb3-1418fd1a48fa,\\
    0eb44157-dc22-4649-8598-ddebfca263df"
agent: {id: 777, first_name: Sam, language: en}
customer: {first_name: Ada, last_name: Lovelace, language: en}
steps:
  - agent_send: /link
  - agent_tap: Intro call
  - agent_tap: Français
  - open_agent_link: true
  - tap: "{tomorrow:button}"            # the link's French: "mar. 8"
  - expect: {text: "{tomorrow}"}        # "mardi 8 décembre 2026"
  - send: /language de
  - expect: {text: "{tomorrow}"}
  - tap: ◀ anderer Tag
  - tap: "{tomorrow:button}"            # "Di., 8."
  - send: /language en
  - fail: {kind: lost, times: 1, path: /booking}   # the booking's answer is lost: looked up
  - book: {time: "10:00 AM"}
  - expect: {text: "You're booked"}                 # the tap waited for the outcome
  - agent_expect: {text: [New booking through your link, "{tomorrow} at 10:00 AM"]}
  - expect_document: {name: appointment.ics, contains: SEQUENCE:0, capture: {uid: UID}}
  - send: /mybookings
  - tap: Reschedule
  - tap: "{in 2 days:button}"
  - tap: "11:00 AM"
  - tap: Confirm
  - expect_document: {contains: ["UID:{uid}", "SEQUENCE:1"]}
  - expect_document: {index: -2, contains: ["UID:{uid}", "SEQUENCE:0"]}
  - send: /mybookings
  - tap: Cancel appointment
  - tap: "Yes, cancel it"
  - expect_calls: {"POST /v4/appointment/*/cancel": 1, "POST /v4/appointment/*/reschedule": 1}
"""


def test_placeholders_speak_the_chats_language_and_a_moved_file_keeps_its_uid(
    tmp_path: Path,
) -> None:
    outcome = asyncio.run(run_script(write(tmp_path, LANGUAGE_AND_CALENDAR)))
    transcript = outcome.transcript
    assert outcome.passed, f"{outcome.failure}\n{transcript}"
    assert "\nyou: [taps mar. 8]\n" in transcript
    assert "\nyou: [taps Di., 8.]\n" in transcript
    assert "\nbot (edited): mardi 8 décembre 2026\n" in transcript
    # The agent hears of the booking as it happens, before the customer's next step.
    told = transcript.index("\nbot → agent: 📅 New booking through your link")
    assert transcript.index("\nbot (deleted): ⏳ ") < told < transcript.index("/mybookings")
    assert "\nagent: [taps Français]\n" in transcript
