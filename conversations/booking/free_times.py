"""What the booking's steps read from meetergo: the meeting type, and its free days and times
on the customer's calendar (through the shared, cached availability service)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from bot.meetergo import MeetergoError, MeetingType, Place
from conversations.booking.draft import BookingContext, Draft

DAYS_PER_PAGE = 14
MAX_PAGES = 13  # about half a year ahead; meetergo's own horizon is usually shorter


def today_for(context: BookingContext) -> date:
    """Today's date on the customer's wall clock."""
    return context.ui.fmt.local(context.services.availability.now()).date()


def page_of(context: BookingContext, day: date) -> int:
    """Which 14-day page holds `day`."""
    return (day - today_for(context)).days // DAYS_PER_PAGE


async def load_meeting(context: BookingContext) -> MeetingType:
    """Put the meeting type's name in the customer's language (and its only length) into the
    draft; when none is chosen, the first one switched on. Read once per process."""
    draft = context.draft
    availability = context.services.availability
    if draft.meeting_type_id is None:
        active = await availability.active_types()
        meeting_type = active[0] if active else await availability.meeting_type()
        draft.meeting_type_id = meeting_type.id
    else:
        meeting_type = await availability.meeting_type(draft.meeting_type_id)
    draft.meeting_name = meeting_type.name_in(context.ui.prefs.language)
    if draft.duration is None and len(meeting_type.durations()) == 1:
        draft.duration = meeting_type.duration
    return meeting_type


async def type_of_new_booking(context: BookingContext) -> MeetingType | None:
    """The meeting type, when the conversation books a new appointment (a move asks only for
    the new time); None too when meetergo is not answering: the step is then not asked, and
    the day step says so, with "Try again"."""
    if context.draft.moving:
        return None
    try:
        return await load_meeting(context)
    except MeetergoError:
        return None


def chosen_place(draft: Draft, meeting_type: MeetingType) -> Place:
    """How, where and with whom the customer meets: what they chose, else the meeting type's
    own channel (and its one address, for a meeting at the office)."""
    channel = draft.channel or meeting_type.channels()[0]
    location = draft.location
    if location is None and channel == "local" and len(meeting_type.locations) == 1:
        location = meeting_type.locations[0]
    return Place(channel=channel, location=location, host_id=draft.host_id)


async def free_days(context: BookingContext, page: int) -> dict[date, list[datetime]]:
    """Free starts on one page of days, grouped by the customer's local date."""
    first = today_for(context) + timedelta(days=page * DAYS_PER_PAGE)
    return await free_days_between(context, first, first + timedelta(days=DAYS_PER_PAGE))


async def free_days_between(
    context: BookingContext, first: date, end_day: date
) -> dict[date, list[datetime]]:
    """Free starts from `first` up to (not including) `end_day`, by the customer's local date."""
    draft = context.draft
    zone = context.ui.fmt.zone
    start = datetime.combine(first, time(), zone)
    end = datetime.combine(end_day, time(), zone)
    return await context.services.availability.free_days(
        start,
        end,
        zone,
        meeting_type_id=draft.meeting_type_id,
        duration=draft.duration,
        moving=draft.moving_id,
        host_id=draft.host_id,
    )


async def times_of_day(context: BookingContext, day: date) -> list[datetime]:
    """The exact starts meetergo lists on one day of the customer's calendar."""
    draft = context.draft
    zone = context.ui.fmt.zone
    start = datetime.combine(day, time(), zone)
    end = datetime.combine(day + timedelta(days=1), time(), zone)
    return await context.services.availability.exact_starts(
        start,
        end,
        meeting_type_id=draft.meeting_type_id,
        duration=draft.duration,
        moving=draft.moving_id,
        host_id=draft.host_id,
    )
