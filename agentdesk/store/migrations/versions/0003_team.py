"""team: presence and per-agent drafts; on PostgreSQL, NOTIFY on every change

PostgreSQL gets one statement-level trigger per table that the screens show
(conversation, message, event, outboxitem, presence): each commit that touches them
sends one `agentdesk_changes` notification, which agentdesk.services.live listens for.
NOTIFY is delivered at commit and folded within a transaction, so a bulk import costs
one notification. SQLite needs nothing: readers ask PRAGMA data_version.

Revision ID: 0003
Revises: 0001
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = "0003"
down_revision = "0001"
branch_labels = None
depends_on = None

#: The LISTEN/NOTIFY channel; agentdesk.services.live uses the same name.
CHANNEL = "agentdesk_changes"
NOTIFY_TABLES = ("conversation", "message", "event", "outboxitem", "presence")


def upgrade() -> None:
    op.create_table(
        "presence",
        sa.Column("session_id", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("agent_login", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("agent_name", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("conversation_id", sa.Integer(), nullable=True),
        sa.Column("activity", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("heartbeat_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("session_id"),
    )
    op.create_index(
        "ix_presence_conversation_heartbeat", "presence", ["conversation_id", "heartbeat_at"]
    )
    op.create_index("ix_presence_heartbeat_at", "presence", ["heartbeat_at"])
    op.create_table(
        "draft",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("agent_login", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("conversation_id", sa.Integer(), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("text", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("base_message_id", sa.Integer(), nullable=False),
        sa.Column("updated_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["conversation_id"], ["conversation.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("agent_login", "conversation_id"),
    )
    op.create_index("ix_draft_conversation_id", "draft", ["conversation_id"])
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE FUNCTION agentdesk_notify() RETURNS trigger LANGUAGE plpgsql AS $$ "
            f"BEGIN PERFORM pg_notify('{CHANNEL}', TG_TABLE_NAME); RETURN NULL; END $$"
        )
        for table in NOTIFY_TABLES:
            op.execute(
                f"CREATE TRIGGER {table}_notify AFTER INSERT OR UPDATE OR DELETE ON {table} "
                "FOR EACH STATEMENT EXECUTE FUNCTION agentdesk_notify()"
            )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table in NOTIFY_TABLES:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_notify ON {table}")
        op.execute("DROP FUNCTION IF EXISTS agentdesk_notify()")
    op.drop_index("ix_draft_conversation_id", table_name="draft")
    op.drop_table("draft")
    op.drop_index("ix_presence_heartbeat_at", table_name="presence")
    op.drop_index("ix_presence_conversation_heartbeat", table_name="presence")
    op.drop_table("presence")
