"""outbox: each reply backs off on its own after a failed attempt

Replies were retried on every outbox run and failed for good after five attempts, so
a few minutes of SMTP outage left every waiting reply failed, to be sent again by
hand. Now a failed attempt sets the reply's next attempt (1 min, doubling to 1 h)
and a reply fails for good only after about six hours, or at once when the server
refuses it permanently (5xx).

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-27 02:20:00
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('outboxitem', sa.Column('next_attempt_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('outboxitem') as batch:
        batch.drop_column('next_attempt_at')
