"""staff_resources tables (filled in by the slice that owns them).

Revision ID: 0004_staff_resources
Revises: 0003_calendar
Create Date: 2026-11-23
"""

from collections.abc import Sequence

revision: str = "0004_staff_resources"
down_revision: str | None = "0003_calendar"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
