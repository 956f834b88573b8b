"""an account's role for the city of Seoul, held for every district (reviewer, coordinator)

Revision ID: 0015i
Revises: 0015f
Create Date: 2026-12-08 09:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0015i'
down_revision = '0015f'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.add_column(sa.Column('city_role', sa.String(length=20), nullable=True))
        batch_op.create_check_constraint(
            batch_op.f('ck_user_account_known_city_role'),
            "city_role IS NULL OR city_role IN ('reviewer', 'coordinator')")


def downgrade():
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_user_account_known_city_role'), type_='check')
        batch_op.drop_column('city_role')
