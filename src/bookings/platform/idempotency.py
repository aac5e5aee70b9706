"""Idempotency keys on writes: the pure part (issue 15 groundwork).

A client may send ``Idempotency-Key`` (or ``X-Idempotency-Key``) on any POST, PATCH or DELETE,
bare (``abc-123``, as Stripe clients do) or as a Structured-Field string (``"abc-123"``, as the
IETF draft writes it). A key is 1 to 255 printable ASCII characters. Requests are "the same"
when their method, route template, path parameters and body (as canonical JSON: sorted keys,
no spaces) are: :func:`fingerprint` is the SHA-256 of those. A key is scoped to the site and
the credential that sent it (:func:`scope_key`), so two callers of one site never collide.

The stateful part is :class:`KeyedDatabase`: the ``Call.db`` of a request with a key. Its
first write unit starts by claiming the key (PostgreSQL: ``pg_try_advisory_xact_lock`` on the
scope, before any row lock; SQLite: ``BEGIN IMMEDIATE`` already serializes writers) and
looking the record up (replay or 422; a use case that reads first looks it up in that read
already, so that a refusal based on what it reads never hides a replay); its commit is
deferred until the router has the answer, which it then stores in the same transaction
(:meth:`KeyedDatabase.finish`). A use
case that opens more write units (a bulk method, one per item) runs each later one in a
savepoint of that first transaction: a failed item rolls back only its own changes, and the
request commits whole, with its record, or not at all (a request that dies after its first
item leaves nothing behind, so its retry books nothing twice). Only a use case that commits
on purpose (:meth:`Database.commit_pending`, before a payment provider's call) splits it: the
record is then stored in a transaction of its own after the last unit, without the lock's
protection between the units. Only committed successes are stored: an error rolls
everything back.
"""

from __future__ import annotations

import hashlib
import sys
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, TypeVar

import orjson
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from bookings.platform import errors
from bookings.platform.db import Database, SiteScope, UnitOfWork
from bookings.platform.models import idempotency_records

T = TypeVar("T")
R = TypeVar("R")

HEADERS = ("idempotency-key", "x-idempotency-key")
#: The code of the 409 (the router adds ``Retry-After``).
IN_USE = "IDEMPOTENCY_KEY_IN_USE"
#: How long a record is replayed (at least); then the key is new again.
TTL = timedelta(hours=24)
#: One stored record in this many also deletes the expired ones.
PRUNE_EVERY = 256
MAX_LENGTH = 255
#: Methods that take a key; others ignore it.
WRITES = frozenset({"POST", "PATCH", "PUT", "DELETE"})


def parse_key(headers: Mapping[str, str]) -> str | None:
    """The request's idempotency key (``None``: none sent); 400 naming the header when it is
    malformed."""
    for name in HEADERS:
        raw = headers.get(name)
        if raw is None:
            continue
        value = raw.strip()
        if len(value) >= 2 and value[0] == value[-1] == '"':
            value = value[1:-1].replace('\\"', '"').replace("\\\\", "\\")
        if not 1 <= len(value) <= MAX_LENGTH or not all(32 <= ord(c) < 127 for c in value):
            raise errors.invalid_field(
                f"header:{name}",
                f"must be 1 to {MAX_LENGTH} printable ASCII characters",
                errors.FORMAT,
            )
        return value
    return None


def fingerprint(method: str, route: str, path_params: Mapping[str, Any], body: Any) -> str:
    """What makes two requests with one key the same request."""
    canonical = orjson.dumps(
        {"method": method.upper(), "route": route, "path": dict(path_params), "body": body},
        option=orjson.OPT_SORT_KEYS,
    )
    return hashlib.sha256(canonical).hexdigest()


def scope_key(site_id: str, credential_id: str, key: str) -> str:
    """The record's key: one site, one credential, one client key."""
    return hashlib.sha256(f"{site_id}\x00{credential_id}\x00{key}".encode()).hexdigest()


def reused(route: str) -> errors.ApplicationError:
    """422: the key was used with another request."""
    return errors.ApplicationError(
        "IDEMPOTENCY_KEY_REUSED",
        f"This Idempotency-Key was used with another request (now {route}): send a new key",
        http_status=422,
    )


def in_flight() -> errors.ApplicationError:
    """409: the first request with this key has not finished."""
    return errors.ApplicationError(
        IN_USE,
        "A request with this Idempotency-Key is still running: retry in a moment",
        http_status=409,
    )


class Replay(Exception):
    """The key was used with this very request, which succeeded: answer what it answered."""

    def __init__(self, status_code: int, content_type: str, body: bytes) -> None:
        super().__init__("replay")
        self.status_code = status_code
        self.content_type = content_type
        self.body = body


@dataclass(frozen=True)
class Claim:
    """One request with a key: its record's key and what makes it the same request."""

    site_id: str
    scope: str
    route: str
    fingerprint: str
    now: datetime
    ttl: timedelta = TTL


#: PostgreSQL: the try-lock and the lookup in one round trip. The lookup's snapshot may be a
#: moment older than the lock (a twin that committed in between is not seen): the primary key
#: catches that twin at the insert, which rolls this request back and replays.
_LOCK_AND_FIND = sa.text(
    "SELECT l.got, r.route, r.fingerprint, r.status_code, r.content_type, r.body, r.expires_at"
    " FROM (SELECT pg_try_advisory_xact_lock(hashtextextended(:scope, 0)) AS got) AS l"
    " LEFT JOIN idempotency_records AS r ON r.site_id = :site AND r.scope = :scope"
).columns(
    sa.column("got", sa.Boolean),
    idempotency_records.c.route,
    idempotency_records.c.fingerprint,
    idempotency_records.c.status_code,
    idempotency_records.c.content_type,
    idempotency_records.c.body,
    idempotency_records.c.expires_at,
)
_FIND = sa.select(
    idempotency_records.c.route,
    idempotency_records.c.fingerprint,
    idempotency_records.c.status_code,
    idempotency_records.c.content_type,
    idempotency_records.c.body,
    idempotency_records.c.expires_at,
).where(
    idempotency_records.c.site_id == sa.bindparam("site"),
    idempotency_records.c.scope == sa.bindparam("scope"),
)
_DROP = sa.delete(idempotency_records).where(
    idempotency_records.c.site_id == sa.bindparam("site"),
    idempotency_records.c.scope == sa.bindparam("scope"),
    idempotency_records.c.expires_at <= sa.bindparam("now"),
)
_PRUNE = sa.delete(idempotency_records).where(
    idempotency_records.c.expires_at <= sa.bindparam("now")
)
_INSERT = sa.insert(idempotency_records)


async def _check(conn: AsyncConnection, claim: Claim) -> bool:
    """Replay or 422 when a live record holds the key; whether an expired one does."""
    row = (await conn.execute(_FIND, {"site": claim.site_id, "scope": claim.scope})).first()
    return _verdict(row, claim)


def _verdict(row: Any, claim: Claim) -> bool:
    if row is None or row.fingerprint is None:
        return False
    if row.expires_at <= claim.now:
        return True
    if row.fingerprint != claim.fingerprint:
        raise reused(claim.route)
    raise Replay(row.status_code, row.content_type, bytes(row.body))


async def prune(db: Database, now: datetime) -> int:
    """Delete the records expired at ``now``; how many went."""
    async with db.connect_for_write() as conn:
        result = await conn.execute(_PRUNE, {"now": now})
    return int(result.rowcount or 0)


class _Stored:
    count = 0


class KeyedDatabase(Database):
    """The database of one request with an ``Idempotency-Key`` (see the module docstring).

    It shares the engine, the SQLite writer lock and the commit listeners of ``db``."""

    def __init__(self, db: Database, claim: Claim) -> None:
        self.__dict__.update(db.__dict__)
        self.base = db
        self.claim = claim
        self._pending: tuple[AbstractAsyncContextManager[AsyncConnection], UnitOfWork] | None = None
        self._units = 0
        #: Whether a unit of this request committed before its end (commit_pending).
        self._committed = False
        #: The lookup done in a read before the first write unit: whether it found an
        #: expired record (SQLite's write unit takes it as current).
        self._looked_up: bool | None = None

    async def commit_pending(self) -> None:
        await self._commit_pending()

    async def _commit_pending(self) -> None:
        if self._pending is None:
            return
        cm, uow = self._pending
        self._pending = None
        await cm.__aexit__(None, None, None)
        self._committed = True
        self.after_commit(uow)

    @asynccontextmanager
    async def connect_for_write(self) -> AsyncIterator[AsyncConnection]:
        await self._commit_pending()
        async with super().connect_for_write() as conn:
            yield conn

    @asynccontextmanager
    async def connect_for_read(self) -> AsyncIterator[AsyncConnection]:
        if self._pending is not None:
            yield self._pending[1].conn
            return
        async with super().connect_for_read() as conn:
            yield conn

    @asynccontextmanager
    async def read(
        self, site_id: str, *, catalog_version: int | None = None
    ) -> AsyncIterator[SiteScope]:
        if self._pending is not None:
            # After this request's own first unit (not committed yet): no copies.
            yield SiteScope(self._pending[1].conn, site_id)
            return
        async with super().read(site_id, catalog_version=catalog_version) as scope:
            if self._units == 0 and self._looked_up is None:
                # A use case that reads before it writes may refuse on what it reads (a
                # checkout that already has its order): the record is looked up first, in
                # the transaction the use case opens anyway (SQLite: before the one writer
                # slot, so as not to hold it longer). A twin that commits before this
                # request's write is caught at the write: PostgreSQL looks again under the
                # key's lock, SQLite's primary key refuses the second record (rolled back,
                # replayed).
                self._looked_up = await _check(scope.conn, self.claim)
            yield scope

    @asynccontextmanager
    async def write(
        self, site_id: str, *, catalog_version: int | None = None
    ) -> AsyncIterator[UnitOfWork]:
        self._units += 1
        if self._pending is not None:
            async with self._savepoint(site_id) as later:
                yield later
            return
        if self._committed:  # split on purpose: the record goes in after the last unit
            async with super().write(site_id, catalog_version=catalog_version) as later:
                yield later
            return
        claim = self.claim
        cm = Database.connect_for_write(self)
        conn = await cm.__aenter__()
        try:
            if self.dialect == "postgresql":
                params = {"scope": claim.scope, "site": claim.site_id}
                row = (await conn.execute(_LOCK_AND_FIND, params)).first()
                # A unit after a failed first one (rolled back: its lock went with it) goes
                # on without it: the record's primary key still catches a twin at the end.
                if row is None or (not row.got and self._units == 1):
                    raise in_flight()
                expired = _verdict(row, claim)
            elif self._looked_up is not None:
                expired = self._looked_up
            else:  # SQLite: BEGIN IMMEDIATE, the one writer; the lookup is current
                expired = await _check(conn, claim)
            if expired:
                await conn.execute(
                    _DROP, {"site": claim.site_id, "scope": claim.scope, "now": claim.now}
                )
            uow = UnitOfWork(conn, site_id, self.dialect, self.site_cache, catalog_version)
            yield uow
            await uow.flush()
        except BaseException:
            await cm.__aexit__(*sys.exc_info())
            raise
        self._pending = (cm, uow)

    @asynccontextmanager
    async def _savepoint(self, site_id: str) -> AsyncIterator[UnitOfWork]:
        """A later unit of work of the request (a bulk method's next item): a savepoint of
        the first unit's transaction, which still waits for its commit. Its failure rolls
        back only its own changes; its success commits with the others and the record."""
        assert self._pending is not None
        first = self._pending[1]
        await first.flush()
        conn = first.conn
        async with conn.begin_nested():
            uow = UnitOfWork(conn, site_id, self.dialect)
            yield uow
            await uow.flush()
        first.events_recorded |= uow.events_recorded
        first.signals |= uow.signals

    async def abort(self) -> None:
        """The request failed: roll back the unit that waits for its commit."""
        if self._pending is None:
            return
        cm, _ = self._pending
        self._pending = None
        try:
            raise RuntimeError("request failed")
        except RuntimeError:
            await cm.__aexit__(*sys.exc_info())

    async def finish(self, status_code: int, content_type: str, body: bytes) -> None:
        """The request succeeded with this answer: store it and commit. Raises
        :class:`Replay` (or the 422) when a twin committed the key first (the primary key's
        backstop: then this request's changes roll back)."""
        claim = self.claim
        row = {
            "site_id": claim.site_id,
            "scope": claim.scope,
            "route": claim.route,
            "fingerprint": claim.fingerprint,
            "status_code": status_code,
            "content_type": content_type,
            "body": body,
            "created_at": claim.now,
            "expires_at": claim.now + claim.ttl,
        }
        if self._pending is not None:
            cm, uow = self._pending
            self._pending = None
            try:
                await uow.conn.execute(_INSERT, row)
            except BaseException as exc:
                await cm.__aexit__(*sys.exc_info())
                if isinstance(exc, sa.exc.IntegrityError):
                    await self._twin()
                raise
            await cm.__aexit__(None, None, None)
            self.after_commit(uow)
        elif self._units:
            try:
                async with Database.connect_for_write(self) as conn:
                    await conn.execute(_INSERT, row)
            except sa.exc.IntegrityError:
                await self._twin()
                raise
        else:
            return  # nothing written: nothing to replay
        _Stored.count += 1
        if _Stored.count % PRUNE_EVERY == 0:
            await prune(self.base, claim.now)

    async def _twin(self) -> None:
        async with Database.connect_for_read(self) as conn:
            await _check(conn, self.claim)


def keyed_database(
    db: Database,
    *,
    key: str,
    site_id: str,
    credential_id: str,
    method: str,
    route: str,
    path_params: Mapping[str, Any],
    body: Any,
    clock: Callable[[], datetime],
) -> KeyedDatabase:
    """The ``Call.db`` of one request with an idempotency key."""
    return KeyedDatabase(
        db,
        Claim(
            site_id=site_id,
            scope=scope_key(site_id, credential_id, key),
            route=f"{method} {route}",
            fingerprint=fingerprint(method, route, path_params, body),
            now=clock(),
        ),
    )
