"""Notes: a coach's notes on a job's reps.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-03
"""
from alembic import op
import sqlalchemy as sa


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'notes',
        sa.Column('id', sa.String(length=40), primary_key=True),
        sa.Column('tenant_id', sa.String(length=40), sa.ForeignKey('tenants.id'),
                  nullable=False),
        sa.Column('job_id', sa.String(length=40), sa.ForeignKey('jobs.id'), nullable=False),
        sa.Column('rep', sa.Integer(), nullable=True),
        sa.Column('text', sa.Text(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index('ix_notes_job_id', 'notes', ['job_id'])


def downgrade() -> None:
    op.drop_index('ix_notes_job_id', table_name='notes')
    op.drop_table('notes')
