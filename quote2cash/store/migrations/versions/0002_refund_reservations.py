"""refund reservations: what each refund holds of an invoice, under a per-invoice lock

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27 20:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from quote2cash.store.columns import Money, UtcDateTime

revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "refund_invoice",
        sa.Column("invoice_number", sa.String(length=64), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("invoice_number"),
    )
    op.create_table(
        "refund_reservation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("refund_key", sa.String(length=255), nullable=False),
        sa.Column("invoice_number", sa.String(length=64), nullable=False),
        sa.Column("run_id", sa.String(length=64), nullable=False),
        sa.Column("amount", Money(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("reserved_at", UtcDateTime(), nullable=False),
        sa.Column("released_at", UtcDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("refund_key"),
    )
    with op.batch_alter_table("refund_reservation", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_refund_reservation_invoice_number"), ["invoice_number"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("refund_reservation", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_refund_reservation_invoice_number"))
    op.drop_table("refund_reservation")
    op.drop_table("refund_invoice")
