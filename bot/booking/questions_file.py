"""Reading BOT_QUESTIONS: its YAML, the shape of each entry, and the data field each names.

bot/booking/questions.py says what the file means and builds the questions; this module only
checks what was written and turns each entry into a DataField (its own definition, or the
company's field it names), raising FileProblem with what is wrong.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

import yaml
from pydantic import ValidationError

from bot.meetergo.models import FIELD_TYPES, DataField, OptionValue

__all__ = ["FileProblem", "entry_field", "raw_when", "read_entries"]

# Every key of meetergo's data-field shape, and `when`; anything else is a typing slip.
DEFINITION_KEYS: Final = frozenset(
    {
        "id",
        "label",
        "name",
        "fieldType",
        "required",
        "hidden",
        "placeholder",
        "defaultValue",
        "helpText",
        "min",
        "max",
        "defaultCountryCode",
        "locales",
        "options",
        "target",
        "conditions",
        "when",
    }
)
REFERENCE_KEYS: Final = frozenset({"name", "required", "when"})
_SHOWN_NAMES: Final = 12  # a missing field's message lists at most this many known names


class FileProblem(Exception):
    """What is wrong with the file or one entry, in words for its author."""


def read_entries(text: str) -> dict[str, list[dict[str, Any]]]:
    """The file's entries per meeting type id, each a mapping with string keys."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        at = f" at line {mark.line + 1}" if mark is not None else ""
        raise FileProblem(f"is not valid YAML{at}") from None
    if data is None:
        return {}
    if not isinstance(data, Mapping):
        raise FileProblem("must map each meeting type id to its list of questions")
    entries: dict[str, list[dict[str, Any]]] = {}
    for meeting_type, listed in data.items():
        if listed is None:
            listed = []
        if not isinstance(listed, list):
            raise FileProblem(f"meeting type {meeting_type}: must be a list of questions")
        for number, entry in enumerate(listed, start=1):
            if not isinstance(entry, Mapping) or not all(isinstance(k, str) for k in entry):
                raise FileProblem(
                    f"meeting type {meeting_type}: question {number}: must be a mapping "
                    "(label, fieldType, ... or the name of a data field)"
                )
        entries[str(meeting_type)] = [dict(entry) for entry in listed]
    return entries


def entry_field(entry: Mapping[str, Any], data_fields: Mapping[str, DataField]) -> DataField:
    """The data field an entry declares or names, with its `required` as the entry says."""
    required = entry.get("required")
    if required is not None and not isinstance(required, bool):
        raise FileProblem("required must be true or false")
    field = _definition(entry) if "fieldType" in entry else _reference(entry, data_fields)
    return field if required is None else field.model_copy(update={"required": required})


def _reference(entry: Mapping[str, Any], data_fields: Mapping[str, DataField]) -> DataField:
    name = entry.get("name")
    if not isinstance(name, str) or not name:
        raise FileProblem("needs a fieldType and label, or the name of a data field")
    extra = sorted(set(entry) - REFERENCE_KEYS)
    if extra:
        raise FileProblem(
            f"a data field named by `name` takes only required and when, not {', '.join(extra)}"
            " (give a fieldType for a question of its own)"
        )
    field = data_fields.get(name)
    if field is None:
        known = sorted(data_fields)
        listed = ", ".join(known[:_SHOWN_NAMES]) + (", …" if len(known) > _SHOWN_NAMES else "")
        raise FileProblem(
            f"the company has no data field named {name!r}"
            + (f" (it has: {listed})" if known else " (it has none)")
        )
    return field


def _definition(entry: Mapping[str, Any]) -> DataField:
    extra = sorted(set(entry) - DEFINITION_KEYS)
    if extra:
        raise FileProblem(f"unknown key {extra[0]!r}")
    field_type, label = entry.get("fieldType"), entry.get("label")
    if field_type not in FIELD_TYPES:
        known = ", ".join(FIELD_TYPES)
        raise FileProblem(f"fieldType {field_type!r} is none of meetergo's: {known}")
    if not isinstance(label, str) or not label.strip():
        raise FileProblem("needs a label")
    for bound in ("min", "max"):
        value = entry.get(bound)
        if value is not None and (isinstance(value, bool) or not isinstance(value, int | float)):
            raise FileProblem(f"{bound} must be a number")
    _check_list(entry, "options", ("label", "value"))
    _check_list(entry, "locales", ("locale", "label"))
    for option in entry.get("options") or ():
        _check_list(option, "locales", ("locale", "label"))
    fields = {key: value for key, value in entry.items() if key != "when"}
    try:
        field = DataField.model_validate(fields)
    except ValidationError as exc:
        first = exc.errors(include_input=False)[0]
        where = ".".join(str(part) for part in first["loc"])
        raise FileProblem(f"{where}: {first['msg']}") from None
    if field.min is not None and field.max is not None and field.min > field.max:
        raise FileProblem("min is greater than max")
    values = [option.value for option in field.options]
    if len({repr(value) for value in values}) < len(values):
        raise FileProblem("two options have the same value")
    return field


def _check_list(entry: Mapping[str, Any], key: str, needs: tuple[str, str]) -> None:
    listed = entry.get(key)
    if listed is None:
        return
    shape = f"{key} must be a list of {{{needs[0]}, {needs[1]}}}"
    if not isinstance(listed, list):
        raise FileProblem(shape)
    for item in listed:
        if not isinstance(item, Mapping) or any(item.get(need) is None for need in needs):
            raise FileProblem(shape)
        if any(isinstance(item.get(need), list | Mapping) for need in needs):
            raise FileProblem(shape)


def raw_when(when: object) -> dict[str, tuple[OptionValue, ...]]:
    """A `when` as written: earlier questions' names, each with the values wanted."""
    if when is None:
        return {}
    if not isinstance(when, Mapping) or not when:
        raise FileProblem("when must map earlier questions' names to values")
    found: dict[str, tuple[OptionValue, ...]] = {}
    for name, wanted in when.items():
        values = wanted if isinstance(wanted, list) else [wanted]
        if not values or not all(isinstance(v, str | int | float | bool) for v in values):
            raise FileProblem(f"when {name}: must be a value or a list of values")
        found[str(name)] = tuple(values)
    return found
