"""The waiting list: which wished-for days have a free time now, and for whom.

A look goes through the open wishes in the order they were made, ends those whose day has
passed, and asks the shared availability (cached and coalesced: wishes for one day cost one
request) for each day's starts that fit the part of the day wished for.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.booking.availability import AvailabilityService
from bot.meetergo import MeetergoError
from bot.storage.wishes import Wish, WishStore


@dataclass(frozen=True, slots=True)
class Offer:
    """A free start to offer to a waiting customer."""

    wish: Wish
    start: datetime


class Waitlist:
    """Keeps the wishes and finds free times for them."""

    def __init__(self, store: WishStore, availability: AvailabilityService) -> None:
        self.store = store
        self._availability = availability

    async def add(self, wish: Wish) -> Wish:
        """Keep a wish (the chat's earlier wish for that type and day is replaced)."""
        return await self.store.add(wish)

    async def fitting_starts(self, wish: Wish) -> list[datetime]:
        """The starts meetergo lists on the wished day that fit the part of it wished for."""
        zone = ZoneInfo(wish.timezone)
        low = datetime.combine(wish.day, time(), zone)
        starts = await self._availability.exact_starts(
            low,
            datetime.combine(wish.day + timedelta(days=1), time(), zone),
            meeting_type_id=wish.meeting_type_id,
            duration=wish.duration,
            # Times free up when others cancel, which no cached answer knows yet.
            fresh=True,
        )
        return [start for start in starts if _fits(wish, start.astimezone(zone))]

    async def offers(self, today: date, *, budget: int) -> list[Offer]:
        """A free start for each waiting customer whose day has one (the earliest fitting),
        first asked first; wishes whose day has passed end here. At most `budget` days are
        asked about (the bot's pace for meetergo decides), the earliest asked first; a
        customer already offered a time that is still free is not offered it again."""
        await self.store.drop_before(today - timedelta(days=1))
        found: list[Offer] = []
        asked: dict[tuple[str, int, date, str], list[datetime] | None] = {}
        for wish in await self.store.open_wishes():
            if wish.day < datetime.now(ZoneInfo(wish.timezone)).date():
                await self.store.drop(wish.wish_id)
                continue
            key = (wish.meeting_type_id, wish.duration, wish.day, wish.timezone)
            if key not in asked:
                if len(asked) >= budget:
                    continue
                asked[key] = await self._starts_or_none(wish)
            zone = ZoneInfo(wish.timezone)
            starts = [s for s in asked[key] or [] if _fits(wish, s.astimezone(zone))]
            if starts and wish.offered_start not in starts:
                found.append(Offer(wish, starts[0]))
        return found

    async def _starts_or_none(self, wish: Wish) -> list[datetime] | None:
        try:
            # The whole day: each wish for it takes the part it wants.
            whole_day = dataclasses.replace(wish, first_minute=0, last_minute=24 * 60)
            return await self.fitting_starts(whole_day)
        except (MeetergoError, LookupError):
            return None  # asked again at the next look


def _fits(wish: Wish, local: datetime) -> bool:
    minute = local.hour * 60 + local.minute
    return local.date() == wish.day and wish.first_minute <= minute < wish.last_minute
