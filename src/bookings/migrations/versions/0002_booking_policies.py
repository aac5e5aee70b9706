"""booking_policies tables (filled in by the slice that owns them).

Revision ID: 0002_booking_policies
Revises: 0001_platform
Create Date: 2026-11-23
"""

from collections.abc import Sequence

revision: str = "0002_booking_policies"
down_revision: str | None = "0001_platform"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
