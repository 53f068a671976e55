"""Answers to the meeting types' questions: typed text and pressed choices to notes values."""

from __future__ import annotations

import json
from datetime import date

import pytest

from bot.booking.questions import Choice, Question
from bot.booking.questions_answers import ANSWER_REASONS, AnswerProblem, read_answer, read_choice
from bot.meetergo.models import OptionValue

TODAY = date(2026, 12, 7)
TOPICS = (
    Choice("pricing", "Pricing", (("de", "Preise"),)),
    Choice("support", "Support"),
    Choice(3, "Three"),
)


def ask(field_type: str, **more: object) -> Question:
    return Question(name="q", label="Q", field_type=field_type, **more)  # type: ignore[arg-type]


def answer(question: Question, text: str, language: str = "en", region: str | None = "DE"):
    return read_answer(question, text, today=TODAY, language=language, region=region)


def refused(question: Question, text: str, language: str = "en") -> AnswerProblem:
    with pytest.raises(AnswerProblem) as problem:
        answer(question, text, language)
    assert problem.value.reason in ANSWER_REASONS
    return problem.value


@pytest.mark.parametrize(
    ("field_type", "text", "language", "value"),
    [
        ("text-single", "  Ada   Lovelace ", "en", "Ada Lovelace"),
        ("text-multi", "first\n\n\n  second  line \n", "en", "first\n\nsecond line"),
        ("number", "42", "en", 42),
        ("number", "3.0", "en", 3.0),
        ("number", "3,5", "de", 3.5),
        ("number", "3,5", "en", 3.5),
        ("number", "1.000", "de", 1000),
        ("number", "1,000", "en", 1000),
        ("number", "-2", "en", -2),
        ("email", " Ada@Example.org ", "en", "Ada@example.org"),
        ("phone", "030 1234567", "en", "+49301234567"),
        ("phone", "+1 202 555 0143", "en", "+12025550143"),
        ("url", "example.com/path", "en", "https://example.com/path"),
        ("url", "http://Example.org", "en", "http://Example.org"),
        ("date", "12.03.1985", "de", "1985-03-12"),
        ("date", "tomorrow", "en", "2026-12-08"),
        ("date", "morgen", "de", "2026-12-08"),
        ("date", "24.12.", "de", "2026-12-24"),
        ("date-of-birth", "12.03.1985", "de", "1985-03-12"),
        ("date-of-birth", "1985-03-12", "en", "1985-03-12"),
        ("time", "15:30", "en", "15:30"),
        ("time", "3 pm", "en", "15:00"),
        ("time", "halb 4", "de", "15:30"),
        ("time", "9.30 Uhr", "de", "09:30"),
    ],
)
def test_typed_answers_become_notes_values(
    field_type: str, text: str, language: str, value: object
) -> None:
    read = answer(ask(field_type), text, language)
    assert read == value
    assert type(read) is type(value)
    json.dumps(read)


@pytest.mark.parametrize(
    ("field_type", "text", "reason"),
    [
        ("text-single", "   ", "empty"),
        ("text-multi", " \n \n", "empty"),
        ("text-single", "a\u202eb", "control"),
        ("number", "a\x00", "control"),
        ("number", "twelve", "not_a_number"),
        ("number", "NaN", "not_a_number"),
        ("email", "ada@", "not_an_email"),
        ("url", "http://localhost", "not_a_url"),
        ("url", "ftp://example.com", "not_a_url"),
        ("url", "ada@example.com", "not_a_url"),
        ("url", "https://exa mple.com", "not_a_url"),
        ("date", "whenever", "not_a_date"),
        ("date", "next week", "not_a_date"),
        ("date", "friday 10:00", "not_a_date"),
        ("date-of-birth", "12.03.", "not_in_past"),
        ("date-of-birth", "tomorrow", "not_in_past"),
        ("date-of-birth", "01.01.1800", "not_a_date"),
        ("time", "afternoon", "not_a_time"),
        ("time", "after 3", "not_a_time"),
        ("time", "soon", "not_a_time"),
    ],
)
def test_typed_answers_are_refused_with_a_reason(field_type: str, text: str, reason: str) -> None:
    assert refused(ask(field_type), text).reason == reason


def test_an_ambiguous_date_names_its_days() -> None:
    problem = refused(ask("date"), "03/04")
    assert problem.reason == "ambiguous_date"
    assert problem.params["candidates"] == [date(2027, 3, 4), date(2027, 4, 3)]


def test_a_phone_problem_says_which() -> None:
    problem = refused(ask("phone"), "12")
    assert (problem.reason, problem.params) == ("not_a_phone", {"problem": "too_short"})
    with pytest.raises(AnswerProblem) as nowhere:
        read_answer(ask("phone"), "030 1234567", today=TODAY, language="en", region=None)
    assert nowhere.value.params == {"problem": "no_country"}


def test_a_phone_without_region_uses_the_field_s_country() -> None:
    question = ask("phone", default_country="AT")
    assert read_answer(question, "01 234567", today=TODAY, language="en", region=None) == (
        "+431234567"
    )


def test_lengths_and_bounds() -> None:
    assert refused(ask("text-single", min=3.0), "ab").params == {"count": 3}
    assert refused(ask("text-single", max=3.0), "abcd").reason == "too_long"
    assert refused(ask("text-single"), "x" * 501).params == {"count": 500}
    assert answer(ask("text-multi"), "x" * 1500) == "x" * 1500
    assert refused(ask("text-multi", max=10.0), "12345\n67890").params == {"count": 10}
    low = refused(ask("number", min=1.0, max=10.0), "0")
    assert (low.reason, low.params) == ("below_min", {"minimum": 1})
    high = refused(ask("number", min=1.0, max=10.5), "11")
    assert (high.reason, high.params) == ("above_max", {"maximum": 10.5})
    assert answer(ask("number", min=1.0, max=10.0), "10") == 10


def test_choices_are_pressed() -> None:
    select = ask("select", options=TOPICS)
    assert read_choice(select, ["support"]) == "support"
    assert read_choice(select, [3]) == 3
    assert read_choice(ask("rating", options=(Choice(1, "1"), Choice(2, "2"))), [2]) == 2
    assert read_choice(ask("yes-no"), [True]) is True
    assert read_choice(ask("checkbox-single"), [False]) is False
    wrong: list[tuple[Question, list[OptionValue]]] = [
        (select, ["other"]),
        (select, ["support", "pricing"]),
        (select, [True]),
        (ask("yes-no"), ["yes"]),
    ]
    for question, chosen in wrong:
        with pytest.raises(AnswerProblem) as problem:
            read_choice(question, chosen)
        assert problem.value.reason == "not_an_option"


def test_several_choices_keep_the_options_order() -> None:
    multi = ask("checkbox-multi", options=TOPICS, min=2.0, max=2.0)
    assert read_choice(multi, ["support", "pricing"]) == ["pricing", "support"]
    with pytest.raises(AnswerProblem, match="too_few"):
        read_choice(multi, ["support"])
    with pytest.raises(AnswerProblem, match="too_many"):
        read_choice(multi, ["support", "pricing", 3])
    assert read_choice(ask("checkbox-multi", options=TOPICS), []) == []
    with pytest.raises(AnswerProblem, match="empty"):
        read_choice(ask("checkbox-multi", options=TOPICS, required=True), [])


def test_a_choice_typed_as_an_option_is_taken() -> None:
    select = ask("select", options=TOPICS)
    assert answer(select, "preise", "de") == "pricing"
    assert answer(select, "SUPPORT") == "support"
    assert answer(ask("checkbox-multi", options=TOPICS), "three") == [3]
    assert refused(select, "something").reason == "use_buttons"
    assert refused(ask("yes-no"), "yes").reason == "use_buttons"


def test_what_a_chat_cannot_take_is_not_read() -> None:
    with pytest.raises(ValueError, match="not answered by typing"):
        answer(ask("file"), "cv.pdf")
