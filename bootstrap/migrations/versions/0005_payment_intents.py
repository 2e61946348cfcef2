"""payment intents: a confirmed card payment is recorded before the gateway is called

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02
"""
from alembic import op
import sqlalchemy as sa
import billing.adapters.sql_types


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('payment_intents',
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('action_id', sa.String(length=64), nullable=False),
    sa.Column('invoice_id', sa.String(length=64), nullable=False),
    sa.Column('account_id', sa.String(length=64), nullable=False),
    sa.Column('user_email', sa.String(length=254), nullable=False),
    sa.Column('amount', billing.adapters.sql_types.Money(), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('card_token', sa.String(length=64), nullable=False),
    sa.Column('card_brand', sa.String(length=20), nullable=False),
    sa.Column('card_last4', sa.String(length=4), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('created_at', billing.adapters.sql_types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', billing.adapters.sql_types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('charge_id', sa.String(length=64), nullable=False),
    sa.Column('failure_reason', sa.String(length=300), nullable=False),
    sa.Column('completed_at', billing.adapters.sql_types.UTCDateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('action_id')
    )
    with op.batch_alter_table('payment_intents', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_payment_intents_invoice_id'), ['invoice_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_payment_intents_state'), ['state'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('payment_intents', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_payment_intents_state'))
        batch_op.drop_index(batch_op.f('ix_payment_intents_invoice_id'))

    op.drop_table('payment_intents')
