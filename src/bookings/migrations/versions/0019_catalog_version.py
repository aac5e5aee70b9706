"""The site's catalog version: a counter that every change of a service, a booking policy, a
resource, a staff member, a calendar schedule or a calendar event (other than a booking's
own event, and other than its participant count) moves on, in the transaction of the change
(database triggers, so that no write path can forget it). A process keeps what it read of
those tables with the version it read them at, and trusts its copy while the version has not
moved (``bookings.platform.site_cache``).

A later migration that adds a column to ``calendar_events`` adds it to the triggers'
``UPDATE OF`` list too (:data:`EVENT_COLUMNS`).

Revision ID: 0019_catalog_version
Revises: 0018_dashboard_users
Create Date: 2026-12-05
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0019_catalog_version"
down_revision: str | None = "0018_dashboard_users"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

#: The tables whose rows the processes keep copies of (every change counts).
CACHED = ("services", "booking_policies", "resources", "staff_members", "calendar_schedules")
#: The calendar's events and their resources: every change but a booking's own event (its id
#: starts with ``booking-``, ``calendar.booking_event_id``) and but the participant count a
#: booking sets (``participants_total``, ``remaining_capacity``): what bookings write often
#: moves nothing.
EVENT_COLUMNS = (
    "id, schedule_id, external_schedule_id, schedule_name, app_id, type, status,"
    " recurrence_type, recurring_event_id, occurrence_date, transparency, time_zone,"
    " start_utc, end_utc, until_utc, series_end_utc, materialized_until, location_id,"
    " location_type, conferencing_type, total_capacity, doc, revision, created_date,"
    " updated_date"
)
#: (table, its event id column, the UPDATE OF list or None for every column)
CALENDAR = (
    ("calendar_events", "id", EVENT_COLUMNS),
    ("calendar_event_resources", "event_id", None),
)

_PG_FUNCTION = """
CREATE FUNCTION bookings_bump_catalog_version() RETURNS trigger AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    UPDATE sites SET catalog_version = catalog_version + 1 WHERE site_id = OLD.site_id;
  ELSE
    UPDATE sites SET catalog_version = catalog_version + 1 WHERE site_id = NEW.site_id;
    IF TG_OP = 'UPDATE' AND NEW.site_id <> OLD.site_id THEN
      UPDATE sites SET catalog_version = catalog_version + 1 WHERE site_id = OLD.site_id;
    END IF;
  END IF;
  RETURN NULL;
END
$$ LANGUAGE plpgsql
"""


def upgrade() -> None:
    op.add_column(
        "sites",
        sa.Column("catalog_version", sa.BigInteger(), nullable=False, server_default="0"),
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute(_PG_FUNCTION)
        for table in CACHED:
            op.execute(
                f"CREATE TRIGGER {table}_catalog_version AFTER INSERT OR UPDATE OR DELETE"
                f" ON {table} FOR EACH ROW EXECUTE FUNCTION bookings_bump_catalog_version()"
            )
        for table, event_id, columns in CALENDAR:
            of = f" OF {columns}" if columns else ""
            for operation, row in (("INSERT", "NEW"), ("UPDATE", "NEW"), ("DELETE", "OLD")):
                op.execute(
                    f"CREATE TRIGGER {table}_catalog_version_{operation.lower()} AFTER"
                    f" {operation}{of if operation == 'UPDATE' else ''} ON {table} FOR EACH ROW"
                    f" WHEN ({row}.{event_id} NOT LIKE 'booking-%')"
                    " EXECUTE FUNCTION bookings_bump_catalog_version()"
                )
        return
    for table, event_id, columns in CALENDAR:
        for operation, row in (("INSERT", "NEW"), ("UPDATE", "NEW"), ("DELETE", "OLD")):
            of = f" OF {columns}" if columns and operation == "UPDATE" else ""
            op.execute(
                f"CREATE TRIGGER {table}_catalog_version_{operation.lower()} AFTER"
                f" {operation}{of} ON {table} WHEN {row}.{event_id} NOT LIKE 'booking-%'"
                " BEGIN UPDATE sites SET catalog_version = catalog_version + 1"
                f" WHERE site_id = {row}.site_id; END"
            )
    for table in CACHED:
        for operation, row in (("INSERT", "NEW"), ("UPDATE", "NEW"), ("DELETE", "OLD")):
            op.execute(
                f"CREATE TRIGGER {table}_catalog_version_{operation.lower()} AFTER {operation}"
                f" ON {table} BEGIN UPDATE sites SET catalog_version = catalog_version + 1"
                f" WHERE site_id = {row}.site_id; END"
            )
        # A row moved to another site (never done, but then both sites' copies go stale).
        op.execute(
            f"CREATE TRIGGER {table}_catalog_version_moved AFTER UPDATE OF site_id ON {table}"
            " WHEN NEW.site_id <> OLD.site_id BEGIN UPDATE sites SET catalog_version ="
            " catalog_version + 1 WHERE site_id = OLD.site_id; END"
        )


def downgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    for table, _, _ in CALENDAR:
        for suffix in ("insert", "update", "delete"):
            on = f" ON {table}" if postgres else ""
            op.execute(f"DROP TRIGGER {table}_catalog_version_{suffix}{on}")
    if postgres:
        for table in CACHED:
            op.execute(f"DROP TRIGGER {table}_catalog_version ON {table}")
        op.execute("DROP FUNCTION bookings_bump_catalog_version()")
    else:
        for table in CACHED:
            for suffix in ("insert", "update", "delete", "moved"):
                op.execute(f"DROP TRIGGER {table}_catalog_version_{suffix}")
    op.drop_column("sites", "catalog_version")
