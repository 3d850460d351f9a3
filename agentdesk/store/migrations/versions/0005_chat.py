"""chat: the chat pollers' saved positions and the chat event -> message map

Revision ID: 0005
Revises: 0001
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = "0005"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "chat_position",
        sa.Column("account", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("position", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("updated_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("account"),
    )
    op.create_table(
        "chat_message_ref",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("external_id", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("message_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["message_id"], ["message.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("account", "external_id"),
    )
    op.create_index("ix_chat_message_ref_message_id", "chat_message_ref", ["message_id"])


def downgrade() -> None:
    op.drop_index("ix_chat_message_ref_message_id", table_name="chat_message_ref")
    op.drop_table("chat_message_ref")
    op.drop_table("chat_position")
