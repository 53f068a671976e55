"""Whether a message asks for an appointment, and in which language ("Hallo, ich hätte gern
einen Termin" -> "de"). The words are data: bot/language/data/booking_requests.yaml."""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

from bot.language.data import data_yaml
from bot.language.languages import LANGUAGES
from bot.language.words import fold

__all__ = ["asked_language"]

_WORD: Final = re.compile(r"\w+")
ASK_WEIGHT: Final = 3  # an ask word says more about the language than an everyday word


@dataclass(frozen=True, slots=True)
class _Words:
    asks: tuple[tuple[str, ...], ...]  # each a run of words; a last word ending "*": its start
    hints: frozenset[str]


def _tokens(text: str) -> list[str]:
    return _WORD.findall(fold(text))


def _phrase(entry: str) -> tuple[str, ...]:
    prefix = entry.endswith("*")
    words = _tokens(entry.rstrip("*"))
    return (*words[:-1], words[-1] + "*") if prefix else tuple(words)


@functools.cache
def _words() -> dict[str, _Words]:
    loaded = data_yaml("booking_requests.yaml")
    return {
        language: _Words(
            tuple(_phrase(entry) for entry in loaded[language]["asks"]),
            frozenset(token for entry in loaded[language]["hints"] for token in _tokens(entry)),
        )
        for language in LANGUAGES
    }


def _matches(phrase: tuple[str, ...], tokens: Sequence[str], at: int) -> bool:
    if at + len(phrase) > len(tokens):
        return False
    for word, token in zip(phrase, tokens[at:], strict=False):
        if word.endswith("*") and not token.startswith(word[:-1]):
            return False
        if not word.endswith("*") and token != word:
            return False
    return True


def _asks(words: _Words, tokens: Sequence[str]) -> int:
    return sum(
        1 for phrase in words.asks for at in range(len(tokens)) if _matches(phrase, tokens, at)
    )


def asked_language(text: str, preferred: Sequence[str] = ()) -> str | None:
    """The language in which `text` asks for an appointment, None if it does not. Where the
    words fit several languages equally, the first of `preferred` among them wins (the
    customer's app language, say), else the first in the bot's list."""
    tokens = _tokens(text)
    scores: dict[str, int] = {}
    for language, words in _words().items():
        asks = _asks(words, tokens)
        if asks:
            scores[language] = ASK_WEIGHT * asks + sum(token in words.hints for token in tokens)
    if not scores:
        return None
    best = max(scores.values())
    tied = [language for language, score in scores.items() if score == best]
    return next((language for language in preferred if language in tied), tied[0])
