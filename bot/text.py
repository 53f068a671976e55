"""Comparing what people type with names: one folding for days, places and zone names."""

from __future__ import annotations

import unicodedata
from typing import Final

# Letters that NFKD does not take apart into a base letter and an accent.
_LETTERS: Final = str.maketrans(
    {"ø": "o", "æ": "ae", "œ": "oe", "ł": "l", "ı": "i", "đ": "d", "þ": "th"}
)


def fold(text: str) -> str:
    """Lower case without accents: "Miércoles" -> "miercoles", "Łódź" -> "lodz", "Ø" -> "o"."""
    if text.isascii():  # most names; nothing to take apart
        return text.lower()
    decomposed = unicodedata.normalize("NFKD", text.casefold().translate(_LETTERS))
    return "".join(char for char in decomposed if not unicodedata.combining(char))
