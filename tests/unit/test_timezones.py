"""Tests for bot.language.timezones: canonical names, suggestions per language, place look-ups."""

from __future__ import annotations

import math
import subprocess
import sys

import pytest
import pytz
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.language.languages import LANGUAGES
from bot.language.timezones import (
    LABEL_MAX_LENGTH,
    ZoneChoice,
    canonical_zone,
    zone_at,
    zone_label,
    zones_for_language,
)
from tests.support import cldr

COUNTRY_ZONES = sorted({zone for zones in pytz.country_timezones.values() for zone in zones})
# Zones many customers live in, whose names CLDR and the tz database agree on.
MAJOR_ZONES = (
    "Africa/Cairo",
    "Africa/Johannesburg",
    "Africa/Lagos",
    "America/Anchorage",
    "America/Argentina/Buenos_Aires",
    "America/Bogota",
    "America/Chicago",
    "America/Denver",
    "America/Los_Angeles",
    "America/Mexico_City",
    "America/New_York",
    "America/Phoenix",
    "America/Sao_Paulo",
    "America/Toronto",
    "Asia/Dubai",
    "Asia/Jakarta",
    "Asia/Kolkata",
    "Asia/Shanghai",
    "Asia/Singapore",
    "Asia/Tokyo",
    "Australia/Brisbane",
    "Australia/Perth",
    "Australia/Sydney",
    "Europe/Berlin",
    "Europe/Copenhagen",
    "Europe/Istanbul",
    "Europe/London",
    "Europe/Madrid",
    "Europe/Moscow",
    "Europe/Oslo",
    "Europe/Paris",
    "Europe/Zurich",
    "Pacific/Honolulu",
)


def zones(choices: list[ZoneChoice]) -> list[str]:
    return [choice.zone for choice in choices]


# meetergo's code -> the CLDR locale its labels must come from.
CLDR_LOCALE = {"en": "en_US", "no": "nb"}


def expected_label(zone: str, locale: str) -> str:
    """The label CLDR's data gives the zone in that CLDR locale, by zone_label's rule."""
    return cldr.zone_label(zone, locale, max_length=LABEL_MAX_LENGTH)


# --- canonical_zone -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Europe/Berlin", "Europe/Berlin"),
        ("america/new_york", "America/New_York"),
        ("AMERICA/NEW YORK", "America/New_York"),
        ("  Europe/Berlin ", "Europe/Berlin"),
        ("US/Eastern", "America/New_York"),
        ("us/pacific", "America/Los_Angeles"),
        ("Asia/Calcutta", "Asia/Kolkata"),
        ("Europe/Kiev", "Europe/Kyiv"),
        ("America/Buenos_Aires", "America/Argentina/Buenos_Aires"),
        ("America/Montreal", "America/Toronto"),
        ("GB", "Europe/London"),
        ("Iceland", "Atlantic/Reykjavik"),  # CLDR keeps Iceland's own zone
        ("Europe/Oslo", "Europe/Oslo"),  # a country's zone stays, though tzdata links it
        ("Etc/UTC", "UTC"),
        ("utc", "UTC"),
        ("GMT", "UTC"),
    ],
)
def test_canonical_zone_resolves_case_spaces_and_aliases(name: str, expected: str) -> None:
    assert canonical_zone(name) == expected


@pytest.mark.parametrize(
    "name", ["", "   ", "Mars/Olympus_Mons", "Berlin", "Europe/", "Etc/GMT+5", "Factory"]
)
def test_canonical_zone_rejects_what_is_no_zone_people_live_in(name: str) -> None:
    assert canonical_zone(name) is None


def test_every_country_zone_is_its_own_canonical_name() -> None:
    assert [zone for zone in COUNTRY_ZONES if canonical_zone(zone) != zone] == []


# --- zones_for_language ---------------------------------------------------------------------


def test_german_suggestions_start_with_germany_austria_switzerland() -> None:
    suggested = zones(zones_for_language("de"))
    assert suggested[:3] == ["Europe/Berlin", "Europe/Vienna", "Europe/Zurich"]
    assert {"Europe/Luxembourg", "Europe/Vaduz", "Europe/Brussels"} <= set(suggested)
    assert "Europe/Busingen" not in suggested  # Germany's second zone keeps Berlin's clock


def test_english_suggestions_are_us_zones_then_uk_canada_australia() -> None:
    suggested = zones(zones_for_language("en"))
    assert suggested[:4] == [
        "America/New_York",
        "America/Los_Angeles",
        "America/Chicago",
        "America/Denver",
    ]
    assert suggested[4] == "Europe/London"
    assert {"America/Toronto", "Australia/Sydney"} <= set(suggested[5:8])
    assert "America/Detroit" not in suggested  # same clock as New York: offered once


def test_norwegian_uses_meetergos_code_and_cldrs_data() -> None:
    assert zones(zones_for_language("no"))[0] == "Europe/Oslo"
    assert zones_for_language("nb") == zones_for_language("no")
    # "Oslo (sentraleuropeisk tid)" in CLDR 45, "Oslo (tidssone for Sentral-Europa)" in CLDR 47
    label = zones_for_language("no")[0].label
    assert label == expected_label("Europe/Oslo", "nb")  # CLDR's Norwegian is "nb"
    assert label.startswith(f"{cldr.city('Europe/Oslo', 'nb')} (")
    assert label != zone_label("Europe/Oslo", "en"), "in Norwegian words, not English ones"


@pytest.mark.parametrize(
    ("language", "head"),
    [
        ("fr", "Europe/Paris"),
        ("es", "Europe/Madrid"),
        ("nl", "Europe/Amsterdam"),
        ("it", "Europe/Rome"),
        ("pl", "Europe/Warsaw"),
        ("sv", "Europe/Stockholm"),
        ("tr", "Europe/Istanbul"),
        ("da", "Europe/Copenhagen"),
    ],
)
def test_each_language_starts_with_its_home_country(language: str, head: str) -> None:
    assert zones(zones_for_language(language))[0] == head


def test_spanish_suggestions_reach_latin_america() -> None:
    suggested = zones(zones_for_language("es"))
    assert suggested[1] == "Atlantic/Canary"
    assert {"America/Mexico_City", "America/Argentina/Buenos_Aires", "America/Bogota"} <= set(
        suggested
    )


@pytest.mark.parametrize("language", LANGUAGES)
def test_suggestions_are_unique_canonical_short_and_limited(language: str) -> None:
    for limit in (1, 5, 12):
        suggested = zones_for_language(language, limit=limit)
        assert 1 <= len(suggested) <= limit
        names = zones(suggested)
        assert len(set(names)) == len(names)
        assert all(canonical_zone(name) == name for name in names)
        assert all(len(choice.label) <= LABEL_MAX_LENGTH for choice in suggested)
    assert zones_for_language(language, limit=0) == []


def test_a_smaller_limit_shares_the_few_places_among_more_countries() -> None:
    # No country takes more than a third of the list (rounded up).
    assert zones(zones_for_language("en", limit=1)) == ["America/New_York"]
    assert zones(zones_for_language("en", limit=2)) == ["America/New_York", "Europe/London"]
    assert zones(zones_for_language("en", limit=4)) == [
        "America/New_York",
        "America/Los_Angeles",
        "Europe/London",
        "Australia/Sydney",
    ]


# --- labels ---------------------------------------------------------------------------------


# The comments show the labels of CLDR 45 (babel 2.16); CLDR rewords them now and then.
@pytest.mark.parametrize(
    ("zone", "language", "locale"),
    [
        ("Europe/Berlin", "de", "de"),  # Berlin (Mitteleuropäische Zeit)
        ("Europe/Berlin", "en", "en_US"),  # Berlin (Central European Time)
        ("Europe/Berlin", "fr", "fr"),  # Berlin (heure d’Europe centrale)
        ("America/New_York", "en", "en_US"),  # New York (Eastern Time)
        ("America/New_York", "es", "es"),  # Nueva York (hora oriental)
        # the generic name would make the label too long: New York (Vereinigte Staaten)
        ("America/New_York", "de", "de"),
        ("Europe/Zurich", "it", "it"),  # Zurigo (Ora dell’Europa centrale)
        ("Asia/Kolkata", "de", "de"),  # no DST: Kalkutta (Indische Normalzeit)
        # the country while CLDR had no generic name: London (United Kingdom); in CLDR 47 the
        # generic name came: London (British Time)
        ("Europe/London", "en", "en_US"),
        ("UTC", "de", "de"),  # UTC (Koordinierte Weltzeit)
        ("Europe/Oslo", "no", "nb"),  # Oslo (sentraleuropeisk tid)
    ],
)
def test_zone_label_is_city_and_zone_name_in_the_language(
    zone: str, language: str, locale: str
) -> None:
    label = zone_label(zone, language)
    assert label == expected_label(zone, locale)
    place = "UTC" if zone == "UTC" else cldr.city(zone, locale)
    assert label.startswith(f"{place} (")
    assert label.endswith(")")
    assert len(label) <= LABEL_MAX_LENGTH


@pytest.mark.parametrize(
    ("zone", "language"),
    [
        ("Europe/Berlin", "de"),
        ("Europe/Berlin", "fr"),
        ("America/New_York", "es"),
        ("America/New_York", "de"),
        ("Europe/Zurich", "it"),
        ("Asia/Kolkata", "de"),
        ("UTC", "de"),
        ("Europe/Oslo", "no"),
    ],
)
def test_zone_label_is_in_the_languages_own_words(zone: str, language: str) -> None:
    assert zone_label(zone, language) != zone_label(zone, "en")


def test_zone_label_takes_aliases_and_unknown_languages_get_english() -> None:
    assert zone_label("US/Eastern", "en") == zone_label("America/New_York", "en")
    assert zone_label("US/Eastern", "en") == expected_label("America/New_York", "en_US")
    assert zone_label("Europe/Berlin", "pt-BR") == zone_label("Europe/Berlin", "en")
    assert zone_label("Europe/Berlin", "pt-BR") == expected_label("Europe/Berlin", "en_US")


def test_zone_label_gives_the_country_where_the_zone_name_is_missing_or_too_long() -> None:
    """A zone that keeps daylight saving but whose generic name CLDR lacks (London, once) or
    makes the label too long ("Nordamerikanische Ostküstenzeit") gets its country instead."""
    cases = []
    for language in LANGUAGES:
        locale = CLDR_LOCALE.get(language, language)
        for zone in MAJOR_ZONES:
            if not cldr.has_daylight_saving(zone):
                continue
            place, country = cldr.city(zone, locale), cldr.country(zone, locale)
            generic = cldr.own_zone_name(zone, locale, "generic")
            fits = generic and len(f"{place} ({generic})") <= LABEL_MAX_LENGTH
            shown = f"{place} ({country})"
            if not fits and country not in (None, place) and len(shown) <= LABEL_MAX_LENGTH:
                cases.append((zone, language, shown))
    assert len(cases) >= 3, "CLDR's data no longer exercises this rule"
    assert [(z, lang, zone_label(z, lang)) for z, lang, _ in cases] == cases


def test_zone_label_gives_the_standard_name_of_a_zone_without_daylight_saving() -> None:
    """No daylight saving and no generic name in CLDR: the standard name (Indische Normalzeit)."""
    cases = []
    for language in LANGUAGES:
        locale = CLDR_LOCALE.get(language, language)
        for zone in MAJOR_ZONES:
            if cldr.has_daylight_saving(zone) or cldr.own_zone_name(zone, locale, "generic"):
                continue
            place = cldr.city(zone, locale)
            standard = cldr.own_zone_name(zone, locale, "standard")
            shown = f"{place} ({standard})"
            if standard not in (None, place) and len(shown) <= LABEL_MAX_LENGTH:
                cases.append((zone, language, shown))
    assert len(cases) >= 3, "CLDR's data no longer exercises this rule"
    assert [(z, lang, zone_label(z, lang)) for z, lang, _ in cases] == cases


def test_every_country_zone_gets_a_short_label_in_every_language() -> None:
    labels = [zone_label(zone, language) for zone in COUNTRY_ZONES for language in LANGUAGES]
    assert all(labels)
    assert max(len(label) for label in labels) <= LABEL_MAX_LENGTH


def test_zone_label_rejects_unknown_zones() -> None:
    with pytest.raises(ValueError, match="unknown time zone"):
        zone_label("Mars/Olympus_Mons", "en")


# --- zone_at --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("latitude", "longitude", "expected"),
    [
        (52.52, 13.40, "Europe/Berlin"),
        (40.71, -74.01, "America/New_York"),
        (22.57, 88.36, "Asia/Kolkata"),
        (59.91, 10.75, "Europe/Oslo"),
        (-33.87, 151.21, "Australia/Sydney"),
        (-23.55, -46.63, "America/Sao_Paulo"),
    ],
)
def test_zone_at_finds_the_zone_of_a_place(
    latitude: float, longitude: float, expected: str
) -> None:
    assert zone_at(latitude, longitude) == expected


@pytest.mark.parametrize(
    ("latitude", "longitude"),
    [
        (30.0, -40.0),  # mid-Atlantic: tzfpy says Etc/GMT+3
        (0.0, 0.0),  # Gulf of Guinea
        (90.0, 0.0),  # North Pole
        (91.0, 0.0),
        (0.0, 181.0),
        (math.nan, 0.0),
        (0.0, math.inf),
    ],
)
def test_zone_at_gives_none_at_sea_and_for_bad_coordinates(
    latitude: float, longitude: float
) -> None:
    assert zone_at(latitude, longitude) is None


# --- properties -----------------------------------------------------------------------------


@settings(max_examples=200, deadline=None)
@given(
    latitude=st.floats(allow_nan=True, allow_infinity=True),
    longitude=st.floats(allow_nan=True, allow_infinity=True),
)
def test_zone_at_is_none_or_canonical(latitude: float, longitude: float) -> None:
    zone = zone_at(latitude, longitude)
    assert zone is None or canonical_zone(zone) == zone


def test_the_service_does_not_pull_in_telegram() -> None:
    code = (
        "import sys, bot.language.timezones; "
        "print(any(m.split('.')[0] == 'telegram' for m in sys.modules))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert result.stdout.strip() == "False"
