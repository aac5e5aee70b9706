"""Calendar feeds API (our extension): the admin's list and rotate, and the feed itself,
served without credentials (its token is the secret)."""

from __future__ import annotations

from starlette.responses import Response

from bookings.feeds import service
from bookings.feeds.schemas import (
    CalendarFeed,
    GetCalendarFeedRequest,
    ListCalendarFeedsRequest,
    ListCalendarFeedsResponse,
    RotateCalendarFeedRequest,
    RotateCalendarFeedResponse,
)
from bookings.platform import errors
from bookings.platform.auth import ADMIN_ONLY
from bookings.platform.routing import ApiRouter, Call

router = ApiRouter("Calendar Feeds")
BASE = "/_api/bookings-server/v1/calendar-feeds"
MEDIA_TYPE = "text/calendar; charset=utf-8"


def _wire(feed: service.Feed) -> CalendarFeed:
    return CalendarFeed(
        staff_member_id=feed.staff_member_id,
        name=feed.name,
        url=feed.url,
        created_date=feed.created_date,
        updated_date=feed.updated_date,
    )


def no_such_feed() -> errors.ApplicationError:
    """The answer of a wrong, rotated or dead token: the body of an unknown path, so it
    reveals nothing."""
    return errors.ApplicationError("NOT_FOUND", "No such API path on this server", http_status=404)


@router.method(
    "listCalendarFeeds",
    "GET",
    [BASE],
    roles=ADMIN_ONLY,
    request=ListCalendarFeedsRequest,
    response=ListCalendarFeedsResponse,
)
async def list_calendar_feeds(
    call: Call, req: ListCalendarFeedsRequest
) -> ListCalendarFeedsResponse:
    """List the site's calendar feed and every staff member's, with their secret URLs."""
    feeds = await service.list_feeds(
        call.db, call.services.signer, call.services.settings.public_url, call.site_id
    )
    return ListCalendarFeedsResponse(calendar_feeds=[_wire(f) for f in feeds])


@router.method(
    "rotateCalendarFeed",
    "POST",
    [f"{BASE}/rotate"],
    roles=ADMIN_ONLY,
    request=RotateCalendarFeedRequest,
    response=RotateCalendarFeedResponse,
)
async def rotate_calendar_feed(
    call: Call, req: RotateCalendarFeedRequest
) -> RotateCalendarFeedResponse:
    """Give a calendar feed a new secret URL (the old one answers 404 from now on)."""
    feed = await service.rotate_feed(
        call.db,
        call.services.signer,
        call.services.settings.public_url,
        call.site_id,
        req.staff_member_id,
    )
    return RotateCalendarFeedResponse(calendar_feed=_wire(feed))


@router.method(
    "getCalendarFeed",
    "GET",
    [f"{BASE}/{{token}}.ics"],
    roles=None,
    request=GetCalendarFeedRequest,
)
async def get_calendar_feed(call: Call, req: GetCalendarFeedRequest) -> Response:
    """The iCalendar feed behind a secret URL (no credentials: the token is the secret)."""
    body = await service.feed_calendar(call.db, call.services.signer, req.token)
    if body is None:
        raise no_such_feed()
    return Response(
        body,
        media_type=MEDIA_TYPE,
        headers={
            "Cache-Control": "private, no-cache",
            "Content-Disposition": 'inline; filename="bookings.ics"',
        },
    )
