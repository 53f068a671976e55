"""Pydantic shapes of the meetergo booking recipe; tolerant of fields meetergo adds later."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel

# The languages meetergo writes its own e-mails in; `attendee.language` must be one of them.
MEETERGO_LANGUAGES = ("en", "de", "fr", "es", "no", "nl", "it", "pl", "sv", "tr", "da")


class _Wire(BaseModel):
    """camelCase on the wire, snake_case in Python, unknown fields kept rather than refused."""

    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="allow")


class MeetingInfo(_Wire):
    name: str = ""
    duration: int = Field(gt=0)
    channel: str = "connect"
    buffer_before: int = 0
    buffer_after: int = 0


class MeetingOptions(_Wire):
    allowed_durations: list[int] = Field(default_factory=list)


class MeetingType(_Wire):
    id: str
    slug: str | None = None
    queue_id: str | None = None
    user_id: str | None = None
    spots: int | None = None
    meeting_info: MeetingInfo
    meeting_options: MeetingOptions = Field(default_factory=MeetingOptions)

    @property
    def name(self) -> str:
        """The name customers know the meeting by."""
        return self.meeting_info.name or self.slug or self.id

    @property
    def duration(self) -> int:
        """Default length in minutes."""
        return self.meeting_info.duration

    def host_query(self) -> dict[str, str]:
        """Who to ask for: the round-robin queue, or the single host of a personal type."""
        if self.queue_id:
            return {"queueId": self.queue_id}
        if self.user_id:
            return {"hostIds": self.user_id}
        raise ValueError(f"meeting type {self.id} has neither a queueId nor a userId")


class Timeframe(_Wire):
    start: AwareDatetime
    end: AwareDatetime


class Availability(_Wire):
    timezone: str = "utc"
    timeframes: list[Timeframe] = Field(default_factory=list)


class Attendee(_Wire):
    email: str
    fullname: str | None = None
    firstname: str | None = None
    lastname: str | None = None
    receive_reminders: bool = True
    notes: dict[str, Any] = Field(default_factory=dict)
    language: str | None = None
    timezone: str | None = None
    data_policy_accepted: bool | None = None


class BookingRequest(_Wire):
    meeting_type_id: str
    start: AwareDatetime
    duration: int
    attendee: Attendee
    queue_id: str | None = None
    host_ids: list[str] | None = None
    channel: str | None = None

    @classmethod
    def for_meeting_type(
        cls,
        meeting_type: MeetingType,
        *,
        start: datetime,
        attendee: Attendee,
        duration: int | None = None,
    ) -> BookingRequest:
        """Build the request the recipe expects for this meeting type (its own duration when
        none is chosen)."""
        hosts = meeting_type.host_query()
        return cls(
            meeting_type_id=meeting_type.id,
            start=start,
            duration=duration or meeting_type.duration,
            attendee=attendee,
            queue_id=hosts.get("queueId"),
            host_ids=[hosts["hostIds"]] if "hostIds" in hosts else None,
            channel=meeting_type.meeting_info.channel,
        )

    def to_wire(self) -> dict[str, Any]:
        """The JSON body: camelCase, no unset optionals, start as ISO 8601 with its offset."""
        return self.model_dump(mode="json", by_alias=True, exclude_none=True)


class BookingConfirmation(_Wire):
    appointment_id: str | None = None
    secret: str | None = None
    booking_type: str | None = None
    provisional_booking_id: str | None = None

    @property
    def is_provisional(self) -> bool:
        """True when the host or a double opt-in still has to confirm."""
        return self.appointment_id is None and self.provisional_booking_id is not None
