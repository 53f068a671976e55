"""The steps of the booking conversation, in the order a customer meets them."""

from __future__ import annotations

from enum import IntEnum


class State(IntEnum):
    """A step of the booking flow; IntEnum so persisted states load back as themselves."""

    DAY = 1
    SLOT = 2
    NAME = 3
    EMAIL = 4
    CONSENT = 5
    CONFIRM = 6
    TIMEZONE = 7
    MEETING_TYPE = 8
    DURATION = 9
