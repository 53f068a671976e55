"""What the team changed in meetergo itself: an appointment cancelled or moved there, found by
reading it again (after a webhook delivery, or on the bot's own schedule).

A webhook delivery is unsigned and may repeat or come late, so it is only a hint: the
appointment is always read again, compared with the booking record, and each change is
claimed once in the ledger (atomically, across replicas) before anyone is told. A change the
bot made itself (the customer cancelled or moved in the chat) is claimed before it is made,
so its own delivery tells nobody anything.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal

from bot.meetergo import MeetergoClient, NotFoundError
from bot.storage.ledger import BookingLedger, BookingRecord

CANCEL_TOLD = "told:cancelled"


def move_told(start: datetime) -> str:
    """The claim of a move to `start` (once per new start, whoever made it)."""
    return "told:moved:" + start.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


@dataclass(frozen=True, slots=True)
class HostChange:
    """A change the team made: the record as it was, and as it is now."""

    kind: Literal["cancelled", "moved"]
    before: BookingRecord
    after: BookingRecord


class HostChanges:
    """Finds out whether the team cancelled or moved one of the bot's appointments."""

    def __init__(self, client: MeetergoClient, ledger: BookingLedger) -> None:
        self._client = client
        self._ledger = ledger

    async def check(self, appointment_id: str) -> HostChange | None:
        """Read the appointment again and compare it with its record: a change found for the
        first time (by this process or any other) is kept and returned; None when there is
        nothing new, or the appointment is none of the bot's. Raises MeetergoError when
        meetergo cannot be asked (the next look tries again)."""
        record = await self._ledger.record_of(appointment_id)
        if record is None or record.cancelled or record.pending:
            return None
        try:
            appointment = await self._client.appointment(appointment_id)
            cancelled, start = appointment.is_cancelled, appointment.start
        except NotFoundError:
            cancelled, start = True, record.start  # deleted in meetergo: gone for the customer
        if cancelled:
            if not await self._ledger.claim_reminder(appointment_id, CANCEL_TOLD):
                return None
            after = dataclasses.replace(await self._current(record), cancelled=True)
            await self._ledger.record(after)
            return HostChange("cancelled", record, after)
        if start == record.start:
            return None
        claim = move_told(start)
        if not await self._ledger.claim_reminder(appointment_id, claim):
            return None
        # The reminders start over for the new time (the claim stays, so the move is told
        # once), and "I'll be there" is asked again.
        after = dataclasses.replace(
            await self._current(record),
            start=start,
            sequence=record.sequence + 1,
            reminded=(claim,),
            answer="",
        )
        await self._ledger.record(after)
        return HostChange("moved", record, after)

    async def _current(self, record: BookingRecord) -> BookingRecord:
        return await self._ledger.record_of(record.appointment_id) or record


# The webhook the bot registers with meetergo, found again by its endpoint or description
# (which names the deployment: two bots of one company never take each other's).
WEBHOOK_DESCRIPTION = "meetergo-telegram-bot {deployment}: appointments the team cancels or moves"
WEBHOOK_EVENTS = ("booking_cancelled", "booking_rescheduled")
MOST_WEBHOOKS = 6  # meetergo keeps at most six per company


async def ensure_webhook(client: MeetergoClient, endpoint: str, deployment: str) -> bool:
    """Have meetergo post cancels and moves to `endpoint`: the webhook this deployment made
    before (same endpoint, or its description) is reused and pointed there; else one is made.
    False when the company has six webhooks already (the bot then checks on its schedule)."""
    description = WEBHOOK_DESCRIPTION.format(deployment=deployment)
    hooks = await client.webhooks()
    mine = next((hook for hook in hooks if hook.endpoint == endpoint), None) or next(
        (hook for hook in hooks if hook.description == description), None
    )
    if mine is not None:
        if mine.endpoint != endpoint or set(mine.event_types) != set(WEBHOOK_EVENTS):
            await client.update_webhook(mine.id, endpoint, WEBHOOK_EVENTS)
        return True
    if len(hooks) >= MOST_WEBHOOKS:
        return False
    await client.create_webhook(endpoint, WEBHOOK_EVENTS, description)
    return True
