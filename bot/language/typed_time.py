"""Understand a time of day the customer typed with a day: "afternoon", "after 3 pm", "10:30".

`read_time(text, language)` reads text that is only about the time of day (the caller has
taken the day away) and returns a `TimeWish`, or None when the text is not wholly a time. The
words come from bot/language/data/time_words.yaml: parts of the day, "after"/"before"/"around"/
"between … and …" and their Turkish endings, hours as numbers or words, and idioms such as
"halb 11", "kvart över tio", "9 y media".

Hours follow the office day: without am/pm, an hour from 1 to 7 is in the afternoon ("after 3",
"um 4"), and a part of the day moves the others ("3 Uhr nachmittags", "8 de la noche"). A
dotted time whose minutes could be a month ("11.12") counts only with a word that says it is a
time ("kl 11.12", "11.12 Uhr"): without one, it is a date.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Final, Literal

from bot.language.data import data_yaml
from bot.language.words import fold, one_edit_apart

__all__ = ["PARTS", "TimeWish", "compound_endings", "read_time", "spelled_out", "whole_words"]

Part = Literal["morning", "noon", "afternoon", "evening"]
Kind = Literal["part", "at", "after", "before", "around", "between"]

# Where each part of the day lies, in minutes after midnight: [start, end).
PARTS: Final[Mapping[str, tuple[int, int]]] = {
    "morning": (6 * 60, 12 * 60),
    "noon": (11 * 60 + 30, 14 * 60),
    "afternoon": (12 * 60, 18 * 60),
    "evening": (17 * 60, 24 * 60),
}
AROUND_MINUTES: Final = 60  # "around 2" takes starts from 1 to 3
_MAX_CHARACTERS: Final = 80  # "any time between half past two and a quarter to five" fits
_AFTERNOON_HOURS: Final = range(1, 8)  # "at 4" means 16:00 during office hours
_NOON_HOURS_AFTER: Final = 6  # "at noon, 1 o'clock" is 13:00


@dataclass(frozen=True, slots=True)
class TimeWish:
    """When on a day the customer would like to start.

    kind "part": `part` names it and `first`/`last` are its window; "at": `first` is the exact
    start; "after"/"before"/"around": relative to `first`; "between": from `first` to `last`.
    """

    kind: Kind
    first: int
    last: int | None = None
    part: Part | None = None

    def admits(self, minute: int) -> bool:
        """Whether a start this many minutes after midnight (local) fits the wish."""
        if self.kind == "at":
            return minute == self.first
        if self.kind == "after":
            return minute >= self.first
        if self.kind == "before":
            return minute < self.first
        if self.kind == "around":
            return abs(minute - self.first) <= AROUND_MINUTES
        return self.first <= minute < (self.last if self.last is not None else 24 * 60)


@dataclass(frozen=True, slots=True)
class _Clock:
    minutes: int
    meridiem: str | None  # "am", "pm" or None
    bare_hour: bool  # an hour as said ("4", "4:30", "four", "halb 4"), no leading zero


# --- vocabulary ---------------------------------------------------------------------------------


def _vocabulary() -> dict[str, dict[str, Any]]:
    loaded: dict[str, dict[str, Any]] = data_yaml("time_words.yaml")
    return loaded


def _folded(words: Iterable[str]) -> list[str]:
    return sorted({" ".join(fold(str(word)).split()) for word in words}, key=len, reverse=True)


def _alternatives(words: Iterable[str]) -> str:
    """A regex alternation of words, longest first, each on word boundaries."""
    folded = _folded(words)
    return "|".join(re.escape(word) for word in folded) or "(?!)"


@dataclass(frozen=True)
class _Grammar:
    parts: dict[str, Part]  # folded phrase -> the part of the day it names
    part_pattern: re.Pattern[str]
    fuzzy_parts: tuple[str, ...]  # one-word part phrases long enough to carry a slip
    relations: tuple[tuple[Kind, re.Pattern[str]], ...]
    hours: dict[str, int]
    idioms: tuple[tuple[re.Pattern[str], int], ...]
    noon: frozenset[str]
    fillers: re.Pattern[str]  # words around a time that change nothing
    known: frozenset[str]  # every word of the vocabulary: not to be "corrected"


_NUMERIC: Final = r"[0-9]{1,2}(?:[:.h][0-9]{2}|u[0-9]{2})?|[0-9]{3,4}"
_MERIDIEM: Final = r"(?: ?(?:am|pm)\b)"
_SUFFIX: Final = r"(?:'?(?:den|dan|ten|tan|de|da|te|ta|ye|ya|e|a|i|u)\b)"  # Turkish cases
_ORDINAL_HOUR: Final = r"(?:-?(?:tej|ej|ta|go))"  # Polish "o 9-tej"


@functools.cache
def _grammar(language: str) -> _Grammar:
    words = _vocabulary()[language]
    parts: list[tuple[str, Part]] = []
    for part, phrases in words["parts"].items():
        parts.extend((phrase, part) for phrase in _folded(phrases))
    parts.sort(key=lambda item: len(item[0]), reverse=True)
    hours = {" ".join(fold(str(k)).split()): int(v) for k, v in words.get("hours", {}).items()}
    noon = frozenset(_folded(words.get("noon", ())))
    idioms = _idioms(words, hours)
    return _Grammar(
        parts=dict(parts),
        fuzzy_parts=tuple(
            phrase for phrase, _ in parts if " " not in phrase and len(phrase) >= _FUZZY_MIN
        ),
        part_pattern=whole_words(phrase for phrase, _ in parts),
        relations=_relations(words, _clock_pattern(words, hours, noon, idioms)),
        hours=hours,
        idioms=tuple(idioms),
        noon=noon,
        fillers=whole_words(_folded(words.get("fillers", ()))),
        known=frozenset(
            word
            for entry in words.values()
            for phrase in (entry if isinstance(entry, list | dict) else ())
            for word in fold(str(phrase)).split()
        )
        | frozenset(word for phrase, _ in parts for word in phrase.split()),
    )


def _idioms(words: Mapping[str, Any], hours: Iterable[str]) -> list[tuple[re.Pattern[str], int]]:
    """The language's idioms ("halb H", "kvart över H") as patterns whose group "h" is the hour,
    each with its offset in minutes from that hour."""
    hour = rf"(?:[0-9]{{1,2}}|{_alternatives(hours)})"
    idioms = []
    for pattern, offset in words.get("idioms", {}).items():
        before, _, after = (" ".join(fold(piece).split()) for piece in pattern.partition("H"))
        rx = (
            r"\b"
            + (re.escape(before) + " ?" if before else "")
            + rf"(?P<h>{hour})"
            + (" ?" + re.escape(after) if after else "")
            + r"\b"
        )
        idioms.append((re.compile(rx), int(offset)))
    return idioms


def _clock_pattern(
    words: Mapping[str, Any],
    hours: Iterable[str],
    noon: Iterable[str],
    idioms: Iterable[tuple[re.Pattern[str], int]],
) -> str:
    """A regex for any one clock expression: an idiom, digits, an hour word, or noon."""
    units = _alternatives(words.get("units", ()))
    # The idioms' named groups would clash when the clock appears twice in "between" patterns.
    idiom_rx = "|".join(rx.pattern.replace("(?P<h>", "(?:") for rx, _ in idioms) or "(?!)"
    return (
        rf"(?:(?:{idiom_rx})|(?:{_NUMERIC}){_ORDINAL_HOUR}?{_MERIDIEM}?{_SUFFIX}?"
        rf"(?: ?(?:{units})\b)?{_SUFFIX}?|(?:{_alternatives(hours)})(?: (?:{units})\b)?"
        rf"|{_alternatives(noon)})"
    )


def _relations(words: Mapping[str, Any], clock: str) -> tuple[tuple[Kind, re.Pattern[str]], ...]:
    """The patterns of "between a and b", "after a", "before a", "around a" and "at a", in the
    order they are tried: the first that takes the whole text says what it means."""

    def group(name: str) -> str:
        return rf"(?P<{name}>{clock})"

    def words_of(key: str) -> str:
        return _alternatives(words.get(key, ()))

    at, between, and_ = words_of("at"), words_of("between"), words_of("and")
    around, around_post = words_of("around"), words_of("around_post")
    marker = rf"(?:(?:{at}) )?"
    range_post = words_of("range_post")
    relations: list[tuple[Kind, str]] = [
        ("between", rf"(?:{between}) {marker}{group('a')} (?:{and_}) {marker}{group('b')}"),
        (
            "between",
            rf"(?:(?:{between}|{at}) )?{group('a')} ?- ?{group('b')}(?: (?:{range_post}))?",
        ),
        ("between", rf"{group('a')} (?:{and_}) {group('b')} (?:{range_post})"),
        (
            "after",
            rf"(?:{words_of('after')}) {marker}{group('a')}(?: (?:{words_of('after_post')}))?",
        ),
        ("after", rf"{marker}{group('a')} ?(?:{words_of('after_post')})"),
        ("before", rf"(?:{words_of('before')}) {marker}{group('a')}"),
        ("before", rf"{marker}{group('a')} ?(?:{words_of('before_post')})"),
        ("around", rf"(?:{words_of('around')}) {marker}{group('a')}"),
        ("around", rf"(?:(?:{around}|{at}) )?{group('a')}(?: |-)?(?:{around_post})"),
        ("at", rf"{marker}{group('a')}"),
    ]
    return tuple((kind, re.compile(rx)) for kind, rx in relations)


def whole_words(phrases: Iterable[str]) -> re.Pattern[str]:
    """A pattern finding any of the (folded) phrases as whole words, longest first."""
    alternatives = "|".join(re.escape(phrase) for phrase in phrases) or "(?!)"
    return re.compile(rf"(?<![\w'])(?:{alternatives})(?![\w'])")


@functools.cache
def spelled_out(language: str) -> dict[str, str]:
    """Folded words that say a day and a part of it at once, and the same spelled out
    ("tonight": "today evening", "domattina": "domani mattina")."""
    found = _vocabulary()[language].get("spelled") or {}
    return {
        " ".join(fold(str(k)).split()): " ".join(fold(str(v)).split()) for k, v in found.items()
    }


@functools.cache
def compound_endings(language: str) -> dict[str, str]:
    """Folded endings that glue a part of the day to a day word, each with a phrase read_time
    takes for that part ("freitagabend" is "freitag" and "abend"; "donnerstagmorgen" is
    "donnerstag" and "morgens", since "morgen" alone is tomorrow)."""
    words = _vocabulary()[language]
    found = words.get("compounds", {})
    first = {part: fold(str(phrases[0])) for part, phrases in words["parts"].items()}
    return {fold(str(k)): first[str(v)] for k, v in found.items()}


# --- reading ------------------------------------------------------------------------------------

_MARKED_UNIT: Final = re.compile(r"[0-9](?: ?(?:h|u|uhr|uur|heures?|horas?|hs|ore)\b|u[0-9])")


def _clock(text: str, grammar: _Grammar, marked: bool) -> _Clock | None:
    """The time a clock expression names, or None when it is none (or may be a date)."""
    text = text.strip()
    if text in grammar.noon:
        return _Clock(12 * 60, None, bare_hour=False)
    for pattern, offset in grammar.idioms:
        if match := pattern.fullmatch(text):
            hour = _hour(match["h"], grammar)
            if hour is None:
                return None
            return _Clock((hour * 60 + offset) % (24 * 60), None, bare_hour=True)
    if text in grammar.hours:
        return _Clock(grammar.hours[text] * 60, None, bare_hour=True)
    if (run := re.fullmatch(r"([0-9]{1,2})([0-9]{2})", text)) is not None:
        if not marked:  # "1430" counts only as "kl 1430"
            return None
        text = f"{run[1]}:{run[2]}"
    match = re.match(r"([0-9]{1,2})(?:([:.hu])([0-9]{2}))?", text)
    if match is None:
        words = text.split()
        if words and words[0] in grammar.hours:
            return _Clock(grammar.hours[words[0]] * 60, None, bare_hour=True)
        return None
    hour, separator, minute = int(match[1]), match[2], int(match[3] or 0)
    if hour > 24 or minute > 59:
        return None
    rest = text[match.end() :]
    meridiem = m[1] + "m" if (m := re.match(r" ?([ap])m?\b", rest)) else None
    if separator == "." and minute <= 12 and not (marked or _MARKED_UNIT.search(text)):
        return None  # "11.12" is the 11th of December unless something says it is a time
    if meridiem and hour > 12:
        return None
    bare = not match[1].startswith("0")
    return _Clock(hour % 24 * 60 + minute, meridiem, bare_hour=bare)


def _hour(text: str, grammar: _Grammar) -> int | None:
    if text.isdigit():
        value = int(text)
        return value if value <= 24 else None
    return grammar.hours.get(text)


def _resolve(clock: _Clock, part: str | None) -> int:
    """Minutes after midnight on the office day's reading of the clock."""
    hours, minutes = divmod(clock.minutes, 60)
    if clock.meridiem == "pm" and hours < 12:
        hours += 12
    elif clock.meridiem == "am" and hours == 12:
        hours = 0
    elif clock.meridiem is None and hours < 12 and _later_half(hours, clock, part):
        hours += 12
    return hours * 60 + minutes


def _later_half(hours: int, clock: _Clock, part: str | None) -> bool:
    """Whether an hour said without am/pm is in the afternoon or evening."""
    if part == "noon":
        return hours < _NOON_HOURS_AFTER  # "öğlen 1'de" is 13:00
    if part is not None:
        return part in ("afternoon", "evening")
    return clock.bare_hour and hours in _AFTERNOON_HOURS


def _relation(text: str, grammar: _Grammar, part: str | None) -> TimeWish | None:
    for kind, pattern in grammar.relations:
        match = pattern.fullmatch(text)
        if match is None:
            continue
        marked = match.group(0) != match["a"]  # a word around the clock says it is a time
        first = _clock(match["a"], grammar, marked)
        if first is None:
            continue
        if kind != "between":
            return TimeWish(kind, _resolve(first, part))
        second = _clock(match["b"], grammar, True)
        if second is None:
            continue
        if first.meridiem is None and second.meridiem is not None:
            first = _Clock(first.minutes, second.meridiem, first.bare_hour)
        start, end = _resolve(first, part), _resolve(second, part)
        if end <= start and second.meridiem is None:
            end = _resolve(_Clock(second.minutes, "pm", second.bare_hour), part)
        if end <= start:
            continue
        return TimeWish("between", start, end)
    return None


def _normalised(text: str, fillers: re.Pattern[str]) -> str:
    text = re.sub(r"\b([ap])\.? ?m\b\.?", r"\1m", text)  # a.m., p. m.
    text = re.sub(r"\b([^\W\d_]+)\.", r"\1", text)  # "kl.", "zw.", "ca."
    words = " ".join(text.replace(",", " ").split())
    return " ".join(fillers.sub(" ", words).split())  # "any time after 3", "am besten um 10"


def read_time(text: str, language: str) -> TimeWish | None:
    """The time of day `text` names in `language` (folded text, the day taken away)."""
    grammar = _grammar(language)
    text = _normalised(text, grammar.fillers)
    if not text or len(text) > _MAX_CHARACTERS:
        return None
    named = grammar.parts
    text = _corrected(text, grammar)
    if text in named:  # "après midi" is the afternoon, not "after noon"
        window = PARTS[named[text]]
        return TimeWish("part", window[0], window[1], part=named[text])
    if (wish := _relation(text, grammar, None)) is not None:
        return wish
    parts = {named[found.group(0)] for found in grammar.part_pattern.finditer(text)}
    rest = " ".join(grammar.part_pattern.sub(" ", text).split())
    if not parts or rest == text:
        return None
    part = _one_part(parts)
    if part is None:
        return None
    if not rest:
        window = PARTS[part]
        return TimeWish("part", window[0], window[1], part=part)
    return _relation(rest, grammar, part)


_FUZZY_MIN: Final = 6  # a part-of-day word this long may carry one typing slip


def _corrected(text: str, grammar: _Grammar) -> str:
    """The text with a mistyped part-of-day word put right ("eftermidag")."""
    words = []
    for word in text.split():
        if word not in grammar.known and len(word) >= _FUZZY_MIN:
            near = [phrase for phrase in grammar.fuzzy_parts if one_edit_apart(word, phrase)]
            word = near[0] if len(near) == 1 else word
        words.append(word)
    return " ".join(words)


def _one_part(parts: set[Part]) -> Part | None:
    """The part of the day several words name together ("late afternoon"), if they agree."""
    return next(iter(parts)) if len(parts) == 1 else None
