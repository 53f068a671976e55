"""A script's `sandbox:` section: the team, the company's data fields, and what each meeting type
asks; and the sandbox meetergo built from it.

    sandbox:
      hosts: [{name: Noon, timezone: Europe/Berlin, hours: {tue: "11:00-14:00"}}]
      data_fields:
        - {label: "Budget (EUR, approx.)", name: budget, fieldType: number, required: true}
      meeting_types:
        Intro call:
          questions: [topic, budget]
          allow_phone_only_booking: true
          names: {de: Erstgespräch}
          channel: local
          channels: [local, zoom]
          locations: ["Hauptstr. 1, Berlin", "Marktplatz 2, Hamburg"]
          allow_host_selection: true
          allow_adding_guests: true
          booking_type: doubleOptIn
        Product demo: {enabled: false}

Every key is optional. Data fields use meetergo's JSON keys and join the default ones (one with
a default's name replaces it); a meeting type is named by its name or id, and its questions
name data fields or are fields of their own. The other keys set what meetergo's meeting type
configures: its name per language, whether it is enabled, its default channel and the channels
an attendee may choose (meetergo's channel values), its addresses, whether the attendee may
(allow_host_selection) or must (force_host_selection) pick a host of the queue, may bring
guests, and whether bookings wait for a confirmation (booking_type: doubleOptIn or
requireHostConfirmation).
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
from bot.sandbox.scheduling_model import BOOKING_TYPES, CHANNELS, Host, MeetingType
from bot.sandbox.scheduling_validation import LANGUAGES

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
SANDBOX_KEYS = ("hosts", "data_fields", "meeting_types")
TYPE_KEYS = (
    "questions",
    "allow_phone_only_booking",
    "names",
    "enabled",
    "channel",
    "channels",
    "locations",
    "allow_host_selection",
    "force_host_selection",
    "allow_adding_guests",
    "booking_type",
)
# Keys that are a plain true or false, set on the meeting type as they are named.
_FLAGS = ("enabled", "allow_host_selection", "force_host_selection", "allow_adding_guests")
FIRST_SCRIPT_FIELD_ID = 1001  # ids of a script's fields without one of their own


@dataclass
class TypeSettings:
    """What a script says about one meeting type (None: left as it is)."""

    questions: list[str | DataField] | None = None
    allow_phone_only_booking: bool | None = None
    # The other keys, by the MeetingType attribute each sets (channels: allowed_channels).
    options: dict[str, Any] = field(default_factory=dict)


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
    """One meeting type's settings (TYPE_KEYS), each checked."""
    where = f"sandbox.meeting_types.{key}"
    if not isinstance(raw, dict) or not raw or set(raw) - set(TYPE_KEYS):
        raise ValueError(f"{where}: expected a mapping with some of {', '.join(TYPE_KEYS)}")
    settings = TypeSettings(allow_phone_only_booking=raw.get("allow_phone_only_booking"))
    if settings.allow_phone_only_booking not in (None, True, False):
        raise ValueError(f"{where}.allow_phone_only_booking: expected true or false")
    if "questions" in raw:
        settings.questions = _questions(where, raw["questions"])
    settings.options = _options(where, raw)
    return settings


def _questions(where: str, questions: Any) -> list[str | DataField]:
    """A type's questions: data field names, or fields of its own (mappings)."""
    if not isinstance(questions, list):
        raise ValueError(f"{where}.questions: expected a list of data field names or fields")
    try:
        return [
            data_field_from_json(q, FIRST_SCRIPT_FIELD_ID - 1 - i)
            if isinstance(q, dict)
            else str(q)
            for i, q in enumerate(questions)
        ]
    except (TypeError, ValueError) as error:
        raise ValueError(f"{where}.questions: {error}") from None


def _options(where: str, raw: dict[str, Any]) -> dict[str, Any]:
    """The meeting type's other settings, by the attribute each sets; ValueError names the
    key that is wrong."""
    options: dict[str, Any] = {}
    for flag in _FLAGS:
        if flag in raw:
            if not isinstance(raw[flag], bool):
                raise ValueError(f"{where}.{flag}: expected true or false")
            options[flag] = raw[flag]
    if "names" in raw:
        options["names"] = _names(f"{where}.names", raw["names"])
    if "channel" in raw:
        options["channel"] = _one_of(f"{where}.channel", raw["channel"], CHANNELS)
    if "channels" in raw:
        options["allowed_channels"] = _texts(f"{where}.channels", raw["channels"], CHANNELS)
    if "locations" in raw:
        options["locations"] = _texts(f"{where}.locations", raw["locations"])
    if "booking_type" in raw:
        options["booking_type"] = _one_of(
            f"{where}.booking_type", raw["booking_type"], BOOKING_TYPES
        )
    return options


def _names(where: str, names: Any) -> dict[str, str]:
    """Names per language: language codes meetergo knows, each to a name."""
    if not isinstance(names, dict) or not names:
        raise ValueError(f"{where}: expected language codes and names, e.g. {{de: Erstgespräch}}")
    for language, name in names.items():
        if language not in LANGUAGES:
            raise ValueError(f"{where}: {language!r} is no language; use {', '.join(LANGUAGES)}")
        if not isinstance(name, str) or not name.strip():
            raise ValueError(f"{where}.{language}: expected a name")
    return dict(names)


def _one_of(where: str, value: Any, choices: tuple[str, ...]) -> str:
    """One of `choices`, written as meetergo spells it."""
    if value not in choices:
        raise ValueError(f"{where}: expected one of {', '.join(choices)}")
    return str(value)


def _texts(where: str, values: Any, choices: tuple[str, ...] | None = None) -> list[str]:
    """A non-empty list of texts (of `choices`, when given), each once."""
    if not isinstance(values, list) or not values:
        raise ValueError(f"{where}: expected a list")
    for value in values:
        if choices is not None:
            _one_of(where, value, choices)
        elif not isinstance(value, str) or not value.strip():
            raise ValueError(f"{where}: expected texts, got {value!r}")
    if len(set(values)) < len(values):
        raise ValueError(f"{where}: {', '.join(map(str, values))} names one twice")
    return list(values)


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
        for attribute, value in settings.options.items():
            setattr(meeting_type, attribute, value)
    try:
        return SandboxScheduling(
            hosts=spec.hosts, meeting_types=types, clock=clock, data_fields=spec.company_fields()
        )
    except LookupError as error:
        raise ValueError(f"sandbox.meeting_types: {error.args[0]}") from None
