"""Dashboard users: people who sign in to a site's dashboard with an e-mail and a password.

Revision ID: 0018_dashboard_users
Revises: 0017_site_slugs
Create Date: 2026-12-05
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from bookings.platform.db import UtcDateTime

revision: str = "0018_dashboard_users"
down_revision: str | None = "0017_site_slugs"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "dashboard_users",
        sa.Column("site_id", sa.String(36), nullable=False),
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("email", sa.String(320), nullable=False),
        sa.Column("password_hash", sa.String(255), nullable=False),
        sa.Column("created_date", UtcDateTime, nullable=False),
        sa.Column("disabled_date", UtcDateTime, nullable=True),
        sa.PrimaryKeyConstraint("site_id", "id", name="pk_dashboard_users"),
        sa.UniqueConstraint("email", name="uq_dashboard_users_email"),
    )


def downgrade() -> None:
    op.drop_table("dashboard_users")
