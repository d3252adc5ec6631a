"""payments held for review: not matched to an invoice of the deal they name

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-03 16:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from quote2cash.store.columns import Money, UtcDateTime

revision: str = "0005"
down_revision: str | Sequence[str] | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "held_payment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("inbox_id", sa.Integer(), nullable=False),
        sa.Column("payment_id", sa.String(length=255), nullable=False),
        sa.Column("workflow_id", sa.String(length=255), nullable=False),
        sa.Column("invoice_id", sa.String(length=255), nullable=False),
        sa.Column("amount", Money(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("held_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("inbox_id"),
    )
    with op.batch_alter_table("held_payment", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_held_payment_workflow_id"), ["workflow_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("held_payment", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_held_payment_workflow_id"))
    op.drop_table("held_payment")
