"""Answers to the meeting types' questions: what a customer typed or chose, as the value the
booking sends in attendee.notes (under the question's label).

| fieldType | value |
| --- | --- |
| text-single, text-multi, email, phone, url | str (phone: E.164, "+49301234567") |
| number | int, or float when typed with decimals ("3.0", "3,5") |
| yes-no, checkbox-single | bool |
| select, radio, rating, scale | the chosen option's value |
| checkbox-multi | the chosen options' values, in the options' order |
| date, date-of-birth | ISO date, "1985-03-12" |
| time | "HH:MM" |

`read_answer` reads typed text; `read_choice` takes what was pressed. Both raise
AnswerProblem with a `reason` (ANSWER_REASONS) and the numbers its message needs.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Final
from urllib.parse import urlsplit

from babel.numbers import NumberFormatError, parse_decimal

from bot.booking.questions import (
    BOOLEAN_TYPES,
    CHOICE_TYPES,
    AnswerValue,
    Question,
    option_label,
    same_value,
)
from bot.language.contact import InvalidEmailError, InvalidNameError, check_email, clean_answer
from bot.language.i18n import locale_for, negotiate_language
from bot.language.phone import InvalidPhoneError, read_phone
from bot.language.typed_day import AmbiguousDayError, PastDayError, parse_when
from bot.language.typed_time import read_time
from bot.language.words import fold
from bot.meetergo.models import OptionValue

__all__ = ["ANSWER_REASONS", "AnswerProblem", "read_answer", "read_choice"]

ANSWER_REASONS: Final = (
    "empty",  # nothing typed, or nothing chosen for a required question
    "control",  # invisible control characters
    "too_short",  # text: fewer than `count` characters
    "too_long",  # text: more than `count` characters
    "not_a_number",
    "below_min",  # number: under `minimum`
    "above_max",  # number: over `maximum`
    "not_an_email",
    "not_a_phone",  # `problem`: bot.language.phone's reason (no_country, too_short, ...)
    "not_a_url",
    "not_a_date",
    "ambiguous_date",  # `candidates`: the days it could mean
    "not_in_past",  # a date of birth that is today or later (or typed without its year)
    "not_a_time",
    "use_buttons",  # a choice, typed as none of its options
    "not_an_option",  # a pressed value the question does not offer (a stale button)
    "too_few",  # checkbox-multi: fewer than `count` chosen
    "too_many",  # checkbox-multi: more than `count` chosen
)

TEXT_LENGTHS: Final = {"text-single": 500, "text-multi": 2000}  # without a `max` of its own
_MAX_TYPED: Final = 200  # any other typed answer: a number, an address, a date
_MAX_AGE_YEARS: Final = 130
_NUMBER: Final = re.compile(r"[+-]?\d+(?:[.,]\d+)?")
_HOST_LABEL: Final = re.compile(r"(?!-)[\w-]{1,63}(?<!-)")


class AnswerProblem(ValueError):
    """An answer the question cannot take: `reason` is one of ANSWER_REASONS, `params` what
    its message needs (count, minimum, maximum, candidates, problem)."""

    def __init__(self, reason: str, **params: object) -> None:
        super().__init__(reason)
        self.reason = reason
        self.params = params


def read_answer(
    question: Question, text: str, *, today: date, language: str, region: str | None
) -> AnswerValue:
    """The value of a typed answer to `question`, read in `language` on the customer's `today`;
    a phone number without its country code is read in `region` (the customer's country, else
    the field's defaultCountryCode). Raises AnswerProblem."""
    field_type = question.field_type
    if field_type in TEXT_LENGTHS:
        return _text(question, text)
    typed = _one_line(text, _MAX_TYPED)
    if field_type in CHOICE_TYPES or field_type in BOOLEAN_TYPES:
        return _typed_choice(question, typed, language)
    if field_type == "number":
        return _number(question, typed, language)
    if field_type == "email":
        try:
            return check_email(typed).address
        except InvalidEmailError:
            raise AnswerProblem("not_an_email") from None
    if field_type == "phone":
        try:
            return read_phone(typed, region or question.default_country)
        except InvalidPhoneError as error:
            raise AnswerProblem("not_a_phone", problem=error.reason) from None
    if field_type == "url":
        return _url(typed)
    if field_type in ("date", "date-of-birth"):
        return _date(question, typed, today, language).isoformat()
    if field_type == "time":
        return _time(typed, language)
    raise ValueError(f"a {field_type} question is not answered by typing")


def read_choice(question: Question, chosen: Sequence[OptionValue]) -> AnswerValue:
    """The value of what was pressed: one option (yes-no, checkbox-single: true or false), or
    for checkbox-multi any number of them. Raises AnswerProblem."""
    if question.field_type in BOOLEAN_TYPES:
        if len(chosen) != 1 or not isinstance(chosen[0], bool):
            raise AnswerProblem("not_an_option")
        return chosen[0]
    picked = []
    for value in chosen:
        option = next((c.value for c in question.options if same_value(c.value, value)), None)
        if option is None:
            raise AnswerProblem("not_an_option")
        picked.append(option)
    if question.field_type != "checkbox-multi":
        if len(picked) != 1:
            raise AnswerProblem("empty" if not picked else "not_an_option")
        return picked[0]
    ordered = [c.value for c in question.options if any(same_value(c.value, p) for p in picked)]
    if not ordered and question.required:
        raise AnswerProblem("empty")
    if ordered and question.min is not None and len(ordered) < question.min:
        raise AnswerProblem("too_few", count=int(question.min))
    if question.max is not None and len(ordered) > question.max:
        raise AnswerProblem("too_many", count=int(question.max))
    return ordered


# --- text -------------------------------------------------------------------------------------


def _one_line(text: str, max_length: int) -> str:
    try:
        return clean_answer(text, max_length)
    except InvalidNameError as problem:
        if problem.reason == "too_long":
            raise AnswerProblem("too_long", count=max_length) from None
        raise AnswerProblem(problem.reason) from None


def _text(question: Question, text: str) -> str:
    """One line trimmed as a name is; text-multi keeps its lines (blank runs become one)."""
    longest = int(question.max) if question.max is not None else TEXT_LENGTHS[question.field_type]
    if question.field_type == "text-single":
        answer = _one_line(text, longest)
    else:
        lines: list[str] = []
        for line in text.splitlines():
            cleaned = _one_line(line, max(longest, 1)) if line.strip() else ""
            if cleaned or (lines and lines[-1]):
                lines.append(cleaned)
        answer = "\n".join(lines).strip("\n")
        if not answer:
            raise AnswerProblem("empty")
        if len(answer) > longest:
            raise AnswerProblem("too_long", count=longest)
    if question.min is not None and len(answer) < question.min:
        raise AnswerProblem("too_short", count=int(question.min))
    return answer


def _typed_choice(question: Question, typed: str, language: str) -> AnswerValue:
    """A choice typed as one of its options' labels or values (buttons are the way)."""
    said = fold(typed)
    matches = [
        choice.value
        for choice in question.options
        if said
        in {
            fold(choice.label),
            fold(str(choice.value)),
            fold(option_label(question, choice.value, language) or choice.label),
        }
    ]
    if len(matches) != 1:
        raise AnswerProblem("use_buttons")
    return read_choice(question, matches)


# --- numbers and addresses --------------------------------------------------------------------


def _number(question: Question, typed: str, language: str) -> int | float:
    """A number as typed in the language ("3,5" in German, "1,000" in English), or plainly."""
    compact = "".join(typed.split())
    try:
        locale = locale_for(negotiate_language(language, "en"))
        value = parse_decimal(compact, locale=locale, strict=True)
    except (NumberFormatError, InvalidOperation, ValueError):
        if not _NUMBER.fullmatch(compact):
            raise AnswerProblem("not_a_number") from None
        value = Decimal(compact.replace(",", "."))
    if not value.is_finite():
        raise AnswerProblem("not_a_number")
    whole = isinstance(exponent := value.as_tuple().exponent, int) and exponent >= 0
    number: int | float = int(value) if whole else float(value)
    if question.min is not None and number < question.min:
        raise AnswerProblem("below_min", minimum=_plain(question.min))
    if question.max is not None and number > question.max:
        raise AnswerProblem("above_max", maximum=_plain(question.max))
    return number


def _plain(bound: float) -> int | float:
    return int(bound) if bound == int(bound) else bound


def _url(typed: str) -> str:
    """A web address; "example.com/x" gets https://."""
    candidate = typed if "://" in typed else f"https://{typed}"
    try:
        parts = urlsplit(candidate)
        host = parts.hostname or ""
        port_ok = parts.port is None or parts.port > 0
    except ValueError:
        raise AnswerProblem("not_a_url") from None
    labels = host.split(".")
    if (
        parts.scheme.lower() not in ("http", "https")
        or " " in candidate
        or parts.username is not None
        or not port_ok
        or len(labels) < 2
        or not all(_HOST_LABEL.fullmatch(label) for label in labels)
        or not (labels[-1].startswith("xn--") or (len(labels[-1]) >= 2 and labels[-1].isalpha()))
    ):
        raise AnswerProblem("not_a_url")
    return candidate


# --- days and times ---------------------------------------------------------------------------


def _date(question: Question, typed: str, today: date, language: str) -> date:
    """A day, past or coming, as typed days are read; a date of birth is over, and not more
    than a lifetime ago."""
    try:
        when = parse_when(typed, today, language)
        day = when.day if when is not None and when.time is None else None
    except PastDayError as past:
        day = past.day
    except AmbiguousDayError as ambiguous:
        raise AnswerProblem("ambiguous_date", candidates=ambiguous.candidates) from None
    if day is None:
        raise AnswerProblem("not_a_date")
    if question.field_type == "date-of-birth":
        if day >= today:
            raise AnswerProblem("not_in_past")
        if today.year - day.year > _MAX_AGE_YEARS:
            raise AnswerProblem("not_a_date")
    return day


def _time(typed: str, language: str) -> str:
    """A time of day ("15:30", "halb 4", "3 pm") as HH:MM."""
    said = fold(" ".join(typed.casefold().split())).strip(" .!?")
    wish = read_time(said, negotiate_language(language, "en"))
    if wish is None or wish.kind != "at" or not 0 <= wish.first < 24 * 60:
        raise AnswerProblem("not_a_time")
    return f"{wish.first // 60:02d}:{wish.first % 60:02d}"
