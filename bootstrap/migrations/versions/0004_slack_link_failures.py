"""slack: wrong link-code attempts per Slack user (lockout)

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01
"""
from alembic import op
import sqlalchemy as sa
import billing.adapters.sql_types


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('slack_link_failures',
    sa.Column('slack_user_id', sa.String(length=32), nullable=False),
    sa.Column('failures', sa.Integer(), nullable=False),
    sa.Column('window_start', billing.adapters.sql_types.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('slack_user_id')
    )


def downgrade() -> None:
    op.drop_table('slack_link_failures')
