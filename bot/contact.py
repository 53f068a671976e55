"""Checks on what a customer types as name and e-mail address."""

from __future__ import annotations

import difflib
import unicodedata
from dataclasses import dataclass

from email_validator import EmailNotValidError, validate_email

MAX_NAME_LENGTH = 100

# Domains people mistype most; a near miss against one of them earns a "did you mean".
POPULAR_DOMAINS = (
    "gmail.com",
    "googlemail.com",
    "hotmail.com",
    "hotmail.de",
    "outlook.com",
    "outlook.de",
    "live.com",
    "yahoo.com",
    "yahoo.de",
    "icloud.com",
    "me.com",
    "aol.com",
    "gmx.de",
    "gmx.net",
    "web.de",
    "t-online.de",
    "proton.me",
    "protonmail.com",
)


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


def clean_name(text: str) -> str:
    """Trim a typed name and refuse empty, overlong or control-character input."""
    name = " ".join(text.split())
    if not name:
        raise InvalidNameError("empty")
    if any(unicodedata.category(char) in ("Cc", "Cf", "Co", "Cs") for char in name):
        raise InvalidNameError("control")
    if len(name) > MAX_NAME_LENGTH:
        raise InvalidNameError("too_long")
    return name


def split_name(full_name: str) -> tuple[str, str]:
    """First and last name as meetergo wants them; a single word is a first name only."""
    first, _, last = full_name.partition(" ")
    return first, last


def _suggest_domain(domain: str) -> str | None:
    if domain in POPULAR_DOMAINS:
        return None
    close = difflib.get_close_matches(domain, POPULAR_DOMAINS, n=1, cutoff=0.8)
    return close[0] if close else None


def check_email(text: str) -> EmailCheck:
    """Validate an address offline and suggest a fix for a mistyped popular domain."""
    try:
        valid = validate_email(text.strip(), check_deliverability=False)
    except EmailNotValidError as exc:
        raise InvalidEmailError(str(exc)) from None
    address = valid.normalized
    local, _, domain = address.rpartition("@")
    better = _suggest_domain(domain.lower())
    return EmailCheck(address, f"{local}@{better}" if better else None)
