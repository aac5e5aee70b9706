"""Tables of the calendar feeds slice.

``calendar_feeds`` — one row per feed that was ever listed or rotated: the site's feed (``id``
:data:`SITE_FEED_ID`) or a staff member's (``id`` = the staff member id). ``lookup_id`` is the
random first half of the feed's token (:mod:`bookings.feeds.tokens`); the second half is an
HMAC of it under the server's secret, never stored. Rotating replaces ``lookup_id``. A feed's
URL is looked up by ``lookup_id`` before the site is known, so besides the ``(site_id, id)``
primary key it has a global unique index (a reference table in a Citus deployment, as the
API keys).
"""

from __future__ import annotations

import sqlalchemy as sa

from bookings.platform.db import UtcDateTime, metadata, site_id_column

#: The ``id`` of a site's own feed (staff members' feeds use their ids, GUIDs).
SITE_FEED_ID = "site"

calendar_feeds = sa.Table(
    "calendar_feeds",
    metadata,
    site_id_column(),
    sa.Column("id", sa.String(36), nullable=False),
    sa.Column("lookup_id", sa.String(32), nullable=False),
    sa.Column("created_date", UtcDateTime, nullable=False),
    sa.Column("updated_date", UtcDateTime, nullable=False),
    sa.PrimaryKeyConstraint("site_id", "id"),
    sa.UniqueConstraint("lookup_id"),
)
