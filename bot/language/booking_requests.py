"""Whether a message asks for an appointment, and in which language ("Hallo, ich hätte gern
einen Termin" -> "de"; "Der Termin passt, danke!" -> None). The words are data, and the rule
is theirs: bot/language/data/booking_requests.yaml."""

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
# An appointment word says most about the language, a request less, an everyday word least.
ASK_WEIGHT: Final = 3
WANT_WEIGHT: Final = 2

Phrase = tuple[str, ...]  # a run of words; a word ending "*" stands for every word it begins


@dataclass(frozen=True, slots=True)
class _Words:
    asks: tuple[Phrase, ...]
    wants: tuple[Phrase, ...]
    nots: tuple[Phrase, ...]
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

    def phrases(language: str, kind: str) -> tuple[Phrase, ...]:
        return tuple(_phrase(entry) for entry in loaded[language][kind])

    return {
        language: _Words(
            phrases(language, "asks"),
            phrases(language, "wants"),
            phrases(language, "nots"),
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


def _found(phrases: tuple[Phrase, ...], tokens: Sequence[str]) -> int:
    return sum(1 for phrase in phrases for at in range(len(tokens)) if _matches(phrase, tokens, at))


def asked_language(text: str, preferred: Sequence[str] = ()) -> str | None:
    """The language in which `text` asks for an appointment (names one and asks for it, and
    says nothing of cancelling, moving or not coming), None if it does not. Where the words
    fit several languages equally, the first of `preferred` among them wins (the customer's
    app language, say), else the first in the bot's list."""
    tokens = _tokens(text)
    scores: dict[str, int] = {}
    for language, words in _words().items():
        asks, wants = _found(words.asks, tokens), _found(words.wants, tokens)
        if asks and wants and not _found(words.nots, tokens):
            hints = sum(token in words.hints for token in tokens)
            scores[language] = ASK_WEIGHT * asks + WANT_WEIGHT * wants + hints
    if not scores:
        return None
    best = max(scores.values())
    tied = [language for language, score in scores.items() if score == best]
    return next((language for language in preferred if language in tied), tied[0])
