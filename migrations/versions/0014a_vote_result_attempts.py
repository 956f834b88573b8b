"""how many times a vote's background count was sent to the job queue

Revision ID: 0014a
Revises: 0013
Create Date: 2026-12-07 02:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0014a'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('vote_result', schema=None) as batch_op:
        batch_op.add_column(sa.Column('attempts', sa.Integer(), nullable=False,
                                      server_default='0'))


def downgrade():
    with op.batch_alter_table('vote_result', schema=None) as batch_op:
        batch_op.drop_column('attempts')
