"""Jobs: why a finished clip got no score (filmed too far off the side, no rep found), and
each rep's score and faults (for views across clips: the worst reps of a week).

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-04
"""
from alembic import op
import sqlalchemy as sa


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('jobs') as batch:
        batch.add_column(sa.Column('unscored_reason', sa.Text(), nullable=True))
        batch.add_column(sa.Column('rep_summary', sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('jobs') as batch:
        batch.drop_column('rep_summary')
        batch.drop_column('unscored_reason')
