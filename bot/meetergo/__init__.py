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
from bot.meetergo.models import (
    Attendee,
    Availability,
    BookingConfirmation,
    BookingRequest,
    DataField,
    FieldLocale,
    FieldOption,
    MeetingType,
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
    "RateLimitedError",
    "SlotTakenError",
    "UnavailableError",
]
