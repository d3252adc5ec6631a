"""reconciliation runs and their findings

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-27 20:17:29.460524
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from quote2cash.store.columns import Money, UtcDateTime

revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "reconciliation_run",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("business_date", sa.Date(), nullable=False),
        sa.Column("ran_at", UtcDateTime(), nullable=False),
        sa.Column("matched", sa.Integer(), nullable=False),
        sa.Column("findings", sa.Integer(), nullable=False),
        sa.Column("pending", sa.Integer(), nullable=False),
        sa.Column("totals", sa.JSON(), nullable=False),
        sa.Column("pending_items", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("business_date"),
    )
    op.create_table(
        "reconciliation_finding",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("amount", Money(), nullable=False),
        sa.Column("explanation", sa.Text(), nullable=False),
        sa.Column("keys", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["run_id"], ["reconciliation_run.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("reconciliation_finding", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_reconciliation_finding_run_id"), ["run_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("reconciliation_finding", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_reconciliation_finding_run_id"))
    op.drop_table("reconciliation_finding")
    op.drop_table("reconciliation_run")
