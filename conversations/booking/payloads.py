"""The booking flow's button payloads: one kind per intent, so the graph routes on the type."""

from __future__ import annotations

import dataclasses
from datetime import date
from typing import ClassVar

from conversations.kit.payloads import Callback


@dataclasses.dataclass(frozen=True)
class DayPage(Callback):
    """Show another page of days ("later ›", "‹ earlier")."""

    prefix: ClassVar[str] = "dp"
    page: int


@dataclasses.dataclass(frozen=True)
class DayChosen(Callback):
    """A day on the day picker."""

    prefix: ClassVar[str] = "d"
    day: date


@dataclasses.dataclass(frozen=True)
class SlotPage(Callback):
    """Another page of a long day's times."""

    prefix: ClassVar[str] = "sp"
    page: int


@dataclasses.dataclass(frozen=True)
class SlotChosen(Callback):
    """A time on the slot grid: an index into the starts the bot offered."""

    prefix: ClassVar[str] = "s"
    index: int


@dataclasses.dataclass(frozen=True)
class LanguageChosen(Callback):
    """A language on the /language picker (one of meetergo's codes; checked on use)."""

    prefix: ClassVar[str] = "l"
    code: str


@dataclasses.dataclass(frozen=True)
class ZoneChosen(Callback):
    """A time zone on the /timezone picker: an index into the zones the bot offered."""

    prefix: ClassVar[str] = "z"
    index: int


@dataclasses.dataclass(frozen=True)
class AllTimes(Callback):
    """Show every free time of the day, not only those that fit what the customer typed."""

    prefix: ClassVar[str] = "at"


@dataclasses.dataclass(frozen=True)
class OtherDay(Callback):
    """Back from the times to the day picker."""

    prefix: ClassVar[str] = "od"


@dataclasses.dataclass(frozen=True)
class UseTelegramName(Callback):
    """Book under the name Telegram gave us."""

    prefix: ClassVar[str] = "tn"


@dataclasses.dataclass(frozen=True)
class TakeSuggestedEmail(Callback):
    """Take the suggested spelling of the e-mail address."""

    prefix: ClassVar[str] = "fm"


@dataclasses.dataclass(frozen=True)
class KeepTypedEmail(Callback):
    """Keep the e-mail address as typed."""

    prefix: ClassVar[str] = "km"


@dataclasses.dataclass(frozen=True)
class Agree(Callback):
    """Agree to the privacy policy."""

    prefix: ClassVar[str] = "ag"


@dataclasses.dataclass(frozen=True)
class Confirm(Callback):
    """Book what the confirm card shows."""

    prefix: ClassVar[str] = "cf"


@dataclasses.dataclass(frozen=True)
class ChangeEmail(Callback):
    """Type the e-mail address again (its domain could pass for another one)."""

    prefix: ClassVar[str] = "ce"


@dataclasses.dataclass(frozen=True)
class UsePhone(Callback):
    """Book with a phone number instead of an e-mail address (where the type allows it)."""

    prefix: ClassVar[str] = "up"


@dataclasses.dataclass(frozen=True)
class CancelBooking(Callback):
    """Stop the booking."""

    prefix: ClassVar[str] = "x"


@dataclasses.dataclass(frozen=True)
class Retry(Callback):
    """Try the step again after meetergo failed."""

    prefix: ClassVar[str] = "r"


@dataclasses.dataclass(frozen=True)
class ForgetMe(Callback):
    """Yes: erase everything stored about me."""

    prefix: ClassVar[str] = "fg"


@dataclasses.dataclass(frozen=True)
class KeepMyData(Callback):
    """No: keep my booking and preferences."""

    prefix: ClassVar[str] = "kd"


@dataclasses.dataclass(frozen=True)
class MeetingTypeChosen(Callback):
    """A meeting type on the type picker: an index into the types the bot offered."""

    prefix: ClassVar[str] = "mt"
    index: int


@dataclasses.dataclass(frozen=True)
class DurationChosen(Callback):
    """A length in minutes on the duration picker (checked against what was offered)."""

    prefix: ClassVar[str] = "du"
    minutes: int


@dataclasses.dataclass(frozen=True)
class SkipQuestion(Callback):
    """Leave an optional question of the meeting type unanswered."""

    prefix: ClassVar[str] = "sq"


@dataclasses.dataclass(frozen=True)
class OptionChosen(Callback):
    """An answer to a question of the meeting type: an index into the options it offered."""

    prefix: ClassVar[str] = "qo"
    index: int


@dataclasses.dataclass(frozen=True)
class OptionToggled(Callback):
    """One option of a question with several answers, chosen or unchosen."""

    prefix: ClassVar[str] = "qt"
    index: int


@dataclasses.dataclass(frozen=True)
class OptionsDone(Callback):
    """The options of a question with several answers are chosen."""

    prefix: ClassVar[str] = "qd"
