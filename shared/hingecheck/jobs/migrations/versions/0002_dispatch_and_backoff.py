"""Jobs: when a worker was last told of a job, and when a retried job may run again.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-03
"""
from alembic import op
import sqlalchemy as sa


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('jobs') as batch:
        batch.add_column(sa.Column('dispatched_at', sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column('retry_at', sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('jobs') as batch:
        batch.drop_column('retry_at')
        batch.drop_column('dispatched_at')
