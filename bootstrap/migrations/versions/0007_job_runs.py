"""job_runs: the last tick each background job ran, so a tick runs once across workers and hosts

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-09
"""
from alembic import op
import sqlalchemy as sa
import billing.adapters.sql_types


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('job_runs',
    sa.Column('job', sa.String(length=32), nullable=False),
    sa.Column('tick', billing.adapters.sql_types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('started_at', billing.adapters.sql_types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('finished_at', billing.adapters.sql_types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('worker', sa.String(length=120), nullable=False),
    sa.Column('outcome', sa.String(length=300), server_default='', nullable=False),
    sa.PrimaryKeyConstraint('job')
    )


def downgrade() -> None:
    op.drop_table('job_runs')
