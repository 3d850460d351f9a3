"""search: messages a big sync stored can be indexed a moment later, off its path

A first sync of a big mailbox spent ~40% of its storing time in the FTS5 insert
trigger. Now the sync marks each batch's message ids in `fts_backlog` (in the
batch's own transaction), the triggers skip ids the backlog covers, and a second
connection indexes the batch while the sync prepares the next one, removing the
backlog row in the same transaction. A backlog left by a crash is indexed by the
next sync. SQLite only: PostgreSQL's GIN index needs nothing.

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-27 04:00:00
"""
from alembic import op

from agentdesk.store.fts import FTS_BACKLOG_TABLE, FTS_SQLITE, FTS_SQLITE_TRIGGERS

revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None

_TRIGGERS = ("message_fts_ai", "message_fts_ad", "message_fts_au")


def upgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    op.execute(FTS_BACKLOG_TABLE)
    for name in _TRIGGERS:
        op.execute(f"DROP TRIGGER IF EXISTS {name}")
    for statement in FTS_SQLITE_TRIGGERS:
        op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    op.execute(
        "INSERT INTO message_fts(rowid, subject, text, author) "
        "SELECT m.id, m.subject, m.text, m.author || ' ' || m.author_address FROM message m "
        "JOIN fts_backlog b ON m.id BETWEEN b.first_id AND b.last_id"
    )
    for name in _TRIGGERS:
        op.execute(f"DROP TRIGGER IF EXISTS {name}")
    for statement in FTS_SQLITE[1:]:
        op.execute(statement)
    op.execute("DROP TABLE fts_backlog")
