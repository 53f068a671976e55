"""The company's data fields, meetergo's booking questions, as the sandbox keeps and serves them.

A data field is a reusable question (`GET /v4/data-field`); a meeting type asks some of them
(MeetingType.questions, by name or as fields of its own). How meetergo tells a client which
questions a meeting type asks is not known, so the sandbox serves no such thing: it only
refuses a booking that leaves a required one unanswered (scheduling_validation.py).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

# meetergo's field types, as its clients name them.
FIELD_TYPES: tuple[str, ...] = (
    "text-single",
    "text-multi",
    "email",
    "phone",
    "number",
    "select",
    "checkbox-single",
    "checkbox-multi",
    "radio",
    "slide",
    "url",
    "file",
    "date",
    "date-of-birth",
    "time",
    "yes-no",
    "rating",
    "scale",
    "signature",
)
# The attendee's own fields a data field may fill (`target`); anything else goes to the notes.
ATTENDEE_TARGETS = {"email": "email", "phone": "phone"}


@dataclass
class DataField:
    """One question: `label` is what the attendee reads (and the key answers are sent under),
    `name` the internal key meetergo also accepts."""

    id: int
    label: str
    name: str
    field_type: str = "text-single"
    required: bool = False
    hidden: bool = False
    placeholder: str = ""
    default_value: str | None = None
    help_text: str = ""
    min: float | None = None
    max: float | None = None
    default_country_code: str | None = None
    locales: list[dict[str, str]] = field(default_factory=list)  # [{locale, label}]
    options: list[dict[str, str]] = field(default_factory=list)  # [{label, value}]
    target: str = "other"
    conditions: list[Any] = field(default_factory=list)

    def __post_init__(self) -> None:
        """Refuse a field meetergo could not have: an unknown type, no label or name."""
        if self.field_type not in FIELD_TYPES:
            raise ValueError(
                f"fieldType {self.field_type!r} is not one of {', '.join(FIELD_TYPES)}"
            )
        if not self.label or not self.name:
            raise ValueError("a data field needs a label and a name")

    def to_json(self) -> dict[str, Any]:
        """The field as `GET /v4/data-field` lists it."""
        return {
            "id": self.id,
            "label": self.label,
            "name": self.name,
            "fieldType": self.field_type,
            "required": self.required,
            "hidden": self.hidden,
            "placeholder": self.placeholder,
            "defaultValue": self.default_value,
            "helpText": self.help_text,
            "min": self.min,
            "max": self.max,
            "defaultCountryCode": self.default_country_code,
            "locales": [dict(locale) for locale in self.locales],
            "options": [dict(option) for option in self.options],
            "target": self.target,
            "conditions": list(self.conditions),
        }

    def answered(self, attendee: Mapping[str, Any]) -> bool:
        """Whether the attendee answered it: in the notes under its label or its name, or, for
        a field that targets the attendee's e-mail or phone, in that field."""
        notes = attendee.get("notes")
        answers = [notes.get(self.label), notes.get(self.name)] if isinstance(notes, dict) else []
        if self.target in ATTENDEE_TARGETS:
            answers.append(attendee.get(ATTENDEE_TARGETS[self.target]))
        return any(self._given(answer) for answer in answers)

    def _given(self, answer: Any) -> bool:
        """An answer counts unless it is missing, blank or empty (an unticked single checkbox
        is no answer either)."""
        if answer is None or answer == [] or answer == {}:
            return False
        if isinstance(answer, str):
            return bool(answer.strip())
        return not (self.field_type == "checkbox-single" and answer is False)


def data_field_from_json(raw: Mapping[str, Any], default_id: int) -> DataField:
    """A field from meetergo's JSON keys (a script's `sandbox.data_fields`); `options` may be
    plain texts, each its own label and value."""
    known = set(_JSON_KEYS) | {"id", "label", "name", "options"}
    unknown = sorted(set(raw) - known)
    if unknown:
        raise ValueError(f"unknown data field key {unknown[0]!r}")
    options = [
        dict(option) if isinstance(option, dict) else {"label": str(option), "value": str(option)}
        for option in raw.get("options") or []
    ]
    extra = {attribute: raw[key] for key, attribute in _JSON_KEYS.items() if key in raw}
    label = str(raw.get("label") or "")
    return DataField(
        id=int(raw.get("id") or default_id),
        label=label,
        name=str(raw.get("name") or label),
        options=options,
        **extra,
    )


# meetergo's JSON keys and the DataField attributes they set.
_JSON_KEYS = {
    "fieldType": "field_type",
    "required": "required",
    "hidden": "hidden",
    "placeholder": "placeholder",
    "defaultValue": "default_value",
    "helpText": "help_text",
    "min": "min",
    "max": "max",
    "defaultCountryCode": "default_country_code",
    "locales": "locales",
    "target": "target",
    "conditions": "conditions",
}
