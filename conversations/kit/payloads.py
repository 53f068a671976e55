"""Typed callback data: a prefix per kind, packed into Telegram's 64-byte button payload.

A payload never carries anything the bot must trust: it names a menu (its nonce) and an index
or a day, and every handler checks both against the state the bot kept for that chat.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import date
from typing import Any, ClassVar, Self, get_type_hints

MAX_BYTES = 64
SEPARATOR = ":"


class CallbackDataError(ValueError):
    """A payload that is not one of ours, or is malformed."""


@dataclasses.dataclass(frozen=True)
class Callback:
    """Base of every button payload; subclasses declare `prefix` and typed fields."""

    prefix: ClassVar[str] = ""
    # The flow whose buttons these are; a flow's catch-all refuses only its own stale buttons.
    flow: ClassVar[str] = "booking"
    registry: ClassVar[dict[str, type[Callback]]] = {}

    menu: str

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        prefix = cls.__dict__.get("prefix")
        if prefix:
            if prefix in Callback.registry or SEPARATOR in prefix:
                raise TypeError(f"callback prefix {prefix!r} is taken or invalid")
            Callback.registry[prefix] = cls

    def pack(self) -> str:
        """Encode as `prefix:menu:field…`; refuses anything Telegram would reject."""
        fields = _fields_of(type(self))
        parts = [self.prefix, *(_encode(getattr(self, name)) for name, _ in fields)]
        if any(SEPARATOR in part for part in parts[1:]):
            raise CallbackDataError(f"{self.prefix}: a field contains {SEPARATOR!r}")
        data = SEPARATOR.join(parts)
        if not 1 <= len(data.encode()) <= MAX_BYTES:
            raise CallbackDataError(f"{self.prefix}: {len(data.encode())} bytes > {MAX_BYTES}")
        return data

    @classmethod
    def unpack(cls, data: str) -> Self:
        """Decode a payload of this kind, or raise CallbackDataError."""
        decoded = unpack(data)
        if not isinstance(decoded, cls):
            raise CallbackDataError(f"expected {cls.prefix!r} payload")
        return decoded

    @classmethod
    def matches(cls, data: object) -> bool:
        """Pattern for CallbackQueryHandler: true for payloads that carry this prefix."""
        return isinstance(data, str) and data.split(SEPARATOR, 1)[0] == cls.prefix


def owned_by(flow: str) -> Callable[[object], bool]:
    """Pattern for a flow's stale-button handler: its own kinds, and payloads nobody owns.

    A payload of another flow's kind is left to that flow, so a button added by a new flow is
    never swallowed by an older one; forged or unknown payloads still get a polite answer.
    """

    def claims(data: object) -> bool:
        prefix = data.split(SEPARATOR, 1)[0] if isinstance(data, str) else ""
        kind = Callback.registry.get(prefix)
        return kind is None or kind.flow == flow

    return claims


def _encode(value: object) -> str:
    if isinstance(value, date):
        return value.strftime("%Y%m%d")
    return str(value)


def _decode(raw: str, kind: type[Any]) -> Any:
    if kind is int:
        if not raw.isascii() or not raw.isdigit() or len(raw) > 6:
            raise ValueError(raw)
        return int(raw)
    if kind is date:
        if len(raw) != 8 or not raw.isdigit():
            raise ValueError(raw)
        return date(int(raw[:4]), int(raw[4:6]), int(raw[6:]))
    if kind is str:
        if not raw or not raw.isascii() or not raw.isalnum():
            raise ValueError(raw)
        return raw
    raise TypeError(kind)


_fields: dict[type[Callback], tuple[tuple[str, Any], ...]] = {}


def _fields_of(kind: type[Callback]) -> tuple[tuple[str, Any], ...]:
    """The fields of a payload kind with their types, in order (its annotations are strings,
    which get_type_hints evaluates: once per kind, not at every button drawn or pressed)."""
    known = _fields.get(kind)
    if known is None:
        hints = get_type_hints(kind)
        known = tuple((field.name, hints[field.name]) for field in dataclasses.fields(kind))
        _fields[kind] = known
    return known


def unpack(data: str) -> Callback:
    """Decode any payload of ours, or raise CallbackDataError."""
    if not isinstance(data, str) or len(data.encode()) > MAX_BYTES:
        raise CallbackDataError("not a payload of this bot")
    prefix, *raw = data.split(SEPARATOR)
    kind = Callback.registry.get(prefix)
    if kind is None:
        raise CallbackDataError(f"unknown prefix {prefix!r}")
    fields = _fields_of(kind)
    if len(raw) != len(fields):
        raise CallbackDataError(f"{prefix}: {len(raw)} fields, expected {len(fields)}")
    try:
        values = {
            name: _decode(part, type_) for (name, type_), part in zip(fields, raw, strict=True)
        }
        return kind(**values)
    except ValueError:
        raise CallbackDataError(f"{prefix}: malformed field") from None


@dataclasses.dataclass(frozen=True)
class ChangeAnswer(Callback):
    """Change one answer on the final card: an index into the changes the card offered."""

    prefix: ClassVar[str] = "ch"
    index: int
