"""how a vote counted by MES spends what the equal shares leave (none, add1, greedy)

Revision ID: 0014c
Revises: 0014e
Create Date: 2026-12-07 02:30:00

Votes stored before keep add1, the completion they were counted with.

"""
from alembic import op
import sqlalchemy as sa


revision = '0014c'
down_revision = '0014e'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('vote', schema=None) as batch_op:
        batch_op.add_column(sa.Column('mes_completion', sa.String(length=10), nullable=False,
                                      server_default='add1'))
        batch_op.create_check_constraint(
            'known_mes_completion', "mes_completion IN ('none', 'add1', 'greedy')")


def downgrade():
    with op.batch_alter_table('vote', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_vote_known_mes_completion'), type_='check')
        batch_op.drop_column('mes_completion')
