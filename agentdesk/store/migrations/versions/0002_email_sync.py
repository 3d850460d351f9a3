"""email sync: per-folder sync state, the poller lease, automatic-mail and dedupe columns

Plain ALTER TABLE ADD COLUMN and CREATE INDEX only (no batch table rebuild), so the
FTS triggers on `message` from 0001 stay in place.

Revision ID: 0002
Revises: 0001
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

EMAIL_SOURCE_UNIQUE_WHERE = "source LIKE 'imap:%' OR source LIKE 'import:%'"


def upgrade() -> None:
    op.create_table(
        "mailsyncstate",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("folder", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("uidvalidity", sa.BigInteger(), nullable=False),
        sa.Column("last_uid", sa.BigInteger(), nullable=False),
        sa.Column("updated_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("account", "folder"),
    )
    op.create_table(
        "pollerlease",
        sa.Column("account", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("holder", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("expires_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("account"),
    )
    op.add_column("message", sa.Column("auto_kind", sqlmodel.sql.sqltypes.AutoString(), nullable=True))
    op.add_column("message", sa.Column("raw_sha256", sqlmodel.sql.sqltypes.AutoString(), nullable=True))
    op.create_index("ix_message_raw_sha256", "message", ["raw_sha256"], unique=False)
    op.create_index(
        "ux_message_email_source",
        "message",
        ["source"],
        unique=True,
        sqlite_where=sa.text(EMAIL_SOURCE_UNIQUE_WHERE),
        postgresql_where=sa.text(EMAIL_SOURCE_UNIQUE_WHERE),
    )
    op.add_column(
        "conversation",
        sa.Column("automatic", sa.Boolean(), nullable=False, server_default=sa.false()),
    )


def downgrade() -> None:
    with op.batch_alter_table("conversation") as batch_op:
        batch_op.drop_column("automatic")
    op.drop_index("ux_message_email_source", table_name="message")
    op.drop_index("ix_message_raw_sha256", table_name="message")
    with op.batch_alter_table("message") as batch_op:
        batch_op.drop_column("raw_sha256")
        batch_op.drop_column("auto_kind")
    op.drop_table("pollerlease")
    op.drop_table("mailsyncstate")
