"""The waiting list: customers' wishes for a day that had no free time, kept until a time
frees up and one of them books it, the day passes, they book anyway, or they ask to be
forgotten.

A wish keeps no name and no e-mail: the chat, the meeting type and length, the day on the
customer's calendar, the part of the day they typed (minutes after midnight, from-to), their
language and zone, and the time last offered (to tell the others it went).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Final

from bot.storage.ledger import stored_moment


@dataclass(frozen=True, slots=True)
class Wish:
    """One customer waiting for a time on one day."""

    chat_id: int
    meeting_type_id: str
    duration: int
    day: date  # on the customer's calendar (their zone)
    timezone: str
    language: str
    asked_at: datetime
    # The part of the day wanted, in minutes after the customer's midnight (0-1440: any time).
    first_minute: int = 0
    last_minute: int = 24 * 60
    agent_id: int | None = None
    wish_id: int = 0  # given by the store
    offered_start: datetime | None = None  # the time last offered to this customer
    offer_message_id: int | None = None  # the message that offered it


WISH_COLUMNS: Final = (
    "chat_id, meeting_type_id, duration, day, timezone, language, asked_at, first_minute, "
    "last_minute, agent_id, offered_start, offer_message_id"
)


def wish_row(wish: Wish) -> tuple[object, ...]:
    """A wish's columns in WISH_COLUMNS order (moments in UTC, the day as ISO text)."""
    return (
        wish.chat_id,
        wish.meeting_type_id,
        wish.duration,
        wish.day.isoformat(),
        wish.timezone,
        wish.language,
        wish.asked_at.astimezone(UTC),
        wish.first_minute,
        wish.last_minute,
        wish.agent_id,
        None if wish.offered_start is None else wish.offered_start.astimezone(UTC),
        wish.offer_message_id,
    )


def wish_from_row(row: Sequence[object]) -> Wish:
    """A wish from `wish_id` followed by its WISH_COLUMNS."""
    return Wish(
        wish_id=int(str(row[0])),
        chat_id=int(str(row[1])),
        meeting_type_id=str(row[2]),
        duration=int(str(row[3])),
        day=date.fromisoformat(str(row[4])),
        timezone=str(row[5]),
        language=str(row[6]),
        asked_at=stored_moment(row[7]),
        first_minute=int(str(row[8])),
        last_minute=int(str(row[9])),
        agent_id=None if row[10] is None else int(str(row[10])),
        offered_start=None if row[11] is None else stored_moment(row[11]),
        offer_message_id=None if row[12] is None else int(str(row[12])),
    )


class WishStore(ABC):
    """The open wishes, first asked first."""

    @abstractmethod
    async def open(self) -> None:
        """Connect, creating or migrating the table."""

    @abstractmethod
    async def close(self) -> None:
        """Release the file or connections."""

    @abstractmethod
    async def add(self, wish: Wish) -> Wish:
        """Keep a wish (the same chat's wish for the same type and day replaces it)."""

    @abstractmethod
    async def open_wishes(self) -> list[Wish]:
        """Every open wish, in the order they were made."""

    @abstractmethod
    async def of_chat(self, chat_id: int) -> list[Wish]:
        """The chat's open wishes, earliest day first."""

    @abstractmethod
    async def claim_offer(self, wish_id: int, start: datetime) -> bool:
        """Note `start` as offered to the wish unless it already was: True for the one process
        (of all replicas) that is to send the offer."""

    @abstractmethod
    async def offered(self, wish_id: int, start: datetime | None, message_id: int | None) -> None:
        """Note the time offered to a wish and the message that offered it (None: none now)."""

    @abstractmethod
    async def drop(self, wish_id: int) -> None:
        """End one wish."""

    @abstractmethod
    async def drop_before(self, day: date) -> None:
        """End the wishes for days before `day` (they have passed)."""

    @abstractmethod
    async def forget(self, chat_id: int) -> None:
        """End every wish of the chat."""
