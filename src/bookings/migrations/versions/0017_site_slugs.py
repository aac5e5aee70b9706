"""Sites get a slug: the short name of their booking page's address (``/book/{slug}``).

Revision ID: 0017_site_slugs
Revises: 0016_payments
Create Date: 2026-12-05
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from bookings.identity.slugs import free_slug

revision: str = "0017_site_slugs"
down_revision: str | None = "0016_payments"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("sites", sa.Column("slug", sa.String(64), nullable=True))
    conn = op.get_bind()
    sites = sa.table(
        "sites",
        sa.column("site_id"),
        sa.column("name"),
        sa.column("slug"),
        sa.column("created_date"),
    )
    taken: set[str] = set()
    for site_id, name in conn.execute(
        sa.select(sites.c.site_id, sites.c.name).order_by(sites.c.created_date)
    ):
        slug = free_slug(name, taken)
        taken.add(slug)
        conn.execute(sa.update(sites).where(sites.c.site_id == site_id).values(slug=slug))
    op.create_index("uq_sites_slug", "sites", ["slug"], unique=True)


def downgrade() -> None:
    op.drop_index("uq_sites_slug", table_name="sites")
    op.drop_column("sites", "slug")
