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


@dataclasses.dataclass(frozen=True)
class ChannelChosen(Callback):
    """A way to meet on the channel picker: an index into the channels the bot offered."""

    prefix: ClassVar[str] = "wc"
    index: int


@dataclasses.dataclass(frozen=True)
class PlaceChosen(Callback):
    """One of the business's addresses: an index into the ones the bot offered."""

    prefix: ClassVar[str] = "pl"
    index: int


@dataclasses.dataclass(frozen=True)
class HostChosen(Callback):
    """A person of the team (or whoever is free first): an index into those offered."""

    prefix: ClassVar[str] = "ho"
    index: int


@dataclasses.dataclass(frozen=True)
class GuestRemoved(Callback):
    """Take a guest off the list: an index into the guests."""

    prefix: ClassVar[str] = "gr"
    index: int


@dataclasses.dataclass(frozen=True)
class GuestsDone(Callback):
    """The guests are complete (or there are none)."""

    prefix: ClassVar[str] = "gd"


@dataclasses.dataclass(frozen=True)
class KeepGuest(Callback):
    """Invite a guest's address as typed (a likely typo, or a domain the customer checked)."""

    prefix: ClassVar[str] = "gk"


@dataclasses.dataclass(frozen=True)
class TakeGuestSuggestion(Callback):
    """Invite the suggested spelling of a guest's address."""

    prefix: ClassVar[str] = "gs"


@dataclasses.dataclass(frozen=True)
class DropGuest(Callback):
    """Do not invite the address asked about (it is typed again, or not at all)."""

    prefix: ClassVar[str] = "gx"


@dataclasses.dataclass(frozen=True)
class TalkToPerson(Callback):
    """ "Talk to a person": the team is told, the customer stays where they are."""

    prefix: ClassVar[str] = "tp"
