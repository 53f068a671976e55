"""The sample team the sandbox serves when it is given no hosts or meeting types, and the
company's sample questions (data fields)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.sandbox.scheduling_fields import DataField
from bot.sandbox.scheduling_model import Host, MeetingType, WeeklyHours

BERLIN_HOST_ID = "082d8aef-e48f-4b4b-a631-76f533131a57"
NEW_YORK_HOST_ID = "c966aed5-c97a-4805-a061-55dedcebc1dd"
INTRO_CALL_ID = "46a93e44-f7ec-468a-adb3-1418fd1a48fa"
INTRO_QUEUE_ID = "116d185e-9b87-4a76-a85b-5fa87a0966f0"
PRODUCT_DEMO_ID = "0eb44157-dc22-4649-8598-ddebfca263df"

WEEKDAYS = range(5)


def _berlin_hours() -> WeeklyHours:
    # The lunch gap makes availability come back as more than one window per day.
    return {day: [(time(9), time(12, 30)), (time(13, 30), time(17))] for day in WEEKDAYS}


def _new_york_hours() -> WeeklyHours:
    hours: WeeklyHours = {day: [(time(8), time(16))] for day in range(4)}
    hours[4] = [(time(8), time(12))]
    return hours


def default_hosts(now: datetime) -> list[Host]:
    """Two hosts in different zones, each with a holiday a few local days after `now`."""
    berlin, new_york = "Europe/Berlin", "America/New_York"
    berlin_today = now.astimezone(ZoneInfo(berlin)).date()
    new_york_today = now.astimezone(ZoneInfo(new_york)).date()
    return [
        Host(
            id=BERLIN_HOST_ID,
            name="Anna Berger",
            timezone=berlin,
            weekly_hours=_berlin_hours(),
            holidays={berlin_today + timedelta(days=3)},
        ),
        Host(
            id=NEW_YORK_HOST_ID,
            name="Diego Costa",
            timezone=new_york,
            weekly_hours=_new_york_hours(),
            holidays={new_york_today + timedelta(days=4)},
        ),
    ]


def default_meeting_types() -> list[MeetingType]:
    """A round-robin "Intro call" (30 minutes) for both hosts, and a single-host "Product
    demo" that takes 45 minutes by default and may be booked for 30 or 60 instead."""
    return [
        MeetingType(
            id=INTRO_CALL_ID,
            name="Intro call",
            duration=30,
            queue_id=INTRO_QUEUE_ID,
            host_ids=[BERLIN_HOST_ID, NEW_YORK_HOST_ID],
        ),
        MeetingType(
            id=PRODUCT_DEMO_ID,
            name="Product demo",
            duration=45,
            channel="zoom",
            user_id=BERLIN_HOST_ID,
            host_ids=[BERLIN_HOST_ID],
            allowed_durations=[30, 45, 60],
            buffer_after=15,
            slot_interval=15,
        ),
    ]


def default_data_fields() -> list[DataField]:
    """The company's questions (`GET /v4/data-field`): a required choice of topic, an
    optional company size, a required yes-no, a required phone (it fills attendee.phone) and
    an optional free text. No default meeting type asks them; attach_questions does."""
    return [
        DataField(
            id=101,
            label="What would you like to discuss?",
            name="topic",
            field_type="select",
            required=True,
            options=[
                {"label": "Pricing", "value": "pricing"},
                {"label": "A product demo", "value": "demo"},
                {"label": "Something else", "value": "other"},
            ],
            locales=[{"locale": "de", "label": "Worüber möchten Sie sprechen?"}],
        ),
        DataField(
            id=102,
            label="Company size",
            name="company_size",
            field_type="number",
            min=1,
            max=10000,
            help_text="Roughly how many people work there",
            locales=[{"locale": "de", "label": "Unternehmensgröße"}],
        ),
        DataField(
            id=103,
            label="Are you already a customer?",
            name="existing_customer",
            field_type="yes-no",
            required=True,
            locales=[{"locale": "de", "label": "Sind Sie bereits Kunde?"}],
        ),
        DataField(
            id=104,
            label="Phone number",
            name="phone",
            field_type="phone",
            required=True,
            target="phone",
            default_country_code="DE",
            placeholder="+49 30 1234567",
            locales=[{"locale": "de", "label": "Telefonnummer"}],
        ),
        DataField(
            id=105,
            label="Anything we should know beforehand?",
            name="remarks",
            field_type="text-multi",
            placeholder="Your questions, your setup, …",
            locales=[{"locale": "de", "label": "Sollten wir vorab etwas wissen?"}],
        ),
    ]


def attach_questions(
    meeting_type: MeetingType,
    questions: Sequence[str | DataField],
    *,
    allow_phone_only_booking: bool | None = None,
) -> MeetingType:
    """Let `meeting_type` ask `questions` (data fields by name, or fields of its own; they
    replace what it asked before) and, when given, allow or forbid phone-only bookings.
    Returns the same meeting type, changed."""
    meeting_type.questions = list(questions)
    if allow_phone_only_booking is not None:
        meeting_type.allow_phone_only_booking = allow_phone_only_booking
    return meeting_type
