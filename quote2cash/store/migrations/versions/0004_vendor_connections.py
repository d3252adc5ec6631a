"""vendor connections: OAuth grants and their sealed tokens

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-03 16:20:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from quote2cash.store.columns import UtcDateTime

revision: str = "0004"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "vendor_connection",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("vendor", sa.String(length=32), nullable=False),
        sa.Column("tenant_id", sa.String(length=64), nullable=False),
        sa.Column("tenant_name", sa.String(length=255), nullable=False),
        sa.Column("vendor_connection_id", sa.String(length=64), nullable=False),
        sa.Column("grant_type", sa.String(length=32), nullable=False),
        sa.Column("client_id", sa.String(length=255), nullable=False),
        sa.Column("scopes", sa.Text(), nullable=False),
        sa.Column("sealed_tokens", sa.LargeBinary(), nullable=False),
        sa.Column("access_expires_at", UtcDateTime(), nullable=True),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("status_reason", sa.Text(), nullable=False),
        sa.Column("refreshes", sa.Integer(), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        sa.Column("refreshed_at", UtcDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("vendor", "tenant_id"),
    )


def downgrade() -> None:
    op.drop_table("vendor_connection")
