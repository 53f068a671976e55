"""The languages the bot speaks: those meetergo writes its own e-mails in, since a booking's
`attendee.language` must be one of them (and the customer reads both)."""

from __future__ import annotations

from typing import Final

LANGUAGES: Final = ("en", "de", "fr", "es", "no", "nl", "it", "pl", "sv", "tr", "da")
