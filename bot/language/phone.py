"""Phone numbers as customers type them ("030 1234567", "+1 (202) 555-0143"), to E.164.

libphonenumber's metadata (the phonenumbers package) knows each country's number plan: a
number typed without its country code is read in `region`, the customer's country (the one
of their time zone: `region_of_zone`), and one the plan cannot hold is refused with a reason.
"""

from __future__ import annotations

from typing import Final

import phonenumbers
from phonenumbers import NumberParseException, PhoneNumberFormat, ValidationResult

from bot.language.zone_tables import UTC_ZONE, zone_key, zone_tables

__all__ = ["PHONE_REASONS", "InvalidPhoneError", "read_phone", "region_of_zone"]

# E.164 allows 15 digits; with spaces, brackets, a "+" and an extension, 40 characters is ample.
_MAX_CHARACTERS: Final = 40

PHONE_REASONS: Final = (
    "not_a_phone",  # no phone number at all ("abc", "call me")
    "no_country",  # typed without a country code where no country is known
    "unknown_country",  # "+999 …": no country has that code
    "too_short",  # fewer digits than any number there (or a local number without its area code)
    "too_long",  # more digits than any number there
    "invalid",  # the right length, but no number of the country's plan is like it
)


class InvalidPhoneError(ValueError):
    """The typed text is no phone number that can be called; `reason` is one of
    PHONE_REASONS."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


_POSSIBLE_REASONS: Final = {
    ValidationResult.IS_POSSIBLE_LOCAL_ONLY: "too_short",
    ValidationResult.INVALID_COUNTRY_CODE: "unknown_country",
    ValidationResult.TOO_SHORT: "too_short",
    ValidationResult.TOO_LONG: "too_long",
    ValidationResult.INVALID_LENGTH: "invalid",
}
_PARSE_REASONS: Final = {
    NumberParseException.INVALID_COUNTRY_CODE: "unknown_country",
    NumberParseException.TOO_SHORT_NSN: "too_short",
    NumberParseException.TOO_SHORT_AFTER_IDD: "too_short",
    NumberParseException.TOO_LONG: "too_long",
}


def read_phone(text: str, region: str | None) -> str:
    """The number `text` names, in E.164 ("+49301234567"); a number without its country code
    is read in `region` (ISO 3166 alpha-2, e.g. "DE"). Raises InvalidPhoneError."""
    typed = " ".join(text.split())
    if not typed or len(typed) > _MAX_CHARACTERS or not any(c.isdigit() for c in typed):
        raise InvalidPhoneError("not_a_phone")
    region = region.upper() if region else None
    if region is None:
        if typed.startswith("00"):  # the international prefix of most of the world
            typed = "+" + typed[2:]
        if not typed.startswith("+"):
            raise InvalidPhoneError("no_country")
    try:
        number = phonenumbers.parse(typed, region)
    except NumberParseException as exc:
        raise InvalidPhoneError(_PARSE_REASONS.get(exc.error_type, "not_a_phone")) from None
    possible = phonenumbers.is_possible_number_with_reason(number)
    if possible != ValidationResult.IS_POSSIBLE:
        raise InvalidPhoneError(_POSSIBLE_REASONS.get(possible, "invalid"))
    if not phonenumbers.is_valid_number(number):
        raise InvalidPhoneError("invalid")
    return phonenumbers.format_number(number, PhoneNumberFormat.E164)


def region_of_zone(zone: str) -> str | None:
    """The ISO country (alpha-2) of an IANA zone or one of its aliases ("Europe/Berlin" ->
    "DE", "US/Eastern" -> "US"); None for UTC and names no country lists."""
    tables = zone_tables()
    canonical = tables.by_key.get(zone_key(zone))
    if canonical is None or canonical == UTC_ZONE:
        return None
    return tables.country_of.get(canonical)
