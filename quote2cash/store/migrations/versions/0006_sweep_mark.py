"""sweep marks: how far the missed-deal sweep has looked

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-03 16:20:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from quote2cash.store.columns import UtcDateTime

revision: str = "0006"
down_revision: str | Sequence[str] | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "sweep_mark",
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("swept_until", UtcDateTime(), nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("name"),
    )


def downgrade() -> None:
    op.drop_table("sweep_mark")
