"""Tests for bot.language.contact's e-mail checks: what mail systems accept, and hints that
are right.

tests/data/mail_domains.json was collected independently of the code: real mail domains of
providers where meetergo's eleven languages are spoken, and one-slip typos of popular ones.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.language.contact import InvalidEmailError, check_email
from bot.language.words import one_edit_apart

CORPUS = Path(__file__).parents[1] / "data" / "mail_domains.json"


@pytest.mark.parametrize(
    "domain",
    [
        "mail.com",
        "ymail.com",
        "mail.de",
        "online.de",
        "hotmail.fr",
        "hotmail.it",
        "hotmail.es",
        "outlook.fr",
        "outlook.es",
        "yahoo.co.uk",
    ],
)
def test_real_provider_domains_are_never_corrected(domain: str) -> None:
    checked = check_email(f"ada@{domain}")
    assert checked.address == f"ada@{domain}"
    assert checked.suggestion is None


@pytest.mark.parametrize(
    ("typed", "meant"),
    [
        ("gmial.com", "gmail.com"),
        ("gmail.con", "gmail.com"),
        ("hotmial.de", "hotmail.de"),
        ("outlok.com", "outlook.com"),
        ("t-onlin.de", "t-online.de"),
        ("web.dd", "web.de"),  # not a country's domain: a slip
        ("hotmail.cm", "hotmail.com"),
    ],
)
def test_a_slip_in_a_popular_domain_earns_a_hint(typed: str, meant: str) -> None:
    assert check_email(f"ada@{typed}").suggestion == f"ada@{meant}"


def test_a_country_domain_of_a_provider_is_no_slip() -> None:
    # hotmail.de is popular; hotmail.ie is Microsoft's Irish domain, one letter away.
    assert check_email("ada@hotmail.ie").suggestion is None
    assert check_email("ada@live.es").suggestion is None


def test_two_slips_are_not_guessed_at() -> None:
    assert check_email("ada@gmaaail.com").suggestion is None


def test_the_business_domain_is_never_corrected() -> None:
    assert check_email("ada@gmaik.com").suggestion == "ada@gmail.com"
    assert check_email("ada@gmaik.com", business_domains=["gmaik.com"]).suggestion is None


@pytest.mark.parametrize(
    "address",
    ["z@co.c", "z@example.1", "a" * 65 + "@example.org", "ä" * 33 + "@example.org"],
)
def test_addresses_mail_systems_refuse_are_refused(address: str) -> None:
    with pytest.raises(InvalidEmailError):
        check_email(address)


def test_the_longest_local_part_mail_systems_take_is_taken() -> None:
    assert check_email("a" * 64 + "@example.org").address == "a" * 64 + "@example.org"
    assert check_email("ada@xn--bcher-kva.de").suggestion is None  # an IDN top level is fine


@pytest.mark.parametrize(
    ("first", "second", "apart"),
    [
        ("gmail", "gmial", True),
        ("gmail", "gmal", True),
        ("gmail", "gmaill", True),
        ("gmail", "gnail", True),
        ("gmail", "gmail", False),
        ("gmail", "gmila", False),
        ("ab", "ba", True),
        ("", "a", True),
    ],
)
def test_one_edit_apart(first: str, second: str, apart: bool) -> None:
    assert one_edit_apart(first, second) is apart
    assert one_edit_apart(second, first) is apart


def test_corpus_of_mail_domains() -> None:
    corpus = json.loads(CORPUS.read_text("utf-8"))
    corrected = [
        entry["domain"]
        for entry in corpus["real"]
        if check_email(f"ada@{entry['domain']}").suggestion is not None
    ]
    hinted = [
        entry
        for entry in corpus["typos"]
        if check_email(f"ada@{entry['typed']}").suggestion == f"ada@{entry['meant']}"
    ]
    missed = [entry["typed"] for entry in corpus["typos"] if entry not in hinted]
    print(
        f"real domains corrected: {len(corrected)}/{len(corpus['real'])}; "
        f"typos hinted right: {len(hinted)}/{len(corpus['typos'])}; missed: {missed}"
    )
    assert corrected == []
    assert len(hinted) / len(corpus["typos"]) >= 0.95
