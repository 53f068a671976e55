"""The meeting types' own questions: what the business declares in BOT_QUESTIONS, and when
each is asked.

meetergo keeps a meeting type's questions in a form no API call is known to read, so the
business lists them in a YAML file: per meeting type id, its questions in the order asked.

```yaml
intro-call-id:
  - name: company              # one of the company's data fields (GET /v4/data-field)
    required: true             # may override the field's own `required`
  - label: Do you bring a dog?
    name: dog                  # the key `when` uses; the label when left out
    fieldType: yes-no
  - label: Its name
    fieldType: text-single
    when: {dog: true}          # asked only when the earlier answer is one of these
  - label: Topic
    fieldType: select
    options: [{label: Pricing, value: pricing}, {label: Support, value: support}]
    locales: [{locale: de, label: Thema}]
```

An entry with a `fieldType` is a full definition in meetergo's data-field shape (label,
fieldType, name, required, options, locales, min, max, helpText, placeholder, target,
defaultCountryCode, and the other keys meetergo lists); one without is a reference by `name`
to one of the company's data fields and may only add `required` and `when`. A `when` names
earlier questions of the same meeting type, each with a value or a list of values (true or
false for yes-no and checkbox-single answers, option values for choices): all must hold.

What a chat cannot take (file, signature, slide) or must not show (hidden fields), and choices
without options, are kept but not asked; when such a question is required, the file is refused.
Any problem raises QuestionsError with one line naming the file, the meeting type and the
question.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Final

from bot.booking.questions_file import FileProblem, entry_field, raw_when, read_entries
from bot.meetergo.models import DataField, FieldLocale, OptionValue

__all__ = [
    "ASKED_TYPES",
    "BOOLEAN_TYPES",
    "CHOICE_TYPES",
    "TYPED_TYPES",
    "AnswerValue",
    "Choice",
    "Question",
    "QuestionsError",
    "is_asked",
    "label_in",
    "load_questions",
    "option_label",
    "refers_to_data_fields",
    "same_value",
]

# What an answer sends in attendee.notes: text, a number, yes/no, an option's value, or the
# values of several options.
AnswerValue = str | int | float | bool | list[OptionValue]

BOOLEAN_TYPES: Final = frozenset({"yes-no", "checkbox-single"})
CHOICE_TYPES: Final = frozenset({"select", "radio", "checkbox-multi", "rating", "scale"})
TYPED_TYPES: Final = frozenset(
    {"text-single", "text-multi", "email", "phone", "number", "url"}
    | {"date", "date-of-birth", "time"}
)
# What a chat can ask: typed answers and buttons. Not: file, signature, slide.
ASKED_TYPES: Final = TYPED_TYPES | BOOLEAN_TYPES | CHOICE_TYPES
# A rating or scale without options offers its whole numbers, min to max (these by default).
NUMBERED_TYPES: Final = {"rating": (1, 5), "scale": (1, 10)}
MAX_NUMBERED_CHOICES: Final = 11


class QuestionsError(Exception):
    """The questions file cannot be used; the message is one line naming where."""


@dataclass(frozen=True, slots=True)
class Choice:
    """One option of a choice: the value sent, its label, and the label in other languages."""

    value: OptionValue
    label: str
    locales: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True, slots=True)
class Question:
    """One question of a meeting type, as declared (or as its data field says).

    `name` is what `when` refers to; `label` is the question and the key of its answer in
    attendee.notes. `options` are the choices (rating and scale: their numbers when the field
    lists none). `min`/`max` bound a number, or a text's length. `when` pairs earlier
    questions' names with the answers that make this one asked. `asked` is False for what a
    chat cannot ask (see the module doc).
    """

    name: str
    label: str
    field_type: str
    required: bool = False
    options: tuple[Choice, ...] = ()
    locales: tuple[tuple[str, str], ...] = ()
    min: float | None = None
    max: float | None = None
    help_text: str | None = None
    placeholder: str | None = None
    target: str | None = None
    default_country: str | None = None
    when: tuple[tuple[str, tuple[OptionValue, ...]], ...] = ()
    asked: bool = True
    data_field_id: int | str | None = None


# --- the file ---------------------------------------------------------------------------------


def load_questions(
    text_or_path: str | Path, data_fields: Sequence[DataField]
) -> dict[str, tuple[Question, ...]]:
    """Each meeting type's questions in order, from a file (a Path) or YAML text (a str).

    `data_fields` are the company's (MeetergoClient.data_fields()), needed only when the file
    refers to them (`refers_to_data_fields`). Raises QuestionsError.
    """
    source, entries_by_type = _entries(text_or_path)
    by_name = {field.name: field for field in data_fields if field.name}
    loaded: dict[str, tuple[Question, ...]] = {}
    for meeting_type, entries in entries_by_type.items():
        names = [_entry_name(entry) for entry in entries]
        questions: list[Question] = []
        for number, entry in enumerate(entries, start=1):
            where = f"{source}: meeting type {meeting_type}: question {number}"
            where += f" ({names[number - 1]})" if names[number - 1] else ""
            try:
                question = _question(entry_field(entry, by_name))
                if any(earlier.name == question.name for earlier in questions):
                    raise FileProblem(f"a question named {question.name!r} comes earlier")
                if any(earlier.label == question.label for earlier in questions):
                    raise FileProblem(f"an earlier question's answer goes under {question.label!r}")
                when = _when(raw_when(entry.get("when")), questions, names[number:])
            except FileProblem as problem:
                raise QuestionsError(f"{where}: {problem}") from None
            questions.append(replace(question, when=when))
        loaded[meeting_type] = tuple(questions)
    return loaded


def refers_to_data_fields(text_or_path: str | Path) -> bool:
    """Whether the file names any of the company's data fields (so they must be read from
    meetergo first). Raises QuestionsError for a file that cannot be read at all."""
    _, entries_by_type = _entries(text_or_path)
    return any(
        "fieldType" not in entry for entries in entries_by_type.values() for entry in entries
    )


def _entries(text_or_path: str | Path) -> tuple[str, dict[str, list[dict[str, Any]]]]:
    source = f"questions file {text_or_path}" if isinstance(text_or_path, Path) else "questions"
    try:
        if isinstance(text_or_path, Path):
            text = text_or_path.read_text(encoding="utf-8")
        else:
            text = text_or_path
        return source, read_entries(text)
    except (OSError, UnicodeDecodeError) as exc:
        raise QuestionsError(f"{source}: cannot be read ({type(exc).__name__})") from None
    except FileProblem as problem:
        raise QuestionsError(f"{source}: {problem}") from None


def _entry_name(entry: Mapping[str, Any]) -> str:
    name = entry.get("name") or entry.get("label")
    return name if isinstance(name, str) else ""


def _locales(locales: Iterable[FieldLocale]) -> tuple[tuple[str, str], ...]:
    return tuple((locale.locale, locale.label) for locale in locales)


def _choices(field: DataField) -> tuple[Choice, ...]:
    """The field's options; a rating or scale without any: its whole numbers from min to max."""
    if field.options or field.field_type not in NUMBERED_TYPES:
        return tuple(
            Choice(option.value, option.label, _locales(option.locales)) for option in field.options
        )
    low, high = NUMBERED_TYPES[field.field_type]
    low = int(field.min) if field.min is not None else low
    high = int(field.max) if field.max is not None else high
    if high < low or high - low + 1 > MAX_NUMBERED_CHOICES:
        return ()
    return tuple(Choice(number, str(number)) for number in range(low, high + 1))


def _question(field: DataField) -> Question:
    """The question a data field asks, and whether a chat can ask it."""
    choices = _choices(field)
    why_not = None
    if field.field_type not in ASKED_TYPES:
        why_not = f"a {field.field_type} question cannot be asked in a chat"
    elif field.field_type in CHOICE_TYPES and not choices:
        why_not = f"the {field.field_type} question has no options"
    if why_not and field.required:
        raise FileProblem(f"{why_not}, and it is required")
    return Question(
        name=field.name or field.label,
        label=field.label or field.name,
        field_type=field.field_type,
        required=field.required,
        options=choices,
        locales=_locales(field.locales),
        min=field.min,
        max=field.max,
        help_text=field.help_text or None,
        placeholder=field.placeholder or None,
        target=field.target or None,
        default_country=field.default_country_code or None,
        asked=why_not is None and not field.hidden,
        data_field_id=field.id,
    )


def _when(
    wanted: Mapping[str, tuple[OptionValue, ...]], earlier: Sequence[Question], later: list[str]
) -> tuple[tuple[str, tuple[OptionValue, ...]], ...]:
    """The `when` of a question, each value checked against the earlier question it names."""
    found = []
    for name, values in wanted.items():
        question = next((q for q in earlier if q.name == name), None)
        if question is None:
            place = "a later question" if name in later else "no earlier question"
            raise FileProblem(f"when refers to {name!r}, {place}")
        if not question.asked:
            raise FileProblem(f"when refers to {name!r}, which the chat does not ask")
        found.append((name, tuple(_wanted_value(question, value) for value in values)))
    return tuple(found)


def _wanted_value(question: Question, value: OptionValue) -> OptionValue:
    if question.field_type in BOOLEAN_TYPES:
        if not isinstance(value, bool):
            raise FileProblem(f"when {question.name}: answers are true or false, not {value!r}")
        return value
    if question.options:
        for choice in question.options:
            if same_value(choice.value, value) or str(choice.value) == str(value):
                return choice.value
        values = ", ".join(str(choice.value) for choice in question.options)
        raise FileProblem(f"when {question.name}: {value!r} is none of its values ({values})")
    if question.field_type == "number" and (
        isinstance(value, bool) or not isinstance(value, int | float)
    ):
        raise FileProblem(f"when {question.name}: answers are numbers, not {value!r}")
    return value


# --- asking -----------------------------------------------------------------------------------


def same_value(answer: object, wanted: object) -> bool:
    """Whether an answer is a wanted value: true is not 1, and text compares without case."""
    if isinstance(answer, bool) or isinstance(wanted, bool):
        return answer is wanted
    if isinstance(answer, str) and isinstance(wanted, str):
        return answer.casefold() == wanted.casefold()
    return answer == wanted


def is_asked(question: Question, answers_by_name: Mapping[str, AnswerValue | None]) -> bool:
    """Whether the chat asks `question`, given the answers so far by question name: it can be
    asked, and every earlier answer its `when` names has one of the wanted values (several
    choices: one of them). An earlier question not answered (not asked, skipped) fails."""
    if not question.asked:
        return False
    for name, wanted in question.when:
        answer = answers_by_name.get(name)
        if answer is None or answer == "":
            return False
        given: Iterable[object] = answer if isinstance(answer, list) else (answer,)
        if not any(same_value(one, value) for one in given for value in wanted):
            return False
    return True


# --- labels -----------------------------------------------------------------------------------


def _in_language(locales: Iterable[tuple[str, str]], language: str) -> str | None:
    wanted = language.replace("_", "-").casefold()
    found = [(locale.replace("_", "-").casefold(), label) for locale, label in locales if label]
    exact = [label for locale, label in found if locale == wanted]
    primary = wanted.split("-")[0]
    near = [label for locale, label in found if locale.split("-")[0] == primary]
    return next(iter(exact or near), None)


def label_in(question: Question, language: str) -> str:
    """The question in `language`: its `locales` entry for it (en-GB serves en), else its
    label."""
    return _in_language(question.locales, language) or question.label


def option_label(question: Question, value: OptionValue, language: str) -> str | None:
    """The label of the option with `value`, in `language` where the option has one; None when
    the question has no such option (a yes-no answer: the chat says yes or no itself)."""
    for choice in question.options:
        if same_value(choice.value, value):
            return _in_language(choice.locales, language) or choice.label
    return None
