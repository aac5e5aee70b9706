"""calendar tables (filled in by the slice that owns them).

Revision ID: 0003_calendar
Revises: 0002_booking_policies
Create Date: 2026-11-23
"""

from collections.abc import Sequence

revision: str = "0003_calendar"
down_revision: str | None = "0002_booking_policies"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
