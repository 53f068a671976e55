"""Signed start links for support agents: who shared it, for which meeting type and language.

Telegram carries a start parameter of at most 64 characters of A-Z a-z 0-9 _ - from a
t.me link to the bot (the customer's first message is then `/start PAYLOAD`). The payload
here is `<agent>-<type>-<language>-<mac>`:

* agent: the agent's Telegram id in base 36 ("0" for a link without attribution);
* type: 8 characters naming the meeting type (from a hash of its id, so the payload does not
  depend on the order of MEETERGO_MEETING_TYPE_IDS);
* language: a meetergo language code, or "xx" for the customer's own;
* mac: the first 12 bytes of an HMAC-SHA256 over the rest, base64url (16 characters).

Any change to any character makes the MAC fail; a payload for a meeting type that is no
longer configured reads as nothing.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from collections.abc import Sequence
from dataclasses import dataclass

from bot.language.languages import LANGUAGES

MAX_PAYLOAD = 64
NO_AGENT = 0
OWN_LANGUAGE = "xx"
_MAC_BYTES = 12
_PAYLOAD = re.compile(r"([0-9a-z]{1,13})-([0-9a-z]{8})-([a-z]{2})-([A-Za-z0-9_-]{16})")


@dataclass(frozen=True, slots=True)
class AgentLink:
    """What a start link says: the agent (0: none), the meeting type, the language."""

    agent_id: int
    meeting_type_id: str
    language: str | None = None


def type_key(meeting_type_id: str) -> str:
    """8 characters that name a meeting type in a payload."""
    digest = hashlib.sha256(meeting_type_id.encode()).digest()
    return base64.b32encode(digest).decode().lower()[:8]


def _base36(number: int) -> str:
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    if number == 0:
        return "0"
    text = ""
    while number:
        number, rest = divmod(number, 36)
        text = digits[rest] + text
    return text


class LinkSigner:
    """Makes and checks start payloads with one secret."""

    def __init__(self, secret: bytes) -> None:
        if len(secret) < 16:
            raise ValueError("the link secret must be at least 16 bytes")
        self._secret = secret

    def _mac(self, body: str) -> str:
        digest = hmac.new(self._secret, body.encode(), hashlib.sha256).digest()[:_MAC_BYTES]
        return base64.urlsafe_b64encode(digest).decode()

    def payload(self, link: AgentLink) -> str:
        """The start parameter for a link (at most 64 characters of A-Z a-z 0-9 _ -)."""
        if link.agent_id < 0:
            raise ValueError("agent ids are positive Telegram user ids")
        if link.language is not None and link.language not in LANGUAGES:
            raise ValueError(f"unknown language {link.language!r}")
        body = "-".join(
            (
                _base36(link.agent_id),
                type_key(link.meeting_type_id),
                link.language or OWN_LANGUAGE,
            )
        )
        payload = f"{body}-{self._mac(body)}"
        if len(payload) > MAX_PAYLOAD:  # cannot happen for Telegram's ids; a guard for tests
            raise ValueError("payload too long")
        return payload

    def read(self, payload: str, meeting_type_ids: Sequence[str]) -> AgentLink | None:
        """The link a payload names, or None for anything forged, altered, cut or outdated."""
        match = _PAYLOAD.fullmatch(payload or "")
        if match is None:
            return None
        agent, key, language, mac = match.groups()
        body = f"{agent}-{key}-{language}"
        if not hmac.compare_digest(mac, self._mac(body)):
            return None
        if language != OWN_LANGUAGE and language not in LANGUAGES:
            return None
        chosen = [type_id for type_id in meeting_type_ids if type_key(type_id) == key]
        if not chosen:
            return None
        return AgentLink(int(agent, 36), chosen[0], None if language == OWN_LANGUAGE else language)


def start_link(bot_username: str, payload: str) -> str:
    """The t.me link that opens the bot and sends `/start payload`."""
    return f"https://t.me/{bot_username}?start={payload}"
