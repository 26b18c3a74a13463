"""Jobs: when the clip was filmed (the video's own creation time). Notes: a moment in the
clip, shown to the athlete or not, a drawing on the frame, and the athlete's replies
through a share link (who wrote it, what it answers, which link).

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-14
"""
from alembic import op
import sqlalchemy as sa


revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('jobs') as batch:
        batch.add_column(sa.Column('video_created_at', sa.DateTime(timezone=True),
                                   nullable=True))
    with op.batch_alter_table('notes') as batch:
        batch.add_column(sa.Column('at_s', sa.Float(), nullable=True))
        batch.add_column(sa.Column('shared', sa.Boolean(), nullable=False,
                                   server_default=sa.false()))
        batch.add_column(sa.Column('drawing', sa.Text(), nullable=True))
        batch.add_column(sa.Column('author', sa.String(length=10), nullable=False,
                                   server_default='coach'))
        batch.add_column(sa.Column('reply_to', sa.String(length=40), nullable=True))
        batch.add_column(sa.Column('share_prefix', sa.String(length=20), nullable=True))
    op.create_index('ix_notes_share_prefix', 'notes', ['share_prefix'])


def downgrade() -> None:
    op.drop_index('ix_notes_share_prefix', table_name='notes')
    with op.batch_alter_table('notes') as batch:
        batch.drop_column('share_prefix')
        batch.drop_column('reply_to')
        batch.drop_column('author')
        batch.drop_column('drawing')
        batch.drop_column('shared')
        batch.drop_column('at_s')
    with op.batch_alter_table('jobs') as batch:
        batch.drop_column('video_created_at')
