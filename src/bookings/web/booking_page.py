"""The customer booking page (issue 16): services -> day and slot -> contact form ->
confirmation. Every step is a URL and works without JavaScript; with it, ``book.js`` puts the
visitor's zone in the URL and htmx swaps only the slot panel when the day changes. The site
acts as its anonymous visitor and calls the slices as the API does (:mod:`.booking_flow`).

Customer pages set no cookies (they work in third-party iframes) and may be framed only by
the site's ``allowedEmbedHosts`` (:mod:`.framing`). A booking POST carries an idempotency key
made when the form was rendered, so pressing Book twice books once."""

from __future__ import annotations

import asyncio
import time
import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from bookings.booking.ports import manage_token
from bookings.booking.service import get_booking_anonymously
from bookings.booking.service.anonymous import open_token
from bookings.identity import service as identity
from bookings.identity.service import Site
from bookings.platform import errors
from bookings.platform.db import Database, utcnow
from bookings.platform.routing import Services
from bookings.web import booking_flow as flow
from bookings.web import booking_once as once
from bookings.web.booking_times import (
    ZonedTime,
    day_name,
    first_week_day,
    google_calendar_link,
    outlook_link,
    parse_day,
    parse_instant,
    picker_days,
    short_day,
    today_in,
    valid_zone,
    zone_names,
)
from bookings.web.framing import frame_ancestors_for
from bookings.web.i18n import Prefs, prefs_of, t, translator
from bookings.web.templating import render

router = APIRouter(include_in_schema=False)

#: The longest text kept of a form field.
MAX_FIELD = 200
#: The farthest day the page shows (a later ``date`` shows that day).
MAX_AHEAD_DAYS = 3 * 366


def services_of(request: Request) -> Services:
    services: Services = request.app.state.services
    return services


@dataclass(frozen=True)
class Zone:
    """The zone the page shows times in, and why."""

    name: str
    #: ``visitor`` (the ``tz`` of the URL), ``business`` (no zone given), ``locked`` (an
    #: in-person service: the business's zone whatever the visitor's).
    source: str
    business: str
    asked: str | None

    @property
    def query(self) -> str | None:
        """What the page's links carry as ``tz``."""
        return self.asked


def zone_of(request: Request, site: Site, locked: bool = False) -> Zone:
    asked = valid_zone(request.query_params.get("tz"))
    if locked:
        return Zone(site.time_zone, "locked", site.time_zone, asked)
    if asked:
        return Zone(asked, "visitor", site.time_zone, asked)
    return Zone(site.time_zone, "business", site.time_zone, None)


def prefs_of_request(request: Request) -> Prefs:
    """The visitor's locale and clock: ``?lang=``, else ``Accept-Language``; ``?clock=``."""
    query = request.query_params
    return prefs_of(query.get("lang"), query.get("clock"), request.headers.get("accept-language"))


def keep(zone: Zone, prefs: Prefs) -> dict[str, str | None]:
    """What every link and form of the flow carries: the zone, language and clock asked."""
    return {"tz": zone.query, **prefs.query}


def zoned(instant: datetime, zone_name: str, prefs: Prefs) -> ZonedTime:
    return ZonedTime(instant, zone_name, prefs.locale, prefs.hour12)


def link(path: str, **params: str | None) -> str:
    query = {k: v for k, v in params.items() if v}
    return path + ("?" + urlencode(query) if query else "")


def not_found(what: str = "This booking page does not exist.") -> Response:
    return render("book/error.html", {"title": "Not found", "message": what}, status_code=404)


async def site_of(request: Request, slug: str) -> Site | None:
    return await identity.site_by_slug(services_of(request).db, slug)


def page(
    site: Site,
    template: str,
    context: dict[str, Any],
    status_code: int = 200,
    prefs: Prefs | None = None,
) -> Response:
    prefs = prefs or prefs_of(None, None, None)
    words = {"prefs": prefs, "lang": prefs.lang, "t": translator(prefs.lang)}
    return render(
        template,
        {"site": site, **words, **context},
        status_code=status_code,
        frame_ancestors=frame_ancestors_for(site),
    )


# ---------------------------------------------------------------- services


@router.get("/book/{slug}")
async def services_page(request: Request, slug: str) -> Response:
    site = await site_of(request, slug)
    if site is None:
        return not_found()
    services = services_of(request)
    zone = zone_of(request, site)
    prefs = prefs_of_request(request)
    found = await flow.bookable_services(services.db, services.signer, site)
    carry = keep(zone, prefs)
    items = [{"svc": s, "href": link(f"/book/{site.slug}/{s['id']}", **carry)} for s in found]
    context = {"items": items, "zone": zone, "detect": zone.source == "business"}
    return page(site, "book/services.html", context, prefs=prefs)


# ---------------------------------------------------------------- confirmation


@router.get("/book/{slug}/done/{token}")
async def done_page(request: Request, slug: str, token: str) -> Response:
    site = await site_of(request, slug)
    if site is None:
        return not_found()
    services = services_of(request)
    try:
        token_site, _ = open_token(services.signer, token, utcnow())
        if token_site != site.site_id:
            raise errors.ApplicationError("INVALID_TOKEN", "other site", http_status=401)
        found = await get_booking_anonymously(services.db, services.signer, token)
    except errors.ApiError:
        invalid = {"title": "Link not valid", "message": "This link is not valid."}
        return page(site, "book/error.html", invalid, status_code=401)
    prefs = prefs_of_request(request)
    bk = found["booking"]
    svc_id = ((bk.get("bookedEntity") or {}).get("slot") or {}).get("serviceId")
    svc = await flow.bookable_service(services.db, site, str(svc_id)) if svc_id else None
    locked = svc is not None and flow.in_person(svc)
    zone = zone_of(request, site, locked)
    start, end = parse_instant(bk["startDate"]), parse_instant(bk["endDate"])
    title = str((bk.get("bookedEntity") or {}).get("title") or "Booking")
    details = f"{title} with {site.name}. Manage: {request.base_url}book/{site.slug}/manage/{token}"
    manage = f"/book/{site.slug}/manage/{token}"
    context: dict[str, Any] = {
        "booking": bk,
        "status": bk.get("status"),
        "title": title,
        "zone": zone,
        "shown": zoned(start, zone.name, prefs),
        "shown_end": zoned(end, zone.name, prefs),
        "business": zoned(start, site.time_zone, prefs),
        "manage": manage,
        "ics": manage + "/booking.ics",
        "google": google_calendar_link(f"{title} ({site.name})", start, end, details),
        "outlook": outlook_link(f"{title} ({site.name})", start, end, details),
        "home": link(f"/book/{site.slug}", **keep(zone, prefs)),
    }
    return page(site, "book/done.html", context, prefs=prefs)


# ---------------------------------------------------------------- days and slots


def _panel_context(
    site: Site,
    svc: dict[str, Any],
    zone: Zone,
    day: date,
    slots: list[flow.Slot],
    prefs: Prefs,
) -> dict[str, Any]:
    base = f"/book/{site.slug}/{svc['id']}"
    carry = keep(zone, prefs)
    rows = []
    for slot in slots:
        shown = slot.shown(zone.name, prefs.locale, prefs.hour12)
        if shown.local.date() != day:
            continue
        waitlist = slot.full and flow.waitlist_enabled(svc)
        rows.append(
            {
                "slot": slot,
                "shown": shown,
                "href": link(base + "/form", slot=slot.key, **carry)
                if slot.bookable and not slot.full
                else None,
                "waitlist": link(base + "/form", slot=slot.key, **carry, waitlist="1")
                if waitlist
                else None,
            }
        )
    return {
        "svc": svc,
        "zone": zone,
        "day": day,
        "day_name": day_name(day, prefs.locale),
        "rows": rows,
        "is_class": svc.get("type") != "APPOINTMENT",
    }


def _is_panel_request(request: Request) -> bool:
    """An htmx request for the slot panel (a history restore wants the whole page)."""
    headers = request.headers
    return "hx-request" in headers and "hx-history-restore-request" not in headers


def _day_of(request: Request, zone: Zone) -> tuple[date, date]:
    """Today in the zone, and the chosen day (today when none or a past one is asked)."""
    today = today_in(zone.name, utcnow())
    day = parse_day(request.query_params.get("date")) or today
    return today, min(max(day, today), today + timedelta(days=MAX_AHEAD_DAYS))


#: The services the slot panel showed lately, by (site, service): (when read, the service).
#: A visitor picks several days in a row; the panel reuses what it read for a few seconds
#: (a service's type, zone lock and waitlist only change how the panel looks: the form step
#: and the booking always read the service afresh).
_recent: dict[tuple[str, str], tuple[float, dict[str, Any]]] = {}
PANEL_SERVICE_SECONDS = 5.0
_RECENT_MAX = 1024


def _remembered(site: Site, service_id: str) -> dict[str, Any] | None:
    found = _recent.get((site.site_id, service_id))
    if found is None or time.monotonic() - found[0] > PANEL_SERVICE_SECONDS:
        return None
    return found[1]


def _remember(site: Site, svc: dict[str, Any]) -> None:
    if len(_recent) >= _RECENT_MAX:
        _recent.clear()
    _recent[(site.site_id, str(svc["id"]))] = (time.monotonic(), svc)


async def _panel(request: Request, site: Site, service_id: str) -> Response:
    """The slot panel alone. Unless the service was read a moment ago, the slots are asked
    together with the service, as if it were an appointment in the asked zone (what the
    panel mostly shows); when it turns out to be a class or to lock the business zone, they
    are asked again."""
    services = services_of(request)
    svc = _remembered(site, service_id)
    slots: list[flow.Slot] | None = None
    if svc is None:
        guess = zone_of(request, site)
        _, guess_day = _day_of(request, guess)
        appointment = {"id": service_id, "type": "APPOINTMENT"}
        svc, slots = await asyncio.gather(
            flow.bookable_service(services.db, site, service_id),
            flow.slots_between(
                services.db, services.signer, site, appointment, guess_day, guess_day, guess.name
            ),
        )
        if svc is None:
            return not_found("This service cannot be booked online.")
        _remember(site, svc)
        if (
            svc.get("type") != "APPOINTMENT"
            or flow.in_person(svc)
            or guess_day != _day_of(request, zone_of(request, site, flow.in_person(svc)))[1]
        ):
            slots = None
    zone = zone_of(request, site, flow.in_person(svc))
    _, day = _day_of(request, zone)
    if slots is None:
        slots = await flow.slots_between(
            services.db, services.signer, site, svc, day, day, zone.name
        )
    prefs = prefs_of_request(request)
    context = _panel_context(site, svc, zone, day, slots, prefs)
    response = page(site, "book/_panel.html", context, prefs=prefs)
    response.headers["Vary"] = "HX-Request"
    return response


@router.get("/book/{slug}/{service_id}")
async def service_page(request: Request, slug: str, service_id: str) -> Response:
    site = await site_of(request, slug)
    if site is None:
        return not_found()
    services = services_of(request)
    if _is_panel_request(request):
        return await _panel(request, site, service_id)
    svc = await flow.bookable_service(services.db, site, service_id)
    if svc is None:
        return not_found("This service cannot be booked online.")
    zone = zone_of(request, site, flow.in_person(svc))
    prefs = prefs_of_request(request)
    carry = keep(zone, prefs)
    today, day = _day_of(request, zone)
    days = picker_days(day, today, week_start=first_week_day(prefs.locale))
    window = await flow.slots_between(
        services.db, services.signer, site, svc, days[0], days[-1], zone.name
    )
    with_slots = {
        s.shown(zone.name).local.date() for s in window if s.bookable or (s.full and s.total)
    }
    base = f"/book/{site.slug}/{svc['id']}"
    picker = [
        {
            "day": d,
            "label": short_day(d, prefs.locale),
            "name": day_name(d, prefs.locale),
            "href": link(base, date=d.isoformat(), **carry),
            "has_slots": d in with_slots,
            "current": d == day,
        }
        for d in days
    ]
    earlier = day - timedelta(days=len(days))
    context = {
        **_panel_context(site, svc, zone, day, window, prefs),
        "picker": picker,
        "earlier": link(base, date=earlier.isoformat(), **carry) if days[0] > today else None,
        "later": link(base, date=(days[-1] + timedelta(days=1)).isoformat(), **carry),
        "zones": zone_names(),
        "base": base,
        "home": link(f"/book/{site.slug}", **carry),
        "toggle": link(base, date=day.isoformat(), **(carry | {"clock": prefs.other_clock})),
        "detect": zone.source == "business",
    }
    response = page(site, "book/service.html", context, prefs=prefs)
    response.headers["Vary"] = "HX-Request"
    return response


# ---------------------------------------------------------------- the form


def _clip(value: Any) -> str:
    return str(value or "")[:MAX_FIELD]


async def _form_page(
    request: Request,
    site: Site,
    svc: dict[str, Any],
    key: str,
    *,
    waitlist: bool,
    contact: flow.Contact | None = None,
    problem: str | None = None,
    taken: bool = False,
    status_code: int = 200,
) -> Response:
    services = services_of(request)
    zone = zone_of(request, site, flow.in_person(svc))
    prefs = prefs_of_request(request)
    carry = keep(zone, prefs)
    checked = await flow.recheck(services.db, site, svc, key)
    slot = checked[0] if checked else None
    parsed = flow.parse_key(key)
    parsed_start = parsed.start if parsed else None
    open_for_waitlist = slot is not None and slot.full and waitlist and flow.waitlist_enabled(svc)
    if slot is None or (not (slot.bookable and not slot.full) and not open_for_waitlist):
        taken = True
    alternatives: list[dict[str, Any]] = []
    if taken:
        around = slot.start if slot else (parsed_start or utcnow())
        near = await flow.nearest(services.db, services.signer, site, svc, around, zone.name)
        base = f"/book/{site.slug}/{svc['id']}/form"
        alternatives = [
            {
                "shown": s.shown(zone.name, prefs.locale, prefs.hour12),
                "key": s.key,
                "href": link(base, slot=s.key, **carry),
            }
            for s in near
        ]
    context = {
        "svc": svc,
        "zone": zone,
        "slot": slot,
        "shown": slot.shown(zone.name, prefs.locale, prefs.hour12)
        if slot
        else (zoned(parsed_start, zone.name, prefs) if parsed_start else None),
        "business": zoned(slot.start, site.time_zone, prefs) if slot else None,
        "key": key,
        "waitlist": open_for_waitlist,
        "taken": taken,
        "problem": t(prefs.lang, problem) if problem else None,
        "alternatives": alternatives,
        "contact": contact or flow.Contact("", "", ""),
        "idempotency_key": str(uuid.uuid4()),
        "action": link(f"/book/{site.slug}/{svc['id']}/form", **carry),
        "back": link(
            f"/book/{site.slug}/{svc['id']}",
            date=slot.shown(zone.name).local.date().isoformat() if slot else None,
            **carry,
        ),
    }
    return page(site, "book/form.html", context, status_code=status_code, prefs=prefs)


@router.get("/book/{slug}/{service_id}/form")
async def form_page(request: Request, slug: str, service_id: str) -> Response:
    site = await site_of(request, slug)
    if site is None:
        return not_found()
    svc = await flow.bookable_service(services_of(request).db, site, service_id)
    if svc is None:
        return not_found("This service cannot be booked online.")
    key = _clip(request.query_params.get("slot"))
    waitlist = request.query_params.get("waitlist") == "1"
    return await _form_page(request, site, svc, key, waitlist=waitlist)


def _done(
    site: Site, booking_id: str, carry: dict[str, str | None], services: Services
) -> Response:
    token = manage_token(services.signer, site.site_id, booking_id, utcnow())
    return RedirectResponse(link(f"/book/{site.slug}/done/{token}", **carry), status_code=303)


@router.post("/book/{slug}/{service_id}/form")
async def submit(request: Request, slug: str, service_id: str) -> Response:
    site = await site_of(request, slug)
    if site is None:
        return not_found()
    services = services_of(request)
    db: Database = services.db
    svc = await flow.bookable_service(db, site, service_id)
    if svc is None:
        return not_found("This service cannot be booked online.")
    form = await request.form()
    key = _clip(form.get("slot"))
    waitlist = form.get("waitlist") == "1"
    contact = flow.Contact(
        _clip(form.get("name")), _clip(form.get("email")), _clip(form.get("phone"))
    )
    idem = _clip(form.get("idempotency_key")) or str(uuid.uuid4())
    zone = zone_of(request, site, flow.in_person(svc))
    if not contact.name.strip() or "@" not in contact.email:
        problem = "Please give your name and an e-mail address."
        return await _form_page(
            request,
            site,
            svc,
            key,
            waitlist=waitlist,
            contact=contact,
            problem=problem,
            status_code=422,
        )
    body = {
        "slot": key,
        "name": contact.name,
        "email": contact.email,
        "phone": contact.phone,
        "waitlist": waitlist,
    }
    route = f"/book/{site.site_id}/{svc['id']}/form"
    async with once.twin_lock(idem):
        outcome = await once.submit_once(
            services, site, svc, route, idem, body, key, contact, waitlist
        )
    if isinstance(outcome, str):
        return _done(site, outcome, keep(zone, prefs_of_request(request)), services)
    taken, trouble = outcome
    return await _form_page(
        request,
        site,
        svc,
        key,
        waitlist=waitlist,
        contact=contact,
        taken=taken,
        problem=trouble,
        status_code=409 if taken else 422,
    )
