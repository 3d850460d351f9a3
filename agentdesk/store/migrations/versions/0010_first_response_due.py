"""reports: when the first answer was due, fixed on arrival (configured targets, business hours)

Reports counted "answered within SLA" against the built-in targets in calendar time,
while the inbox used the configured `[sla]` targets and business hours. Intake now
stores the first-response due time when a conversation arrives; the report compares
the first reply with it. Older conversations keep NULL and are measured against the
configured targets in calendar time. The report's covering index gains the column.

Revision ID: 0010
Revises: 0008
Create Date: 2026-11-27 02:15:00
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0010'
down_revision = '0008'
branch_labels = None
depends_on = None

OLD_COLUMNS = [
    'created_at', 'automatic', 'status', 'channel', 'assignee_id', 'first_response_at',
    'closed_at', 'id',
]
NEW_COLUMNS = OLD_COLUMNS[:-1] + ['first_due_at', 'id']


def upgrade() -> None:
    op.add_column('conversation', sa.Column('first_due_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))
    op.drop_index('ix_conversation_report', table_name='conversation')
    op.create_index('ix_conversation_report', 'conversation', NEW_COLUMNS)


def downgrade() -> None:
    op.drop_index('ix_conversation_report', table_name='conversation')
    op.create_index('ix_conversation_report', 'conversation', OLD_COLUMNS)
    with op.batch_alter_table('conversation') as batch:
        batch.drop_column('first_due_at')
