"""What a customer has chosen so far, and what the pickers offered; kept JSON-friendly in
chat_data under the view's key so it survives restarts (see conversations/kit/view.py)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Any, Literal

from pydantic import AliasChoices, AwareDatetime, BaseModel, Field, field_validator

from bot.language.typed_time import TimeWish
from conversations.kit.context import BotContext
from conversations.kit.view import View

# The states as numbers, as conversations stored before states were names keep them.
LEGACY_STATES: Mapping[int, str] = {
    1: "DAY",
    2: "SLOT",
    3: "NAME",
    4: "EMAIL",
    5: "CONSENT",
    6: "CONFIRM",
    7: "TIMEZONE",
    8: "MEETING_TYPE",
    9: "DURATION",
}
# How the time step met what the customer typed about the time of day: only the times that
# fit it, the nearest ones to a time that was not free, or (empty) all of them.
TimesShown = Literal["fitting", "nearest", ""]


JsonValue = str | int | float | bool


class Answer(BaseModel):
    """An answer to a question of the meeting type: what meetergo gets under the question's
    label (None: skipped), and how the card shows it in the customer's language."""

    label: str
    value: JsonValue | list[JsonValue] | None
    # The question and the answer as the customer read them, in their language.
    question: str = ""
    shown: str = ""
    # "phone": the answer is the attendee's phone number, not a note.
    target: str | None = None


class Draft(View):
    """The booking being put together: the customer's answers, then what the screens offered."""

    # --- the answers ---------------------------------------------------------------------
    # What is booked: the meeting type's id, its name for the screens, the minutes chosen.
    meeting_type_id: str | None = None
    meeting_name: str = ""
    duration: int | None = None
    # The support agent whose link brought the customer (checked when the link was read), or
    # in whose own chat the booking runs (`in_agent_chat`: the agent reads along).
    agent_id: int | None = None
    in_agent_chat: bool = False
    # Rescheduling: the id of the appointment being moved (kept as "moving" before), and when
    # it is now.
    moving_id: str | None = Field(
        default=None, validation_alias=AliasChoices("moving_id", "moving")
    )
    moving_from: AwareDatetime | None = None
    day: date | None = None
    # What the customer typed about the time of day ("afternoon", "after 3"), until a time is
    # chosen.
    time_wish: TimeWish | None = None
    start: AwareDatetime | None = None
    name: str | None = None
    email: str | None = None
    email_checked: bool = False
    # Phone-only: the customer books with a phone number (E.164) instead of an e-mail address,
    # where the meeting type allows it.
    phone_only: bool = False
    phone: str | None = None
    consent: bool = False
    # The answers to the meeting type's own questions, by the question's name (assign a new
    # mapping: an in-place change would not be saved).
    answers: dict[str, Answer] = Field(default_factory=dict)
    # How, where and with whom, where the meeting type lets the customer choose: the channel,
    # which of the business's addresses, the customer's own address (channel local-attendee),
    # the person of the team (None with host_chosen: whoever is free first), the guests.
    channel: str | None = None
    location: str | None = None
    address: str | None = None
    host_id: str | None = None
    host_name: str = ""
    host_chosen: bool = False
    guests: tuple[str, ...] = ()
    guests_done: bool = False
    # A day the customer asked for that had no free time (that fits the part of the day they
    # typed, minutes after midnight): "Tell me if a time frees up" is offered for it.
    wish_day: date | None = None
    wish_first: int = 0
    wish_last: int = 24 * 60

    # --- what the screens offered ----------------------------------------------------------
    # The types and lengths the pickers offered, and their button labels.
    type_options: tuple[str, ...] = ()
    type_labels: tuple[str, ...] = ()
    type_descriptions: tuple[str, ...] = ()
    duration_options: tuple[int, ...] = ()
    page: int = 0
    # The last page of days the meeting type may be booked on (its horizon; about half a year).
    last_page: int = 12
    days: tuple[date, ...] = ()
    # The week the customer typed ("next week"): the day picker shows its days.
    week: date | None = None
    slot_page: int = 0
    times_shown: TimesShown = ""
    offered: tuple[AwareDatetime, ...] = ()
    email_suggestion: str | None = None
    # Whether the meeting type allows booking by phone number alone (offered at the e-mail).
    phone_only_allowed: bool = False
    # The domain's ASCII form when it could pass for another domain (asked about, then shown).
    email_ascii: str | None = None
    # The options of a question with several answers chosen so far.
    picked: tuple[int, ...] = ()
    # The channels, addresses and people the pickers offered (a person "": whoever is free
    # first), with their labels; the guests' addresses asked about (address, suggestion, the
    # domain's ASCII form), the first one on screen.
    channel_options: tuple[str, ...] = ()
    channel_labels: tuple[str, ...] = ()
    location_options: tuple[str, ...] = ()
    host_options: tuple[str, ...] = ()
    host_labels: tuple[str, ...] = ()
    guest_doubts: tuple[tuple[str, str, str], ...] = ()
    # Where /timezone returns to (the step it was opened from), and the zones its picker offered.
    resume_step: str | None = None
    zone_options: tuple[str, ...] = ()

    @field_validator("resume_step", mode="before")
    @classmethod
    def _named_state(cls, value: Any) -> Any:
        # Drafts stored before states were names keep the step's number.
        return LEGACY_STATES.get(value, value) if isinstance(value, int) else value

    @property
    def moving(self) -> bool:
        """Whether this conversation moves an appointment rather than booking a new one."""
        return self.moving_id is not None

    def chosen_start(self) -> datetime:
        """The start the customer picked; only called once one was picked."""
        if self.start is None:
            raise LookupError("no start chosen yet")
        return self.start

    def answer(self, name: str, answer: Answer) -> None:
        """Keep the answer to one of the meeting type's questions."""
        self.answers = {**self.answers, name: answer}

    def forget_answer(self, name: str) -> None:
        """Forget the answer to a question, so it is asked again."""
        self.answers = {key: value for key, value in self.answers.items() if key != name}

    def phone_answer(self) -> str | None:
        """The phone number a question with target phone was answered with (E.164)."""
        return next((str(a.value) for a in self.given_answers() if a.target == "phone"), None)

    def given_answers(self) -> list[Answer]:
        """The answers given (not skipped), in the order they were given."""
        return [answer for answer in self.answers.values() if answer.value is not None]


class BookingContext(BotContext):
    """The context of the booking conversation: its view is the Draft."""

    view_model = Draft

    @property
    def draft(self) -> Draft:
        """This chat's draft; changes are written back to chat_data as they are made."""
        view = self.view
        if not isinstance(view, Draft):
            raise TypeError("the application was built without the booking context")
        return view

    def reset_draft(self) -> Draft:
        """Start over with an empty draft."""
        self.reset_view()
        return self.draft


async def booking_new(context: BookingContext) -> bool:
    """Whether the conversation books a new appointment (a move asks only for the new time)."""
    return not context.draft.moving
