"""Wire models of the calendar feeds API (our extension)."""

from __future__ import annotations

from pydantic import Field

from bookings.platform.wire import Timestamp, WireModel


class ListCalendarFeedsRequest(WireModel):
    pass


class RotateCalendarFeedRequest(WireModel):
    #: Absent: the site's own feed.
    staff_member_id: str | None = Field(default=None, min_length=1, max_length=36)


class GetCalendarFeedRequest(WireModel):
    token: str


class CalendarFeed(WireModel):
    #: Absent for the site's own feed.
    staff_member_id: str | None = None
    name: str
    url: str
    created_date: Timestamp
    updated_date: Timestamp


class ListCalendarFeedsResponse(WireModel):
    calendar_feeds: list[CalendarFeed]


class RotateCalendarFeedResponse(WireModel):
    calendar_feed: CalendarFeed
