"""Agents' business connections and the chats the bot answers in on their behalf.

Telegram gives a customer's chat with an agent's account the customer's id, the same id as
the customer's chat with the bot itself. The two must not share a booking, so each business
chat gets a key of its own (`BusinessChat.key`): a number above any Telegram chat id (those
have at most 52 significant bits), under which its state, bookings and reminders are kept.
What a key stands for is kept here, as is when the customer last wrote (Telegram lets a bot
answer in a business chat only within 24 hours of that) and each connection's rights.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

__all__ = [
    "FIRST_BUSINESS_KEY",
    "BusinessChat",
    "BusinessStore",
    "Connection",
    "chat_from_row",
    "is_business_key",
]

# Telegram's chat ids have at most 52 significant bits: every key from here on is a business
# chat's, and fits a 64-bit integer column.
FIRST_BUSINESS_KEY: Final = 2**53


def is_business_key(chat_id: int) -> bool:
    """Whether a chat id is a business chat's key (never a Telegram chat id)."""
    return chat_id >= FIRST_BUSINESS_KEY


@dataclass(frozen=True, slots=True)
class Connection:
    """A business account's connection to the bot, as Telegram last described it."""

    connection_id: str
    owner_id: int  # the account's user: the agent
    can_reply: bool
    can_delete: bool  # may delete the messages it sent (deleteBusinessMessages)
    enabled: bool


@dataclass(frozen=True, slots=True)
class BusinessChat:
    """A customer's chat with an agent's account, under its own key."""

    key: int
    connection_id: str  # the connection it was last seen through
    agent_id: int
    customer_id: int  # also the chat's Telegram id
    customer_wrote_at: datetime | None  # the customer's last message there
    # Their Telegram app's language then (a booking the agent starts is in it).
    customer_language: str | None = None


def chat_from_row(row: Sequence[Any]) -> BusinessChat:
    """A business chat from its row (the wrote-at time as text or as a datetime)."""
    wrote = row[4]
    if isinstance(wrote, str):
        wrote = datetime.fromisoformat(wrote)
    language = str(row[5]) if len(row) > 5 and row[5] else None
    return BusinessChat(int(row[0]), str(row[1]), int(row[2]), int(row[3]), wrote, language)


class BusinessStore(ABC):
    """Connections, business chats' keys, and the customers' last messages."""

    @abstractmethod
    async def open(self) -> None:
        """Connect (and migrate) now."""

    @abstractmethod
    async def close(self) -> None:
        """Close files and connections."""

    @abstractmethod
    async def keep_connection(self, connection: Connection) -> None:
        """Store a connection as Telegram last described it."""

    @abstractmethod
    async def connection(self, connection_id: str) -> Connection | None:
        """A connection by its id, None if never seen."""

    @abstractmethod
    async def chat_key(self, connection_id: str, agent_id: int, customer_id: int) -> int:
        """The key of the agent's chat with the customer, made on first use."""

    @abstractmethod
    async def chat(self, key: int) -> BusinessChat | None:
        """What a key stands for, None for a key nobody made."""

    @abstractmethod
    async def customer_wrote(self, key: int, at: datetime, language: str | None = None) -> None:
        """The customer wrote in the chat at `at`, their app set to `language` (a later time
        only moves it forward)."""

    @abstractmethod
    async def chats_of_customer(self, customer_id: int) -> list[BusinessChat]:
        """Every agent's chat with this customer."""

    @abstractmethod
    async def forget_chat(self, key: int) -> None:
        """Erase a chat's row (its key is not used again)."""
