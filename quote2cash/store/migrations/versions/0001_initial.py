"""initial schema: inbox, id map, invoice numbers, ledger, audit

Revision ID: 0001
Revises: (none)
Create Date: 2026-11-27 16:54:59.442398
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from quote2cash.store.columns import Money, UtcDateTime

revision: str = "0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "audit_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", UtcDateTime(), nullable=False),
        sa.Column("actor", sa.String(length=255), nullable=False),
        sa.Column("action", sa.String(length=128), nullable=False),
        sa.Column("subject", sa.String(length=255), nullable=False),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_audit_event_subject"), ["subject"], unique=False)

    op.create_table(
        "id_map",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("system", sa.String(length=32), nullable=False),
        sa.Column("kind", sa.String(length=64), nullable=False),
        sa.Column("our_key", sa.String(length=255), nullable=False),
        sa.Column("their_id", sa.String(length=255), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("system", "kind", "our_key", name="uq_id_map_ours"),
        sa.UniqueConstraint("system", "kind", "their_id", name="uq_id_map_theirs"),
    )
    op.create_table(
        "inbox_entry",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=32), nullable=False),
        sa.Column("dedupe_key", sa.String(length=255), nullable=False),
        sa.Column("kind", sa.String(length=128), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("headers", sa.JSON(), nullable=False),
        sa.Column("body", sa.LargeBinary(), nullable=False),
        sa.Column("received_at", UtcDateTime(), nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        sa.Column("relayed_at", UtcDateTime(), nullable=True),
        sa.Column("next_attempt_at", UtcDateTime(), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("duplicates", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("dedupe_key"),
    )
    with op.batch_alter_table("inbox_entry", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_inbox_entry_source"), ["source"], unique=False)
        batch_op.create_index(batch_op.f("ix_inbox_entry_status"), ["status"], unique=False)

    op.create_table(
        "invoice_counter",
        sa.Column("entity", sa.String(length=64), nullable=False),
        sa.Column("next_value", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("entity"),
    )
    op.create_table(
        "invoice_number",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("entity", sa.String(length=64), nullable=False),
        sa.Column("business_key", sa.String(length=255), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=64), nullable=False),
        sa.Column("allocated_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("entity", "business_key", name="uq_invoice_number_key"),
        sa.UniqueConstraint("entity", "number", name="uq_invoice_number_number"),
        sa.UniqueConstraint("entity", "seq", name="uq_invoice_number_seq"),
    )
    op.create_table(
        "ledger_entry",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("entry_key", sa.String(length=255), nullable=False),
        sa.Column("deal_id", sa.String(length=255), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("entry_date", sa.Date(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("source", sa.String(length=64), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("posted_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("entry_key"),
    )
    with op.batch_alter_table("ledger_entry", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_ledger_entry_deal_id"), ["deal_id"], unique=False)

    op.create_table(
        "ledger_line",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("entry_id", sa.Integer(), nullable=False),
        sa.Column("line_no", sa.Integer(), nullable=False),
        sa.Column("account", sa.String(length=64), nullable=False),
        sa.Column("debit", Money(), nullable=False),
        sa.Column("credit", Money(), nullable=False),
        sa.Column("memo", sa.String(length=512), nullable=False),
        sa.ForeignKeyConstraint(
            ["entry_id"],
            ["ledger_entry.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("ledger_line", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_ledger_line_entry_id"), ["entry_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("ledger_line", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ledger_line_entry_id"))

    op.drop_table("ledger_line")
    with op.batch_alter_table("ledger_entry", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ledger_entry_deal_id"))

    op.drop_table("ledger_entry")
    op.drop_table("invoice_number")
    op.drop_table("invoice_counter")
    with op.batch_alter_table("inbox_entry", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_inbox_entry_status"))
        batch_op.drop_index(batch_op.f("ix_inbox_entry_source"))

    op.drop_table("inbox_entry")
    op.drop_table("id_map")
    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_audit_event_subject"))

    op.drop_table("audit_event")
