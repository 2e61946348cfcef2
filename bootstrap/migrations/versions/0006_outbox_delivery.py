"""outbox delivery: the relay's claim, attempts, back-off, last error and Message-ID per mail

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-07
"""
from alembic import op
import sqlalchemy as sa
import billing.adapters.sql_types


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.add_column(sa.Column('status', sa.String(length=16), server_default='queued', nullable=False))
        batch_op.add_column(sa.Column('attempts', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('next_attempt_at', billing.adapters.sql_types.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('claimed_by', sa.String(length=64), server_default='', nullable=False))
        batch_op.add_column(sa.Column('last_error', sa.String(length=300), server_default='', nullable=False))
        batch_op.add_column(sa.Column('message_id', sa.String(length=254), server_default='', nullable=False))
        batch_op.create_index('ix_outbox_due', ['status', 'next_attempt_at'], unique=False)
    # Nothing marked mail sent before the relay existed; should a row say so, it is not sent again.
    op.execute("UPDATE outbox SET status = 'sent' WHERE sent_at IS NOT NULL")


def downgrade() -> None:
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.drop_index('ix_outbox_due')
        batch_op.drop_column('message_id')
        batch_op.drop_column('last_error')
        batch_op.drop_column('claimed_by')
        batch_op.drop_column('next_attempt_at')
        batch_op.drop_column('attempts')
        batch_op.drop_column('status')
