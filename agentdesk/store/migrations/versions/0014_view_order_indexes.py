"""inbox: "mine" and "all" read their pages in order from an index instead of sorting

`mine` is assigned to me and not closed: the (assignee_id, status, ...) index cannot
give a status range in (sort_due, last_message_at, id) order, so each page sorted all
of an agent's conversations (44 ms for 10,900 at 100,000 conversations); `all` had no
index in that order at all and sorted the whole table (54 ms). Closed conversations
sort last (their sort_due is the far-future NO_DUE), so walking these indexes in
order finds a page at once: 9 and 8 ms.

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-27 07:10:00
"""
from alembic import op


revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None

_SORT = ['sort_due', 'last_message_at', 'id']


def upgrade() -> None:
    op.create_index('ix_conversation_sort', 'conversation', _SORT, unique=False)
    op.create_index('ix_conversation_assignee_due', 'conversation', ['assignee_id', *_SORT], unique=False)


def downgrade() -> None:
    op.drop_index('ix_conversation_assignee_due', table_name='conversation')
    op.drop_index('ix_conversation_sort', table_name='conversation')
