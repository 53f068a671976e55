"""The sample team the sandbox serves when it is given no hosts or meeting types."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

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
