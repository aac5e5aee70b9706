"""The outbox: record a domain event inside the caller's unit of work.

A use-case that changes an entity calls :func:`record` with its :class:`UnitOfWork` before
committing, so the event exists exactly when the change does (both commit or neither). The row
holds the whole Wix domain-event envelope::

    {"id", "entityFqdn", "slug", "entityId", "eventTime", "entityEventSequence": "3",
     "createdEvent": {"entity"} | "updatedEvent": {"currentEntity", "modifiedFields"?}
     | "deletedEvent": {"deletedEntity"} | "actionEvent": {"body"}}

``entityEventSequence`` counts the events of one entity (1, 2, ...). Writers of an entity are
serialized by the entity's own row (revision-guarded update or a fresh insert), so the next
number is ``max + 1`` of that entity; the ``(site_id, entity_id, sequence)`` unique key turns
any slip into an error rather than a duplicate. A caller that knows the number — the events
of an entity it has just inserted in this unit of work: 1, 2, ... — passes ``sequence`` and
saves the ``max`` read.

Each event also queues a row in ``outbox_pending`` (the events the webhook dispatcher has not
fanned out yet), and marks the unit of work so that its commit wakes a dispatcher of this
process (:meth:`Database.on_events_committed`). Delivery (webhooks, e-mails) reads the tables
after commit; nothing slow happens in here.
:func:`list_events` is the reading side (the admin endpoint of the bookings slice uses it).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any, Literal

import sqlalchemy as sa

from bookings.platform.cursors import CursorCodec
from bookings.platform.db import SiteScope, UnitOfWork, utcnow
from bookings.platform.models import domain_events, outbox_pending
from bookings.platform.signing import Signer
from bookings.platform.wire import format_timestamp, new_id, parse_timestamp

EventKind = Literal["created", "updated", "deleted", "action"]

#: The entity kinds whose events this server records (each slice names its own; the admin
#: feed accepts these). docs/architecture.md "Domain events per slice".
ENTITY_FQDNS = (
    "wix.bookings.v2.booking",
    "wix.bookings.v1.waitlist_entry",
    "wix.bookings.v2.attendance",
    "wix.bookings.services.v2.service",
    "wix.bookings.v1.booking_policy",
    "wix.bookings.staff.v1.staff_member",
    "wix.bookings.resources.v2.resource",
    "wix.calendar.v3.schedule",
    "wix.calendar.v3.event",
    "wix.ecom.v1.checkout",
    "wix.ecom.v1.order",
)

#: Largest page of :func:`list_events`.
MAX_LIMIT = 1000


async def record(
    uow: UnitOfWork,
    *,
    entity_fqdn: str,
    slug: str,
    entity_id: str,
    kind: EventKind,
    payload: Mapping[str, Any],
    modified_fields: Sequence[str] | None = None,
    event_time: datetime | None = None,
    sequence: int | None = None,
    later: bool = False,
) -> dict[str, Any]:
    """Add one domain event to the outbox of the unit of work's site; returns its envelope.
    ``sequence``: the entity's event number when the caller knows it (see the module doc).
    ``later``: the row goes in with the unit's commit (:meth:`UnitOfWork.insert_deferred`)."""
    t = domain_events
    if sequence is None:
        last = await uow.scalar(
            uow.select(t, sa.func.max(t.c.sequence)).where(t.c.entity_id == entity_id)
        )
        sequence = int(last or 0) + 1
    body, row = _event(
        entity_fqdn, slug, entity_id, kind, payload, modified_fields, event_time, sequence
    )
    pending = {"event_id": row["id"], "created_date": row["created_date"]}
    if later:
        uow.insert_deferred(t, row)
        uow.insert_deferred(outbox_pending, pending)
    else:
        await uow.insert(t, row)
        await uow.insert(outbox_pending, pending)
    uow.events_recorded = True
    return body


def _event(
    entity_fqdn: str,
    slug: str,
    entity_id: str,
    kind: EventKind,
    payload: Mapping[str, Any],
    modified_fields: Sequence[str] | None,
    event_time: datetime | None,
    sequence: int,
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The envelope of one event and its outbox row."""
    when = event_time or utcnow()
    event_id = new_id()
    body: dict[str, Any] = {
        "id": event_id,
        "entityFqdn": entity_fqdn,
        "slug": slug,
        "entityId": entity_id,
        "eventTime": format_timestamp(when),
        "triggeredByAnonymizeRequest": False,
        "entityEventSequence": str(sequence),
    }
    if kind == "created":
        body["createdEvent"] = {"entity": dict(payload)}
    elif kind == "updated":
        updated: dict[str, Any] = {"currentEntity": dict(payload)}
        if modified_fields:
            updated["modifiedFields"] = {f: True for f in modified_fields}
        body["updatedEvent"] = updated
    elif kind == "deleted":
        body["deletedEvent"] = {"deletedEntity": dict(payload)}
    else:
        body["actionEvent"] = {"body": dict(payload)}
    row = {
        "id": event_id,
        "entity_fqdn": entity_fqdn,
        "slug": slug,
        "entity_id": entity_id,
        "event_time": when,
        "sequence": sequence,
        "body": body,
        "created_date": utcnow(),
    }
    return body, row


#: One change of :func:`record_many`: ``(entity id, kind, payload)``; the slug is the kind.
Change = tuple[str, EventKind, Mapping[str, Any]]


async def record_many(scope: SiteScope, entity_fqdn: str, changes: Sequence[Change]) -> None:
    """:func:`record` for many entities of one kind at once (a bulk write of a slice: one
    event per entity changed): one read of their last sequence numbers, one insert. The
    caller's unit of work is ``scope`` (a write); the slug of each event is its kind."""
    if not changes:
        return
    t = domain_events
    ids = sorted({c[0] for c in changes})
    last: dict[str, int] = {}
    for i in range(0, len(ids), 500):
        stmt = (
            scope.select(t, t.c.entity_id, sa.func.max(t.c.sequence).label("last"))
            .where(t.c.entity_id.in_(ids[i : i + 500]))
            .group_by(t.c.entity_id)
        )
        last.update({str(r.entity_id): int(r.last) for r in await scope.all(stmt)})
    rows = []
    for entity_id, kind, payload in changes:
        last[entity_id] = last.get(entity_id, 0) + 1
        rows.append(
            _event(entity_fqdn, kind, entity_id, kind, payload, None, None, last[entity_id])[1]
        )
    await scope.insert(t, *rows)
    await scope.insert(
        outbox_pending,
        *({"event_id": r["id"], "created_date": r["created_date"]} for r in rows),
    )
    if isinstance(scope, UnitOfWork):
        scope.events_recorded = True


_CURSORS = CursorCodec("domain-events")


def encode_cursor(signer: Signer, site_id: str, created: datetime, event_id: str) -> str:
    """A signed cursor resuming the site's event feed after ``(created, event_id)``."""
    return _CURSORS.seal(signer, site_id, [format_timestamp(created), event_id])


def decode_cursor(signer: Signer, site_id: str, cursor: str) -> tuple[datetime, str] | None:
    """The position of a cursor of :func:`encode_cursor` (``None``: not one of this site's)."""
    try:
        stamp, event_id = _CURSORS.open(signer, site_id, cursor)
        return parse_timestamp(stamp), str(event_id)
    except Exception:  # any garbage is "not a cursor"
        return None


async def list_events(
    scope: SiteScope,
    *,
    entity_id: str | None = None,
    entity_fqdn: str | None = None,
    after_sequence: int | None = None,
    after: tuple[datetime, str] | None = None,
    limit: int = 100,
    signer: Signer,
) -> tuple[list[dict[str, Any]], str | None]:
    """Events of the site, oldest first, and the cursor after the last one (``None`` when the
    page is not full). With ``entity_id`` they are ordered by ``entityEventSequence`` and
    ``after_sequence`` skips the ones seen; otherwise by record time and ``after`` (a decoded
    cursor) resumes."""
    t = domain_events
    limit = max(1, min(limit, MAX_LIMIT))
    stmt = scope.select(t)
    if entity_fqdn:
        stmt = stmt.where(t.c.entity_fqdn == entity_fqdn)
    if entity_id is not None:
        stmt = stmt.where(t.c.entity_id == entity_id)
        if after_sequence is not None:
            stmt = stmt.where(t.c.sequence > after_sequence)
        stmt = stmt.order_by(t.c.sequence)
    else:
        if after is not None:
            stmt = stmt.where(
                sa.or_(
                    t.c.created_date > after[0],
                    sa.and_(t.c.created_date == after[0], t.c.id > after[1]),
                )
            )
        stmt = stmt.order_by(t.c.created_date, t.c.id)
    rows = await scope.all(stmt.limit(limit))
    events = [dict(r.body) for r in rows]
    cursor = None
    if len(rows) == limit:
        cursor = encode_cursor(signer, scope.site_id, rows[-1].created_date, rows[-1].id)
    return events, cursor
