"""Jobs: the exercise a job was judged by, and which job a re-analysis repeats.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-03
"""
from alembic import op
import sqlalchemy as sa


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('jobs') as batch:
        batch.add_column(sa.Column('exercise_found', sa.String(length=40), nullable=True))
        batch.add_column(sa.Column('reanalysis_of', sa.String(length=40), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('jobs') as batch:
        batch.drop_column('reanalysis_of')
        batch.drop_column('exercise_found')
