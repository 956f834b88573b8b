"""a person's larger-text reading preference, remembered across devices

Revision ID: 0014e
Revises: 0014a
Create Date: 2026-12-07 01:50:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0014e'
down_revision = '0014a'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.add_column(sa.Column('large_text', sa.Boolean(), nullable=False,
                                      server_default=sa.false()))


def downgrade():
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.drop_column('large_text')
