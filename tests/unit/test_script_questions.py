"""Scripts and the meeting type's questions: `contact:` steps, the `sandbox:` section's data
fields and meeting types, and `expect_booking` paths into attendee.notes by label."""

from __future__ import annotations

import asyncio
import re
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace
from typing import Any, cast

import pytest

from bot.booking.questions import load_questions
from bot.sandbox.scheduling import SandboxScheduling
from bot.sandbox.scheduling_defaults import BERLIN_HOST_ID, INTRO_CALL_ID, PRODUCT_DEMO_ID
from bot.sandbox.script_runner import Runner, StepFailed
from bot.sandbox.script_sandbox import build_sandbox
from bot.sandbox.script_text import field_path
from bot.sandbox.scripts import ScriptError, load_script
from bot.sandbox.telegram_api import BotApiEmulator
from bot.sandbox.world import ChatDriver, OfflineWorld

SANDBOX = """\
sandbox:
  data_fields:
    - {label: "Budget (EUR, approx.)", name: budget, fieldType: number, required: true}
    - {id: 7, label: Phone number, name: phone, fieldType: phone, target: phone}
  meeting_types:
    Intro call: {questions: [topic, budget], allow_phone_only_booking: true}
    0eb44157-dc22-4649-8598-ddebfca263df:
      questions:
        - {label: "Which plan?", fieldType: radio, options: [Basic, Pro], required: true}
steps:
  - send: /start
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "script.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_the_sandbox_section_declares_fields_and_what_each_type_asks(tmp_path: Path) -> None:
    script = load_script(write(tmp_path, SANDBOX))
    assert script.hosts is None
    sandbox = build_sandbox(script.sandbox, lambda: datetime.now(UTC))
    names = [f.name for f in sandbox.data_fields]
    assert names[-2:] == ["budget", "phone"]  # the script's, after the defaults
    assert names.count("phone") == 1  # a same-named field replaces the default one
    assert next(f for f in sandbox.data_fields if f.name == "phone").id == 7
    intro = sandbox.meeting_types[INTRO_CALL_ID]
    assert [f.label for f in sandbox.questions_of(intro)] == [
        "What would you like to discuss?",
        "Budget (EUR, approx.)",
    ]
    assert intro.allow_phone_only_booking is True
    demo = sandbox.meeting_types[PRODUCT_DEMO_ID]
    [plan] = sandbox.questions_of(demo)
    assert (plan.name, plan.field_type, plan.required) == ("Which plan?", "radio", True)
    assert [o["value"] for o in plan.options] == ["Basic", "Pro"]
    assert demo.allow_phone_only_booking is False
    assert demo.team() == [BERLIN_HOST_ID]  # the default team still books


def test_hosts_and_questions_together(tmp_path: Path) -> None:
    text = (
        "sandbox:\n  hosts: [{name: Noon, hours: {tue: '11:00-14:00'}}]\n"
        "  meeting_types: {Product demo: {questions: [remarks]}}\nsteps: []\n"
    )
    script = load_script(write(tmp_path, text))
    sandbox = build_sandbox(script.sandbox, lambda: datetime.now(UTC))
    assert [h.name for h in sandbox.hosts.values()] == ["Noon"]
    assert sandbox.meeting_types[PRODUCT_DEMO_ID].questions == ["remarks"]


@pytest.mark.parametrize(
    ("section", "what"),
    [
        ("sandbox: {team: []}", "sandbox: expected a mapping with some of hosts, data_fields"),
        (
            "sandbox: {meeting_types: {Coffee: {questions: [topic]}}}",
            "no meeting type 'Coffee' (there are Intro call, Product demo)",
        ),
        (
            "sandbox: {meeting_types: {Intro call: {questions: [shoe_size]}}}",
            "asks 'shoe_size', which is none of the company's data fields",
        ),
        (
            "sandbox: {data_fields: [{label: x, fieldType: dropdown}]}",
            "sandbox.data_fields: fieldType 'dropdown' is not one of",
        ),
        (
            "sandbox: {meeting_types: {Intro call: {allow_phone_only_booking: maybe}}}",
            "allow_phone_only_booking: expected true or false",
        ),
        ("sandbox: {meeting_types: {Intro call: {asks: []}}}", "expected a mapping with some of"),
    ],
)
def test_a_wrong_sandbox_section_names_its_line(tmp_path: Path, section: str, what: str) -> None:
    path = write(tmp_path, f"name: x\n{section}\nsteps: []\n")
    with pytest.raises(ScriptError) as caught:
        load_script(path)
    assert str(caught.value).startswith(f"{path}:2: ")
    assert what in str(caught.value)


def test_contact_steps_are_read_as_written(tmp_path: Path) -> None:
    text = (
        "steps:\n"
        '  - contact: "+49 30 1234567"\n'
        "  - contact: 4915112345678\n"
        "  - contact: {phone: +1 555 0100, own: false, first_name: Grace, user_id: 77}\n"
    )
    own, digits, other = (step.value for step in load_script(write(tmp_path, text)).steps)
    assert own == "+49 30 1234567"
    assert digits == "4915112345678"
    assert other == {"phone": "+1 555 0100", "own": False, "first_name": "Grace", "user_id": 77}


@pytest.mark.parametrize(
    "step",
    [
        "contact: ''",
        "contact: [1, 2]",
        "contact: {own: false}",
        "contact: {phone: '+1', own: maybe}",
        "contact: {phone: '+1', nickname: G}",
        "expect_booking: {'attendee.notes[What?]': x}",
        'expect_booking: {"attendee..email": x}',
    ],
)
def test_malformed_contact_and_paths_are_refused(tmp_path: Path, step: str) -> None:
    with pytest.raises(ScriptError, match=r":2: (contact|expect_booking): expected"):
        load_script(write(tmp_path, f"steps:\n  - {step}\n"))


def test_field_paths_name_keys_with_spaces_and_dots() -> None:
    assert field_path('attendee.notes["What would you like to discuss?"]') == [
        "attendee",
        "notes",
        "What would you like to discuss?",
    ]
    assert field_path("attendee.notes['Budget (EUR, approx.)']") == [
        "attendee",
        "notes",
        "Budget (EUR, approx.)",
    ]
    assert field_path(r'attendee.notes["Say \"hi\""]') == ["attendee", "notes", 'Say "hi"']
    assert field_path("hostIds[0]") == ["hostIds", 0]
    for wrong in ("", "[0]", ".email", "attendee..email", 'notes["open', "notes[x]"):
        with pytest.raises(ValueError, match="no field path"):
            field_path(wrong)


def _runner_with_booking(tmp_path: Path, body: dict[str, Any]) -> Runner:
    """A runner whose world's sandbox holds one booking with `body` (no bot, no servers)."""
    script = load_script(write(tmp_path, "steps:\n  - send: /start\n"))
    sandbox = SandboxScheduling()
    booking = sandbox.add_booking(INTRO_CALL_ID, BERLIN_HOST_ID, sandbox.now())
    booking.body = body
    world = cast(OfflineWorld, SimpleNamespace(sandbox=sandbox))
    return Runner(script, world, ChatDriver(BotApiEmulator(limits=None)))


def test_expect_booking_reads_notes_by_label_and_the_phone(tmp_path: Path) -> None:
    notes = {
        "What would you like to discuss?": "pricing",
        "Budget (EUR, approx.)": 5000,
        "Are you already a customer?": True,
    }
    body = {"attendee": {"phone": "+49 30 1234567", "notes": notes}, "hostIds": ["h1"]}
    runner = _runner_with_booking(tmp_path, body)
    passes = {
        "attendee.phone": "+49 30 1234567",
        'attendee.notes["What would you like to discuss?"]': "pricing",
        "attendee.notes['Budget (EUR, approx.)']": "5000",  # compared as written too
        'attendee.notes["Are you already a customer?"]': True,
        'attendee.notes["Company size"]': None,  # null: not in the booking
        "attendee.email": None,
        "hostIds[0]": "h1",
    }
    asyncio.run(runner._expect_booking(passes))
    failures: list[tuple[dict[str, Any], str]] = [
        ({'attendee.notes["What would you like to discuss?"]': "demo"}, "expected 'demo'"),
        ({"attendee.phone": None}, "expected none, got '+49 30 1234567'"),
        ({'attendee.notes["Company size"]': 10}, "the booking has no field"),
        ({"hostIds[1]": "h2"}, "the booking has no field 'hostIds[1]'"),
    ]
    for fields, message in failures:
        with pytest.raises(StepFailed, match=re.escape(message)):
            asyncio.run(runner._expect_booking(fields))


def test_the_questions_section_is_the_bots_questions_file(tmp_path: Path) -> None:
    script = load_script(
        write(
            tmp_path,
            f"questions:\n  {INTRO_CALL_ID}:\n"
            '    - {name: dog, label: "Hund?", fieldType: yes-no}\n'
            "    - {label: Its name, fieldType: text-single, when: {dog: true}}\n"
            "steps:\n  - send: /start\n",
        )
    )
    assert script.questions is not None
    dog, its_name = load_questions(script.questions, [])[INTRO_CALL_ID]
    assert (dog.label, dog.field_type, its_name.when) == ("Hund?", "yes-no", (("dog", (True,)),))
    both = f"bot: {{BOT_QUESTIONS: q.yaml}}\nquestions: {{{INTRO_CALL_ID}: []}}\nsteps: []\n"
    with pytest.raises(ScriptError, match="BOT_QUESTIONS is set too"):
        load_script(write(tmp_path, both))
    with pytest.raises(ScriptError, match="questions: expected a mapping"):
        load_script(write(tmp_path, "questions: [a]\nsteps: []\n"))
