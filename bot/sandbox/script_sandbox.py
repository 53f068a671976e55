"""A script's `sandbox:` section: the team, the company's data fields, and what each meeting type
asks; and the sandbox meetergo built from it.

    sandbox:
      hosts: [{name: Noon, timezone: Europe/Berlin, hours: {tue: "11:00-14:00"}}]
      data_fields:
        - {label: "Budget (EUR, approx.)", name: budget, fieldType: number, required: true}
      meeting_types:
        Intro call: {questions: [topic, budget], allow_phone_only_booking: true}

Every key is optional. Data fields use meetergo's JSON keys and join the default ones (one with
a default's name replaces it); a meeting type is named by its name or id, and its questions
name data fields or are fields of their own.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from typing import Any

from bot.sandbox.scheduling import SandboxScheduling
from bot.sandbox.scheduling_defaults import (
    attach_questions,
    default_data_fields,
    default_meeting_types,
)
from bot.sandbox.scheduling_fields import DataField, data_field_from_json
from bot.sandbox.scheduling_model import Host, MeetingType

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
SANDBOX_KEYS = ("hosts", "data_fields", "meeting_types")
TYPE_KEYS = ("questions", "allow_phone_only_booking")
FIRST_SCRIPT_FIELD_ID = 1001  # ids of a script's fields without one of their own


@dataclass
class TypeSettings:
    """What a script says about one meeting type (None: left as it is)."""

    questions: list[str | DataField] | None = None
    allow_phone_only_booking: bool | None = None


@dataclass
class SandboxSpec:
    """The `sandbox:` section as read: the team (None: the default one), the script's own data
    fields, and settings per meeting type (by name or id)."""

    hosts: list[Host] | None = None
    data_fields: list[DataField] = field(default_factory=list)
    meeting_types: dict[str, TypeSettings] = field(default_factory=dict)

    def company_fields(self) -> list[DataField]:
        """The default data fields with the script's added (a same-named one replaced)."""
        own = {f.name for f in self.data_fields}
        return [f for f in default_data_fields() if f.name not in own] + self.data_fields


def read_sandbox(raw: Any) -> SandboxSpec:
    """The section from its value as written; ValueError says which key is wrong and how."""
    if not isinstance(raw, dict) or not raw or set(raw) - set(SANDBOX_KEYS):
        raise ValueError(f"sandbox: expected a mapping with some of {', '.join(SANDBOX_KEYS)}")
    spec = SandboxSpec()
    if "hosts" in raw:
        spec.hosts = _hosts(raw["hosts"])
    fields = raw.get("data_fields") or []
    if not isinstance(fields, list) or not all(isinstance(f, dict) for f in fields):
        raise ValueError("sandbox.data_fields: expected a list of data fields (mappings)")
    try:
        spec.data_fields = [
            data_field_from_json(f, FIRST_SCRIPT_FIELD_ID + i) for i, f in enumerate(fields)
        ]
    except (TypeError, ValueError) as error:
        raise ValueError(f"sandbox.data_fields: {error}") from None
    types = raw.get("meeting_types") or {}
    if not isinstance(types, dict):
        raise ValueError("sandbox.meeting_types: expected meeting types (name or id) and settings")
    spec.meeting_types = {str(key): _type_settings(str(key), value) for key, value in types.items()}
    build_sandbox(spec, lambda: datetime.now(UTC))  # refuse what could not be built
    return spec


def _hosts(hosts: Any) -> list[Host]:
    """The hosts, which then book every meeting type."""
    if not isinstance(hosts, list) or not hosts:
        raise ValueError("sandbox.hosts: expected a list of hosts")
    try:
        return [_host(index, raw) for index, raw in enumerate(hosts)]
    except (KeyError, TypeError, ValueError) as error:
        raise ValueError(f"sandbox.hosts: {error}") from None


def _host(index: int, raw: dict[str, Any]) -> Host:
    """One host from its mapping: name, timezone, weekly hours and holidays."""
    hours: dict[int, list[tuple[time, time]]] = {}
    for day, spans in (raw.get("hours") or {}).items():
        if day not in WEEKDAYS:
            raise ValueError(f"unknown weekday {day!r}; use {', '.join(WEEKDAYS)}")
        hours[WEEKDAYS.index(day)] = [_span(span) for span in str(spans).split(",")]
    return Host(
        id=str(raw.get("id") or f"host-{index + 1}"),
        name=str(raw["name"]),
        timezone=str(raw.get("timezone") or "Europe/Berlin"),
        weekly_hours=hours,
        holidays={date.fromisoformat(str(day)) for day in raw.get("holidays") or []},
    )


def _span(text: str) -> tuple[time, time]:
    """ "09:00-12:00" as its start and end times."""
    start, _, end = text.strip().partition("-")
    return time.fromisoformat(start.strip()), time.fromisoformat(end.strip())


def _type_settings(key: str, raw: Any) -> TypeSettings:
    """One meeting type's questions and allow_phone_only_booking."""
    where = f"sandbox.meeting_types.{key}"
    if not isinstance(raw, dict) or not raw or set(raw) - set(TYPE_KEYS):
        raise ValueError(f"{where}: expected a mapping with some of {', '.join(TYPE_KEYS)}")
    settings = TypeSettings(allow_phone_only_booking=raw.get("allow_phone_only_booking"))
    if settings.allow_phone_only_booking not in (None, True, False):
        raise ValueError(f"{where}.allow_phone_only_booking: expected true or false")
    if "questions" in raw:
        questions = raw["questions"]
        if not isinstance(questions, list):
            raise ValueError(f"{where}.questions: expected a list of data field names or fields")
        try:
            settings.questions = [
                data_field_from_json(q, FIRST_SCRIPT_FIELD_ID - 1 - i)
                if isinstance(q, dict)
                else str(q)
                for i, q in enumerate(questions)
            ]
        except (TypeError, ValueError) as error:
            raise ValueError(f"{where}.questions: {error}") from None
    return settings


def _find_type(types: list[MeetingType], key: str) -> MeetingType:
    """The meeting type a script names by its name or id."""
    for meeting_type in types:
        if key in (meeting_type.id, meeting_type.name):
            return meeting_type
    names = ", ".join(t.name for t in types)
    raise ValueError(f"sandbox.meeting_types: no meeting type {key!r} (there are {names})")


def build_sandbox(spec: SandboxSpec, clock: Callable[[], datetime]) -> SandboxScheduling:
    """The sandbox meetergo a script asks for: the default types, booked by the script's hosts
    when it has some, asking what it says; the company's fields with the script's."""
    types = default_meeting_types()
    if spec.hosts is not None:
        for meeting_type in types:
            meeting_type.host_ids = [host.id for host in spec.hosts]
            if meeting_type.user_id:
                meeting_type.user_id = spec.hosts[0].id
    for key, settings in spec.meeting_types.items():
        meeting_type = _find_type(types, key)
        attach_questions(
            meeting_type,
            meeting_type.questions if settings.questions is None else settings.questions,
            allow_phone_only_booking=settings.allow_phone_only_booking,
        )
    try:
        return SandboxScheduling(
            hosts=spec.hosts, meeting_types=types, clock=clock, data_fields=spec.company_fields()
        )
    except LookupError as error:
        raise ValueError(f"sandbox.meeting_types: {error.args[0]}") from None
