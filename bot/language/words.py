"""Comparing what people type with names: one folding for days, places and zone names, and
one measure of a typing slip."""

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


def one_edit_apart(first: str, second: str) -> bool:
    """Whether one inserted, deleted or replaced character, or two neighbours swapped, turn
    one text into the other (Damerau-Levenshtein distance exactly 1)."""
    if first == second or abs(len(first) - len(second)) > 1:
        return False
    if len(first) > len(second):
        first, second = second, first
    prefix = 0
    while prefix < len(first) and first[prefix] == second[prefix]:
        prefix += 1
    if len(first) < len(second):  # one character inserted at `prefix`
        return first[prefix:] == second[prefix + 1 :]
    if first[prefix + 1 :] == second[prefix + 1 :]:  # one replaced
        return True
    swapped = first[prefix : prefix + 2] == second[prefix : prefix + 2][::-1]
    return swapped and first[prefix + 2 :] == second[prefix + 2 :]
