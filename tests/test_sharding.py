"""Nothing stands in the way of sharding sites with Citus (issue 17, docs/deploy.md): every
table's primary key and unique constraints lead with ``site_id``, except the few tables that
are looked up before the site is known or that belong to the deployment, which would be
Citus reference tables (copied to every node)."""

from __future__ import annotations

import bookings.models  # noqa: F401  (every slice's tables)
from bookings.platform.db import metadata

#: Looked up by a credential's hash, a feed's lookup id or an e-mail before the site is known
#: (sites, api_keys, access_tokens, calendar_feeds, dashboard_users), or the deployment's own
#: (instance_secrets, notification_cursor): reference tables under Citus.
REFERENCE_TABLES = {
    "sites",
    "api_keys",
    "access_tokens",
    "calendar_feeds",
    "dashboard_users",
    "instance_secrets",
    "notification_cursor",
}


def keys_of(table_name: str) -> list[list[str]]:
    table = metadata.tables[table_name]
    keys = [[c.name for c in table.primary_key.columns]]
    keys += [
        [c.name for c in u.columns]
        for u in table.constraints
        if u.__class__.__name__ == "UniqueConstraint"
    ]
    keys += [[c.name for c in i.columns] for i in table.indexes if i.unique]
    return keys


def test_every_key_of_a_distributed_table_leads_with_site_id() -> None:
    wrong = [
        f"{name}: {key}"
        for name in sorted(metadata.tables)
        if name not in REFERENCE_TABLES
        for key in keys_of(name)
        if key and key[0] != "site_id"
    ]
    assert wrong == []


def test_the_reference_tables_are_the_known_ones() -> None:
    assert set(metadata.tables) >= REFERENCE_TABLES
