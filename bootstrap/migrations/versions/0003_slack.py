"""slack: user links, link codes, delivered-event keys

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28
"""
from alembic import op
import sqlalchemy as sa
import billing.adapters.sql_types


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('slack_user_links',
    sa.Column('slack_user_id', sa.String(length=32), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('team_id', sa.String(length=32), nullable=True),
    sa.Column('method', sa.String(length=16), nullable=False),
    sa.Column('linked_at', billing.adapters.sql_types.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('slack_user_id')
    )
    with op.batch_alter_table('slack_user_links', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_slack_user_links_email'), ['email'], unique=False)

    op.create_table('slack_link_codes',
    sa.Column('code_hash', sa.String(length=64), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('created_at', billing.adapters.sql_types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('expires_at', billing.adapters.sql_types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('used_at', billing.adapters.sql_types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('used_by', sa.String(length=32), nullable=True),
    sa.PrimaryKeyConstraint('code_hash')
    )
    op.create_table('slack_events',
    sa.Column('key', sa.String(length=200), nullable=False),
    sa.Column('received_at', billing.adapters.sql_types.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('key')
    )
    with op.batch_alter_table('slack_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_slack_events_received_at'), ['received_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('slack_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_slack_events_received_at'))

    op.drop_table('slack_events')
    op.drop_table('slack_link_codes')
    with op.batch_alter_table('slack_user_links', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_slack_user_links_email'))

    op.drop_table('slack_user_links')
