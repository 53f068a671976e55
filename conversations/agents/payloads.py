"""The button payloads of the agents' tools (/link)."""

from __future__ import annotations

import dataclasses
from typing import ClassVar

from conversations.kit.payloads import Callback


@dataclasses.dataclass(frozen=True)
class LinkTypeChosen(Callback):
    """An agent's /link: the meeting type the link is for (an index into the configured ones)."""

    prefix: ClassVar[str] = "lt"
    flow: ClassVar[str] = "agents"
    index: int


@dataclasses.dataclass(frozen=True)
class LinkLanguageChosen(Callback):
    """An agent's /link: the customer's language ("xx": their own), for the chosen type."""

    prefix: ClassVar[str] = "ll"
    flow: ClassVar[str] = "agents"
    index: int
    code: str
