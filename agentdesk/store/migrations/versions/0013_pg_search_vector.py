"""search: PostgreSQL stores each message's tsvector instead of computing it to rank

The GIN index was built on the tsvector expression, so finding matches was quick, but
ts_rank had to parse every candidate's text again: 89 ms for a common word at 30,000
messages, against 5 ms once the vector is a stored generated column (indexed by GIN in
place of the expression). Inserting costs the same: the expression index computed the
vector on every insert too. SQLite (FTS5) is unchanged.

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-27 07:00:00
"""
from alembic import op

from agentdesk.store.fts import PG_SEARCH_COLUMN, PG_SEARCH_INDEX, PG_SEARCH_VECTOR, PG_TSVECTOR

revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(PG_SEARCH_COLUMN)
    op.execute(PG_SEARCH_INDEX)
    op.execute("DROP INDEX IF EXISTS ix_message_fts")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(f"CREATE INDEX ix_message_fts ON message USING gin ({PG_TSVECTOR})")
    op.execute(f"ALTER TABLE message DROP COLUMN {PG_SEARCH_VECTOR}")  # and its index
