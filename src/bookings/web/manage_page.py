"""The customer's manage page (issue 16): ``/book/{slug}/manage/{token}``.

The token is the booking's anonymous action token (the manage link of the confirmation page
and of every e-mail): a capability for one booking of one site, signed by this server. The
page shows the booking in the visitor's zone (``?tz=``) and the business's, and offers what
``allowedAnonymousActions`` allows: cancel, reschedule to another slot of the same service,
the booking as an ``.ics`` file and as Google/Outlook "add event" links.

Every action calls the same use case as the API method of the same name
(``CancelBookingAnonymously``, ``RescheduleBookingAnonymously``, ``ListAvailabilityTimeSlots``)
through the slices' ``service`` and ``ports``, so the page never answers differently from the
API. A token that is forged, altered, expired, or names another site's booking answers a 401
page that says nothing about any booking.

The page speaks the visitor's language (``?lang=``, else ``Accept-Language``; English and
German) on their clock (``?clock=12|24``): :mod:`bookings.web.i18n`.

Customer pages set no cookie and keep their state in the URL (``tz``, ``lang``, ``clock``,
``embed``) and in
hidden fields, so they also work framed by another site (``embed=1``), where third-party
cookies are blocked. Who may frame them: :func:`bookings.web.framing.frame_ancestors_for`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from bookings.availability import service as availability
from bookings.booking import ports as booking_ports
from bookings.booking import service as booking
from bookings.identity import service as identity
from bookings.notifications import ports as notifications
from bookings.platform import errors
from bookings.platform.db import utcnow
from bookings.platform.routing import Services
from bookings.web import manage_view as view
from bookings.web.booking_times import day_name
from bookings.web.framing import frame_ancestors_for
from bookings.web.i18n import Prefs, prefs_of, t, translator
from bookings.web.templating import render

router = APIRouter(include_in_schema=False)

BASE = "/book/{slug}/manage/{token}"
#: At most this many slots of one day are offered on the reschedule page.
SLOTS_PER_DAY = 200
#: Notices after a redirect (``?done=``).
DONE = {
    "canceled": "Your booking is canceled.",
    "rescheduled": "Your booking has moved to the new time.",
}


def services_of(request: Request) -> Services:
    services: Services = request.app.state.services
    return services


@dataclass(frozen=True)
class Visit:
    """What every manage request carries: the site, the token, and the visitor's choices."""

    site: identity.Site
    token: str
    #: The visitor's zone (``?tz=``, else the business zone).
    tz: str
    #: Framed by another site (``?embed=1``): keep framing on every link and form.
    embed: bool
    #: The visitor's language and clock (``?lang=``, ``Accept-Language``, ``?clock=``).
    prefs: Prefs = field(default_factory=lambda: prefs_of(None, None, None))

    @property
    def keep(self) -> dict[str, str]:
        """The language and clock a GET form carries as hidden fields (the zone and the
        embedding have their own)."""
        return {k: v for k, v in self.prefs.query.items() if v}

    @property
    def frame_ancestors(self) -> str:
        return frame_ancestors_for(self.site)

    def url(self, suffix: str = "", **params: str) -> str:
        """A manage address of this visit (``suffix``: ``/reschedule``, ``/booking.ics``…),
        carrying the zone (always: a chosen zone stays chosen, ``zone.js`` only picks the
        browser's when the address names none) and the embedding."""
        query: dict[str, str] = {"tz": self.tz, **self.keep}
        if self.embed:
            query["embed"] = "1"
        query.update({k: v for k, v in params.items() if v})
        path = f"/book/{self.site.slug}/manage/{self.token}{suffix}"
        return path + ("?" + urlencode(query) if query else "")


@dataclass(frozen=True)
class Opened:
    """A booking its token opened."""

    wire: dict[str, Any]
    actions: dict[str, bool]
    policy: dict[str, Any]

    @property
    def status(self) -> str:
        return str(self.wire.get("status"))

    @property
    def revision(self) -> str:
        return str(self.wire.get("revision") or "")

    @property
    def start(self) -> datetime | None:
        return view.instant_of(self.wire.get("startDate"))

    @property
    def end(self) -> datetime | None:
        return view.instant_of(self.wire.get("endDate"))


class Refused(Exception):
    """The page answers something other than the booking (401 or 404)."""

    def __init__(self, response: Response) -> None:
        self.response = response


def _param(source: Mapping[str, Any], name: str) -> str | None:
    value = source.get(name)
    return value if isinstance(value, str) and value else None


async def visit_of(request: Request, slug: str, token: str, form: FormData | None = None) -> Visit:
    """The site of ``slug`` and the visitor's choices (query, or the posted form); an unknown
    site is a 404 page."""
    site = await identity.site_by_slug(services_of(request).db, slug)
    if site is None:
        context = {"embed": False, **words(request_prefs(request))}
        raise Refused(render("manage/not_found.html", context, status_code=404))
    source: Mapping[str, Any] = form if form is not None else request.query_params
    tz = view.zone_or(_param(source, "tz"), site.time_zone)
    return Visit(site, token, tz, _param(source, "embed") == "1", request_prefs(request, form))


def request_prefs(request: Request, form: FormData | None = None) -> Prefs:
    """The language and clock asked (the posted form, else the address), else the
    browser's ``Accept-Language``."""
    query = request.query_params

    def asked(name: str) -> str | None:
        return (_param(form, name) if form is not None else None) or query.get(name)

    return prefs_of(asked("lang"), asked("clock"), request.headers.get("accept-language"))


def words(prefs: Prefs) -> dict[str, Any]:
    """What the templates need to speak the visitor's language."""
    return {"prefs": prefs, "lang": prefs.lang, "t": translator(prefs.lang)}


def invalid_link(visit: Visit) -> Refused:
    """401: the token opens nothing here. The page names no booking, status or time."""
    context = {"site": visit.site, "embed": visit.embed, **words(visit.prefs)}
    return Refused(
        render(
            "manage/invalid.html",
            context,
            status_code=401,
            frame_ancestors=visit.frame_ancestors,
        )
    )


async def opened(request: Request, visit: Visit) -> Opened:
    """The booking the token opens, on this site only (else a 401 page)."""
    services = services_of(request)
    try:
        site_id, booking_id = booking_ports.open_manage_token(
            services.signer, visit.token, utcnow()
        )
        if site_id != visit.site.site_id:  # another site's token: nothing here
            raise invalid_link(visit)
        got = await booking.get_booking_anonymously(services.db, services.signer, visit.token)
    except errors.ApplicationError:
        raise invalid_link(visit) from None
    async with services.db.read(site_id) as scope:
        policies = await booking.policy_snapshots(scope, [booking_id])
    return Opened(
        dict(got["booking"]), dict(got["allowedAnonymousActions"]), policies.get(booking_id, {})
    )


def _manage_context(request: Request, visit: Visit, found: Opened, **extra: Any) -> dict[str, Any]:
    services = services_of(request)
    wire, now = found.wire, utcnow()
    start, end = found.start, found.end
    title = view.service_name(wire)
    business = visit.site.time_zone
    links: dict[str, str] = {}
    if start is not None and end is not None and found.status not in view.ENDED:
        page = services.settings.public_url.rstrip("/") + visit.url()
        details = f"{visit.site.name}. Manage your booking: {page}"
        links = view.calendar_links(title, start, end, details, view.location_text(wire))
    prefs = visit.prefs
    return {
        **words(prefs),
        "site": visit.site,
        "visit": visit,
        "embed": visit.embed,
        "booking": wire,
        "title": title,
        "status": found.status,
        "status_label": view.status_label(found.status, prefs.lang),
        "revision": found.revision,
        "visitor_when": view.span_text(start, end, visit.tz, prefs.locale, prefs.hour12)
        if start
        else None,
        "business_when": view.span_text(start, end, business, prefs.locale, prefs.hour12)
        if start
        else None,
        "business_zone": business,
        "location": view.location_text(wire),
        "actions": found.actions,
        "can_move": found.actions.get("reschedule") and view.movable(wire),
        "cancel_refusal": None
        if found.actions.get("cancel")
        else view.refusal("cancel", found.status, found.policy, start, now),
        "reschedule_refusal": None
        if found.actions.get("reschedule")
        else view.refusal("reschedule", found.status, found.policy, start, now),
        "calendar": links,
        "zones": view.zone_choices(),
        "notice": None,
        "happened": None,
        "error": None,
        **extra,
    }


def _page(
    request: Request, visit: Visit, found: Opened, status_code: int = 200, **extra: Any
) -> Response:
    return render(
        "manage/page.html",
        _manage_context(request, visit, found, **extra),
        status_code=status_code,
        frame_ancestors=visit.frame_ancestors,
    )


def _revision(form: FormData) -> int | None:
    value = form.get("revision")
    if isinstance(value, str) and value.isdigit():
        return int(value)
    return None


@router.get(BASE)
async def manage_page(request: Request, slug: str, token: str) -> Response:
    """The booking, its times in both zones, and what its customer may do with it."""
    try:
        visit = await visit_of(request, slug, token)
        found = await opened(request, visit)
    except Refused as refused:
        return refused.response
    done = request.query_params.get("done") or ""
    if done == "canceled" and found.status != "CANCELED":
        done = ""  # an address cannot make the page claim what did not happen
    happened = done if done in DONE else None  # for the host page of an embed
    notice = t(visit.prefs.lang, DONE[done]) if done in DONE else None
    return _page(request, visit, found, notice=notice, happened=happened)


# Customer pages carry no cookie and no session: the token in the address is the whole
# authority, and a forged cross-site POST would have to know it already. A site that knows
# the token can cancel through the API as well, so a CSRF token would add nothing; the form
# posts only what the API call takes (the revision it saw), and the page set no cookie for a
# cross-site request to ride on.
@router.post(BASE + "/cancel")
async def cancel(request: Request, slug: str, token: str) -> Response:
    """Cancel (``CancelBookingAnonymously``'s use case); a refusal is explained on the page."""
    form = await request.form()
    services = services_of(request)
    try:
        visit = await visit_of(request, slug, token, form)
        await opened(request, visit)
    except Refused as refused:
        return refused.response
    try:
        await booking.cancel_booking_anonymously(
            services.db, services.signer, token, _revision(form)
        )
    except errors.ApplicationError as exc:
        return await _refused(request, visit, "cancel", exc)
    return RedirectResponse(visit.url(done="canceled"), status_code=303)


async def _refused(
    request: Request, visit: Visit, action: str, exc: errors.ApplicationError
) -> Response:
    """The manage page again, as the booking is now, saying why ``action`` did not happen."""
    try:
        found = await opened(request, visit)
    except Refused as refused:
        return refused.response
    if exc.code in ("BOOKING_CANNOT_BE_CANCELLED", "RESCHEDULING_NOT_ALLOWED"):
        message = view.refusal(action, found.status, found.policy, found.start, utcnow())
    elif exc.code == "REVISION_MISMATCH":
        message = t(
            visit.prefs.lang,
            "The booking changed since this page was opened. Here it is as it is now.",
        )
    else:
        message = t(
            visit.prefs.lang, "The booking could not be changed: {reason}", reason=exc.message
        )
    return _page(request, visit, found, status_code=409, error=message)


#: The reschedule form posted without a time of the list.
CHOOSE = "Choose one of the times below."
#: How a chosen class session is posted (``slot=event:<eventId>``).
EVENT_KEY = "event:"


def _slot_key(slot: Mapping[str, Any]) -> str:
    event = (slot.get("eventInfo") or {}).get("eventId")
    if event:
        return EVENT_KEY + str(event)
    return f"{slot['localStartDate']}|{slot['localEndDate']}"


async def _slots_of_day(
    request: Request, visit: Visit, wire: Mapping[str, Any], service_id: str, day: Any
) -> tuple[list[dict[str, Any]], str | None]:
    """The bookable slots of ``day`` (the visitor's zone) of the booking's service, as the
    API lists them: appointment slots (``ListAvailabilityTimeSlots``) or class sessions
    (``ListEventTimeSlots``)."""
    services = services_of(request)
    after = view.next_days(day)[1]
    window = {
        "fromLocalDate": f"{day.isoformat()}T00:00:00",
        "toLocalDate": f"{after.isoformat()}T00:00:00",
        "timeZone": visit.tz,
        "cursorPaging": {"limit": SLOTS_PER_DAY},
    }
    load = booking_ports.holding_bookings()
    try:
        if view.is_class(wire):
            participants = int(wire.get("totalParticipants") or 1)
            events = availability.ListEventTimeSlotsRequest.model_validate(
                {**window, "serviceIds": [service_id], "minBookableCapacity": participants}
            )
            got = await availability.list_event_time_slots(
                services.db, load, services.signer, visit.site.site_id, events
            )
        else:
            req = availability.ListAvailabilityTimeSlotsRequest.model_validate(
                {**window, "serviceId": service_id, "bookable": True}
            )
            got = await availability.list_availability_time_slots(
                services.db, load, services.signer, visit.site.site_id, req
            )
    except errors.ApplicationError as exc:
        return [], f"No times can be listed for this day: {exc.message}"
    return [dict(s) for s in got["timeSlots"] if s.get("bookable", True)], None


def _own_slot(found: Opened, slot: Mapping[str, Any], tz: str) -> bool:
    """The slot the booking is in now (not offered)."""
    booked = (found.wire.get("bookedEntity") or {}).get("slot") or {}
    event = (slot.get("eventInfo") or {}).get("eventId")
    if event:
        return bool(event == booked.get("eventId"))
    current = view.local_minute(found.start, tz) if found.start else None
    return bool(str(slot["localStartDate"])[:16] == current)


async def _reschedule_page(
    request: Request,
    visit: Visit,
    found: Opened,
    day_text: str | None,
    status_code: int = 200,
    error: str | None = None,
) -> Response:
    wire = found.wire
    default = view.local_day(found.start or utcnow(), visit.tz)
    today = view.local_day(utcnow(), visit.tz)
    day = view.day_param(day_text, max(default, today))
    before, after = view.next_days(day)
    slots: list[dict[str, Any]] = []
    problem: str | None = None
    service_id = view.service_id_of(wire)
    if found.actions.get("reschedule") and view.movable(wire) and service_id:
        listed, problem = await _slots_of_day(request, visit, wire, service_id, day)
        slots = [
            {
                "key": _slot_key(s),
                "label": view.slot_label(
                    str(s["localStartDate"]),
                    str(s["localEndDate"]),
                    visit.prefs.locale,
                    visit.prefs.hour12,
                ),
            }
            for s in listed
            if not _own_slot(found, s, visit.tz)
        ]
    context = _manage_context(
        request,
        visit,
        found,
        day=day,
        day_label=day_name(day, visit.prefs.locale),
        before=before if before >= today else None,
        after=after,
        slots=slots,
        problem=problem,
        error=error,
    )
    return render(
        "manage/reschedule.html",
        context,
        status_code=status_code,
        frame_ancestors=visit.frame_ancestors,
    )


@router.get(BASE + "/reschedule")
async def reschedule_page(request: Request, slug: str, token: str) -> Response:
    """The free slots of one day (``?date=``) of the booking's service, to move it to."""
    try:
        visit = await visit_of(request, slug, token)
        found = await opened(request, visit)
    except Refused as refused:
        return refused.response
    return await _reschedule_page(request, visit, found, request.query_params.get("date"))


# As for cancel: the token in the address is the authority, no cookie is involved, so the
# form needs no CSRF token.
@router.post(BASE + "/reschedule")
async def reschedule(request: Request, slug: str, token: str) -> Response:
    """Move the booking (``RescheduleBookingAnonymously``'s use case) to the chosen slot."""
    form = await request.form()
    services = services_of(request)
    try:
        visit = await visit_of(request, slug, token, form)
        found = await opened(request, visit)
    except Refused as refused:
        return refused.response
    day_text = _param(form, "date")
    picked = _param(form, "slot") or ""
    chosen = [picked, ""] if picked.startswith(EVENT_KEY) else picked.split("|")
    service_id = view.service_id_of(found.wire)
    if len(chosen) != 2 or not chosen[0] or service_id is None:
        return await _reschedule_page(
            request, visit, found, day_text, 400, t(visit.prefs.lang, CHOOSE)
        )
    try:
        slot = booking_ports.V2Slot.model_validate(
            {"eventId": chosen[0][len(EVENT_KEY) :]}
            if chosen[0].startswith(EVENT_KEY)
            else {
                "serviceId": service_id,
                "startDate": chosen[0],
                "endDate": chosen[1],
                "timezone": visit.tz,
            }
        )
        await booking.reschedule_booking_anonymously(
            services.db, services.signer, token, slot, _revision(form)
        )
    except ValueError:
        return await _reschedule_page(
            request, visit, found, day_text, 400, t(visit.prefs.lang, CHOOSE)
        )
    except errors.ApplicationError as exc:
        if exc.code == "RESCHEDULING_NOT_ALLOWED":
            return await _refused(request, visit, "reschedule", exc)
        try:
            found = await opened(request, visit)
        except Refused as refused:
            return refused.response
        if exc.code == "REVISION_MISMATCH":
            message = t(
                visit.prefs.lang,
                "The booking changed since this page was opened. Please choose again.",
            )
        elif exc.code in ("SLOT_NOT_AVAILABLE", "SESSION_CAPACITY_EXCEEDED"):
            message = t(visit.prefs.lang, "That time is no longer free. Please choose another one.")
        else:
            message = t(
                visit.prefs.lang, "The booking could not be moved: {reason}", reason=exc.message
            )
        return await _reschedule_page(request, visit, found, day_text, 409, message)
    return RedirectResponse(visit.url(done="rescheduled"), status_code=303)


@router.get(BASE + "/booking.ics")
async def booking_ics(request: Request, slug: str, token: str) -> Response:
    """The booking as an iCalendar file: one event at the booked instant (UTC), the same
    ``UID`` as the e-mail invites, ``SEQUENCE`` = its revision (a reschedule raises it),
    ``STATUS:CANCELLED`` once canceled."""
    try:
        visit = await visit_of(request, slug, token)
        found = await opened(request, visit)
    except Refused as refused:
        return refused.response
    services = services_of(request)
    business = visit.site.settings.get("businessEmail")
    organizer = business if isinstance(business, str) and "@" in business else None
    text = notifications.booking_calendar_file(
        found.wire,
        public_url=services.settings.public_url,
        now=utcnow(),
        organizer=organizer or services.settings.mail_from,
        manage_url=services.settings.public_url.rstrip("/") + visit.url(),
    )
    if text is None:
        context = {"embed": visit.embed, **words(visit.prefs)}
        return render("manage/not_found.html", context, status_code=404)
    return Response(
        text,
        media_type="text/calendar; charset=utf-8",
        headers={
            "Content-Disposition": 'attachment; filename="booking.ics"',
            "Cache-Control": "no-store",
            "X-Content-Type-Options": "nosniff",
            "Referrer-Policy": "same-origin",
        },
    )
