"""reports: CSAT ratings, and the indexes the reports read through

`csat_rating` holds one 1-5 rating per conversation (agentdesk.services.csat).
`ix_conversation_created_at` lets a report pick a period's conversations without a
table scan; `ix_message_conversation_direction` lets it count each conversation's
replies, and who wrote them, from the index alone, never touching message rows;
`ix_event_conversation_action` does the same for its status changes (closes, reopens).

Revision ID: 0006
Revises: 0001
Create Date: 2026-11-26 23:20:00
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0006'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('csat_rating',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('conversation_id', sa.Integer(), nullable=False),
    sa.Column('message_id', sa.Integer(), nullable=False),
    sa.Column('rating', sa.Integer(), nullable=False),
    sa.Column('comment', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('rated_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('agent_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['agent_id'], ['agent.id'], ),
    sa.ForeignKeyConstraint(['conversation_id'], ['conversation.id'], ),
    sa.ForeignKeyConstraint(['message_id'], ['message.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('conversation_id'),
    )
    op.create_index('ix_csat_rating_rated_at', 'csat_rating', ['rated_at'])
    op.create_index('ix_conversation_created_at', 'conversation', ['created_at'])
    op.create_index(
        'ix_message_conversation_direction', 'message',
        ['conversation_id', 'direction', 'sent_at', 'author_address'],
    )
    op.create_index('ix_event_conversation_action', 'event', ['conversation_id', 'action', 'at'])


def downgrade() -> None:
    op.drop_index('ix_event_conversation_action', table_name='event')
    op.drop_index('ix_message_conversation_direction', table_name='message')
    op.drop_index('ix_conversation_created_at', table_name='conversation')
    op.drop_index('ix_csat_rating_rated_at', table_name='csat_rating')
    op.drop_table('csat_rating')
