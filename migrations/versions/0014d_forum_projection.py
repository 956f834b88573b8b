"""the hall's projection as the organizer drives it: slide, results shown, frozen

Revision ID: 0014d
Revises: 0014c
Create Date: 2026-12-07 02:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0014d'
down_revision = '0014c'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('forum') as batch:
        batch.add_column(sa.Column('screen_slide', sa.Integer(), nullable=False,
                                   server_default='0'))
        batch.add_column(sa.Column('screen_results_shown', sa.Boolean(), nullable=False,
                                   server_default=sa.true()))
        batch.add_column(sa.Column('screen_frozen', sa.Boolean(), nullable=False,
                                   server_default=sa.false()))
        batch.add_column(sa.Column('screen_slide_started_at', sa.DateTime(timezone=True),
                                   nullable=True))
        batch.add_column(sa.Column('screen_version', sa.Integer(), nullable=False,
                                   server_default='0'))
        batch.create_check_constraint(op.f('ck_forum_screen_slide_not_negative'), 'screen_slide >= 0')
        batch.create_check_constraint(op.f('ck_forum_screen_version_not_negative'), 'screen_version >= 0')


def downgrade():
    with op.batch_alter_table('forum') as batch:
        batch.drop_constraint(op.f('ck_forum_screen_version_not_negative'), type_='check')
        batch.drop_constraint(op.f('ck_forum_screen_slide_not_negative'), type_='check')
        batch.drop_column('screen_version')
        batch.drop_column('screen_slide_started_at')
        batch.drop_column('screen_frozen')
        batch.drop_column('screen_results_shown')
        batch.drop_column('screen_slide')
