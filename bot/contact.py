"""Checks on what a customer types as name and e-mail address."""

from __future__ import annotations

import difflib
import unicodedata
from dataclasses import dataclass

from confusable_homoglyphs import confusables  # type: ignore[import-untyped]
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
    name = " ".join(text.split())
    if not name:
        raise InvalidNameError("empty")
    if any(_refused_in_names(char) for char in name):
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


def check_email(text: str) -> EmailCheck:
    """Validate an address offline, suggest a fix for a mistyped popular domain, and flag a
    domain that could pass for another one."""
    try:
        valid = validate_email(text.strip(), check_deliverability=False)
    except EmailNotValidError as exc:
        raise InvalidEmailError(str(exc)) from None
    address = valid.normalized
    local, _, domain = address.rpartition("@")
    if lookalike_domain(domain):
        return EmailCheck(address, lookalike_ascii=valid.ascii_domain)
    better = _suggest_domain(domain.lower())
    return EmailCheck(address, f"{local}@{better}" if better else None)
