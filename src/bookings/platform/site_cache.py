"""Copies of a site's catalog (services with their policies, staff) kept by a process, each
good while the site's catalog version has not moved.

Every change of a service, booking policy, resource or staff member moves the site's
``catalog_version`` on in the transaction of the change (database triggers, migration 0019),
on every node. A request learns the version with its credential (the lookup reads it with the
site's time zone, in the same statement: ``Identity.site``), so a copy kept under that
version is what a read of the tables would give now, at no round trip: after the process's
own writes, another process's and another node's alike. A copy is kept under the version of
the request that read it: that read came after the version was read, so it is at least as
new, and it is only handed to requests that learned the same version.

A use case opts in by opening its unit of work with the version its caller's credential read
(``Database.write(site_id, catalog_version=...)``; Create Booking does), and only if it
changes nothing of the catalog before it reads the copies (a create changes none of it)."""

from __future__ import annotations

from collections import OrderedDict
from typing import Any

#: Copies one process keeps at most (the least recently used go first).
LIMIT = 4096


class SiteCache:
    """One database's copies, by (site, kind, key), each with the version it was read at."""

    def __init__(self, limit: int = LIMIT) -> None:
        self.limit = limit
        self._entries: OrderedDict[tuple[str, str, str], tuple[int, Any]] = OrderedDict()

    def get(self, site_id: str, version: int, kind: str, key: str) -> Any | None:
        """The copy of ``kind``/``key`` read at ``version``; ``None``: read it again."""
        entry = self._entries.get((site_id, kind, key))
        if entry is None or entry[0] != version:
            return None
        self._entries.move_to_end((site_id, kind, key))
        return entry[1]

    def put(self, site_id: str, version: int, kind: str, key: str, value: Any) -> None:
        self._entries[(site_id, kind, key)] = (version, value)
        self._entries.move_to_end((site_id, kind, key))
        while len(self._entries) > self.limit:
            self._entries.popitem(last=False)
