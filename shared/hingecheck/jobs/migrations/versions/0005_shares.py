"""Shares: read-only links to one athlete's clips.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-03
"""
from alembic import op
import sqlalchemy as sa


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'shares',
        sa.Column('prefix', sa.String(length=20), primary_key=True),
        sa.Column('secret_hash', sa.String(length=64), nullable=False),
        sa.Column('tenant_id', sa.String(length=40), sa.ForeignKey('tenants.id'),
                  nullable=False),
        sa.Column('athlete', sa.String(length=200), nullable=False),
        sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index('ix_shares_tenant_id', 'shares', ['tenant_id'])


def downgrade() -> None:
    op.drop_index('ix_shares_tenant_id', table_name='shares')
    op.drop_table('shares')
