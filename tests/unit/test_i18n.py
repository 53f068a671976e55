"""CLDR formatting per locale, language negotiation, and the catalogs loaded from .po files."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.booking.slots import FreeWindow, bookable_starts, group_by_local_day
from bot.language.i18n import Formatter, negotiate_language, translations
from tests.support import cldr

NNBSP = "\u202f"  # CLDR puts a narrow no-break space before AM/PM
MONDAY_0830_UTC = datetime(2026, 12, 7, 8, 30, tzinfo=UTC)


# meetergo's code -> the CLDR locale its dates and zones must come from.
CLDR_LOCALE = {"en": "en_US", "no": "nb"}


@pytest.mark.parametrize(
    ("language", "zone", "time"),
    [
        ("en", "Europe/Berlin", f"9:30{NNBSP}AM"),  # Monday, December 7, 2026
        ("de", "Europe/Berlin", "09:30"),  # Montag, 7. Dezember 2026
        ("da", "Europe/Copenhagen", "09.30"),  # mandag den 7. december 2026
        ("no", "Europe/Oslo", "09:30"),  # mandag 7. desember 2026
        ("fr", "Europe/Paris", "09:30"),  # lundi 7 décembre 2026
        ("es", "Europe/Madrid", "9:30"),  # lunes, 7 de diciembre de 2026
        ("it", "Europe/Rome", "09:30"),  # lunedì 7 dicembre 2026
        ("nl", "Europe/Amsterdam", "09:30"),  # maandag 7 december 2026
        ("pl", "Europe/Warsaw", "09:30"),  # poniedziałek, 7 grudnia 2026
        ("sv", "Europe/Stockholm", "09:30"),  # måndag 7 december 2026
        ("tr", "Europe/Istanbul", "11:30"),  # 7 Aralık 2026 Pazartesi
    ],
)
def test_times_and_dates_follow_the_locale(language: str, zone: str, time: str) -> None:
    fmt = Formatter(language, zone)
    assert fmt.time(MONDAY_0830_UTC) == time
    day = fmt.local(MONDAY_0830_UTC).date()
    written = fmt.full_date(day)
    locale = CLDR_LOCALE.get(language, language)
    assert written == cldr.full_date(day, locale)
    # The day and month in the language's own words, with the day of month and the year.
    assert cldr.weekday_name(day, locale).casefold() in written.casefold()
    assert cldr.month_name(day, locale).casefold() in written.casefold()
    assert "7" in written
    assert "2026" in written
    if language != "en":
        assert written != cldr.full_date(day, "en_US")


@pytest.mark.parametrize(
    ("language", "zone"),
    [
        ("en", "Europe/Berlin"),  # Central European Time (Berlin)
        ("de", "Europe/Berlin"),  # Mitteleuropäische Zeit (Berlin)
        ("en", "America/New_York"),  # Eastern Time (New York)
        ("de", "America/New_York"),  # Nordamerikanische Ostküstenzeit (New York)
        ("en", "Asia/Kolkata"),  # India Time (Kolkata)
        ("nl", "Europe/Berlin"),  # Midden-Europese tijd (Berlijn)
    ],
)
def test_zone_names_are_localized_with_their_city(language: str, zone: str) -> None:
    locale = CLDR_LOCALE.get(language, language)
    name = Formatter(language, zone).zone_name()
    assert name == cldr.zone_name(zone, locale)
    # The zone's generic name first, then the city in the language: "…Zeit (Berlin)".
    assert name.endswith(f" ({cldr.city(zone, locale)})")
    if language != "en":
        assert name != Formatter("en", zone).zone_name()


def test_utc_is_named_without_a_city() -> None:
    name = Formatter("en", "UTC").zone_name()  # Coordinated Universal Time
    assert name == cldr.zone_name("UTC", "en_US")
    assert "(" not in name
    assert name != "UTC"


def test_weeks_start_where_the_locale_starts_them() -> None:
    assert Formatter("en", "America/New_York").locale.first_week_day == 6  # Sunday
    assert Formatter("de", "Europe/Berlin").locale.first_week_day == 0  # Monday


def test_short_button_labels() -> None:
    day = date(2026, 12, 7)
    english = Formatter("en", "UTC").short_day_label(day)  # 7 Mon
    german = Formatter("de", "UTC").short_day_label(day)  # Mo., 7.
    assert english == cldr.short_day(day, "en_US")
    assert german == cldr.short_day(day, "de")
    for label, locale in ((english, "en_US"), (german, "de")):
        assert "7" in label
        assert cldr.weekday_name(day, locale, "abbreviated") in label
        assert str(day.year) not in label
        assert cldr.month_name(day, locale) not in label
    assert english != german
    assert len(Formatter("pl", "UTC").short_day_label(day)) <= 10


def test_new_york_customer_on_the_us_fall_back_day() -> None:
    """2026-11-01: 01:00–02:00 happens twice in New York; both are offered and told apart."""
    ny = ZoneInfo("America/New_York")
    frames = [
        FreeWindow(datetime(2026, 11, 1, 4, 0, tzinfo=UTC), datetime(2026, 11, 1, 8, 0, tzinfo=UTC))
    ]
    starts = bookable_starts(
        frames,
        duration=timedelta(minutes=30),
        step=timedelta(minutes=30),
        earliest=frames[0].start,
        grid_zone=ny,
    )
    fmt = Formatter("en", "America/New_York")
    labels = [fmt.time(start) for start in starts]
    # CLDR's short names of the zone before and after the clocks go back: EDT, EST.
    summer = cldr.specific_name(starts[2].astimezone(ny), "en_US", "short")
    winter = cldr.specific_name(starts[4].astimezone(ny), "en_US", "short")
    assert summer != winter
    assert labels == [
        f"12:00{NNBSP}AM",
        f"12:30{NNBSP}AM",
        f"1:00{NNBSP}AM {summer}",
        f"1:30{NNBSP}AM {summer}",
        f"1:00{NNBSP}AM {winter}",
        f"1:30{NNBSP}AM {winter}",
        f"2:00{NNBSP}AM",
        f"2:30{NNBSP}AM",
    ]
    assert list(group_by_local_day(starts, ny)) == [date(2026, 11, 1)]
    assert fmt.zone_name() == cldr.zone_name("America/New_York", "en_US")


def test_kolkata_customer_sees_half_hour_offset_times() -> None:
    """Berlin's 09:00 and 09:30 slots are 13:30 and 14:00 in Kolkata (UTC+05:30)."""
    starts = [datetime(2026, 12, 7, 8, 0, tzinfo=UTC), datetime(2026, 12, 7, 8, 30, tzinfo=UTC)]
    fmt = Formatter("en", "Asia/Kolkata")
    assert [fmt.time(start) for start in starts] == [f"1:30{NNBSP}PM", f"2:00{NNBSP}PM"]
    late = datetime(2026, 12, 7, 19, 0, tzinfo=UTC)  # 00:30 the next day in Kolkata
    assert fmt.local(late).date() == date(2026, 12, 8)
    assert fmt.time(late) == f"12:30{NNBSP}AM"


@pytest.mark.parametrize(
    ("tag", "language"),
    [
        ("de", "de"),
        ("de-AT", "de"),
        ("en-GB", "en"),
        ("nb", "no"),
        ("nn", "no"),
        ("no", "no"),
        ("pt-br", "en"),  # not a meetergo language: the default
        ("sv-SE", "sv"),
        ("tr", "tr"),
        (None, "en"),
        ("", "en"),
        ("%%", "en"),
        ("xx", "en"),  # a tag CLDR does not know
        ("zz-ZZ", "en"),
    ],
)
def test_language_negotiation(tag: str | None, language: str) -> None:
    assert negotiate_language(tag, "en") == language


def test_default_language_is_used_when_unsupported() -> None:
    assert negotiate_language("ja", "de") == "de"


def test_english_needs_no_translation_and_others_fail_fast(tmp_path: object) -> None:
    assert translations("en").gettext("Try again") == "Try again"
    with pytest.raises(FileNotFoundError):
        translations("xx")
