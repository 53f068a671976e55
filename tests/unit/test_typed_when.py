"""Tests for bot.language.typed_day.parse_when: a typed day with a time of day, a week, and
the cases issue 14 found misread. The corpus test reads tests/data/typed_days*/, phrases
collected from native usage independently of the code, each with its answer written down
before the code ran.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from bot.language.typed_day import (
    LANGUAGES,
    AmbiguousDayError,
    PastDayError,
    TimeWish,
    TypedWhen,
    parse_when,
)

DATA = Path(__file__).parents[1] / "data"
MONDAY = date(2026, 12, 7)
TUESDAY, FRIDAY = date(2026, 12, 8), date(2026, 12, 11)


def hours(text: str) -> int:
    hour, _, minute = text.partition(":")
    return int(hour) * 60 + int(minute or 0)


def part(name: str) -> TimeWish:
    windows = {"morning": ("6", "12"), "noon": ("11:30", "14"), "afternoon": ("12", "18")}
    first, last = windows.get(name, ("17", "24"))
    return TimeWish("part", hours(first), hours(last), part=name)  # type: ignore[arg-type]


# --- the examples in issue 14 ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("en", "Thu 15th"),
        ("fr", "jeudi 15"),
        ("es", "jue 15"),
        ("it", "gio 15"),
        ("de", "Donnerstag 15."),
    ],
)
def test_a_weekday_beside_a_day_of_the_month_must_agree(language: str, text: str) -> None:
    today = date(2027, 1, 4)  # the 15th of January 2027 is a Friday
    with pytest.raises(AmbiguousDayError) as asked:
        parse_when(text, today, language)
    assert asked.value.candidates == [date(2027, 1, 15), date(2027, 1, 14)]  # or Thursday?


def test_a_weekday_that_agrees_with_the_day_of_the_month_is_taken() -> None:
    assert parse_when("Fri 15th", date(2027, 1, 4), "en") == TypedWhen(day=date(2027, 1, 15))


def test_swedish_weekday_with_a_month_name_is_checked() -> None:
    with pytest.raises(AmbiguousDayError) as asked:
        parse_when("Fre, Jul 18", MONDAY, "sv")  # 18 July 2027 is a Sunday
    assert asked.value.candidates == [date(2027, 7, 18), date(2027, 7, 16)]  # never a Thursday
    assert parse_when("fre 16 jul", MONDAY, "sv") == TypedWhen(day=date(2027, 7, 16))


def test_two_digit_years_are_the_nearest_sensible_year() -> None:
    with pytest.raises(PastDayError) as over:
        parse_when("31.10.74", MONDAY, "de")
    assert over.value.day == date(1974, 10, 31)
    assert parse_when("31.10.27", MONDAY, "de") == TypedWhen(day=date(2027, 10, 31))
    assert parse_when("1.3.36", MONDAY, "de") == TypedWhen(day=date(2036, 3, 1))  # 10 years on
    with pytest.raises(PastDayError) as far:
        parse_when("1.3.46", MONDAY, "de")  # never 20 years ahead: 1946
    assert far.value.day == date(1946, 3, 1)


@pytest.mark.parametrize(
    ("language", "text", "day"),
    [
        ("en", "3 years from today", date(2029, 12, 7)),
        ("fr", "le 2", date(2027, 1, 2)),  # the 2nd of December is over: the next 2nd
        ("fr", "lundi en huit", date(2026, 12, 14)),  # a week from Monday (today)
        ("fr", "mardi suivant", TUESDAY),
        ("fr", "le mardi suivant", TUESDAY),
        ("pl", "kolejny wtorek", TUESDAY),
        ("tr", "sonraki salı", TUESDAY),
        ("pl", "15-tego lutego", date(2027, 2, 15)),
        ("pl", "3go marca", date(2027, 3, 3)),
        ("fr", "17 02", date(2027, 2, 17)),
        ("en", "in 3 days", date(2026, 12, 10)),
        ("en", "a week from Friday", date(2026, 12, 18)),
        ("de", "in einem Monat", date(2027, 1, 7)),
        ("es", "el martes siguiente", TUESDAY),
        ("it", "il martedì successivo", TUESDAY),
        ("nl", "volgende dinsdag", TUESDAY),
        ("sv", "nästa tisdag", TUESDAY),
        ("no", "neste tirsdag", TUESDAY),
        ("da", "næste tirsdag", TUESDAY),
        ("de", "nächsten Dienstag", TUESDAY),
        ("en", "the Tuesday after next", date(2026, 12, 15)),
    ],
)
def test_days_issue_14_found_misread_or_refused(language: str, text: str, day: date) -> None:
    assert parse_when(text, MONDAY, language) == TypedWhen(day=day)


@pytest.mark.parametrize(
    ("language", "text", "day", "wish"),
    [
        ("en", "November 19 at noon", date(2027, 11, 19), TimeWish("at", hours("12"))),
        ("en", "Tuesday afternoon", TUESDAY, part("afternoon")),
        ("de", "morgen Vormittag", TUESDAY, part("morning")),
        ("fr", "vendredi après 15h", FRIDAY, TimeWish("after", hours("15"))),
        ("en", "Friday 10:30", FRIDAY, TimeWish("at", hours("10:30"))),
        ("en", "friday at 3", FRIDAY, TimeWish("at", hours("15"))),  # office hours
        ("en", "friday at 7:45 am", FRIDAY, TimeWish("at", hours("7:45"))),
        ("de", "Freitag um halb 11", FRIDAY, TimeWish("at", hours("10:30"))),
        ("de", "Freitagabend", FRIDAY, part("evening")),
        ("es", "el viernes a las 4 de la tarde", FRIDAY, TimeWish("at", hours("16"))),
        ("it", "venerdì tra le 10 e le 12", FRIDAY, TimeWish("between", hours("10"), hours("12"))),
        ("nl", "vrijdag rond 14 uur", FRIDAY, TimeWish("around", hours("14"))),
        ("pl", "w piątek przed 12", FRIDAY, TimeWish("before", hours("12"))),
        ("sv", "fredag kvart över tio", FRIDAY, TimeWish("at", hours("10:15"))),
        ("no", "fredag etter kl 15", FRIDAY, TimeWish("after", hours("15"))),
        ("da", "fredag eftermiddag", FRIDAY, part("afternoon")),
        ("tr", "cuma 15'ten sonra", FRIDAY, TimeWish("after", hours("15"))),
        ("en", "tonight", MONDAY, part("evening")),
        ("fr", "ce soir", MONDAY, part("evening")),
        ("nl", "vanavond", MONDAY, part("evening")),
    ],
)
def test_a_day_with_a_time_keeps_both(language: str, text: str, day: date, wish: TimeWish) -> None:
    assert parse_when(text, MONDAY, language) == TypedWhen(day=day, time=wish)


@pytest.mark.parametrize(
    ("language", "text", "monday"),
    [
        ("en", "next week", date(2026, 12, 14)),
        ("en", "this week", MONDAY),
        ("de", "nächste Woche", date(2026, 12, 14)),
        ("de", "KW 52", date(2026, 12, 21)),
        ("fr", "la semaine du 21", date(2026, 12, 21)),
        ("tr", "haftaya", date(2026, 12, 14)),
        ("sv", "v. 2", date(2027, 1, 11)),
    ],
)
def test_a_week_is_a_week(language: str, text: str, monday: date) -> None:
    assert parse_when(text, MONDAY, language) == TypedWhen(week=monday)


def test_a_time_without_a_day_is_kept_for_the_day_to_come() -> None:
    assert parse_when("after 3 pm", MONDAY, "en") == TypedWhen(time=TimeWish("after", hours("15")))
    assert parse_when("ab 15 Uhr", MONDAY, "de") == TypedWhen(time=TimeWish("after", hours("15")))


def test_a_dotted_date_is_not_taken_for_a_time() -> None:
    assert parse_when("fredag 11.12", MONDAY, "sv") == TypedWhen(day=FRIDAY)
    assert parse_when("fredag kl 11.12", MONDAY, "sv") == TypedWhen(
        day=FRIDAY, time=TimeWish("at", hours("11:12"))
    )


@pytest.mark.parametrize(("first", "minute", "fits"), [(900, 899, False), (900, 900, True)])
def test_wishes_admit_the_starts_they_describe(first: int, minute: int, fits: bool) -> None:
    assert TimeWish("after", first).admits(minute) is fits
    assert TimeWish("before", first).admits(minute) is not fits
    assert part("afternoon").admits(12 * 60)
    assert not part("afternoon").admits(18 * 60)
    assert TimeWish("around", 14 * 60).admits(13 * 60)
    assert not TimeWish("around", 840).admits(780 - 1)


# --- the corpus -----------------------------------------------------------------------------------

SAME_AS_NOON = {("part", "noon"), ("at", "12:00"), ("around", "12:00")}


def wish_key(wish: TimeWish | None) -> tuple[str, ...] | None:
    if wish is None:
        return None
    clock = f"{wish.first // 60:02}:{wish.first % 60:02}"
    if wish.kind == "part":
        return ("part", str(wish.part))
    if wish.kind == "between" and wish.last is not None:
        return ("between", clock, f"{wish.last // 60:02}:{wish.last % 60:02}")
    return (wish.kind, clock)


def expected_key(time: dict[str, object] | None) -> tuple[str, ...] | None:
    if time is None:
        return None
    ((kind, value),) = time.items()
    return (kind, *value) if isinstance(value, list) else (kind, str(value))


def judge(phrase: dict[str, object], language: str) -> str:
    """ "understood", "wrong" (another answer given without asking) or "asked"."""
    expect: dict[str, object] = phrase["expect"]  # type: ignore[assignment]
    today = date.fromisoformat(str(phrase.get("today", "2026-12-02")))
    named = {date.fromisoformat(str(expect[key])) for key in ("day",) if key in expect}
    try:
        when = parse_when(str(phrase["text"]), today, language)
    except PastDayError:
        # "That day is already over" about a day that is not is a wrong answer, not a question.
        return "understood" if expect.get("past") else ("wrong" if named else "asked")
    except AmbiguousDayError as asked:
        wanted = {date.fromisoformat(str(day)) for day in expect.get("ask", [])}  # type: ignore[attr-defined]
        if "ask" in expect and wanted <= set(asked.candidates):
            return "understood"
        # A question that leaves out the day meant offers only wrong days.
        return "asked" if named <= set(asked.candidates) else "wrong"
    if when is None:
        return "asked"
    if "week" in expect:
        return "understood" if when.week == date.fromisoformat(str(expect["week"])) else "wrong"
    if "day" not in expect or when.day is None:
        return "wrong" if when.day or when.week else "asked"
    if when.day != date.fromisoformat(str(expect["day"])):
        return "wrong"
    want, have = expected_key(expect.get("time")), wish_key(when.time)  # type: ignore[arg-type]
    if want is not None and have is None:
        return "asked"  # the day is right, the time was not understood
    same = want == have or (want in SAME_AS_NOON and have in SAME_AS_NOON)
    return "understood" if same else "wrong"


@pytest.mark.parametrize("folder", ["typed_days", "typed_days_second"])
@pytest.mark.parametrize("language", LANGUAGES)
def test_corpus_of_typed_days(folder: str, language: str) -> None:
    path = DATA / folder / f"{language}.json"
    if not path.exists():
        pytest.skip(f"no {folder} corpus for {language}")
    phrases = json.loads(path.read_text("utf-8"))["phrases"]
    assert len(phrases) >= 60
    # Days alone and days with a time of day are each held to the bar, as the issue asks.
    kinds = {
        "days": [p for p in phrases if "time" not in p["expect"]],
        "days with times": [p for p in phrases if "time" in p["expect"]],
    }
    for kind, group in kinds.items():
        outcomes = {"understood": 0, "wrong": 0, "asked": 0}
        misses = []
        for phrase in group:
            outcome = judge(phrase, language)
            outcomes[outcome] += 1
            if outcome != "understood":
                misses.append(f"{outcome}: {phrase['text']}")
        shares = ", ".join(f"{k} {v / len(group):.1%}" for k, v in outcomes.items())
        print(f"{folder}/{language} {kind}: {len(group)} phrases: {shares}; {misses}")
        assert len(group) >= 30, kind
        assert outcomes["wrong"] == 0, misses
        assert outcomes["understood"] / len(group) >= 0.95, misses


@pytest.mark.parametrize("text", ["15", "1️⃣", "42", "99"])
def test_a_bare_number_is_neither_a_day_nor_a_time(text: str) -> None:
    assert parse_when(text, MONDAY, "de") is None


def test_long_text_is_no_day_and_is_answered_at_once() -> None:
    assert parse_when("morgen " * 500, MONDAY, "de") is None
