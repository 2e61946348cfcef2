"""billing schema

Revision ID: 0001
Revises: 
Create Date: 2026-11-28
"""
from alembic import op
import sqlalchemy as sa
import billing.adapters.sql_types


revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('accounts',
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('country', sa.String(length=2), nullable=False),
    sa.Column('collector_name', sa.String(length=100), nullable=False),
    sa.Column('collector_email', sa.String(length=254), nullable=False),
    sa.Column('ae_name', sa.String(length=100), nullable=False),
    sa.Column('ae_email', sa.String(length=254), nullable=False),
    sa.Column('reseller', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_table('audit_log',
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('at', billing.adapters.sql_types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('actor_email', sa.String(length=254), nullable=False),
    sa.Column('channel', sa.String(length=16), nullable=False),
    sa.Column('conversation_id', sa.String(length=64), nullable=False),
    sa.Column('operation', sa.String(length=64), nullable=False),
    sa.Column('args', sa.JSON(), nullable=False),
    sa.Column('outcome', sa.String(length=16), nullable=False),
    sa.Column('result', sa.JSON(), nullable=False),
    sa.Column('action_id', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_audit_log_action_id'), ['action_id'], unique=False)

    op.create_table('contract_contacts',
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('contract_id', sa.String(length=64), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('roles', sa.JSON(), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('contract_id', 'email', name='uq_contract_contact')
    )
    with op.batch_alter_table('contract_contacts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_contract_contacts_contract_id'), ['contract_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_contract_contacts_email'), ['email'], unique=False)

    op.create_table('contracts',
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('account_id', sa.String(length=64), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('auto_renew', sa.Boolean(), nullable=False),
    sa.Column('end_date', sa.Date(), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('card_allowed', sa.Boolean(), nullable=False),
    sa.Column('billing_address', sa.JSON(), nullable=False),
    sa.Column('billing_contact', sa.JSON(), nullable=False),
    sa.Column('card', sa.JSON(), nullable=True),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('contracts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_contracts_account_id'), ['account_id'], unique=False)

    op.create_table('invoices',
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('contract_id', sa.String(length=64), nullable=False),
    sa.Column('amount', billing.adapters.sql_types.Money(), nullable=False),
    sa.Column('balance', billing.adapters.sql_types.Money(), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('issue_date', sa.Date(), nullable=False),
    sa.Column('due_date', sa.Date(), nullable=False),
    sa.Column('po_number', sa.String(length=40), nullable=False),
    sa.Column('disputed', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('invoices', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_invoices_contract_id'), ['contract_id'], unique=False)

    op.create_table('outbox',
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('to', sa.String(length=254), nullable=False),
    sa.Column('subject', sa.String(length=300), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('ref', sa.String(length=254), nullable=False),
    sa.Column('created_at', billing.adapters.sql_types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('sent_at', billing.adapters.sql_types.UTCDateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_table('payments',
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('confirmation_number', sa.String(length=32), nullable=False),
    sa.Column('invoice_id', sa.String(length=64), nullable=False),
    sa.Column('account_id', sa.String(length=64), nullable=False),
    sa.Column('amount', billing.adapters.sql_types.Money(), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('gateway_charge_id', sa.String(length=64), nullable=False),
    sa.Column('card_brand', sa.String(length=20), nullable=False),
    sa.Column('card_last4', sa.String(length=4), nullable=False),
    sa.Column('action_id', sa.String(length=64), nullable=False),
    sa.Column('created_at', billing.adapters.sql_types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('settles_at', billing.adapters.sql_types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('settled_at', billing.adapters.sql_types.UTCDateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('action_id'),
    sa.UniqueConstraint('confirmation_number')
    )
    with op.batch_alter_table('payments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_payments_invoice_id'), ['invoice_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_payments_status'), ['status'], unique=False)

    op.create_table('pending_actions',
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('user_email', sa.String(length=254), nullable=False),
    sa.Column('conversation_id', sa.String(length=64), nullable=False),
    sa.Column('channel', sa.String(length=16), nullable=False),
    sa.Column('operation', sa.String(length=64), nullable=False),
    sa.Column('args', sa.JSON(), nullable=False),
    sa.Column('summary', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('created_at', billing.adapters.sql_types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('expires_at', billing.adapters.sql_types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('decided_at', billing.adapters.sql_types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('result', sa.JSON(), nullable=True),
    sa.Column('bound', sa.JSON(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('pending_actions', schema=None) as batch_op:
        batch_op.create_index('ix_pending_actions_conversation', ['conversation_id', 'user_email', 'status'], unique=False)

    op.create_table('portal_users',
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('account_id', sa.String(length=64), nullable=False),
    sa.Column('reseller', sa.Boolean(), nullable=False),
    sa.Column('created_at', billing.adapters.sql_types.UTCDateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('email')
    )
    with op.batch_alter_table('portal_users', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_portal_users_account_id'), ['account_id'], unique=False)

    op.create_table('signed_quotes',
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('contract_id', sa.String(length=64), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('signed_on', sa.Date(), nullable=False),
    sa.Column('signed_by', sa.String(length=100), nullable=False),
    sa.Column('total', billing.adapters.sql_types.Money(), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('signed_quotes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_signed_quotes_contract_id'), ['contract_id'], unique=False)

    op.create_table('support_cases',
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('account_id', sa.String(length=64), nullable=False),
    sa.Column('requester_email', sa.String(length=254), nullable=False),
    sa.Column('queue', sa.String(length=32), nullable=False),
    sa.Column('assignee', sa.String(length=100), nullable=False),
    sa.Column('subject', sa.String(length=200), nullable=False),
    sa.Column('summary', sa.Text(), nullable=False),
    sa.Column('conversation_id', sa.String(length=64), nullable=False),
    sa.Column('channel', sa.String(length=16), nullable=False),
    sa.Column('created_at', billing.adapters.sql_types.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('support_cases', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_support_cases_account_id'), ['account_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('support_cases', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_support_cases_account_id'))

    op.drop_table('support_cases')
    with op.batch_alter_table('signed_quotes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_signed_quotes_contract_id'))

    op.drop_table('signed_quotes')
    with op.batch_alter_table('portal_users', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_portal_users_account_id'))

    op.drop_table('portal_users')
    with op.batch_alter_table('pending_actions', schema=None) as batch_op:
        batch_op.drop_index('ix_pending_actions_conversation')

    op.drop_table('pending_actions')
    with op.batch_alter_table('payments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_payments_status'))
        batch_op.drop_index(batch_op.f('ix_payments_invoice_id'))

    op.drop_table('payments')
    op.drop_table('outbox')
    with op.batch_alter_table('invoices', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_invoices_contract_id'))

    op.drop_table('invoices')
    with op.batch_alter_table('contracts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_contracts_account_id'))

    op.drop_table('contracts')
    with op.batch_alter_table('contract_contacts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_contract_contacts_email'))
        batch_op.drop_index(batch_op.f('ix_contract_contacts_contract_id'))

    op.drop_table('contract_contacts')
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_audit_log_action_id'))

    op.drop_table('audit_log')
    op.drop_table('accounts')
