"""BOT_QUESTIONS: the file's shape, the company's data fields it names, and when each is asked."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.booking.questions import (
    Question,
    QuestionsError,
    is_asked,
    label_in,
    load_questions,
    option_label,
    refers_to_data_fields,
)
from bot.meetergo import DataField

COMPANY_FIELDS = [
    DataField.model_validate(
        {
            "id": 4,
            "label": "Company",
            "name": "company",
            "fieldType": "text-single",
            "required": False,
            "max": 80,
            "locales": [{"locale": "de", "label": "Firma"}],
        }
    ),
    DataField.model_validate(
        {"id": 5, "label": "Your CV", "name": "cv", "fieldType": "file", "required": True}
    ),
    DataField.model_validate(
        {"id": 6, "label": "Sign here", "name": "sign", "fieldType": "signature"}
    ),
    DataField.model_validate(
        {"id": 7, "label": "Source", "name": "utm", "fieldType": "text-single", "hidden": True}
    ),
    DataField.model_validate(
        {
            "id": 8,
            "label": "Phone",
            "name": "phone",
            "fieldType": "phone",
            "defaultCountryCode": "AT",
        }
    ),
]

FILE = """
intro:
  - name: company
    required: true
  - label: Do you bring a dog?
    name: dog
    fieldType: yes-no
    required: true
  - label: Its name
    fieldType: text-single
    when: {dog: true}
  - label: Topic
    name: topic
    fieldType: select
    options:
      - {label: Pricing, value: pricing, locales: [{locale: de, label: Preise}]}
      - {label: Support, value: support}
    locales: [{locale: de, label: Thema}]
  - label: How urgent
    fieldType: rating
    when: {topic: [Support], dog: false}
  - name: cv
    required: false
  - name: sign
  - name: utm
demo:
  - label: Attendees
    fieldType: number
    min: 1
    max: 10
    helpText: Including you
"""


def test_the_file_is_read_in_order_with_its_meaning() -> None:
    loaded = load_questions(FILE, COMPANY_FIELDS)
    assert list(loaded) == ["intro", "demo"]
    intro = loaded["intro"]
    assert [q.name for q in intro] == [
        "company",
        "dog",
        "Its name",
        "topic",
        "How urgent",
        "cv",
        "sign",
        "utm",
    ]
    company = intro[0]
    assert (company.label, company.required, company.max, company.data_field_id) == (
        "Company",
        True,
        80,
        4,
    )
    assert intro[2].when == (("dog", (True,)),)
    assert intro[4].when == (("topic", ("support",)), ("dog", (False,)))
    assert [c.value for c in intro[4].options] == [1, 2, 3, 4, 5]  # a rating's numbers
    assert [q.asked for q in intro] == [True, True, True, True, True, False, False, False]
    demo = loaded["demo"][0]
    assert (demo.field_type, demo.min, demo.max, demo.help_text) == (
        "number",
        1,
        10,
        "Including you",
    )
    assert demo.required is False


def test_a_referenced_field_keeps_its_country() -> None:
    loaded = load_questions("t: [{name: phone}]", COMPANY_FIELDS)
    assert loaded["t"][0].default_country == "AT"


def test_labels_in_a_language() -> None:
    intro = load_questions(FILE, COMPANY_FIELDS)["intro"]
    assert label_in(intro[0], "de") == "Firma"
    assert label_in(intro[0], "fr") == "Company"
    assert label_in(intro[3], "de-AT") == "Thema"
    assert option_label(intro[3], "pricing", "de") == "Preise"
    assert option_label(intro[3], "pricing", "en") == "Pricing"
    assert option_label(intro[3], "support", "de") == "Support"
    assert option_label(intro[1], True, "de") is None  # yes and no: the chat's own words
    assert option_label(intro[4], 3, "en") == "3"


def test_when_decides_what_is_asked() -> None:
    intro = {q.name: q for q in load_questions(FILE, COMPANY_FIELDS)["intro"]}
    assert is_asked(intro["dog"], {})
    assert not is_asked(intro["Its name"], {})
    assert is_asked(intro["Its name"], {"dog": True})
    assert not is_asked(intro["Its name"], {"dog": False})
    assert not is_asked(intro["Its name"], {"dog": 1})  # true is not 1
    urgent = intro["How urgent"]
    assert is_asked(urgent, {"dog": False, "topic": "support"})
    assert not is_asked(urgent, {"dog": True, "topic": "support"})
    assert not is_asked(urgent, {"dog": False, "topic": "pricing"})
    assert not is_asked(urgent, {"dog": False})
    assert not is_asked(intro["cv"], {})


def test_when_on_several_choices_takes_any_of_them() -> None:
    text = """
    t:
      - {label: Interests, name: i, fieldType: checkbox-multi,
         options: [{label: A, value: a}, {label: B, value: b}]}
      - {label: About B, fieldType: text-multi, when: {i: b}}
    """
    about = load_questions(text, [])["t"][1]
    assert is_asked(about, {"i": ["a", "b"]})
    assert not is_asked(about, {"i": ["a"]})
    assert not is_asked(about, {"i": []})


def test_a_file_on_disk_and_whether_it_needs_the_data_fields(tmp_path: Path) -> None:
    path = tmp_path / "questions.yaml"
    path.write_text(FILE, encoding="utf-8")
    assert refers_to_data_fields(path)
    assert load_questions(path, COMPANY_FIELDS)["intro"][0].name == "company"
    assert not refers_to_data_fields("demo: [{label: Why, fieldType: text-multi}]")
    assert load_questions("", []) == {}
    assert load_questions("t:", []) == {"t": ()}


def test_numeric_meeting_type_ids_are_text() -> None:
    assert list(load_questions("123: [{label: Why, fieldType: text-single}]", [])) == ["123"]


def problem(text: str, fields: list[DataField] | None = None) -> str:
    with pytest.raises(QuestionsError) as error:
        load_questions(text, COMPANY_FIELDS if fields is None else fields)
    message = str(error.value)
    assert "\n" not in message
    return message


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("t: [{name: nope}]", "questions: meeting type t: question 1 (nope): the company has no"),
        ("t: [{name: cv}]", "question 1 (cv): a file question cannot be asked in a chat, and it"),
        ("t: [{name: sign, required: true}]", "a signature question cannot be asked"),
        ("t: [{label: S, fieldType: slide, required: true}]", "a slide question cannot be"),
        ("t: [{label: A, fieldType: select, required: true}]", "has no options, and it is"),
        (
            "t: [{label: A, fieldType: text-single, when: {b: 1}}, {label: b, fieldType: number}]",
            "question 1 (A): when refers to 'b', a later question",
        ),
        (
            "t: [{label: A, fieldType: text-single, when: {zzz: 1}}]",
            "when refers to 'zzz', no earlier question",
        ),
        (
            "t: [{name: sign}, {label: A, fieldType: text-single, when: {sign: x}}]",
            "which the chat does not ask",
        ),
        (
            "t: [{label: D, fieldType: yes-no},"
            " {label: A, fieldType: text-single, when: {D: maybe}}]",
            "answers are true or false, not 'maybe'",
        ),
        (
            "t: [{label: N, fieldType: number}, {label: A, fieldType: text-single, when: {N: x}}]",
            "answers are numbers",
        ),
        (
            "t: [{label: R, fieldType: radio, options: [{label: X, value: x}]},"
            " {label: A, fieldType: text-single, when: {R: y}}]",
            "'y' is none of its values (x)",
        ),
        ("t: [{label: A, fieldType: txt}]", "fieldType 'txt' is none of meetergo's"),
        ("t: [{fieldType: text-single}]", "needs a label"),
        ("t: [{label: A, fieldType: text-single, requird: true}]", "unknown key 'requird'"),
        ("t: [{label: A, fieldType: text-single, required: maybe}]", "required must be true or"),
        ("t: [{label: A, fieldType: number, min: 5, max: 1}]", "min is greater than max"),
        ("t: [{label: A, fieldType: number, min: low}]", "min must be a number"),
        ("t: [{label: A, fieldType: select, options: [a, b]}]", "options must be a list of"),
        (
            "t: [{label: A, fieldType: select,"
            " options: [{label: X, value: 1}, {label: Y, value: 1}]}]",
            "two options have the same value",
        ),
        ("t: [{label: A, fieldType: text-single, locales: [{locale: de}]}]", "locales must be"),
        ("t: [{name: company, label: Firm}]", "takes only required and when, not label"),
        ("t: [{required: true}]", "needs a fieldType and label, or the name of a data field"),
        (
            "t: [{label: A, fieldType: text-single}, {label: A, fieldType: number}]",
            "question 2 (A): a question named 'A' comes earlier",
        ),
        (
            "t: [{label: A, name: a, fieldType: text-single},"
            " {label: A, name: b, fieldType: number}]",
            "an earlier question's answer goes under 'A'",
        ),
        ("t: [{label: A, fieldType: text-single, when: []}]", "when must map"),
        ("t: [plain]", "meeting type t: question 1: must be a mapping"),
        ("t: {label: A}", "meeting type t: must be a list of questions"),
        ("- a\n- b", "questions: must map each meeting type id"),
        ("t: [a\n", "questions: is not valid YAML at line"),
    ],
)
def test_a_bad_file_is_refused_in_one_line(text: str, expected: str) -> None:
    assert expected in problem(text)


def test_without_data_fields_a_name_is_unknown() -> None:
    assert "(it has none)" in problem("t: [{name: company}]", [])


def test_an_unreadable_file_is_named(tmp_path: Path) -> None:
    missing = tmp_path / "missing.yaml"
    with pytest.raises(QuestionsError, match=r"missing\.yaml: cannot be read"):
        load_questions(missing, [])
    broken = tmp_path / "broken.yaml"
    broken.write_bytes(b"t: [\xff]")
    with pytest.raises(QuestionsError, match=r"broken\.yaml: cannot be read"):
        refers_to_data_fields(broken)


def test_an_optional_choice_without_options_is_kept_not_asked() -> None:
    question = load_questions("t: [{label: A, fieldType: radio}]", [])["t"][0]
    assert question == Question(name="A", label="A", field_type="radio", asked=False)
