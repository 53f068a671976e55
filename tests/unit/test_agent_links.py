"""Signed start links: a round trip, Telegram's limits, and no change to any character passes."""

from __future__ import annotations

import re
import string

import pytest

from bot.booking.links import MAX_PAYLOAD, AgentLink, LinkSigner, start_link
from bot.storage.kept_secrets import kept_secret

TYPES = ["46a93e44-f7ec-468a-adb3-1418fd1a48fa", "0eb44157-dc22-4649-8598-ddebfca263df"]
SIGNER = LinkSigner(b"a secret of at least sixteen bytes")
TELEGRAM_START = re.compile(r"[A-Za-z0-9_-]{1,64}")


@pytest.mark.parametrize(
    "link",
    [
        AgentLink(4242, TYPES[0], "de"),
        AgentLink(9_999_999_999, TYPES[1], None),  # the largest user ids Telegram hands out
        AgentLink(0, TYPES[1], "no"),  # a shared card without attribution
    ],
)
def test_a_payload_reads_back_as_the_link_it_was_made_for(link: AgentLink) -> None:
    payload = SIGNER.payload(link)
    assert TELEGRAM_START.fullmatch(payload)
    assert len(payload) <= MAX_PAYLOAD
    assert SIGNER.read(payload, TYPES) == link
    assert start_link("meetergo_bot", payload) == f"https://t.me/meetergo_bot?start={payload}"


def test_any_single_character_change_is_refused() -> None:
    payload = SIGNER.payload(AgentLink(4242, TYPES[0], "de"))
    alphabet = string.ascii_letters + string.digits + "_-"
    for index, original in enumerate(payload):
        for replacement in alphabet:
            if replacement != original:
                altered = payload[:index] + replacement + payload[index + 1 :]
                assert SIGNER.read(altered, TYPES) is None, altered


def test_cut_extended_or_foreign_payloads_are_refused() -> None:
    payload = SIGNER.payload(AgentLink(4242, TYPES[0], None))
    for broken in (payload[:-1], payload + "A", "", "hello", payload.upper()):
        assert SIGNER.read(broken, TYPES) is None
    other = LinkSigner(b"somebody else's secret, also long")
    assert other.read(payload, TYPES) is None


def test_a_payload_for_a_meeting_type_no_longer_configured_reads_as_nothing() -> None:
    payload = SIGNER.payload(AgentLink(4242, TYPES[1], "fr"))
    assert SIGNER.read(payload, [TYPES[0]]) is None


def test_the_secret_is_made_once_and_kept(tmp_path) -> None:
    first = kept_secret(tmp_path, "link_secret")
    assert kept_secret(tmp_path, "link_secret") == first
    assert (tmp_path / "link_secret").stat().st_mode & 0o077 == 0, "owner-only"
    assert len(first) >= 32
