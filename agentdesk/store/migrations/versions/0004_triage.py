"""triage workflow: urgency score, follow-up time, @mentions, review comments

Revision ID: 0004
Revises: 0001
Create Date: 2026-11-26 23:05:00
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0004'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain ADD COLUMNs (no table copy), so a store with a million messages upgrades at once.
    op.add_column('conversation', sa.Column('urgency', sa.Integer(), nullable=False, server_default='0'))
    op.add_column('conversation', sa.Column('urgency_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))
    op.add_column('conversation', sa.Column('follow_up_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))
    op.create_index('ix_conversation_status_urgency', 'conversation', ['status', 'urgency', 'last_message_at'])
    # Search without words lists conversations newest first.
    op.create_index('ix_conversation_last_message_at', 'conversation', ['last_message_at'])
    op.create_index('ix_conversation_status_recent', 'conversation', ['status', 'last_message_at'])
    op.create_index('ix_conversation_assignee_recent', 'conversation', ['assignee_id', 'last_message_at'])

    op.create_table('mention',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('message_id', sa.Integer(), nullable=False),
    sa.Column('conversation_id', sa.Integer(), nullable=False),
    sa.Column('agent_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('seen_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['agent_id'], ['agent.id'], ),
    sa.ForeignKeyConstraint(['conversation_id'], ['conversation.id'], ),
    sa.ForeignKeyConstraint(['message_id'], ['message.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_mention_agent_conversation', 'mention', ['agent_id', 'conversation_id'])

    op.create_table('reviewcomment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('outbox_id', sa.Integer(), nullable=False),
    sa.Column('author', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('text', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['outbox_id'], ['outboxitem.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_reviewcomment_outbox_id', 'reviewcomment', ['outbox_id'])


def downgrade() -> None:
    op.drop_index('ix_reviewcomment_outbox_id', table_name='reviewcomment')
    op.drop_table('reviewcomment')
    op.drop_index('ix_mention_agent_conversation', table_name='mention')
    op.drop_table('mention')
    op.drop_index('ix_conversation_assignee_recent', table_name='conversation')
    op.drop_index('ix_conversation_status_recent', table_name='conversation')
    op.drop_index('ix_conversation_last_message_at', table_name='conversation')
    op.drop_index('ix_conversation_status_urgency', table_name='conversation')
    with op.batch_alter_table('conversation', schema=None) as batch_op:
        batch_op.drop_column('follow_up_at')
        batch_op.drop_column('urgency_at')
        batch_op.drop_column('urgency')
