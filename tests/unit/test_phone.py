"""Typed phone numbers to E.164, and the country of a time zone."""

from __future__ import annotations

import pytest

from bot.language.phone import PHONE_REASONS, InvalidPhoneError, read_phone, region_of_zone


@pytest.mark.parametrize(
    ("typed", "region", "e164"),
    [
        ("030 1234567", "DE", "+49301234567"),
        ("030/1234567", "de", "+49301234567"),
        ("+49 30 1234567", None, "+49301234567"),
        ("0049 30 1234567", None, "+49301234567"),
        ("0049 30 1234567", "DE", "+49301234567"),
        ("+1 (202) 555-0143", "DE", "+12025550143"),
        ("(202) 555-0143", "US", "+12025550143"),
        ("0151 23456789", "DE", "+4915123456789"),
        ("  06 12 34 56 78 ", "FR", "+33612345678"),
    ],
)
def test_numbers_are_read_to_e164(typed: str, region: str | None, e164: str) -> None:
    assert read_phone(typed, region) == e164


@pytest.mark.parametrize(
    ("typed", "region", "reason"),
    [
        ("", "DE", "not_a_phone"),
        ("call me", "DE", "not_a_phone"),
        ("030 1234567", None, "no_country"),
        ("+999 1234", None, "unknown_country"),
        ("12", "DE", "too_short"),
        ("+49 30 1234567890123456", None, "too_long"),
        ("+49 1234", None, "invalid"),
        ("1" * 60, "DE", "not_a_phone"),
    ],
)
def test_impossible_numbers_are_refused_with_a_reason(
    typed: str, region: str | None, reason: str
) -> None:
    with pytest.raises(InvalidPhoneError) as refused:
        read_phone(typed, region)
    assert refused.value.reason == reason
    assert reason in PHONE_REASONS


@pytest.mark.parametrize(
    ("zone", "country"),
    [
        ("Europe/Berlin", "DE"),
        ("europe/berlin", "DE"),
        ("US/Eastern", "US"),
        ("Asia/Calcutta", "IN"),
        ("Europe/Kiev", "UA"),
        ("America/New_York", "US"),
        ("UTC", None),
        ("Etc/UTC", None),
        ("Mars/Olympus", None),
    ],
)
def test_region_of_zone(zone: str, country: str | None) -> None:
    assert region_of_zone(zone) == country


def test_a_zone_s_country_reads_a_local_number() -> None:
    assert read_phone("030 1234567", region_of_zone("Europe/Berlin")) == "+49301234567"
