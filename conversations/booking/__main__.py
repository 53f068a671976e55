"""`python -m conversations.booking` writes the booking flow's picture (booking.mmd)."""

from __future__ import annotations

from pathlib import Path

from conversations.booking.flow import BOOKING
from conversations.kit.picture import picture

PICTURE = Path(__file__).with_name("booking.mmd")
SOURCE = "conversations/booking/flow.py"
COMMAND = "python -m conversations.booking"


def main() -> None:
    """Write booking.mmd from the flow's declaration."""
    PICTURE.write_text(picture(BOOKING, SOURCE, COMMAND), encoding="utf-8")
    print(f"wrote {PICTURE}")


if __name__ == "__main__":
    main()
