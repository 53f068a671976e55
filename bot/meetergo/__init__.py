"""meetergo's booking recipe: client, wire models and failure kinds."""

from bot.meetergo.client import MeetergoClient
from bot.meetergo.errors import (
    AuthenticationError,
    BookingOutcomeUnknownError,
    BookingValidationError,
    MeetergoError,
    NotFoundError,
    RateLimitedError,
    SlotTakenError,
    UnavailableError,
)
from bot.meetergo.meeting_type import MeetingType, TeamMember, local_text
from bot.meetergo.models import (
    Attendee,
    Availability,
    BookingConfirmation,
    BookingRequest,
    DataField,
    FieldLocale,
    FieldOption,
    Place,
)

__all__ = [
    "Attendee",
    "AuthenticationError",
    "Availability",
    "BookingConfirmation",
    "BookingOutcomeUnknownError",
    "BookingRequest",
    "BookingValidationError",
    "DataField",
    "FieldLocale",
    "FieldOption",
    "MeetergoClient",
    "MeetergoError",
    "MeetingType",
    "NotFoundError",
    "Place",
    "RateLimitedError",
    "SlotTakenError",
    "TeamMember",
    "UnavailableError",
    "local_text",
]
