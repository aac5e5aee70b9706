"""Use-cases of Booking Policies V1 and Booking Policy Snapshots V1.

API methods (``create_policy`` ... ``list_snapshots_by_booking_ids``) own their transaction.
Functions for other slices take the caller's :class:`SiteScope` / :class:`UnitOfWork` and never
open one of their own, so that a use-case stays one transaction:

* :func:`ensure_default_policy`, :func:`default_policy_id` — the site's default policy,
  created on first need (race-free on both engines);
* :func:`get_policies` — wire policies by id (the live ``service.bookingPolicy`` join);
* :func:`query_policy_page` — one page of Query Booking Policies on a read scope;
* :func:`take_snapshot`, :func:`list_snapshots` — frozen policies of bookings;
* :data:`policy_deleted` — the hook point run inside Delete Booking Policy, after the row is
  gone, with ``(uow, deleted_policy_id, default_policy_id)``: the app wires the services
  slice's, which moves the services of a deleted policy to the site default.

**One default per site.** A partial unique index (``site_id WHERE is_default``) forbids a
second default; the lazy creation inserts with ``ON CONFLICT DO NOTHING`` and reads back the
winner. Set Default and Delete serialize per site on a transaction-scoped PostgreSQL advisory
lock (SQLite writers are serialized already), read the current default after taking it and
lock the rows they change, so concurrent calls never see or leave zero or two defaults.
"""

from __future__ import annotations

import hashlib
from collections.abc import Awaitable, Callable, Mapping, Sequence
from types import SimpleNamespace
from typing import Any

import sqlalchemy as sa

from bookings.catalog.policies import rules
from bookings.catalog.policies.models import booking_policies as policies_table
from bookings.catalog.policies.models import booking_policy_snapshots as snapshots_table
from bookings.catalog.policies.query_spec import QUERY_SPEC
from bookings.catalog.policies.schemas import BookingPolicy as BookingPolicy
from bookings.identity.service import site_currency
from bookings.platform import errors, events, query
from bookings.platform.auth import Identity, Role
from bookings.platform.constants import BOOKINGS_APP_ID
from bookings.platform.db import (
    Database,
    SiteScope,
    UnitOfWork,
    insert_ignoring_conflicts,
    site_select,
    utcnow,
)
from bookings.platform.hooks import Hooks
from bookings.platform.signing import Signer
from bookings.platform.wire import format_timestamp, new_id

#: Name of the default policy a site gets on first need.
DEFAULT_POLICY_NAME = "Default policy"
NOT_FOUND = "BOOKING_POLICY_NOT_FOUND"
#: Largest ``query.sort`` list (typings: maxSize 10).
MAX_SORT = 10

PolicyDeletedHook = Callable[[UnitOfWork, str, str], Awaitable[None]]
#: Run inside Delete Booking Policy: ``hook(uow, deleted_policy_id, default_policy_id)``.
policy_deleted = Hooks[PolicyDeletedHook]("policy deleted")

t = policies_table

#: The booking policies' domain events (the outbox, :mod:`bookings.platform.events`).
ENTITY_FQDN = "wix.bookings.v1.booking_policy"


_KINDS: dict[str, events.EventKind] = {
    "created": "created",
    "updated": "updated",
    "deleted": "deleted",
}


async def _record(uow: UnitOfWork, slug: str, policy: dict[str, Any]) -> dict[str, Any]:
    """Record a policy's domain event (``slug`` ``created``/``updated``/``deleted``, or the
    action ``default_booking_policy_set`` whose body is ``policy``); returns ``policy``."""
    kind = _KINDS.get(slug, "action")
    entity_id = policy["id"] if kind != "action" else policy["currentDefaultBookingPolicy"]["id"]
    await events.record(
        uow, entity_fqdn=ENTITY_FQDN, slug=slug, entity_id=entity_id, kind=kind, payload=policy
    )
    return policy


# ---------------------------------------------------------------- rows and documents


def _to_wire(row: Any) -> dict[str, Any]:
    """The wire policy of a row (or of anything with the row's ``id``, ``revision``,
    ``created_date``, ``updated_date``, ``doc`` and ``is_default``)."""
    return {
        "id": row.id,
        "revision": str(row.revision),
        "createdDate": format_timestamp(row.created_date),
        "updatedDate": format_timestamp(row.updated_date),
        **row.doc,
        "default": bool(row.is_default),
    }


def _columns(doc: dict[str, Any]) -> dict[str, Any]:
    """The indexed columns of a complete policy document."""
    early, late = doc["limitEarlyBookingPolicy"], doc["limitLateBookingPolicy"]
    cancel, reschedule = doc["cancellationPolicy"], doc["reschedulePolicy"]
    waitlist, participants = doc["waitlistPolicy"], doc["participantsPolicy"]
    return {
        "name": doc.get("name"),
        "description_enabled": doc["customPolicyDescription"]["enabled"],
        "description": doc["customPolicyDescription"]["description"],
        "early_enabled": early["enabled"],
        "earliest_booking_minutes": early["earliestBookingInMinutes"],
        "late_enabled": late["enabled"],
        "latest_booking_minutes": late["latestBookingInMinutes"],
        "book_after_start_enabled": doc["bookAfterStartPolicy"]["enabled"],
        "cancellation_enabled": cancel["enabled"],
        "cancellation_limited": cancel["limitLatestCancellation"],
        "latest_cancellation_minutes": cancel["latestCancellationInMinutes"],
        "reschedule_enabled": reschedule["enabled"],
        "reschedule_limited": reschedule["limitLatestReschedule"],
        "latest_reschedule_minutes": reschedule["latestRescheduleInMinutes"],
        "waitlist_enabled": waitlist["enabled"],
        "waitlist_capacity": waitlist["capacity"],
        "waitlist_reservation_minutes": waitlist["reservationTimeInMinutes"],
        "participants_enabled": participants.get("enabled"),
        "max_participants_per_booking": participants["maxParticipantsPerBooking"],
        "resources_enabled": doc["resourcesPolicy"]["enabled"],
        "resources_auto_assign": doc["resourcesPolicy"]["autoAssignAllowed"],
        "intake_form_id": doc["intakeFormPolicy"].get("formId"),
        "doc": doc,
    }


#: Attribute name -> wire name of the fields a client may write.
_WRITABLE = {
    name: field.alias or name
    for name, field in BookingPolicy.model_fields.items()
    if (field.alias or name) in rules.WRITABLE
}


def _given(policy: BookingPolicy) -> tuple[dict[str, Any], set[str]]:
    """A request's policy as a wire document of writable fields, and the fields it names.
    Read-only fields are never even serialized (they are accepted as anything)."""
    doc = policy.model_dump(mode="json", by_alias=True, exclude_none=True, include=set(_WRITABLE))
    named = {_WRITABLE[name] for name in policy.model_fields_set if name in _WRITABLE}
    return doc, named


def _not_found(policy_id: str) -> errors.ApplicationError:
    return errors.not_found(NOT_FOUND, f"Booking policy {policy_id} not found")


async def _row(scope: SiteScope, policy_id: str) -> sa.Row[Any] | None:
    return await scope.one_or_none(scope.select(t).where(t.c.id == policy_id))


async def _load(scope: SiteScope, policy_id: str) -> sa.Row[Any]:
    row = await _row(scope, policy_id)
    if row is None:
        raise _not_found(policy_id)
    return row


async def _default_row(scope: SiteScope) -> sa.Row[Any] | None:
    return await scope.one_or_none(scope.select(t).where(t.c.is_default == sa.true()))


async def _insert_ignoring_conflicts(uow: UnitOfWork, table: sa.Table, row: dict[str, Any]) -> None:
    """INSERT ... ON CONFLICT DO NOTHING: a concurrent twin (same unique key) wins quietly."""
    values = {**row, "site_id": uow.site_id}
    await uow.conn.execute(insert_ignoring_conflicts(uow.conn, table).values(**values))


async def _lock_default(uow: UnitOfWork) -> None:
    """Serialize changes of the site's default (PostgreSQL; SQLite writers are serial)."""
    if uow.dialect != "postgresql":
        return
    digest = hashlib.sha256(f"booking-policy-default:{uow.site_id}".encode()).digest()
    key = int.from_bytes(digest[:8], "big", signed=True)
    await uow.conn.execute(sa.select(sa.func.pg_advisory_xact_lock(key)))


async def _ensure_default_exists(db: Database, site_id: str) -> None:
    """Before a read: create the site's default policy if it has none yet."""
    async with db.read(site_id) as scope:
        if await _default_row(scope) is not None:
            return
    async with db.write(site_id) as uow:
        await ensure_default_policy(uow)


# ---------------------------------------------------------------- for other slices


async def ensure_default_policy(uow: UnitOfWork) -> dict[str, Any]:
    """The site's default policy (wire), created with all defaults if the site has none."""
    row = await _default_row(uow)
    if row is None:
        now = utcnow()
        doc = rules.fill_defaults(
            {"appId": BOOKINGS_APP_ID, "createdByAppId": BOOKINGS_APP_ID},
            await site_currency(uow),
        )
        doc = {"name": DEFAULT_POLICY_NAME, **doc}
        policy_id = new_id()
        await _insert_ignoring_conflicts(
            uow,
            t,
            {
                "id": policy_id,
                **_columns(doc),
                "is_default": True,
                "revision": 1,
                "created_date": now,
                "updated_date": now,
            },
        )
        row = await _default_row(uow)
        assert row is not None
        if row.id == policy_id:  # this unit made it (not a concurrent twin)
            return await _record(uow, "created", _to_wire(row))
    return _to_wire(row)


async def default_policy_id(uow: UnitOfWork) -> str:
    """Id of the site's default policy (created on first need)."""
    return str((await ensure_default_policy(uow))["id"])


#: One policy by id, built once (see ``platform/db.py``): every create reads its service's.
_POLICY_BY_ID = site_select(t).where(t.c.id == sa.bindparam("policy_id"))


#: A policy's columns for a statement of another slice that joins it in, each labelled
#: ``policy_<column>``; :func:`joined_policy` turns them into the wire policy.
JOINED_COLUMNS = tuple(
    t.c[name].label(f"policy_{name}")
    for name in ("id", "revision", "created_date", "updated_date", "doc", "is_default")
)


def joined_policy(row: sa.Row[Any]) -> dict[str, Any] | None:
    """The wire policy of a row that joined :data:`JOINED_COLUMNS` in (``None``: no policy
    matched the join)."""
    if row.policy_id is None:
        return None
    return _to_wire(
        SimpleNamespace(
            id=row.policy_id,
            revision=row.policy_revision,
            created_date=row.policy_created_date,
            updated_date=row.policy_updated_date,
            doc=row.policy_doc,
            is_default=row.policy_is_default,
        )
    )


def join_policy(stmt: sa.Select[Any], owner: sa.Table, policy_column: str) -> sa.Select[Any]:
    """``stmt`` over ``owner`` with the policy its ``policy_column`` names (of the same site)
    joined in as :data:`JOINED_COLUMNS` (a left join: no match leaves them NULL)."""
    matches = sa.and_(t.c.site_id == owner.c.site_id, t.c.id == owner.c[policy_column])
    return stmt.add_columns(*JOINED_COLUMNS).outerjoin_from(owner, t, matches)


async def get_policies(scope: SiteScope, ids: Sequence[str]) -> dict[str, dict[str, Any]]:
    """Wire policies by id; unknown ids are simply absent."""
    wanted = sorted({i for i in ids if i})
    if not wanted:
        return {}
    if len(wanted) == 1:
        rows = (await scope.run(_POLICY_BY_ID, policy_id=wanted[0])).all()
    else:
        rows = await scope.all(scope.select(t).where(t.c.id.in_(wanted)))
    return {row.id: _to_wire(row) for row in rows}


async def query_policy_page(
    scope: SiteScope, signer: Signer, q: dict[str, Any], *, prefix: str = "query"
) -> dict[str, Any]:
    """``{bookingPolicies, pagingMetadata}`` of one Query Booking Policies page."""
    sort = q.get("sort") if isinstance(q, dict) else None
    if isinstance(sort, list) and len(sort) > MAX_SORT:
        raise errors.invalid_field(
            f"{prefix}.sort", f"must have at most {MAX_SORT} entries", errors.MAX_SIZE
        )
    page = await query.run_query(
        scope,
        QUERY_SPEC,
        scope.select(t),
        q,
        signer=signer,
        scope_key=f"{scope.site_id}:booking-policies",
        prefix=prefix,
    )
    return {
        "bookingPolicies": [_to_wire(row) for row in page.rows],
        "pagingMetadata": page.paging_metadata,
    }


#: ``INSERT ... ON CONFLICT DO NOTHING RETURNING id`` of a snapshot, by dialect name.
_SNAPSHOT_INSERT: dict[str, Any] = {}


async def take_snapshot(
    uow: UnitOfWork,
    booking_id: str,
    policy_id: str,
    known: Mapping[str, Any] | None = None,
    *,
    fresh: bool = False,
) -> dict[str, Any]:
    """Freeze ``policy_id`` for ``booking_id`` (wire snapshot). One snapshot per booking: a
    second call for the same booking returns the first snapshot unchanged.

    The usual call (a booking being created) costs two statements: read the policy, insert
    the snapshot returning it; the first snapshot wins any conflict and is read back.
    ``known``: the wire policy as the caller's use-case has just read it (a service's
    ``bookingPolicy``), frozen as is without reading it again; a bare ``{"id"}`` (the
    service's policy was not found) does not count. ``fresh``: the booking is being created
    in this unit of work, so it has no snapshot yet, and this one goes in with the unit's
    commit (:meth:`UnitOfWork.insert_deferred`)."""
    if known is not None and known.get("id") == policy_id and "revision" in known:
        policy = dict(known)
    else:
        row = await _row(uow, policy_id)
        if row is None:
            existing = await _snapshot_row(uow, booking_id)
            if existing is None:
                raise _not_found(policy_id)
            return _snapshot_wire(existing)
        policy = _to_wire(row)
    s = snapshots_table
    values = {
        "site_id": uow.site_id,
        "id": new_id(),
        "booking_id": booking_id,
        "policy": rules.snapshot_policy(policy),
        "created_date": utcnow(),
    }
    if fresh:
        uow.insert_deferred(s, {k: v for k, v in values.items() if k != "site_id"})
        return _snapshot_wire(values)
    stmt = _SNAPSHOT_INSERT.get(uow.dialect)
    if stmt is None:  # built once per engine kind (see ``platform/db.py``)
        stmt = insert_ignoring_conflicts(uow.conn, s).returning(s.c.id)
        _SNAPSHOT_INSERT[uow.dialect] = stmt
    if (await uow.conn.execute(stmt, values)).first() is not None:
        return _snapshot_wire(values)
    existing = await _snapshot_row(uow, booking_id)
    assert existing is not None
    return _snapshot_wire(existing)


async def list_snapshots(scope: SiteScope, booking_ids: Sequence[str]) -> list[dict[str, Any]]:
    """Snapshots of ``booking_ids`` in the order asked for; bookings without one are skipped."""
    wanted = list(dict.fromkeys(booking_ids))
    if not wanted:
        return []
    s = snapshots_table
    rows = await scope.all(scope.select(s).where(s.c.booking_id.in_(wanted)))
    by_booking = {row.booking_id: row for row in rows}
    return [_snapshot_wire(by_booking[b]) for b in wanted if b in by_booking]


async def _snapshot_row(scope: SiteScope, booking_id: str) -> sa.Row[Any] | None:
    s = snapshots_table
    return await scope.one_or_none(scope.select(s).where(s.c.booking_id == booking_id))


def _snapshot_wire(row: sa.Row[Any] | Mapping[str, Any]) -> dict[str, Any]:
    """The wire snapshot of a row, or of the values of a row as they were inserted."""
    r: Mapping[Any, Any] = row._mapping if isinstance(row, sa.Row) else row
    return {
        "id": r["id"],
        "bookingId": r["booking_id"],
        "policy": r["policy"],
        "createdDate": format_timestamp(r["created_date"]),
    }


# ---------------------------------------------------------------- API methods


async def create_policy(db: Database, caller: Identity, policy: BookingPolicy) -> dict[str, Any]:
    given, _ = _given(policy)
    async with db.write(caller.site_id) as uow:
        await ensure_default_policy(uow)
        doc = rules.fill_defaults(given, await site_currency(uow))
        rules.check(doc)
        app_id = policy.app_id or BOOKINGS_APP_ID
        doc = {
            "appId": app_id,
            "createdByAppId": caller.subject_id if caller.role is Role.APP else app_id,
            **doc,
        }
        now = utcnow()
        policy_id = new_id()
        await uow.insert(
            t,
            {
                "id": policy_id,
                **_columns(doc),
                "is_default": False,
                "revision": 1,
                "created_date": now,
                "updated_date": now,
            },
        )
        return await _record(uow, "created", _to_wire(await _load(uow, policy_id)))


async def get_policy(db: Database, site_id: str, policy_id: str) -> dict[str, Any]:
    async with db.read(site_id) as scope:
        return _to_wire(await _load(scope, policy_id))


async def get_strictest(db: Database, site_id: str, policy_ids: Sequence[str]) -> dict[str, Any]:
    wanted = list(dict.fromkeys(policy_ids))
    if not wanted:
        raise errors.invalid_field("bookingPolicyIds", "is required", errors.REQUIRED_FIELD)
    async with db.read(site_id) as scope:
        found = await get_policies(scope, wanted)
    missing = [i for i in wanted if i not in found]
    if missing:
        raise _not_found(missing[0])
    return rules.strictest([found[i] for i in wanted])


async def update_policy(
    db: Database, site_id: str, policy: BookingPolicy, mask: list[str] | None
) -> dict[str, Any]:
    if policy.id is None:
        raise errors.invalid_field("bookingPolicy.id", "is required", errors.REQUIRED_FIELD)
    if policy.revision is None:
        raise errors.revision_required("bookingPolicy.revision")
    given, named = _given(policy)
    fields = rules.field_names(mask) if mask else named
    async with db.write(site_id) as uow:
        await uow.lock(t, [policy.id])
        row = await _load(uow, policy.id)
        if row.revision != policy.revision:
            raise errors.revision_mismatch("Booking policy", row.id, policy.revision, row.revision)
        merged = rules.merge_update(dict(row.doc), given, fields)
        doc = rules.fill_defaults(merged, await site_currency(uow))
        rules.check(doc)
        await uow.conn.execute(
            uow.update(t)
            .where(t.c.id == row.id)
            .values(**_columns(doc), revision=row.revision + 1, updated_date=utcnow())
        )
        return await _record(uow, "updated", _to_wire(await _load(uow, row.id)))


async def set_default(db: Database, site_id: str, policy_id: str) -> dict[str, Any]:
    async with db.write(site_id) as uow:
        await ensure_default_policy(uow)
        await _lock_default(uow)
        current = await _default_row(uow)
        assert current is not None
        await uow.lock(t, [policy_id, current.id])
        target = await _load(uow, policy_id)
        if target.is_default:
            return {"currentDefaultBookingPolicy": _to_wire(target)}
        now = utcnow()
        for row, is_default in ((current, False), (target, True)):
            await uow.conn.execute(
                uow.update(t)
                .where(t.c.id == row.id)
                .values(is_default=is_default, revision=t.c.revision + 1, updated_date=now)
            )
        answer = {
            "currentDefaultBookingPolicy": _to_wire(await _load(uow, target.id)),
            "previousDefaultBookingPolicy": _to_wire(await _load(uow, current.id)),
        }
        await _record(uow, "updated", answer["previousDefaultBookingPolicy"])
        await _record(uow, "updated", answer["currentDefaultBookingPolicy"])
        return await _record(uow, "default_booking_policy_set", answer)


async def delete_policy(db: Database, site_id: str, policy_id: str) -> None:
    async with db.write(site_id) as uow:
        await ensure_default_policy(uow)
        await _lock_default(uow)
        await uow.lock(t, [policy_id])
        row = await _load(uow, policy_id)
        if row.is_default:
            raise errors.failed_precondition(
                "DEFAULT_POLICY_CANNOT_BE_DELETED",
                "The default booking policy cannot be deleted: set another policy as the "
                "default first",
            )
        await uow.conn.execute(uow.delete(t).where(t.c.id == policy_id))
        await _record(uow, "deleted", _to_wire(row))
        default_id = await default_policy_id(uow)
        for hook in policy_deleted:
            await hook(uow, policy_id, default_id)


async def query_policies(
    db: Database, signer: Signer, site_id: str, q: dict[str, Any]
) -> dict[str, Any]:
    await _ensure_default_exists(db, site_id)
    async with db.read(site_id) as scope:
        return await query_policy_page(scope, signer, q)


async def count_policies(db: Database, site_id: str, filter_: dict[str, Any] | None) -> int:
    await _ensure_default_exists(db, site_id)
    async with db.read(site_id) as scope:
        return await query.count(scope, QUERY_SPEC, scope.select(t), filter_, prefix="filter")


async def list_snapshots_by_booking_ids(
    db: Database, site_id: str, booking_ids: Sequence[str]
) -> list[dict[str, Any]]:
    async with db.read(site_id) as scope:
        return await list_snapshots(scope, booking_ids)
