"""The day words of one language, folded and ready for look-ups (typed_day.py reads with them).

The words come from bot/language/data/day_words.yaml and, for weekday and month names, from
CLDR through babel, so that every form CLDR knows (full, abbreviated, stand-alone) counts.
`day_words(code)` builds a language's `DayWords` on first use and keeps it for the process.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

from babel.dates import get_day_names, get_month_names

from bot.language.data import data_yaml
from bot.language.words import fold, one_edit_apart

__all__ = ["DayWords", "Phrase", "day_words"]


Phrase = tuple[str, ...]


def _phrases(texts: Iterable[str]) -> tuple[Phrase, ...]:
    """Folded word tuples, longest first so "le prochain" wins over "le"."""
    return tuple(sorted({tuple(fold(t).split()) for t in texts}, key=len, reverse=True))


def _unambiguous(pairs: Iterable[tuple[str, int]]) -> dict[str, int]:
    """name -> value, dropping names that stand for two different values."""
    seen: dict[str, set[int]] = {}
    for name, value in pairs:
        seen.setdefault(name, set()).add(value)
    return {name: values.pop() for name, values in seen.items() if len(values) == 1}


_CONTEXTS: Final = ("format", "stand-alone")
Names = list[tuple[str, int]]


def _cldr_weekdays(locale: str) -> tuple[Names, Names]:
    """(full names, abbreviations) of the weekdays, Monday = 0, from CLDR."""
    full = [(fold(get_day_names("wide", c, locale)[i]), i) for c in _CONTEXTS for i in range(7)]
    short = [
        (fold(get_day_names(width, c, locale)[i]).rstrip("."), i)
        for width in ("abbreviated", "short")
        for c in _CONTEXTS
        for i in range(7)
    ]
    return full, short


def _cldr_months(locale: str) -> tuple[Names, Names]:
    """(full names, abbreviations) of the months, January = 1, from CLDR (Polish has two)."""
    full = [
        (fold(get_month_names("wide", c, locale)[i]), i) for c in _CONTEXTS for i in range(1, 13)
    ]
    short = [
        (fold(get_month_names("abbreviated", c, locale)[i]).rstrip("."), i)
        for c in _CONTEXTS
        for i in range(1, 13)
    ]
    return full, short


_ROMAN_MONTHS: Final = ("i", "ii", "iii", "iv", "v", "vi", "vii", "viii", "ix", "x", "xi", "xii")
_FUZZY_MIN: Final = 5  # a word this long may carry one typing slip ("thrusday", "Freiatg")


@dataclass(frozen=True)
class DayWords:
    """One language's vocabulary, folded and ready for lookups."""

    code: str
    cldr: str
    relative: dict[str, int]
    numbers: dict[str, int]
    units: dict[str, int]
    month_units: dict[str, int]
    ordinals: dict[str, int]
    phrases: dict[str, tuple[Phrase, ...]]  # "in_before", "next_after", "this_week", ...
    later_before: tuple[tuple[Phrase, int], ...]  # "a week from": 7, longest first
    later_after: tuple[tuple[Phrase, int], ...]  # "en huit": 7, "en quinze": 14
    named_days: dict[str, tuple[int, int]]  # "julafton": (12, 24)
    suffixes: tuple[str, ...]
    weekdays: dict[str, int]
    weekday_names: tuple[tuple[str, int], ...]
    months: dict[str, int]
    month_names: tuple[tuple[str, int], ...]
    month_first_slashes: bool
    number_optional: bool
    today_word: str

    def weekday(self, word: str) -> int | None:
        word = word.rstrip(".")
        if self.code == "nl":
            word = word.replace("y", "ij")  # "vrydag"
        found = _lookup(word, self.weekdays, self.weekday_names)
        if found is None:
            found = self._without_suffix(word, self.weekdays)
        if found is None and len(word) >= _FUZZY_MIN and word.isalpha():
            found = _near(word, self.weekday_names)
        return found

    def month(self, word: str) -> int | None:
        word = word.rstrip(".")
        found = _lookup(word, self.months, self.month_names, shortest=3)  # "jul" for "juli"
        return found if found is not None else self._without_suffix(word, self.months)

    def relative_day(self, text: str) -> int | None:
        if (found := self.relative.get(text)) is not None:
            return found
        if (found := self._without_suffix(text, self.relative)) is not None:
            return found
        if len(text) >= _FUZZY_MIN and " " not in text:
            return _near(text, tuple(self.relative.items()))
        return None

    def _without_suffix(self, word: str, names: Mapping[str, int]) -> int | None:
        """Turkish endings on a day word: "yarına", "cumaya", "Aralık'ta"."""
        bare = word.replace("'", "")
        for suffix in self.suffixes:
            if bare.endswith(suffix) and (found := names.get(bare[: -len(suffix)])) is not None:
                return found
        return None


def _lookup(
    word: str, exact: Mapping[str, int], full: Sequence[tuple[str, int]], shortest: int = 4
) -> int | None:
    """A known name or abbreviation, else an unambiguous prefix of at least `shortest` letters."""
    if word in exact:
        return exact[word]
    if len(word) < shortest or not word.isalpha():
        return None
    matches = {value for name, value in full if name.startswith(word)}
    return matches.pop() if len(matches) == 1 else None


def _near(word: str, names: Iterable[tuple[str, int]]) -> int | None:
    """The value of the only name one typing slip away from `word`."""
    matches = {
        value for name, value in names if len(name) >= _FUZZY_MIN and one_edit_apart(word, name)
    }
    return matches.pop() if len(matches) == 1 else None


def _vocabulary() -> dict[str, dict[str, Any]]:
    loaded: dict[str, dict[str, Any]] = data_yaml("day_words.yaml")
    return loaded


_PHRASE_KEYS: Final = (
    "in_before",
    "in_after",
    "next_before",
    "next_after",
    "last_before",
    "last_after",
    "after_next_before",
    "after_next_after",
    "next_week",
    "this_week",
    "week_after_next",
    "week_of",
    "week_number",
    "week_fillers",
    "filler_before",
    "filler_after",
    "week_fillers_after",
    "weekend",
    "either",
)


def _folded_map(values: Mapping[Any, Any] | None) -> dict[str, int]:
    return {" ".join(fold(str(key)).split()): int(value) for key, value in (values or {}).items()}


def _later(values: Mapping[str, int] | None) -> tuple[tuple[Phrase, int], ...]:
    pairs = [(tuple(fold(str(k)).split()), int(v)) for k, v in (values or {}).items()]
    return tuple(sorted(pairs, key=lambda pair: len(pair[0]), reverse=True))


@functools.cache
def day_words(code: str) -> DayWords:
    words = _vocabulary()[code]
    cldr = str(words["cldr"])
    day_names, day_abbreviations = _cldr_weekdays(cldr)
    month_names, month_abbreviations = _cldr_months(cldr)
    extra_days = list(_folded_map(words.get("weekdays")).items())
    extra_months = list(_folded_map(words.get("months")).items())
    if code == "pl":  # "18 XII"
        extra_months += [(name, index + 1) for index, name in enumerate(_ROMAN_MONTHS)]
    relative = _folded_map(words["relative"])
    return DayWords(
        code=code,
        cldr=cldr,
        relative=relative,
        numbers=_folded_map(words.get("numbers")),
        units=_folded_map(words.get("units")),
        month_units=_folded_map(words.get("month_units")),
        ordinals=_folded_map(words.get("ordinals")),
        phrases={key: _phrases(words.get(key) or ()) for key in _PHRASE_KEYS},
        later_before=_later(words.get("later_before")),
        later_after=_later(words.get("later_after")),
        named_days={
            " ".join(fold(str(name)).split()): (int(str(day)[:2]), int(str(day)[3:]))
            for name, day in (words.get("named_days") or {}).items()
        },
        suffixes=tuple(
            sorted((fold(s) for s in words.get("suffixes") or ()), key=len, reverse=True)
        ),
        weekdays=_unambiguous(day_names + day_abbreviations + extra_days),
        weekday_names=tuple(day_names),
        months=_unambiguous(month_names + month_abbreviations + extra_months),
        month_names=tuple(month_names),
        month_first_slashes=bool(words.get("month_first_slashes")),
        number_optional=bool(words.get("number_optional")),
        today_word=next(word for word, offset in relative.items() if offset == 0),
    )
