"""Booking once per form (issue 16): the booking page's POST books under the idempotency key
its form carried, through the platform's keyed database (the ``Idempotency-Key`` machinery of
the API, :mod:`bookings.platform.idempotency`). The booking's id is the key's stored answer,
so a second press of Book finds it; twin submits in one process wait for each other, and a
submit that finds its slot taken first looks for a twin's record for a moment (a twin in
another process stores it right after its booking)."""

from __future__ import annotations

import asyncio
import json
import weakref
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from bookings.identity.service import Site
from bookings.platform import errors, idempotency
from bookings.platform.routing import Services
from bookings.web import booking_flow as flow

#: How long a second press of Book waits for the first to finish, at most (seconds).
TWIN_WAIT = 10.0
#: When a submit finds its slot taken, how often it looks for a twin's booking first.
TWIN_POLLS = 3
TWIN_POLL_SECONDS = 0.15


def keyed_db(
    services: Services, site: Site, route: str, key: str, body: dict[str, Any]
) -> idempotency.KeyedDatabase:
    """The database of one submit of a form: keyed by the form's idempotency key."""
    return idempotency.keyed_database(
        services.db,
        key=key,
        site_id=site.site_id,
        credential_id=f"web:{flow.PAGE_APP}",
        method="POST",
        route=route,
        path_params={},
        body=body,
        clock=services.clock,
    )


async def booked_before(
    services: Services, site: Site, route: str, key: str, body: dict[str, Any]
) -> str | None:
    """The booking an earlier submit of this very form made (``None``: none yet)."""
    try:
        async with keyed_db(services, site, route, key, body).read(site.site_id):
            pass
    except idempotency.Replay as replay:
        return str(json.loads(replay.body)["bookingId"])
    except errors.ApplicationError:
        return None  # the key was used with other details: this submit books anew
    return None


async def book_once(
    services: Services,
    site: Site,
    route: str,
    key: str,
    body: dict[str, Any],
    entity: dict[str, Any],
    contact: flow.Contact,
    waitlist: bool,
) -> str:
    """Book under the form's idempotency key: the booking's id, made now or by an earlier
    submit of the same form (a twin still running is waited for)."""
    deadline = asyncio.get_running_loop().time() + TWIN_WAIT
    while True:
        keyed = keyed_db(services, site, route, key, body)
        try:
            made = await flow.book(keyed, site, entity, contact, waitlist)
            answer = json.dumps({"bookingId": made["id"]}).encode()
            await keyed.finish(200, "application/json", answer)
            return str(made["id"])
        except idempotency.Replay as replay:
            return str(json.loads(replay.body)["bookingId"])
        except errors.ApplicationError as exc:
            await keyed.abort()
            if exc.code != idempotency.IN_USE or asyncio.get_running_loop().time() > deadline:
                raise
        except BaseException:
            await keyed.abort()
            raise
        await asyncio.sleep(0.1)


#: One lock per idempotency key being submitted in this process: a second press of Book
#: waits for the first and then finds its booking.
_twins: weakref.WeakValueDictionary[str, asyncio.Lock] = weakref.WeakValueDictionary()


@asynccontextmanager
async def twin_lock(key: str) -> AsyncIterator[None]:
    lock = _twins.get(key)
    if lock is None:
        lock = asyncio.Lock()
        _twins[key] = lock
    async with lock:
        yield


async def submit_once(
    services: Services,
    site: Site,
    svc: dict[str, Any],
    route: str,
    idem: str,
    body: dict[str, Any],
    key: str,
    contact: flow.Contact,
    waitlist: bool,
) -> str | tuple[bool, str | None]:
    """The booking's id, or (taken, problem) to show on the form again."""
    earlier = await booked_before(services, site, route, idem, body)
    if earlier is not None:
        return earlier
    checked = await flow.recheck(services.db, site, svc, key)
    try:
        if checked is None:
            raise errors.ApplicationError("SLOT_NOT_AVAILABLE", "The slot is not available")
        return await book_once(services, site, route, idem, body, checked[1], contact, waitlist)
    except errors.ApplicationError as exc:
        if exc.code in flow.TAKEN or exc.http_status == 409:
            # A twin submit in another process may have just booked it: its record is
            # stored a moment after its booking.
            for _ in range(TWIN_POLLS):
                await asyncio.sleep(TWIN_POLL_SECONDS)
                earlier = await booked_before(services, site, route, idem, body)
                if earlier is not None:
                    return earlier
            return True, None
        return False, f"The booking could not be made: {exc}"
    except errors.ApiError as exc:
        return False, f"Please check the details: {exc}"
