"""reports: a covering index for a period's conversations (replaces ix_conversation_created_at)

A report starts from the conversations created in a period and reads seven of their
columns. Through `ix_conversation_created_at` each of them cost a lookup in the wide
conversation table (subject, preview, ...), so on SQLite a 90-day report over a
100,000-conversation store read faster by scanning the whole table. With every column
the report and the backlog need in `ix_conversation_report`, the period is one range of
one index and no conversation row is read (PostgreSQL: an index-only scan). Its first
column is `created_at`, so it serves every lookup the old index served, which goes.

Revision ID: 0008
Revises: 0006 (which made the old index), 0002 (which adds `automatic`): a merge point
Create Date: 2026-11-27 01:30:00
"""
from alembic import op


revision = '0008'
down_revision = ('0002', '0006')
branch_labels = None
depends_on = None

COLUMNS = [
    'created_at', 'automatic', 'status', 'channel', 'assignee_id', 'first_response_at',
    'closed_at', 'id',
]


def upgrade() -> None:
    op.create_index('ix_conversation_report', 'conversation', COLUMNS)
    op.drop_index('ix_conversation_created_at', table_name='conversation')


def downgrade() -> None:
    op.create_index('ix_conversation_created_at', 'conversation', ['created_at'])
    op.drop_index('ix_conversation_report', table_name='conversation')
