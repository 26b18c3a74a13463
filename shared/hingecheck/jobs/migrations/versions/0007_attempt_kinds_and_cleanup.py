"""Jobs: how many attempts ended in an error and how many ran out of time (the rest of the
attempts without an outcome were interrupted), when the webhook was taken for delivery
(so that each ended job's webhook is sent once), and when a rejected clip's source was
removed.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-11
"""
from alembic import op
import sqlalchemy as sa


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('jobs') as batch:
        batch.add_column(sa.Column('error_attempts', sa.Integer(), nullable=False,
                                   server_default='0'))
        batch.add_column(sa.Column('timeout_attempts', sa.Integer(), nullable=False,
                                   server_default='0'))
        batch.add_column(sa.Column('webhook_at', sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column('source_removed_at', sa.DateTime(timezone=True),
                                   nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('jobs') as batch:
        batch.drop_column('source_removed_at')
        batch.drop_column('webhook_at')
        batch.drop_column('timeout_attempts')
        batch.drop_column('error_attempts')
