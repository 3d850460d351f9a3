"""bench: the indexes shop-scale stores need (found by bench/run)

`ix_message_source`: ingest looks every fetched mail up by its source
("imap:account/folder:uidvalidity:uid") to stay exactly-once. The unique index on
email sources is partial (WHERE source LIKE 'imap:%' OR ...), and a lookup by a bound
value cannot use it, so each lookup scanned the message table: syncing 20,000 mails
into a store got slower with every mail. A plain index makes it one probe.

Revision ID: 0007
Revises: 0001
Create Date: 2026-11-26 23:25:00
"""
from alembic import op


revision = '0007'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index('ix_message_source', 'message', ['source'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_message_source', table_name='message')
