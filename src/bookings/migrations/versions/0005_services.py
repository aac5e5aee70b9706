"""services tables (filled in by the slice that owns them).

Revision ID: 0005_services
Revises: 0004_staff_resources
Create Date: 2026-11-23
"""

from collections.abc import Sequence

revision: str = "0005_services"
down_revision: str | None = "0004_staff_resources"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
