"""a dong's official English name (Revised Romanization)

Revision ID: 0015f
Revises: 0014b
Create Date: 2026-12-07 05:40:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0015f'
down_revision = '0015c'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('dong', schema=None) as batch_op:
        batch_op.add_column(sa.Column('name_en', sa.String(length=80), nullable=False,
                                      server_default=''))


def downgrade():
    with op.batch_alter_table('dong', schema=None) as batch_op:
        batch_op.drop_column('name_en')
