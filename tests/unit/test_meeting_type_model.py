"""Reading what a meeting type decides, tolerantly: texts per language, channels, places, the
team, the limits of the calendar, and bookings that wait."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from bot.meetergo import BookingConfirmation, MeetingType, local_text
from bot.meetergo.meeting_type import team_members
from bot.meetergo.models import DOUBLE_OPT_IN, HOST_CONFIRMATION


def meeting_type(**fields: Any) -> MeetingType:
    body: dict[str, Any] = {"id": "t", "queueId": "q", "meetingInfo": {"duration": 30}}
    for key, value in fields.items():
        if key in ("meetingInfo", "meetingOptions"):
            body[key] = {**body.get(key, {}), **value}
        else:
            body[key] = value
    return MeetingType.model_validate(body)


@pytest.mark.parametrize(
    ("text", "language", "shown"),
    [
        ("Intro call", "de", "Intro call"),
        ({"de": "Erstgespräch", "en": "Intro call"}, "de", "Erstgespräch"),
        ({"de-DE": "Erstgespräch", "en": "Intro call"}, "de", "Erstgespräch"),
        ({"de": "Erstgespräch", "en": "Intro call"}, "fr", "Intro call"),
        ({"es": "Llamada", "de": ""}, "de", "Llamada"),
        ({"de": 5}, "de", ""),
        (None, "en", ""),
    ],
)
def test_a_text_is_read_as_a_string_or_per_language(text: Any, language: str, shown: str) -> None:
    assert local_text(text, language) == shown


def test_a_name_per_language_and_a_nameless_type() -> None:
    named = meeting_type(meetingInfo={"name": {"en": "Intro call", "de": "Erstgespräch"}})
    assert named.name_in("de") == "Erstgespräch"
    assert named.name == "Intro call"
    assert meeting_type(slug="intro").name == "intro"


def test_the_channels_the_customer_chooses_from() -> None:
    several = meeting_type(meetingOptions={"allowedChannels": ["google", "local", 5, "google"]})
    assert several.channels() == ["google", "local"]
    off = meeting_type(
        meetingInfo={"channel": "zoom"},
        meetingOptions={"allowedChannels": ["google", "local"], "allowSelectChannel": False},
    )
    assert off.channels() == ["zoom"]
    assert meeting_type(meetingInfo={"channel": "phone"}).channels() == ["phone"]


def test_settings_are_found_wherever_meetergo_keeps_them_and_nonsense_is_ignored() -> None:
    inside = meeting_type(
        meetingOptions={"timeslotInterval": "15", "bookingMinimum": 120, "locations": ["A", " "]},
        enabled="no",
    )
    assert (inside.timeslot_interval, inside.booking_minimum) == (15, 120)
    assert inside.locations == ["A"]
    assert inside.enabled, "only an explicit false switches a type off"
    assert not meeting_type(enabled=False).enabled
    odd = meeting_type(timeslotInterval=True, bookingMinimum=-5, daysIntoFuture="soon")
    assert (odd.timeslot_interval, odd.booking_minimum, odd.days_into_future) == (None, None, None)


def test_host_choice_needs_a_team_and_a_plain_true() -> None:
    assert meeting_type(meetingOptions={"allowHostSelection": True}).hosts_selectable()
    assert not meeting_type(meetingOptions={"allowHostSelection": "true"}).hosts_selectable()
    forced = meeting_type(meetingOptions={"allowHostSelection": True, "forceHostSelection": True})
    assert forced.host_forced()
    assert forced.host_query("h1") == {"hostIds": "h1"}
    assert forced.host_query() == {"queueId": "q"}


@pytest.mark.parametrize(
    ("horizon", "last"),
    [
        ({"mode": "rolling", "bookingLimit": 10}, date(2026, 12, 17)),
        ({"bookingLimit": 5, "countMode": "businessDays"}, date(2026, 12, 14)),
        (
            {"mode": "range", "rangeMin": "2026-12-01", "rangeMax": "2027-01-15T00:00:00Z"},
            date(2027, 1, 15),
        ),
        ({"mode": "unlimited", "bookingLimit": 10}, None),
        ({}, None),
    ],
)
def test_the_last_bookable_day(horizon: dict[str, Any], last: date | None) -> None:
    today = date(2026, 12, 7)  # a Monday
    assert meeting_type(daysIntoFuture=horizon).last_day(today) == last


@pytest.mark.parametrize(
    "body",
    [
        {
            "id": "q",
            "users": [
                {"id": "a", "fullName": "Anna Berger"},
                {"id": "d", "givenName": "Diego", "familyName": "Costa"},
            ],
        },
        {
            "members": [
                {"user": {"id": "a", "name": "Anna Berger"}},
                {"user": {"userId": "d", "fullName": "Diego Costa"}},
            ]
        },
        [
            {"id": "a", "fullName": "Anna Berger"},
            {"id": "d", "firstName": "Diego", "familyName": "Costa"},
            {"id": "x"},
        ],
    ],
)
def test_a_team_is_read_from_any_of_the_usual_shapes(body: Any) -> None:
    assert [(m.id, m.name) for m in team_members(body)] == [
        ("a", "Anna Berger"),
        ("d", "Diego Costa"),
    ]


def test_an_unreadable_team_is_nobody() -> None:
    assert team_members({"queue": "q"}) == []
    assert team_members("nonsense") == []


@pytest.mark.parametrize(
    ("answer", "waits_for"),
    [
        ({"bookingType": "DoubleOptIn", "provisionalBookingId": "p"}, DOUBLE_OPT_IN),
        ({"bookingType": "doubleOptIn"}, DOUBLE_OPT_IN),
        ({"bookingType": "REQUIREHOSTCONFIRMATION"}, HOST_CONFIRMATION),
        ({"provisionalBookingId": "p"}, None),
        ({"appointmentId": "a", "secret": "s"}, None),
    ],
)
def test_a_waiting_booking_is_told_by_its_type_in_any_case(
    answer: dict[str, str], waits_for: str | None
) -> None:
    confirmation = BookingConfirmation.model_validate(answer)
    assert confirmation.waits_for == waits_for
    assert confirmation.is_provisional == ("appointmentId" not in answer)
